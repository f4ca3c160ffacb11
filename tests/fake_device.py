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
import functools
import traceback
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from minitorch.backend import register_backend
from minitorch.backend.cuda_kernels import CudaKernel, TensorTable, check_launch
from minitorch.backend.device import device
from minitorch.backend.host import HostBackend


class SyncLog:
    """Host-device synchronisations seen on the fake device: a count, and an error while forbidden."""

    def __init__(self) -> None:
        self.count = 0
        self.forbidden: str | None = None

    def record(self, what: str) -> None:
        self.count += 1
        if self.forbidden is not None:
            where = "".join(traceback.format_stack(limit=12)[:-2])
            raise AssertionError(f"host-device synchronisation ({what}) {self.forbidden}:\n{where}")


SYNCS = SyncLog()


@contextlib.contextmanager
def forbid_sync(reason: str = "inside a region that must not synchronise") -> Iterator[SyncLog]:
    """Make every host-device synchronisation on the fake device an AssertionError inside the block."""
    before, SYNCS.forbidden = SYNCS.forbidden, reason
    try:
        yield SYNCS
    finally:
        SYNCS.forbidden = before


def _host_array(x: Any) -> bool:
    return isinstance(x, np.ndarray)


def _refuse_host(values: Any, where: str) -> None:
    """cupy refuses numpy arrays (0-d included) as operands: so does the fake device."""
    for v in values:
        if isinstance(v, (list, tuple)):
            _refuse_host(v, where)
        elif _host_array(v):
            raise TypeError(f"Unsupported type {type(v)}: a host numpy array in {where} on the fake device")


def unwrap(x: Any) -> Any:
    """The numpy array inside a FakeArray (recursively through lists, tuples and dicts)."""
    if type(x) is FakeArray:
        return x._a
    if isinstance(x, (list, tuple)):
        return type(x)(unwrap(v) for v in x)
    if isinstance(x, dict):
        return {k: unwrap(v) for k, v in x.items()}
    return x


def wrap(x: Any) -> Any:
    """Results on the fake device: numpy arrays and numpy scalars become FakeArrays (scalars 0-d)."""
    if isinstance(x, np.ndarray):
        return FakeArray(x)
    if isinstance(x, np.generic):
        return FakeArray(np.asarray(x))
    if isinstance(x, tuple):
        return tuple(wrap(v) for v in x)
    if isinstance(x, list):
        return [wrap(v) for v in x]
    return x


class FakeArray(NDArrayOperatorsMixin):
    """An array on the fake device: a numpy array behind cupy's rules (see the module docstring)."""

    __slots__ = ("_a",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, array: np.ndarray) -> None:
        self._a = array

    # -------------------------------------------------------------- metadata
    @property
    def shape(self) -> tuple:
        return self._a.shape

    @shape.setter
    def shape(self, value: tuple) -> None:
        self._a.shape = value

    @property
    def dtype(self) -> np.dtype:
        return self._a.dtype

    @property
    def ndim(self) -> int:
        return self._a.ndim

    @property
    def size(self) -> int:
        return self._a.size

    @property
    def T(self) -> FakeArray:
        return FakeArray(self._a.T)

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self) -> Iterator[Any]:
        return (wrap(r) for r in self._a)

    def __repr__(self) -> str:
        return f"FakeArray({self._a!r})"

    def __getattr__(self, name: str) -> Any:
        # strides, flags, itemsize, nbytes, and methods (reshape, astype, sum, ...): their results stay here
        attr = getattr(self._a, name)
        if not callable(attr):
            return wrap(attr) if isinstance(attr, np.ndarray) else attr

        @functools.wraps(attr)
        def method(*args: Any, **kwargs: Any) -> Any:
            _refuse_host(list(args) + list(kwargs.values()), f"ndarray.{name}()")
            result = attr(*unwrap(args), **unwrap(kwargs))
            if "out" in kwargs and kwargs["out"] is not None:
                return kwargs["out"]
            return wrap(result)

        return method

    # ------------------------------------------------------------ indexing
    def __getitem__(self, index: Any) -> Any:
        return wrap(self._a[unwrap(index)])

    def __setitem__(self, index: Any, value: Any) -> None:
        self._a[unwrap(index)] = unwrap(value)  # a host value is copied over, as cupy does

    # ----------------------------------------------------------- computing
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, out: Any = None, **kwargs: Any) -> Any:
        _refuse_host(inputs, f"{ufunc.__name__}")
        if out is not None:
            _refuse_host(out, f"{ufunc.__name__}(out=)")
            kwargs["out"] = tuple(unwrap(o) for o in out)
        result = getattr(ufunc, method)(*unwrap(inputs), **unwrap(kwargs))
        if out is not None:
            return out[0] if len(out) == 1 else out
        return wrap(result)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        _refuse_host(list(args) + list(kwargs.values()), f"numpy.{func.__name__}")
        result = func(*unwrap(args), **unwrap(kwargs))
        out = kwargs.get("out")
        return out if out is not None else wrap(result)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError(
            "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a NumPy "
            "array explicitly."
        )

    # ------------------------------------------------ values to the host: synchronisations
    def get(self) -> np.ndarray:
        SYNCS.record("get")
        return np.array(self._a, copy=True)

    def item(self) -> Any:
        SYNCS.record("item()")
        return self._a.item()

    def tolist(self) -> Any:
        SYNCS.record("tolist()")
        return self._a.tolist()

    def __float__(self) -> float:
        SYNCS.record("float()")
        return float(self._a)

    def __int__(self) -> int:
        SYNCS.record("int()")
        return int(self._a)

    def __index__(self) -> int:
        SYNCS.record("index")
        return self._a.__index__()

    def __bool__(self) -> bool:
        SYNCS.record("bool()")
        return bool(self._a)

    def __complex__(self) -> complex:
        SYNCS.record("complex()")
        return complex(self._a)

    def __copy__(self) -> FakeArray:
        return FakeArray(self._a.copy())

    def __deepcopy__(self, memo: dict) -> FakeArray:
        return FakeArray(self._a.copy())


# numpy functions that take host data and put it on the device, as cupy's do.
_CONVERSIONS = {"asarray", "array", "asanyarray"}


class _FakeUfunc:
    """A numpy ufunc as the fake device's: host arrays refused, results placed on the device."""

    def __init__(self, ufunc: np.ufunc) -> None:
        self._ufunc = ufunc

    def _call(self, method: str, args: tuple, kwargs: dict) -> Any:
        _refuse_host(list(args) + list(kwargs.values()), self._ufunc.__name__)
        out = kwargs.get("out")
        if out is not None:
            kwargs = dict(kwargs, out=unwrap(out))
        result = getattr(self._ufunc, method)(*unwrap(args), **unwrap(kwargs))
        return out if out is not None else wrap(result)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("__call__", args, kwargs)

    def __getattr__(self, name: str) -> Any:
        if name in ("reduce", "accumulate", "at", "outer", "reduceat"):
            return lambda *args, **kwargs: self._call(name, args, kwargs)
        return getattr(self._ufunc, name)


class _FakeNumpy:
    """numpy as the fake device's array module (as cupy is the GPU's)."""

    ndarray = FakeArray

    def __getattr__(self, name: str) -> Any:
        obj = getattr(np, name)
        if isinstance(obj, np.ufunc):
            return _FakeUfunc(obj)
        if callable(obj) and not isinstance(obj, type):

            @functools.wraps(obj)
            def placed(*args: Any, **kwargs: Any) -> Any:
                if name not in _CONVERSIONS:
                    _refuse_host(list(args) + list(kwargs.values()), f"xp.{name}")
                out = kwargs.get("out")
                result = obj(*unwrap(args), **unwrap(kwargs))
                return out if out is not None else wrap(result)

            return placed
        return obj


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
        return FakeArray(np.array(array, copy=True))

    def zeros(self, shape: tuple, dtype: Any, device: device) -> Any:
        return FakeArray(np.zeros(shape, dtype=dtype))

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        np.add.at(target._a, unwrap(index), unwrap(values))

    def strided_view(self, array: Any, shape: tuple, strides: tuple) -> Any:
        return FakeArray(np.lib.stride_tricks.as_strided(array._a, shape, strides, writeable=False))

    def reshape_view(self, array: Any, shape: tuple) -> Any:
        return FakeArray(np.reshape(array._a, shape, copy=False))

    def is_writeable(self, array: Any) -> bool:
        return bool(array._a.flags.writeable)

    def _address(self, array: Any) -> int:
        return array._a.__array_interface__["data"][0]

    def filled_like(self, array: Any, value: Any) -> Any:
        return value

    def launch(self, kernel: CudaKernel, grid: tuple, block: tuple, args: tuple, shared_mem: int = 0) -> None:
        """Run a CUDA kernel as its numpy emulation, after the checks the CUDA backend makes of its arguments."""
        check_launch(kernel, grid, block, args, shared_mem, self.array_type)
        self.launches.append(kernel.name)
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
        self.capturing = True
        return token

    def end_capture(self, stream: Any, token: Any) -> Any:
        self.capturing = False
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
