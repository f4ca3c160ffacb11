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
    if isinstance(x, bool):
        return bool_
    if isinstance(x, np.bool_):  # torch's argument parser reads a numpy bool as a float
        return _default_float
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
    unsigned = False  # a Python int above int64's range is torch's uint64 number
    for x in operands:
        if hasattr(x, "dtype") and hasattr(x, "ndim") and isinstance(x.dtype, dtype):
            tier, d = (0 if x.ndim > 0 else 1), x.dtype
        else:
            tier, d = 2, _scalar_dtype(x)
            if type(x) is int and not -(2**63) <= x < 2**63:
                unsigned = scalar(x).dtype.kind == "u"  # beyond uint64 too: torch's OverflowError
        prev = tiers[tier]
        tiers[tier] = d if prev is None else promote_types(prev, d)
    out = _combine(tiers[0], _combine(tiers[1], tiers[2]))
    assert out is not None
    if unsigned and out is int64 and bool_ in tiers[:2] and all(t in (None, bool_) for t in tiers[:2]):
        raise RuntimeError(
            "Promotion for uint16, uint32, uint64 types is not supported, attempted to promote Bool and UInt64"
        )
    return out


def float_result(d: dtype) -> dtype:
    """The dtype a floating-only op (exp, sqrt, mean, true division) returns for input ``d``."""
    return d if d.is_floating_point else _default_float


# c10's names of the C types, as torch's conversion errors spell them.
_C_NAMES = {
    "bool": "bool",
    "uint8": "uint8_t",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int",
    "int64": "int64_t",
    "float16": "c10::Half",
    "float32": "float",
    "float64": "double",
}


# The C++ type names of other messages (``attempting to assign a gradient with dtype 'double'``, ``from is
# out of bounds for signed char``).
CPP_TYPE_NAMES = {
    "float64": "double",
    "float32": "float",
    "float16": "c10::Half",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
}


def _largest(np_dtype: Any) -> float:
    """The largest finite value of a floating numpy dtype (cached: np.finfo costs a microsecond a call)."""
    lim = FLOAT_LIMITS.get(np_dtype)
    if lim is None:
        lim = FLOAT_LIMITS.put(np_dtype, float(np.finfo(np_dtype).max))
    return lim


def _range_of(d: dtype) -> tuple:
    if d is bool_:
        return 0, 1
    if d.is_floating_point:
        finfo = np.finfo(d.np_dtype)
        return finfo.min, finfo.max
    iinfo = np.iinfo(d.np_dtype)
    return int(iinfo.min), int(iinfo.max)


# The smallest and largest value of each dtype (np.finfo/np.iinfo cost a microsecond a call).
_BOUNDS = {d.name: _range_of(d) for d in ALL}


def _bounds(d: dtype) -> tuple:
    """The smallest and largest value of ``d``."""
    return _BOUNDS[d.name]


_NUMBER = (bool, int, float, complex, np.bool_, np.number)
REAL_SCALARS = (int, float, bool, np.bool_, np.integer, np.floating)
INTEGER_SCALARS = (int, np.integer)  # Python's (bool included) and numpy's integers, not numpy's bools


def is_number(value: Any) -> bool:
    """Whether ``value`` is a number torch accepts as a Scalar argument (Python or numpy; not a tensor)."""
    return isinstance(value, _NUMBER)


def scalar(value: Any) -> Any:
    """``value`` as torch's Scalar holds it: np.bool_, np.int64 (np.uint64 above int64's range) or np.float64.

    A numpy bool counts as a float, as torch's argument parser reads it. A complex number keeps its type
    here; converting one with an imaginary part overflows every real type.
    """
    if isinstance(value, bool):
        return np.bool_(value)
    if isinstance(value, (int, np.integer)):
        v = int(value)
        if -(2**63) <= v < 2**63:
            return np.int64(v)
        if 0 <= v < 2**64:
            return np.uint64(v)
        raise OverflowError("can't convert negative int to unsigned" if v < 0 else "int too big to convert")
    if isinstance(value, (complex, np.complexfloating)):
        return complex(value)
    return np.float64(value)  # Python and numpy floats, numpy bools


def overflows(value: Any, d: dtype) -> bool:
    """c10's ``overflows``: whether the Scalar ``value`` (see ``scalar``) lies outside ``d``'s range.

    Infinities and NaN fit a floating type; NaN fits no integer type. A negative integer may still
    wrap into an unsigned type when its magnitude fits (uint8 takes -255 as 1), as in torch.
    """
    if d is bool_ or isinstance(value, np.bool_):
        return False
    if isinstance(value, complex):
        return value.imag != 0 or overflows(np.float64(value.real), d)
    if value.dtype.kind in "iu":
        v = int(value)
        if d.is_floating_point:
            return abs(v) > _largest(d.np_dtype)
        info = np.iinfo(d.np_dtype)
        if info.min == 0 and v < 0 and value.dtype.kind == "i":
            return -v > info.max
        return not info.min <= v <= info.max
    f = float(value)
    if d.is_floating_point:
        return f == f and abs(f) != float("inf") and abs(f) > _largest(d.np_dtype)
    info = np.iinfo(d.np_dtype)
    return not float(info.min) <= f <= float(info.max)  # NaN fails too


def overflow_error(d: dtype, name: str | None = None) -> RuntimeError:
    """torch's error for a number that does not fit ``d`` (``name``: the type as the caller spells it)."""
    return RuntimeError(f"value cannot be converted to type {name or _C_NAMES[d.name]} without overflow")


def cast_scalar(value: Any, d: dtype, checked: bool = True, check_as: dtype | None = None) -> Any:
    """A Python or numpy number as a numpy scalar of ``d``, converted as torch converts a Scalar argument.

    Python floats go straight to ``d`` (one rounding from the double they are), except float16, which
    c10 reaches through float32. Integers beyond ``d`` wrap as a C cast does.

    Args:
        value: the number.
        d: the target dtype.
        checked: raise torch's overflow error when the value does not fit (``c10::checked_convert``,
            as fill_, masked_fill, clamp and alpha do); False converts without a check, as the Python
            number operand of arithmetic is.
        check_as: the dtype whose range is checked, when not ``d`` (fill_ checks float16 against float32,
            the type it computes in).
    """
    kind = type(value)
    if kind is float and d.is_floating_point and d is not float16:  # the common case, without numpy scalars
        if abs(value) > _largest((check_as or d).np_dtype) and abs(value) != float("inf"):  # (not NaN)
            if checked:
                raise overflow_error(check_as or d)
            with np.errstate(over="ignore"):  # inf, silently, as torch
                return d.np_dtype.type(value)
        return d.np_dtype.type(value)
    if kind is int and d is not bool_ and d is not float16 and -(2**53) <= value <= 2**53:
        low, high = _bounds(d)
        if low <= value <= high:  # fits: no check, no wrap, and exact in a double
            return d.np_dtype.type(value)
    s = scalar(value)
    if checked and overflows(s, check_as or d):
        raise overflow_error(check_as or d)
    if isinstance(s, complex):
        s = np.float64(s.real)
    if d is bool_:
        return np.bool_(s != 0)
    with np.errstate(all="ignore"):  # wrapping casts (unchecked, or -1 into uint8) are meant
        if d is float16 and s.dtype.kind != "b":
            return s.astype(np.float32).astype(np.float16)
        return s.astype(d.np_dtype)


def fill_scalar(value: Any, d: dtype, numel: int) -> Any:
    """A number as torch fills ``numel`` elements of ``d`` with it (fill_, fill, full): converted checked,
    except that a one-element float16 is checked against float32 (torch's one-element fast path fills
    through float32)."""
    return cast_scalar(value, d, check_as=float32 if d is float16 and numel == 1 else None)


def check_fits(value: Any, d: dtype) -> None:
    """Raise torch's error when the Python number ``value`` overflows ``d`` (see ``overflows``)."""
    if (type(value) is int or type(value) is float) and -65504 <= value <= 65504 and d.is_floating_point:
        return  # within float16's range, so every floating type's (the common pow(2), clamp(min=0))
    if overflows(scalar(value), d):
        raise overflow_error(d)
