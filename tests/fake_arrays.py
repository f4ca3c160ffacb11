"""The fake device's arrays: numpy arrays behind cupy's rules, and the count of host-device synchronisations.

``FakeArray`` is not an ``np.ndarray``: results computed from it stay on the fake device (0-d results
included, as cupy's); a host numpy array as an operand, or an implicit conversion to numpy, is a
TypeError, as with cupy; every read of a value (``float(x)``, ``x.item()``, ``bool(x)``, ``.get()``) is
a synchronisation, counted in ``SYNCS`` and an error inside ``forbid_sync()``. See fake_device.py.
"""

from __future__ import annotations

import contextlib
import functools
import traceback
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin


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
# Set while the fake device "captures" a graph: CuPy refuses cuBLAS calls on a capturing stream, so the
# operator ``@`` (CuPy's matmul) is refused here then; op code multiplies through ``xp.matmul``, which the
# CUDA backend routes to cuBLAS itself while capturing (minitorch/backend/cuda_blas.py).
CAPTURING = [False]


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

    def __matmul__(self, other: Any) -> Any:
        if CAPTURING[0]:
            raise NotImplementedError(
                "calling cuBLAS API during stream capture is currently unsupported (the @ operator)"
            )
        return super().__matmul__(other)

    def __rmatmul__(self, other: Any) -> Any:
        if CAPTURING[0]:
            raise NotImplementedError(
                "calling cuBLAS API during stream capture is currently unsupported (the @ operator)"
            )
        return super().__rmatmul__(other)

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
