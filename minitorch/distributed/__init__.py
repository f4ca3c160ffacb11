"""``minitorch.distributed``: torch.distributed's process group and collectives, on MPI (CPU) or NCCL (GPU).

Start the ranks with ``mpiexec -n N python train.py``; in each, ``init_process_group("mpi")``
joins them. The collectives (``all_reduce``, ``broadcast``, ``all_gather``, ``reduce``,
``barrier``) work in place on tensors, wait at most the group's timeout, and with
``async_op=True`` return a ``Work`` handle to ``wait()`` on. ``minitorch.nn.parallel.
DistributedDataParallel`` and ``minitorch.utils.data.distributed.DistributedSampler`` build on them.
Importing this package imports neither mpi4py nor CuPy; ``init_process_group`` does.
"""

from .process_group import (
    Backend,
    GroupMember,
    RedOpType,
    ReduceOp,
    all_gather,
    all_reduce,
    barrier,
    broadcast,
    default_pg_timeout,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
    is_nccl_available,
    reduce,
)
from .work import DistBackendError, DistError, Work

__all__ = [
    "Backend",
    "DistBackendError",
    "DistError",
    "GroupMember",
    "ReduceOp",
    "RedOpType",
    "Work",
    "all_gather",
    "all_reduce",
    "barrier",
    "broadcast",
    "default_pg_timeout",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
    "reduce",
]
