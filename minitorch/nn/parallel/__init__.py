"""``minitorch.nn.parallel``: DistributedDataParallel over ``minitorch.distributed``, as in ``torch.nn.parallel``."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
