"""The ``nccl`` backend: collectives on CUDA (CuPy) arrays through ``cupy.cuda.nccl``.

AWAITING GPU VERIFICATION: this file follows CuPy's documented ``cupy.cuda.nccl`` API
(``get_unique_id``, ``NcclCommunicator(ndev, commId, rank)``, ``allReduce``/``reduce``/
``broadcast``/``allGather`` on device pointers and a stream, ``abort``) but has not yet run
on a GPU; the machines it was written on have neither a GPU nor CuPy. Without CuPy it imports
and stays inert: only ``init_process_group("nccl")`` touches CuPy, and it says what is missing.

How it works: the ranks are the processes ``mpiexec`` started (one GPU each, chosen by the rank
among the ranks of the same host unless ``device_id`` is given). Rank 0 creates NCCL's unique id
and MPI broadcasts it (NCCL needs some out-of-band channel; MPI is the one already there, as in
ChainerMN). A world of one needs no MPI. Collectives run on a communication stream that first
waits for the current stream, so they see the values computed before the call; ``Work.wait``
polls a CUDA event recorded after the collective and, on timeout, aborts the communicator.
NCCL has no average in CuPy's constants: AVG is a sum followed by a division on that stream.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .mpi import AbortOnException, mpi_module
from .work import Work


def cupy_nccl() -> tuple:
    """(cupy, cupy.cuda.nccl), with a clear error when either is missing."""
    try:
        import cupy
        from cupy.cuda import nccl
    except ImportError as e:
        raise RuntimeError(
            "the 'nccl' backend needs CuPy built with NCCL (cupy-cuda12x or cupy-cuda13x, and a GPU); "
            "use backend='mpi' for CPU tensors"
        ) from e
    if not getattr(nccl, "available", True):
        raise RuntimeError("this CuPy was built without NCCL; the 'nccl' backend cannot start")
    return cupy, nccl


def _nccl_dtype(nccl: Any, dtype: Any) -> int:
    table = {
        "float16": nccl.NCCL_FLOAT16,
        "float32": nccl.NCCL_FLOAT32,
        "float64": nccl.NCCL_FLOAT64,
        "int8": nccl.NCCL_INT8,
        "uint8": nccl.NCCL_UINT8,
        "int32": nccl.NCCL_INT32,
        "int64": nccl.NCCL_INT64,
        "bool": nccl.NCCL_UINT8,
    }
    try:
        return table[str(dtype)]
    except KeyError:
        raise TypeError(f"the nccl backend cannot communicate arrays of {dtype}") from None


class NCCLGroup:
    """The default process group on NCCL: one GPU per rank, MPI only to start up."""

    backend = "nccl"
    rank: int
    size: int

    def __init__(self, timeout: float, device_id: Any = None) -> None:
        cupy, nccl = cupy_nccl()
        self.cupy, self.nccl = cupy, nccl
        self.timeout = timeout
        world = _mpi_world()
        self.rank, self.size = (world.Get_rank(), world.Get_size()) if world is not None else (0, 1)
        self.where = f"minitorch.distributed (nccl, rank {self.rank} of {self.size})"
        device = _pick_device(cupy, world, device_id)
        cupy.cuda.Device(device).use()
        self.device = device
        uid = nccl.get_unique_id() if self.rank == 0 else None
        if world is not None and self.size > 1:
            uid = world.bcast(uid, root=0)
        self.comm = nccl.NcclCommunicator(self.size, uid, self.rank)
        self.stream = cupy.cuda.Stream(non_blocking=True)
        self._hook = None
        if world is not None and self.size > 1:
            self._hook = AbortOnException(sys.excepthook, self.rank, self.size)
            sys.excepthook = self._hook

    def _launch(self, name: str, call: Callable[[int], None], finish: Callable | None = None, keep: tuple = ()) -> Work:
        """Run ``call(stream_ptr)`` on the communication stream after the work queued so far; ``keep``:
        arrays the collective uses that nothing else holds, kept alive until it completes."""
        cupy = self.cupy
        self.stream.wait_event(cupy.cuda.get_current_stream().record())
        call(self.stream.ptr)
        if finish is not None:
            with self.stream:
                finish()
        done = self.stream.record()

        def test() -> bool:
            self.comm.check_async_error()
            if done.done:
                cupy.cuda.get_current_stream().wait_event(done)
                return True
            return False

        return Work(name, test, self.timeout, self.where, on_timeout=self.comm.abort, keep=keep)

    def _op(self, op: str) -> int:
        n = self.nccl
        return {"SUM": n.NCCL_SUM, "AVG": n.NCCL_SUM, "PRODUCT": n.NCCL_PROD, "MIN": n.NCCL_MIN, "MAX": n.NCCL_MAX}[op]

    def all_reduce(self, array: Any, op: str) -> Work:
        dt, ptr = _nccl_dtype(self.nccl, array.dtype), array.data.ptr
        return self._launch(
            "all_reduce",
            lambda s: self.comm.allReduce(ptr, ptr, array.size, dt, self._op(op), s),
            self._average(array) if op == "AVG" else None,
        )

    def reduce(self, array: Any, dst: int, op: str) -> Work:
        dt, ptr = _nccl_dtype(self.nccl, array.dtype), array.data.ptr
        if self.rank == dst:
            return self._launch(
                "reduce",
                lambda s: self.comm.reduce(ptr, ptr, array.size, dt, self._op(op), dst, s),
                self._average(array) if op == "AVG" else None,
            )
        # NCCL writes the receive buffer only on the root; a scratch one keeps this rank's tensor as it was.
        scratch = self.cupy.empty_like(array)
        return self._launch(
            "reduce",
            lambda s: self.comm.reduce(ptr, scratch.data.ptr, array.size, dt, self._op(op), dst, s),
            keep=(scratch,),
        )

    def broadcast(self, array: Any, src: int) -> Work:
        dt, ptr = _nccl_dtype(self.nccl, array.dtype), array.data.ptr
        return self._launch("broadcast", lambda s: self.comm.broadcast(ptr, ptr, array.size, dt, src, s))

    def all_gather(self, out: Any, array: Any) -> Work:
        dt = _nccl_dtype(self.nccl, array.dtype)
        return self._launch(
            "all_gather", lambda s: self.comm.allGather(array.data.ptr, out.data.ptr, array.size, dt, s)
        )

    def barrier(self) -> Work:
        token = self.cupy.zeros(1, dtype=self.cupy.float32)
        ptr, dt = token.data.ptr, self.nccl.NCCL_FLOAT32
        return self._launch(
            "barrier", lambda s: self.comm.allReduce(ptr, ptr, 1, dt, self.nccl.NCCL_SUM, s), keep=(token,)
        )

    def _average(self, array: Any) -> Callable[[], None]:
        size = self.size

        def divide() -> None:
            array[...] /= size

        return divide

    def destroy(self) -> None:
        if self._hook is not None and sys.excepthook is self._hook:
            sys.excepthook = self._hook.previous
        self._hook = None
        self.stream.synchronize()
        self.comm.destroy()


def _mpi_world() -> Any:
    """MPI's world communicator when mpi4py is importable (a world of one without it)."""
    try:
        return mpi_module().COMM_WORLD
    except RuntimeError:
        return None


def _pick_device(cupy: Any, world: Any, device_id: Any) -> int:
    if device_id is not None:
        return int(getattr(device_id, "index", device_id) or 0)
    if world is None:
        return 0
    local = world.Split_type(_mpi_shared_type())  # the ranks on this host
    try:
        return local.Get_rank() % cupy.cuda.runtime.getDeviceCount()
    finally:
        local.Free()


def _mpi_shared_type() -> Any:
    return mpi_module().COMM_TYPE_SHARED
