"""Which packages the minitorch distribution installs (the rest of the metadata is in pyproject.toml).

Two packages: ``minitorch``, the library (PyTorch's API), and ``minitorch_app``, the
application built on it (the ``minitorch`` command, trainer, models). The application
also installs two top-level directories of the source tree under its own name, so that
``minitorch bench`` and ``minitorch train --engine torch`` work from an installed package
without putting generic top-level names such as ``benchmarks`` into site-packages:

    benchmarks/  ->  minitorch_app.benchmarks   (suites, driver, report, targets)
    reference/   ->  minitorch_app.reference    (the torch twins; imports torch)

pyproject.toml cannot list packages found by a search and mapped ones together, hence
this file.
"""

from setuptools import find_packages, setup

MAPPED = {"minitorch_app.benchmarks": "benchmarks", "minitorch_app.reference": "reference"}

setup(
    packages=find_packages(include=["minitorch", "minitorch.*", "minitorch_app", "minitorch_app.*"]) + list(MAPPED),
    package_dir=MAPPED,
)
