"""``python -m minitorch``: hands over to the ``minitorch`` command of the application (:mod:`minitorch_app.cli`).

The library never imports the application. This file is run by ``python -m``, never imported by
``import minitorch``, so it is the one exception ``tests/test_package_layout.py`` allows.
"""

from minitorch_app.cli import main

raise SystemExit(main())
