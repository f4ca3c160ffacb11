"""torch's top-level spellings of Tensor methods (``torch.abs_(x)`` is ``x.abs_()``) and a few global switches.

These are no ops of their own: each function hands its arguments to the tensor's method (or to the op with
``inplace=True`` where torch has no such method), so it has the method's semantics, errors, version bumps and
autograd. They live beside ``minitorch/__init__`` rather than in ``ops/``, whose modules list ops that Tensor's
methods call (``tests/test_op_exports.py``); here it is the other way round.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from . import creation, dtypes
from .nn import functional as _functional
from .ops import celu, selu
from .ops import threshold as _threshold  # threshold_ takes an argument of that name
from .tensor import Tensor

__all__ = [
    "abs_",
    "acos_",
    "acosh_",
    "addmv_",
    "arccos_",
    "arccosh_",
    "arcsin_",
    "arcsinh_",
    "arctan_",
    "arctanh_",
    "asin_",
    "asinh_",
    "atan_",
    "atanh_",
    "can_cast",
    "ceil_",
    "celu_",
    "clamp_",
    "clamp_max_",
    "clamp_min_",
    "clip_",
    "cos_",
    "cosh_",
    "deg2rad_",
    "detach",
    "detach_",
    "dropout_",
    "empty_strided",
    "erf_",
    "erfc_",
    "exp2_",
    "exp_",
    "expm1_",
    "fill_",
    "fix_",
    "floor_",
    "frac_",
    "gcd_",
    "get_device",
    "is_inference",
    "is_warn_always_enabled",
    "lcm_",
    "ldexp_",
    "log10_",
    "log1p_",
    "log2_",
    "log_",
    "logit_",
    "nan_to_num_",
    "neg_",
    "negative_",
    "rad2deg_",
    "range",
    "reciprocal_",
    "relu_",
    "round_",
    "rsqrt_",
    "selu_",
    "set_default_tensor_type",
    "set_flush_denormal",
    "set_warn_always",
    "sigmoid_",
    "sin_",
    "sinc_",
    "sinh_",
    "sqrt_",
    "square_",
    "tan_",
    "tanh_",
    "threshold_",
    "trunc_",
    "xlogy_",
    "zero_",
]


def _check_input(name: str, input: Any) -> None:
    """torch's TypeError for a first argument that is no tensor (a list, a number)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _method(name: str) -> Callable[..., Any]:
    """The function ``name(input, *args, **kwargs)`` that calls ``input.name(*args, **kwargs)``."""

    def call(input: Tensor, *args: Any, **kwargs: Any) -> Any:
        _check_input(name, input)
        return getattr(input, name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``input.{name}(...)``: the tensor method of that name, called on ``input``.\n\nArgs:\n" + (
        f"    input: the tensor.\n    *args, **kwargs: the method's other arguments (see ``Tensor.{name}``).\n"
    )
    return call


# The in-place elementwise functions: torch has each at its top level as a spelling of the tensor method.
abs_ = _method("abs_")
acos_ = _method("acos_")
acosh_ = _method("acosh_")
addmv_ = _method("addmv_")
arccos_ = _method("arccos_")
arccosh_ = _method("arccosh_")
arcsin_ = _method("arcsin_")
arcsinh_ = _method("arcsinh_")
arctan_ = _method("arctan_")
arctanh_ = _method("arctanh_")
asin_ = _method("asin_")
asinh_ = _method("asinh_")
atan_ = _method("atan_")
atanh_ = _method("atanh_")
ceil_ = _method("ceil_")
clamp_ = _method("clamp_")
clamp_max_ = _method("clamp_max_")
clamp_min_ = _method("clamp_min_")
clip_ = _method("clip_")
cos_ = _method("cos_")
cosh_ = _method("cosh_")
deg2rad_ = _method("deg2rad_")
erf_ = _method("erf_")
erfc_ = _method("erfc_")
exp2_ = _method("exp2_")
exp_ = _method("exp_")
expm1_ = _method("expm1_")
fill_ = _method("fill_")
fix_ = _method("fix_")
floor_ = _method("floor_")
frac_ = _method("frac_")
gcd_ = _method("gcd_")
lcm_ = _method("lcm_")
ldexp_ = _method("ldexp_")
log10_ = _method("log10_")
log1p_ = _method("log1p_")
log2_ = _method("log2_")
log_ = _method("log_")
logit_ = _method("logit_")
nan_to_num_ = _method("nan_to_num_")
neg_ = _method("neg_")
negative_ = _method("negative_")
rad2deg_ = _method("rad2deg_")
reciprocal_ = _method("reciprocal_")
relu_ = _method("relu_")
round_ = _method("round_")
rsqrt_ = _method("rsqrt_")
sigmoid_ = _method("sigmoid_")
sin_ = _method("sin_")
sinc_ = _method("sinc_")
sinh_ = _method("sinh_")
sqrt_ = _method("sqrt_")
square_ = _method("square_")
tan_ = _method("tan_")
tanh_ = _method("tanh_")
trunc_ = _method("trunc_")
xlogy_ = _method("xlogy_")
zero_ = _method("zero_")
detach = _method("detach")
detach_ = _method("detach_")
get_device = _method("get_device")
is_inference = _method("is_inference")


def selu_(input: Tensor) -> Tensor:
    """``selu`` written into ``input``.

    Args:
        input: a floating tensor.
    """
    _check_input("selu_", input)
    return selu(input, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``celu`` written into ``input``.

    Args:
        input: a floating tensor.
        alpha: the scale of the negative part.
    """
    _check_input("celu_", input)
    return celu(input, alpha, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """``threshold`` written into ``input``: elements not above ``threshold`` become ``value``.

    Args:
        input: the tensor.
        threshold: the bound an element must exceed to be kept.
        value: what replaces the others.
    """
    _check_input("threshold_", input)
    return _threshold(input, threshold, value, inplace=True)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``dropout`` written into ``input`` (unchanged when ``train`` is False).

    Args:
        input: a floating tensor.
        p: the probability of zeroing an element.
        train: whether to drop at all.
    """
    _check_input("dropout_", input)
    return _functional.dropout(input, p, train, inplace=True)


class _Switches:
    """The state ``set_warn_always`` sets."""

    warn_always = False


_SWITCHES = _Switches()


def set_warn_always(b: bool) -> None:
    """Record whether warnings torch gives once should be given every time (minitorch's are given by Python's
    ``warnings`` filters, so this is read back only).

    Args:
        b: the flag.
    """
    _SWITCHES.warn_always = bool(b)


def is_warn_always_enabled() -> bool:
    """The flag ``set_warn_always`` last set (False at start)."""
    return _SWITCHES.warn_always


def set_flush_denormal(mode: bool) -> bool:
    """torch's switch for flushing denormal floats to zero on the CPU; returns whether it was applied.

    minitorch computes with numpy, which offers no such mode, so this does nothing and returns False, as torch
    does on a CPU without the feature.

    Args:
        mode: whether to flush denormals.
    """
    return False


_DEFAULT_TYPES = {"FloatTensor": dtypes.float32, "DoubleTensor": dtypes.float64, "HalfTensor": dtypes.float16}


def set_default_tensor_type(t: Any) -> None:
    """Deprecated (as in torch): set the default floating dtype from a legacy tensor type or its name.

    Args:
        t: ``FloatTensor``, ``DoubleTensor`` or ``HalfTensor``, or a name such as ``"torch.DoubleTensor"``.
    """
    warnings.warn(
        "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use torch.set_default_dtype() and "
        "torch.set_default_device() as alternatives.",
        UserWarning,
        stacklevel=2,
    )
    name = t.rsplit(".", 1)[-1] if isinstance(t, str) else getattr(t, "__name__", "")
    if isinstance(t, str) and name not in _DEFAULT_TYPES and not name.endswith("Tensor"):
        raise TypeError(f"invalid type: '{t}'")
    if name not in _DEFAULT_TYPES:
        raise TypeError("only floating-point types are supported as the default type")
    dtypes.set_default_dtype(_DEFAULT_TYPES[name])


def _category(d: dtypes.dtype) -> int:
    """bool < integers < floating point: the order a safe cast may only climb."""
    return 0 if d is dtypes.bool_ else 2 if d.is_floating_point else 1


def can_cast(from_: dtypes.dtype, to: dtypes.dtype) -> bool:
    """Whether torch's promotion allows a cast from ``from_`` to ``to``: never to a lower kind (float to integer,
    integer to bool); within a kind any width goes.

    Args:
        from_: the source dtype.
        to: the target dtype.
    """
    for arg, value in (("from_", from_), ("to", to)):
        if not isinstance(value, dtypes.dtype):
            raise TypeError(f"can_cast(): argument '{arg}' must be torch.dtype, not {type(value).__name__}")
    return _category(from_) <= _category(to)


def range(
    start: float = 0,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Deprecated (as in torch): ``start, start + step, ...`` up to and including ``end``, in the default float
    dtype unless ``dtype`` is given.

    Args:
        start: the first value (``range(end)`` alone starts at 0).
        end: the last value the sequence may reach.
        step: the gap between neighbours (nonzero, with the sign of ``end - start``).
        dtype, device, requires_grad: as for ``arange``.
    """
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its behavior is inconsistent "
        "with Python's range builtin. Instead, use torch.arange, which produces values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    count = math.floor((end - start) / step) + 1
    # in double, then cast: the points are start + i * step, as torch computes them
    points = creation.arange(count, dtype=dtypes.float64, device=device) * step + start
    out = points.to(dtype if dtype is not None else dtypes.get_default_dtype())
    return out.requires_grad_(requires_grad) if requires_grad else out


def empty_strided(
    size: Any, stride: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """An uninitialized tensor of ``size`` with the given ``stride`` (a view of a storage just large enough).

    Args:
        size: the shape.
        stride: one stride (in elements) per dimension.
        dtype, device, requires_grad: as for ``empty``.
    """
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(
            f"dimensionality of sizes ({len(size)}) must match dimensionality of strides ({len(stride)})"
        )
    extent = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    out = creation.empty(extent, dtype=dtype, device=device).as_strided(size, stride)
    return out.requires_grad_(requires_grad) if requires_grad else out
