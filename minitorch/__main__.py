"""``python -m minitorch``: the ``minitorch`` command (see ``minitorch.cli``)."""

from .cli import main

raise SystemExit(main())
