"""The default process group and the collectives on it, with torch.distributed's names and signatures.

One process group exists (torch's default group, ``group.WORLD``): ``init_process_group`` makes
it from the processes ``mpiexec`` started, on the ``mpi`` backend (CPU tensors) or the ``nccl``
backend (CUDA tensors). Each collective checks its arguments as torch does, hands the backend
contiguous arrays (staging a copy for a non-contiguous tensor) and returns a ``Work`` handle with
``async_op=True``, or waits for it (never longer than the group's timeout) and returns None.
"""

from __future__ import annotations

import enum
import importlib.util
from datetime import timedelta
from typing import Any

from ..backend import array_module
from ..tensor import Tensor
from .mpi import MPIGroup
from .nccl import NCCLGroup
from .work import Work, _seconds

default_pg_timeout = timedelta(minutes=30)  # torch's default for every backend but NCCL
default_pg_nccl_timeout = timedelta(minutes=10)

_NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."


class Backend(str):
    """A backend's name, lower-cased: ``Backend("MPI") == "mpi"``."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"

    def __new__(cls, name: str) -> Backend:
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name)}")
        return super().__new__(cls, name.lower())

    def __repr__(self) -> str:
        return repr(str(self))


class RedOpType(enum.IntEnum):
    """The reduction a collective applies (torch's values)."""

    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4


class ReduceOp:
    """``ReduceOp.SUM``, ``AVG``, ``PRODUCT``, ``MIN``, ``MAX``, as in torch.distributed."""

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX


class GroupMember:
    """``group.WORLD``: the default group once it exists, else None (as in torch)."""

    WORLD: Any = None
    NON_GROUP_MEMBER = -100


group = GroupMember
_default: Any = None  # the backend's group object (MPIGroup or NCCLGroup)


def is_available() -> bool:
    """minitorch.distributed is always present; whether a backend can start is asked below."""
    return True


def is_mpi_available() -> bool:
    """Whether mpi4py is installed (the ``mpi`` backend)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_nccl_available() -> bool:
    """Whether CuPy with NCCL is installed (the ``nccl`` backend)."""
    try:
        from cupy.cuda import nccl
    except Exception:
        return False
    return bool(getattr(nccl, "available", True))


def is_initialized() -> bool:
    """Whether ``init_process_group`` has run (and ``destroy_process_group`` has not)."""
    return _default is not None


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: timedelta | None = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Join the processes that ``mpiexec`` started into the default process group.

    Args:
        backend: ``"mpi"`` (CPU tensors, through mpi4py; the default) or ``"nccl"`` (CUDA tensors, through
            CuPy's NCCL; rendezvous through MPI).
        init_method: accepted for torch's signature; MPI's launcher already connects the processes.
        timeout: how long any collective may wait for the other ranks before raising (and so, uncaught,
            ending the job); default 30 minutes (10 for NCCL), as in torch.
        world_size: if given, must equal the number of processes ``mpiexec`` started.
        rank: if given, must equal this process's MPI rank.
        store: not supported (there is no key-value store; MPI connects the ranks).
        group_name: accepted, unused.
        pg_options: accepted, unused.
        device_id: the GPU of this rank for NCCL (default: its rank among the ranks on its host).
    """
    global _default
    if _default is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = Backend(backend if backend is not None else Backend.MPI)
    if store is not None:
        raise ValueError(
            "minitorch.distributed has no key-value store: start the ranks with mpiexec, which connects them"
        )
    pg: MPIGroup | NCCLGroup
    if name == Backend.MPI:
        pg = MPIGroup(_seconds(timeout if timeout is not None else default_pg_timeout))
    elif name == Backend.NCCL:
        pg = NCCLGroup(_seconds(timeout if timeout is not None else default_pg_nccl_timeout), device_id)
    else:
        raise ValueError(
            f"Backend {str(name)!r} is not available in minitorch.distributed: use 'mpi' (CPU tensors, "
            "through mpi4py) or 'nccl' (CUDA tensors, through CuPy)"
        )
    wrong_size = world_size not in (-1, None) and int(world_size) != pg.size
    if wrong_size or (rank not in (-1, None) and int(rank) != pg.rank):
        found = (pg.rank, pg.size)
        pg.destroy()
        raise ValueError(
            f"init_process_group got rank={rank}, world_size={world_size}, but MPI reports this process "
            f"as rank {found[0]} of {found[1]} (start N ranks with mpiexec -n N)"
        )
    _default = pg
    GroupMember.WORLD = pg


def destroy_process_group(group: Any = None) -> None:
    """Release the default process group (MPI itself stays initialised until the process exits)."""
    global _default
    if _default is None:
        raise AssertionError("Process group cannot be None")
    _check_group(group)
    pg, _default = _default, None
    GroupMember.WORLD = None
    pg.destroy()


def _group(group: Any) -> Any:
    if _default is None:
        raise ValueError(_NOT_INITIALIZED)
    _check_group(group)
    return _default


def _check_group(group: Any) -> None:
    if group is not None and group is not _default:
        raise ValueError("minitorch.distributed has only the default process group (group=None or group.WORLD)")


def get_rank(group: Any = None) -> int:
    """This process's rank in the group (0 ... world size - 1)."""
    return _group(group).rank


def get_world_size(group: Any = None) -> int:
    """The number of processes in the group."""
    return _group(group).size


def get_backend(group: Any = None) -> Backend:
    """The group's backend name."""
    return Backend(_group(group).backend)


def _check_tensor(tensor: Any, name: str = "tensor") -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(
            f"Invalid function argument. Expected parameter `{name}` of type torch.Tensor\n"
            f"             but got {type(tensor)} instead."
        )


def _check_op(op: Any, tensor: Tensor) -> str:
    if not isinstance(op, RedOpType):
        raise TypeError(f"op must be a ReduceOp (ReduceOp.SUM, AVG, PRODUCT, MIN or MAX), got {op!r}")
    if op == RedOpType.AVG and not tensor.dtype.is_floating_point:
        raise ValueError(f"ReduceOp.AVG needs a floating-point tensor, got {tensor.dtype}")
    return op.name


def _check_root(root: int | None, pg: Any, kind: str) -> int:
    if root is None:
        raise ValueError("Must specify global_rank or group_rank")
    if not 0 <= int(root) < pg.size:
        raise RuntimeError(f"{kind}: invalid root rank: {root}")
    return int(root)


def _check_device(tensor: Tensor, pg: Any) -> None:
    on_host = tensor.device.type == "cpu"
    if pg.backend == Backend.MPI and not on_host:
        raise RuntimeError(
            f"the mpi backend communicates CPU tensors; this one is on {tensor.device} "
            "(use backend='nccl' for CUDA tensors)"
        )
    if pg.backend == Backend.NCCL and on_host:
        raise RuntimeError(
            "the nccl backend communicates CUDA tensors; this one is on the CPU (use backend='mpi' for CPU tensors)"
        )


def _contiguous(tensor: Tensor) -> tuple:
    """The tensor's array if the backend can write it in place, else a contiguous copy and a copy-back."""
    data = tensor._data
    if data.flags.c_contiguous and data.flags.writeable:
        return data, None
    staged = array_module(data).ascontiguousarray(data)

    def copy_back() -> None:
        tensor._data[...] = staged

    return staged, copy_back


def _finish(work: Work, async_op: bool) -> Work | None:
    if async_op:
        return work
    work.wait()
    return None


def all_reduce(tensor: Tensor, op: RedOpType = ReduceOp.SUM, group: Any = None, async_op: bool = False) -> Work | None:
    """Reduce ``tensor`` across all ranks, in place, so that every rank holds the result.

    Args:
        tensor: input and output of the collective.
        op: ``ReduceOp.SUM`` (default), ``AVG``, ``PRODUCT``, ``MIN`` or ``MAX``.
        group: the default group (None).
        async_op: return a ``Work`` handle instead of waiting.
    """
    _check_tensor(tensor)
    pg = _group(group)
    name = _check_op(op, tensor)
    _check_device(tensor, pg)
    data, copy_back = _contiguous(tensor)
    work = pg.all_reduce(data, name)
    if copy_back is not None:
        work.then(copy_back)
    return _finish(work, async_op)


def reduce(
    tensor: Tensor,
    dst: int | None = None,
    op: RedOpType = ReduceOp.SUM,
    group: Any = None,
    async_op: bool = False,
    group_dst: int | None = None,
) -> Work | None:
    """Reduce ``tensor`` across all ranks into rank ``dst``'s ``tensor`` (the others' are left as they were).

    Args:
        tensor: input on every rank, output on ``dst``.
        dst: the rank that receives the result.
        op: the reduction (see ``all_reduce``).
        group: the default group (None).
        async_op: return a ``Work`` handle instead of waiting.
        group_dst: ``dst`` as a rank of ``group`` (the same thing for the default group).
    """
    _check_tensor(tensor)
    pg = _group(group)
    root = _check_root(dst if dst is not None else group_dst, pg, "reduce")
    name = _check_op(op, tensor)
    _check_device(tensor, pg)
    data, copy_back = _contiguous(tensor)
    work = pg.reduce(data, root, name)
    if copy_back is not None and pg.rank == root:
        work.then(copy_back)
    return _finish(work, async_op)


def broadcast(
    tensor: Tensor, src: int | None = None, group: Any = None, async_op: bool = False, group_src: int | None = None
) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank.

    Args:
        tensor: the data on ``src``; overwritten on the other ranks.
        src: the rank that sends.
        group: the default group (None).
        async_op: return a ``Work`` handle instead of waiting.
        group_src: ``src`` as a rank of ``group``.
    """
    _check_tensor(tensor)
    pg = _group(group)
    root = _check_root(src if src is not None else group_src, pg, "broadcast")
    _check_device(tensor, pg)
    data, copy_back = _contiguous(tensor)
    work = pg.broadcast(data, root)
    if copy_back is not None and pg.rank != root:
        work.then(copy_back)
    return _finish(work, async_op)


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: Any = None, async_op: bool = False) -> Work | None:
    """Gather every rank's ``tensor`` into ``tensor_list`` (entry i: rank i's) on every rank.

    Args:
        tensor_list: world-size tensors of ``tensor``'s shape and dtype, overwritten.
        tensor: this rank's contribution.
        group: the default group (None).
        async_op: return a ``Work`` handle instead of waiting.
    """
    _check_tensor(tensor)
    pg = _group(group)
    if not isinstance(tensor_list, (list, tuple)) or not all(isinstance(t, Tensor) for t in tensor_list):
        raise TypeError("all_gather: tensor_list must be a list of tensors")
    if len(tensor_list) != pg.size:
        raise RuntimeError(
            f"all_gather: invalid output tensor list at index 0 (expected length {pg.size}, got {len(tensor_list)})"
        )
    for i, t in enumerate(tensor_list):
        if t.dtype != tensor.dtype:
            raise ValueError(f"Invalid usage of tensors with different dtypes: found {t.dtype} and {tensor.dtype}")
        if t.shape != tensor.shape:
            raise RuntimeError(
                f"all_gather: invalid tensor size at index {i} (expected "
                f"({', '.join(map(str, tensor.shape))}), got ({', '.join(map(str, t.shape))}))"
            )
    _check_device(tensor, pg)
    xp = array_module(tensor._data)
    source = xp.ascontiguousarray(tensor._data)
    gathered = xp.empty((pg.size,) + tuple(source.shape), dtype=source.dtype)

    def scatter_out() -> None:
        for t, part in zip(tensor_list, gathered):
            t._data[...] = part

    return _finish(pg.all_gather(gathered, source).then(scatter_out), async_op)


def barrier(
    group: Any = None, async_op: bool = False, device_ids: Any = None, timeout: timedelta | None = None
) -> Work | None:
    """Wait until every rank has reached this call.

    Args:
        group: the default group (None).
        async_op: return a ``Work`` handle instead of waiting.
        device_ids: accepted for torch's signature (NCCL uses the rank's own GPU).
        timeout: how long to wait (default: the group's timeout).
    """
    pg = _group(group)
    work = pg.barrier()
    if async_op:
        return work
    work.wait(timeout)
    return None
