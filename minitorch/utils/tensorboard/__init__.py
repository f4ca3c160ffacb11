"""``minitorch.utils.tensorboard``: ``SummaryWriter`` for TensorBoard, as ``torch.utils.tensorboard``.

Needs the ``tensorboard`` package (``pip install 'minitorch[tensorboard]'``); torch is never imported.
"""

try:
    import tensorboard  # noqa: F401
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        "minitorch.utils.tensorboard needs the tensorboard package: pip install "
        "'minitorch[tensorboard]' (or pip install tensorboard pillow)"
    ) from err

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
