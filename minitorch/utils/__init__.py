"""minitorch.utils: the data-loading toolkit (``minitorch.utils.data``) and activation checkpointing
(``minitorch.utils.checkpoint``), as ``torch.utils``; TensorBoard logging (``minitorch.utils.tensorboard``,
needing the optional ``tensorboard`` package) is imported on demand."""

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
