"""``python -m minitorch_app``: the ``minitorch`` command (see :mod:`minitorch_app.cli`)."""

from .cli import main

raise SystemExit(main())
