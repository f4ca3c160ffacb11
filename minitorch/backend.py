"""The one place that knows which array library backs a tensor.

Op code asks this module for the array module of its inputs (``array_module``)
instead of importing numpy or cupy itself, so a GPU backend is an addition here,
not a rewrite of the ops. Where numpy and cupy differ, the helper lives here.
"""

from __future__ import annotations

import contextlib
from typing import Any, Union

import numpy as np

try:  # CuPy is optional: minitorch imports and works without it.
    import cupy as _cupy  # type: ignore[import-not-found]
except Exception:  # pragma: no cover - depends on the machine
    _cupy = None


class device:
    """Where a tensor's data lives: ``device('cpu')``, ``device('cuda:0')``, ``device('cuda', 1)``."""

    __slots__ = ("type", "index")

    def __init__(self, type: Union[str, device], index: int | None = None) -> None:
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise TypeError(f"device() expected a string or a device, but got {type.__class__.__name__}")
        name = type.strip()
        if ":" in name:
            if index is not None:
                raise RuntimeError(
                    f"type (string) must not include an index because index was passed explicitly: {name}"
                )
            name, _, idx = name.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if name not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type = name
        self.index = index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")
DeviceLike = Union[str, device, int, None]


def as_device(d: DeviceLike) -> device:
    """Normalise a user's device argument (None means cpu, an int means that cuda index)."""
    if d is None:
        return CPU
    if isinstance(d, int) and not isinstance(d, bool):
        return device("cuda", d)
    return device(d)


def cuda_available() -> bool:
    """True when CuPy is importable and sees at least one GPU."""
    if _cupy is None:
        return False
    try:
        return _cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # pragma: no cover - depends on the machine
        return False


def module_for_device(d: device) -> Any:
    """The array module (numpy or cupy) that holds data for device ``d``."""
    if d.type == "cpu":
        return np
    if not cuda_available():
        raise RuntimeError(
            "Torch not compiled with CUDA enabled: minitorch found no usable CuPy/GPU "
            "(install the 'cuda' extra on a machine with an NVIDIA GPU)"
        )
    return _cupy


def device_of(array: Any) -> device:
    """The device an array lives on."""
    if isinstance(array, np.ndarray) or np.isscalar(array):
        return CPU
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return device("cuda", array.device.id)
    return CPU


def partial_overlap(out: Any, other: Any) -> bool:
    """Whether ``other`` overlaps ``out``'s memory without being the very same view of it, as torch decides it.

    torch refuses such in-place ops (``x.add_(x[0])``): the result would depend on the order in
    which elements are written. Like torch, only dense (contiguous in some order) arrays are
    judged, by their address ranges; for others it cannot tell cheaply and lets the op run.
    """
    if type(out) is not type(other):
        return False
    dense = (out.flags.c_contiguous or out.flags.f_contiguous) and (
        other.flags.c_contiguous or other.flags.f_contiguous
    )
    if not dense or out.size == 0 or other.size == 0:
        return False
    a, b = _address(out), _address(other)
    if a == b and out.shape == other.shape and out.strides == other.strides:
        return False
    return a < b + other.nbytes and b < a + out.nbytes


def _address(array: Any) -> int:
    if isinstance(array, np.ndarray):
        return array.__array_interface__["data"][0]
    return array.data.ptr  # pragma: no cover - needs a GPU


def is_writeable(array: Any) -> bool:
    """Whether ``array`` may be written in place: numpy marks broadcast and strided-trick views read-only;
    cupy arrays have no such flag (and no read-only views)."""
    if isinstance(array, np.ndarray):
        return bool(array.flags.writeable)
    return True


def device_name(array: Any) -> str:
    """The device of an array as a string (``'cpu'``, ``'cuda:0'``); cheaper than :func:`device_of`."""
    if type(array) is np.ndarray:
        return "cpu"
    return str(device_of(array))


def array_module(*arrays: Any) -> Any:
    """numpy or cupy, whichever holds ``arrays`` (python scalars count as either)."""
    if _cupy is not None:
        for a in arrays:
            if isinstance(a, _cupy.ndarray):
                return _cupy
    return np


_FILLED: dict = {}


def filled_like(array: Any, value: Any) -> Any:
    """``value`` (a number or 0-d array) as an operand for an elementwise op with ``array``: on the host, a
    cached read-only array of ``array``'s shape and dtype holding it; elsewhere ``value`` itself.

    numpy's maximum/minimum run several times slower against a broadcast scalar than against a whole
    array (their fast loops need unit strides): ``maximum(x, 0)`` on 256x1024 float32 takes ~98 us,
    ``maximum(x, zeros)`` ~35 us. ReLU and clamp use this; the cache keeps a few shapes.
    """
    if type(array) is not np.ndarray or array.size < 4096:
        return value
    if type(value) is np.ndarray:  # a 0-d bound (clamp's): its number keys the cache
        value = value.item()
    key = (array.shape, array.dtype.str, value)
    out = _FILLED.get(key)
    if out is None:
        if len(_FILLED) >= 16:
            _FILLED.clear()
        out = _FILLED[key] = np.full(array.shape, value, dtype=array.dtype)
        out.flags.writeable = False
    return out


def masked_grad(grad: Any, keep: Any) -> Any:
    """``grad`` where ``keep`` holds and 0 elsewhere, even where ``grad`` is inf or NaN.

    torch's backward formulas select (``where(mask, grad, 0)``); a product would turn an inf or NaN
    gradient into NaN where the mask is 0. On the host numpy's ``where`` runs ~10x slower than a product,
    so the product is taken and redone with ``where`` only when it holds a NaN (rare: only then can it
    differ); on a GPU ``where`` is as fast, and checking would synchronise.
    """
    if type(grad) is not np.ndarray:
        return array_module(grad).where(keep, grad, 0)
    with np.errstate(invalid="ignore"):  # inf * 0: redone below
        out = grad * keep
    if out.dtype.kind == "f" and out.size and np.isnan(out.max()):  # max: NaN-propagating, faster than sum
        out = np.where(keep, grad, 0).astype(grad.dtype, copy=False)
    return out


def host_array_type() -> type:
    """The array class of host (CPU) memory: numpy's ndarray."""
    return np.ndarray


def is_numpy_type(cls: type) -> bool:
    """True for numpy's ndarray class (host memory)."""
    return cls is np.ndarray


def is_array(x: Any) -> bool:
    """True for a numpy or cupy ndarray."""
    return isinstance(x, np.ndarray) or (_cupy is not None and isinstance(x, _cupy.ndarray))


def to_device(array: Any, d: device) -> Any:
    """Copy ``array`` to device ``d`` (no copy when it is already there)."""
    if device_of(array) == d:
        return array
    if d.type == "cpu":
        return _cupy.asnumpy(array)
    xp = module_for_device(d)
    with xp.cuda.Device(d.index or 0):
        return xp.asarray(array)


def scatter_add(target: Any, index: Any, values: Any) -> None:
    """``target[index] += values`` with repeated indices accumulating (numpy add.at / cupyx)."""
    xp = array_module(target)
    if xp is np:
        np.add.at(target, index, values)
    else:  # pragma: no cover - needs a GPU
        import cupyx

        cupyx.scatter_add(target, index, values)


def quiet(xp: Any) -> Any:
    """A context that silences divide/invalid warnings (numpy only; cupy never warns)."""
    if xp is np:
        return np.errstate(divide="ignore", invalid="ignore", over="ignore")
    return contextlib.nullcontext()


def reshape_view(array: Any, shape: tuple) -> Any:
    """``array`` reshaped without copying; ValueError when that needs a copy."""
    if array_module(array) is np:
        return np.reshape(array, shape, copy=False)
    out = array.view()  # pragma: no cover - needs a GPU
    out.shape = shape
    return out


def strided_view(array: Any, shape: tuple, strides: tuple) -> Any:
    """A read-only view of ``array``'s memory with the given shape and byte strides (may overlap)."""
    if type(array) is np.ndarray and array.flags.c_contiguous:
        # The ndarray constructor over the array's buffer (bounds-checked) costs ~0.7 us where
        # as_strided, going through __array_interface__, costs ~5: convolutions make several per step.
        view = np.ndarray(shape, array.dtype, array, 0, strides)
        view.flags.writeable = False
        return view
    if array_module(array) is np:
        return np.lib.stride_tricks.as_strided(array, shape, strides, writeable=False)
    return _cupy.lib.stride_tricks.as_strided(array, shape, strides)  # pragma: no cover - needs a GPU


def sliding_windows(array: Any, kernel: tuple, stride: tuple, dilation: tuple) -> Any:
    """Read-only view of the windows over ``array``'s trailing ``len(kernel)`` dims, without copying.

    The result has shape ``lead + out + kernel``: ``out[i]`` is the number of whole
    windows along that dim (``kernel`` taps ``dilation`` apart, ``stride`` apart).
    """
    nd = len(kernel)
    lead, space = array.shape[:-nd], array.shape[-nd:]
    out = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(space, kernel, stride, dilation))
    st = array.strides[-nd:]
    shape = lead + out + tuple(kernel)
    strides = (
        array.strides[:-nd] + tuple(a * s for a, s in zip(st, stride)) + tuple(a * d for a, d in zip(st, dilation))
    )
    return strided_view(array, shape, strides)
