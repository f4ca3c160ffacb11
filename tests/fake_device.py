"""A test-only second device backed by host memory: ``device('fake')``, to test device plumbing on a CPU.

Its arrays are numpy arrays of a subclass, ``FakeArray``, that keeps every result computed from
them on the fake device (as results of cupy arrays stay on the GPU, 0-d results included), and
its backend is the host's with the few answers that differ (its type, array module, transfers,
strided views). It proves plumbing only: device propagation through ops, modules and
optimizers, and the mixed-device errors; it says nothing about GPU numerics or speed.

    with fake_device():
        x = minitorch.ones(3, device="fake")
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

import numpy as np

from minitorch.backend import register_backend
from minitorch.backend.device import device
from minitorch.backend.host import HostBackend


def on_fake(result: Any) -> Any:
    """``result`` with every array in it (numpy scalars too) moved onto the fake device, sharing memory."""
    if isinstance(result, np.ndarray):
        return result if type(result) is FakeArray else result.view(FakeArray)
    if isinstance(result, np.generic):
        return np.asarray(result).view(FakeArray)
    if isinstance(result, (tuple, list)):
        return type(result)(on_fake(r) for r in result)
    return result


def _plain(x: Any) -> Any:
    return x.view(np.ndarray) if isinstance(x, FakeArray) else x


class FakeArray(np.ndarray):
    """An ndarray on the fake device: ufuncs, numpy functions and reductions on it return FakeArrays."""

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, out: Any = None, **kwargs: Any) -> Any:
        if out is not None:
            kwargs["out"] = tuple(_plain(o) for o in out)
        result = getattr(ufunc, method)(*(_plain(i) for i in inputs), **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return on_fake(result)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return on_fake(super().__array_function__(func, types, args, kwargs))

    # numpy methods that return scalars (cupy returns 0-d arrays instead).
    def __getitem__(self, index: Any) -> Any:
        return on_fake(super().__getitem__(index))

    def argmax(self, *args: Any, **kwargs: Any) -> Any:
        return on_fake(super().argmax(*args, **kwargs))

    def argmin(self, *args: Any, **kwargs: Any) -> Any:
        return on_fake(super().argmin(*args, **kwargs))


class _FakeNumpy:
    """numpy as the fake device's array module: what it returns is placed on the fake device."""

    def __getattr__(self, name: str) -> Any:
        obj = getattr(np, name)
        if callable(obj) and not isinstance(obj, (type, np.ufunc)):

            @functools.wraps(obj)
            def placed(*args: Any, **kwargs: Any) -> Any:
                return on_fake(obj(*args, **kwargs))

            return placed
        return obj


class FakeBackend(HostBackend):
    """The host backend, serving ``device('fake')`` with FakeArrays."""

    type = "fake"
    xp = _FakeNumpy()
    array_type = FakeArray

    def device_of(self, array: Any) -> device:
        return device("fake")

    def to_host(self, array: Any) -> np.ndarray:
        return np.array(array.view(np.ndarray), copy=True)

    def from_host(self, array: Any, d: device) -> Any:
        if type(array) is FakeArray:
            return array
        return np.array(array, copy=True).view(FakeArray)

    def strided_view(self, array: Any, shape: tuple, strides: tuple) -> Any:
        return np.lib.stride_tricks.as_strided(array, shape, strides, subok=True, writeable=False)


FAKE = FakeBackend()


@contextlib.contextmanager
def fake_device() -> Iterator[FakeBackend]:
    """Register the fake device for the duration of a test."""
    unregister = register_backend(FAKE)
    try:
        yield FAKE
    finally:
        unregister()
