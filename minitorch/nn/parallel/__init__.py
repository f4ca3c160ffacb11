"""``minitorch.nn.parallel``: DistributedDataParallel over ``minitorch.distributed`` and DataParallel, as in
``torch.nn.parallel``."""

from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
