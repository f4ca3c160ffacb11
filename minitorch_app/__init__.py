"""The minitorch application: the ``minitorch`` command, its trainer, ready-made models and benchmarks.

The library (:mod:`minitorch`) is PyTorch's API and nothing else; this package is built on
it and the library never imports it. It holds

- :mod:`minitorch_app.cli`: the ``minitorch`` command (``train``, ``bench``);
- :mod:`minitorch_app.training`: the training loop, written once against the PyTorch API;
- :mod:`minitorch_app.interrupts`: what Ctrl-C does during a run;
- :mod:`minitorch_app.parallel`: ``--nproc``: starting the processes through mpiexec, and joining them;
- :mod:`minitorch_app.run`: one ``minitorch train`` run and the files it writes;
- :mod:`minitorch_app.tensorboard_log`: ``--tensorboard``: the run's TensorBoard event files;
- :mod:`minitorch_app.data`: the image data sets it trains on;
- :mod:`minitorch_app.models`: the tutorials' models, defined once for minitorch and torch;
- ``minitorch_app.reference``: the same models and loop in real PyTorch (the source
  checkout's ``reference/``; needs torch);
- ``minitorch_app.benchmarks``: the benchmark suites, their driver and report (the source
  checkout's ``benchmarks/``; need torch and pytest-benchmark).
"""
