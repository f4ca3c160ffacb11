"""The host backend: numpy arrays in CPU memory."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import numpy as np

from ..caches import FILLED_OPERANDS
from . import fp_errors, malloc
from .base import Backend
from .device import CPU, device

_AT = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


class HostBackend(Backend):
    """numpy on the CPU (``device('cpu')``)."""

    type = "cpu"
    xp = np
    array_type = np.ndarray

    def device_of(self, array: Any) -> device:
        return CPU

    def to_host(self, array: Any) -> np.ndarray:
        return array

    def from_host(self, array: Any, device: device) -> Any:
        return array

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        np.add.at(target, index, values)

    def scatter_reduce(self, target: Any, index: Any, values: Any, reduce: str) -> None:
        _AT[reduce].at(target, index, values)

    def strided_view(self, array: Any, shape: tuple, strides: tuple, writeable: bool = False) -> Any:
        if type(array) is np.ndarray and array.flags.c_contiguous:
            # The ndarray constructor over the array's buffer (bounds-checked) costs ~0.7 us where
            # as_strided, going through __array_interface__, costs ~5: convolutions make several per step.
            view = np.ndarray(shape, array.dtype, array, 0, strides)
            view.flags.writeable = writeable and array.flags.writeable
            return view
        return np.lib.stride_tricks.as_strided(array, shape, strides, writeable=writeable)

    def reshape_view(self, array: Any, shape: tuple) -> Any:
        return np.reshape(array, shape, copy=False)

    def is_writeable(self, array: Any) -> bool:
        return bool(array.flags.writeable)

    def fillable(self, array: Any) -> Any:
        if array.flags.writeable:
            return array
        alias = array.view()
        try:
            alias.flags.writeable = True  # numpy allows it for a broadcast view of writeable memory only
        except ValueError:
            return array  # memory that is read-only itself: numpy's error, as before
        return alias

    def address(self, array: Any) -> int:
        return array.__array_interface__["data"][0]

    def partial_overlap(self, out: Any, other: Any) -> bool:
        if out.base is None and other.base is None:  # two arrays that own their memory: the same, or disjoint
            return False
        return super().partial_overlap(out, other)

    def _may_overlap(self, a: Any, b: Any) -> bool:
        # numpy's bounds check: ~0.3 us, where the two addresses above cost ~1.2 us each (every in-place op asks)
        return bool(np.may_share_memory(a, b))

    def quiet(self) -> AbstractContextManager[Any]:
        return fp_errors.Quiet()

    def filled_like(self, array: Any, value: Any) -> Any:
        """On the host, a cached read-only array of ``array``'s shape and dtype holding ``value``.

        numpy's maximum/minimum run several times slower against a broadcast scalar than against a
        whole array (their fast loops need unit strides): ``maximum(x, 0)`` on 256x1024 float32 takes
        ~98 us, ``maximum(x, zeros)`` ~35 us. ReLU and clamp use this; small arrays get the value.
        """
        if type(array) is not np.ndarray or array.size < 4096:
            return value
        if type(value) is np.ndarray:  # a 0-d bound (clamp's): its number keys the cache
            value = value.item()
        key = (array.shape, array.dtype.str, value)
        out = FILLED_OPERANDS.get(key)
        if out is None:
            out = np.full(array.shape, value, dtype=array.dtype)
            out.flags.writeable = False
            FILLED_OPERANDS.put(key, out)
        return out

    def masked_grad(self, grad: Any, keep: Any) -> Any:
        """numpy's ``where`` runs ~10x slower than a product, so the product is taken and redone with
        ``where`` only when it holds a NaN (rare: only then can the two differ)."""
        if type(grad) is not np.ndarray:  # a subclass's arrays (a test device): the device's own rule
            return super().masked_grad(grad, keep)
        quiet = fp_errors.silence()  # inf * 0: redone below (np.errstate costs ~1 us a use: see fp_errors)
        try:
            out = grad * keep
        finally:
            fp_errors.restore(quiet)
        if out.dtype.kind == "f" and out.size and np.isnan(out.max()):  # max: NaN-propagating, faster than sum
            out = np.where(keep, grad, 0).astype(grad.dtype, copy=False)
        return out

    # Random numbers: minitorch's own generator (``minitorch.random``) draws on the host; the base
    # class's uniform/normal/integers already return its draws unchanged here.


HOST = HostBackend()
# Freed activations' pages are reused rather than faulted in anew each step (see malloc.py).
malloc.tune()
