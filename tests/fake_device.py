"""A test-only second device backed by host memory: ``device('fake')``, to test device plumbing on a CPU.

Its arrays, ``FakeArray``, wrap numpy arrays the way cupy arrays sit apart from numpy's: they
are not ``np.ndarray`` instances, every result computed from them stays on the fake device (0-d
results included, as cupy's), and the mistakes cupy refuses are refused here too, so that they
surface on a CPU first:

- a host numpy array in an op with a device array (``fake + np_array``): TypeError;
- implicit conversion to numpy (``np.asarray(fake)``): TypeError, as cupy's;
- a host-device synchronisation (``float(x)``, ``x.item()``, ``bool(x)``, a copy to the host) is
  counted, and inside ``forbid_sync()`` it is an error naming the culprit's line.

Its backend is the host's with the answers that differ (type, array module, transfers, window
views, kernel launches: a CUDA kernel runs as its numpy emulation, after the same argument checks
the CUDA backend makes, see ``minitorch.backend.cuda_kernels``; graph capture: the work runs
eagerly with synchronisation forbidden). It proves plumbing only: device propagation through
ops, modules and optimizers, the mixed-device errors, the absence of host syncs in a step; it
says nothing about GPU numerics or speed and is never reported as a GPU figure.

    with fake_device():
        x = minitorch.ones(3, device="fake")
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from minitorch.backend import register_backend
from minitorch.backend.cuda_kernels import CudaKernel, TensorTable, prepare_launch
from minitorch.backend.device import device
from minitorch.backend.host import HostBackend

from .fake_arrays import CAPTURING, SYNCS, FakeArray, SyncLog, _FakeNumpy, forbid_sync, unwrap, wrap
from .host_kernels import HostKernels

__all__ = ["FAKE", "SYNCS", "FakeArray", "FakeBackend", "SyncLog", "fake_device", "forbid_sync", "unwrap", "wrap"]


class FakeStream:
    """A stream of the fake device: work runs eagerly, so it only keeps an identity."""

    _next = 16

    def __init__(self, ptr: int | None = None) -> None:
        if ptr is None:
            ptr, FakeStream._next = FakeStream._next, FakeStream._next + 16
        self.ptr = ptr
        self.done = True

    def wait_event(self, event: Any) -> None:
        pass

    def synchronize(self) -> None:
        SYNCS.record("stream synchronize")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FakeStream) and other.ptr == self.ptr

    __hash__ = object.__hash__


class FakeEvent:
    done = True

    def record(self, stream: Any) -> None:
        pass

    def synchronize(self) -> None:
        SYNCS.record("event synchronize")


class FakeGraph:
    def launch(self, stream: Any) -> None:
        raise NotImplementedError("the fake device runs captured work eagerly and cannot replay it")


def _unwrap_arg(a: Any) -> Any:
    if isinstance(a, TensorTable):
        return TensorTable({k: [None if x is None else unwrap(x) for x in v] for k, v in a.roles.items()})
    return unwrap(a)


class FakeBackend(HostBackend):
    """The host backend, serving ``device('fake')`` with FakeArrays."""

    type = "fake"
    xp = _FakeNumpy()
    array_type = FakeArray

    def __init__(self) -> None:
        super().__init__()
        self.capturing = False
        self.launches: list = []  # names of the kernels launched, for tests that check which ran
        self.pending: list = []
        self.null_stream = FakeStream(0)
        self.host_kernels: HostKernels | None = None  # set: launches run the kernels' CUDA source on the host
        self.streams = [self.null_stream]

    def device_of(self, array: Any) -> device:
        return device("fake")

    def to_host(self, array: Any) -> np.ndarray:
        SYNCS.record("copy to host")
        self._raise_pending()
        return np.array(array._a, copy=True)

    def from_host(self, array: Any, d: device) -> Any:
        if type(array) is FakeArray:
            return array
        if self.capturing:  # a copy from pageable host memory: CUDA refuses it on a capturing stream
            raise RuntimeError(
                "a host-to-device copy inside graph capture (operation not permitted when stream is capturing)"
            )
        return FakeArray(np.array(array, copy=True))

    def zeros(self, shape: tuple, dtype: Any, device: device) -> Any:
        return FakeArray(np.zeros(shape, dtype=dtype))

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        np.add.at(target._a, unwrap(index), unwrap(values))

    def strided_view(self, array: Any, shape: tuple, strides: tuple, writeable: bool = False) -> Any:
        return FakeArray(np.lib.stride_tricks.as_strided(array._a, shape, strides, writeable=writeable))

    def reshape_view(self, array: Any, shape: tuple) -> Any:
        return FakeArray(np.reshape(array._a, shape, copy=False))

    def is_writeable(self, array: Any) -> bool:
        return bool(array._a.flags.writeable)

    def address(self, array: Any) -> int:
        return array._a.__array_interface__["data"][0]

    def filled_like(self, array: Any, value: Any) -> Any:
        return value

    def launch(self, kernel: CudaKernel, grid: tuple, block: tuple, args: tuple, shared_mem: int = 0) -> None:
        """Run a CUDA kernel as its numpy emulation, after the checks the CUDA backend makes of its arguments; or,
        with ``host_kernels`` set (tests/host_kernels.py), its own CUDA source compiled for the host."""
        dtype, _ = prepare_launch(kernel, grid, block, args, shared_mem, self.array_type)
        self.launches.append(kernel.name)
        if self.host_kernels is not None:
            self.host_kernels.run(kernel, dtype, grid, block, tuple(_unwrap_arg(a) for a in args))
            return
        kernel.emulate(*(_unwrap_arg(a) for a in args))

    # deferred checks, as the CUDA backend's: read at the next synchronisation, skipped while capturing
    def check_later(self, flag: Any, error: Any) -> None:
        if not self.capturing:
            self.pending.append((flag, error))

    def _raise_pending(self) -> None:
        pending, self.pending = self.pending, []
        for flag, error in pending:
            if bool(flag._a):
                raise error()

    def synchronize(self, device: Any = None) -> None:
        SYNCS.record("synchronize")
        self._raise_pending()

    def item(self, array: Any) -> Any:
        value = array.item()
        self._raise_pending()
        return value

    # streams, events and capture: the plumbing minitorch.cuda drives, with work run eagerly
    def new_stream(self, device: Any = None, priority: int = 0) -> Any:
        return FakeStream()

    def current_stream(self, device: Any = None) -> Any:
        return self.streams[-1]

    def default_stream(self, device: Any = None) -> Any:
        return self.null_stream

    @contextlib.contextmanager
    def use_stream(self, stream: Any) -> Iterator[Any]:
        self.streams.append(stream)
        try:
            yield stream
        finally:
            self.streams.pop()

    def new_event(self, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False) -> Any:
        return FakeEvent()

    def elapsed_ms(self, start: Any, end: Any) -> float:
        return 0.0

    def new_graph_pool(self) -> Any:
        return object()

    def is_capturing(self) -> bool:
        return self.capturing

    def begin_capture(self, stream: Any, pool: Any) -> Any:
        if stream.ptr == 0:
            raise RuntimeError(
                "CUDA graphs must be captured on a non-default stream. "
                "(However, after capture, it's ok to replay them on the default stream.)"
            )
        token = forbid_sync("during graph capture")
        token.__enter__()
        self.capturing = CAPTURING[0] = True
        return token

    def end_capture(self, stream: Any, token: Any) -> Any:
        self.capturing = CAPTURING[0] = False
        token.__exit__(None, None, None)
        return FakeGraph()


FAKE = FakeBackend()


@contextlib.contextmanager
def fake_device() -> Iterator[FakeBackend]:
    """Register the fake device for the duration of a test."""
    unregister = register_backend(FAKE)
    try:
        yield FAKE
    finally:
        unregister()
