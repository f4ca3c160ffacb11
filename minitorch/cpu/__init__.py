"""``minitorch.cpu``: of torch's ``torch.cpu`` module, the deprecated ``amp`` spellings only."""

from . import amp

__all__ = ["amp"]
