"""Benchmarks of minitorch against torch: the suites, their driver (``minitorch bench``) and the report.

Installed as ``minitorch_app.benchmarks`` (``setup.py`` maps this directory there), so
``minitorch bench`` runs from an installed package as well as from a source checkout. The
modules import one another relatively: pytest names this directory ``benchmarks`` when it
collects the suites from a checkout, and ``minitorch_app.benchmarks`` when they are installed.

- ``driver.py``: ``minitorch bench`` (runs the suites and the memory cases in subprocesses);
- ``report.py``: REPORT.md, results.json and the charts; ``targets.py``: the targets table;
- ``cases.py``, ``common.py``, ``conftest.py``, ``test_bench_*.py``: the pytest-benchmark suites;
- ``memory.py``: peak memory of one case in a fresh process; ``profile_lenet.py``: a quick
  side-by-side timing with an optional cProfile.
"""
