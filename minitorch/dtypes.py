"""dtype objects with torch's names, and torch's type-promotion rules."""

from __future__ import annotations

from typing import Any

import numpy as np

from .caches import FLOAT_LIMITS


class dtype:
    """A tensor element type, printed as torch prints it (``torch.float32``).

    Two more names of it appear in torch's messages: ``_scalar_name``, its scalar type
    (``Float``: "result type Float can't be cast to ..."), and ``_tensor_type``, its legacy tensor
    type (``torch.FloatTensor``: what ``Tensor.type()`` returns).
    """

    __slots__ = (
        "name",
        "np_dtype",
        "is_floating_point",
        "is_signed",
        "itemsize",
        "_category",
        "_scalar_name",
        "_tensor_type",
    )

    def __init__(self, name: str, np_dtype: Any, category: int, scalar_name: str) -> None:
        self.name = name
        self.np_dtype = np.dtype(np_dtype)
        self._category = category  # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = category == 2 or self.np_dtype.kind == "i"
        self.itemsize = self.np_dtype.itemsize
        self._scalar_name = scalar_name
        self._tensor_type = f"torch.{scalar_name}Tensor"

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name

    def to_real(self) -> dtype:
        return self

    @property
    def is_complex(self) -> bool:
        return False


bool_ = dtype("bool", np.bool_, 0, "Bool")
uint8 = dtype("uint8", np.uint8, 1, "Byte")
int8 = dtype("int8", np.int8, 1, "Char")
int16 = dtype("int16", np.int16, 1, "Short")
int32 = dtype("int32", np.int32, 1, "Int")
int64 = dtype("int64", np.int64, 1, "Long")
float16 = dtype("float16", np.float16, 2, "Half")
float32 = dtype("float32", np.float32, 2, "Float")
float64 = dtype("float64", np.float64, 2, "Double")

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NUMPY = {d.np_dtype: d for d in ALL}
_BY_TENSOR_TYPE = {d._tensor_type: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(
    {
        "float": float32,
        "double": float64,
        "half": float16,
        "long": int64,
        "int": int32,
        "short": int16,
        "byte": uint8,
        "char": int8,
    }
)

_default_float = float32


def get_default_dtype() -> dtype:
    """The dtype Python floats and ``rand``/``zeros`` produce (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the dtype of Python floats and floating creation functions (float16, float32 or float64).

    Args:
        d: a floating dtype.
    """
    global _default_float
    if not isinstance(d, dtype):
        raise TypeError("invalid dtype object: only floating-point types are supported as the default type")
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


def from_numpy_dtype(npd: Any) -> dtype:
    """The minitorch dtype for a numpy dtype; TypeError for ones torch lacks."""
    found = _BY_NUMPY.get(npd)
    if found is not None:
        return found
    try:
        return _BY_NUMPY[np.dtype(npd)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(npd)}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def from_tensor_type(name: str) -> dtype:
    """The dtype of a legacy tensor type name (``'torch.FloatTensor'``)."""
    return _BY_TENSOR_TYPE[name]


def as_dtype(d: Any) -> dtype:
    """Accept a minitorch dtype, a numpy dtype or type, or a Python type (float, int, bool)."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    try:
        return from_numpy_dtype(d)
    except Exception:
        raise TypeError(f"dtype must be a minitorch dtype, got {d!r}") from None


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types: the higher category wins; within one, numpy's lattice."""
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    return _BY_NUMPY[np.promote_types(a.np_dtype, b.np_dtype)]


def _scalar_dtype(x: Any) -> dtype:
    if isinstance(x, (bool, np.bool_)):
        return bool_
    if isinstance(x, (int, np.integer)):
        return int64
    if isinstance(x, (float, np.floating)):
        return _default_float
    raise TypeError(f"unsupported operand type {type(x).__name__}")


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # torch's combine_categories: a lower tier only wins with a higher category.
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(*operands: Any) -> dtype:
    """torch.result_type over tensors and Python scalars.

    Three tiers take part in order of priority: tensors with dimensions, zero-dim
    tensors, then Python numbers (which count as the default dtype of their kind).
    """
    tiers: list[dtype | None] = [None, None, None]
    for x in operands:
        if hasattr(x, "dtype") and hasattr(x, "ndim") and isinstance(x.dtype, dtype):
            tier, d = (0 if x.ndim > 0 else 1), x.dtype
        else:
            tier, d = 2, _scalar_dtype(x)
        prev = tiers[tier]
        tiers[tier] = d if prev is None else promote_types(prev, d)
    out = _combine(tiers[0], _combine(tiers[1], tiers[2]))
    assert out is not None
    return out


def float_result(d: dtype) -> dtype:
    """The dtype a floating-only op (exp, sqrt, mean, true division) returns for input ``d``."""
    return d if d.is_floating_point else _default_float


_C_NAMES = {
    "uint8": "uint8_t",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int",
    "int64": "int64_t",
    "float16": "c10::Half",
    "float32": "float",
    "float64": "double",
}


def _largest(np_dtype: Any) -> float:
    """The largest finite value of a floating numpy dtype (cached: np.finfo costs a microsecond a call)."""
    lim = FLOAT_LIMITS.get(np_dtype)
    if lim is None:
        lim = FLOAT_LIMITS.put(np_dtype, float(np.finfo(np_dtype).max))
    return lim


def check_fits(value: Any, d: dtype) -> None:
    """Raise torch's error when the Python number ``value`` overflows ``d`` (masked_fill's value, clamp's bounds).

    Arithmetic wraps such numbers silently (uint8 tensor + 300); these ops convert with a check
    instead. As in torch, a negative int may still wrap into an unsigned type when its magnitude fits.
    """
    if d is bool_ or isinstance(value, (bool, np.bool_)):
        return
    value = value.item() if isinstance(value, np.generic) else value
    if d.is_floating_point:
        lim = _largest(d.np_dtype)
        bad = value == value and abs(value) != float("inf") and abs(value) > lim
    else:
        info = np.iinfo(d.np_dtype)
        if isinstance(value, float):
            bad = not info.min <= value <= info.max  # NaN fails too
        elif info.min == 0:
            bad = value > info.max or -value > info.max
        else:
            bad = not info.min <= value <= info.max
    if bad:
        raise RuntimeError(f"value cannot be converted to type {_C_NAMES[d.name]} without overflow")
