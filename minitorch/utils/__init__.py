"""minitorch.utils: the data-loading toolkit (``minitorch.utils.data``), as ``torch.utils``; TensorBoard logging
(``minitorch.utils.tensorboard``, needing the optional ``tensorboard`` package) is imported on demand."""

from . import data

__all__ = ["data"]
