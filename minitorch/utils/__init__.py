"""minitorch.utils: the data-loading toolkit (``minitorch.utils.data``), as ``torch.utils``."""

from . import data

__all__ = ["data"]
