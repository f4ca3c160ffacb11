"""The legacy typed constructors (``torch.FloatTensor(2, 3)``, ``isinstance(t, torch.LongTensor)``) and
``torch.typename``: Tensor subclasses fixed to one dtype, made once Tensor exists.
"""

from __future__ import annotations

from typing import Any

from . import dtypes
from .tensor import Tensor


class _LegacyMeta(type):
    """``isinstance(t, FloatTensor)`` holds for any CPU tensor of that dtype, as in torch."""

    _legacy_dtype: dtypes.dtype  # set by _legacy_class

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls._legacy_dtype and obj.device.type == "cpu"


def _legacy_class(name: str, dt: dtypes.dtype) -> type:
    """``FloatTensor``-style constructors: Tensor subclasses fixed to one dtype."""

    def init(self: Tensor, *args: Any, requires_grad: bool = False, device: Any = None) -> None:
        self._init_legacy(args, dt, requires_grad, device)

    def new(cls: type, *args: Any, **kwargs: Any) -> Tensor:
        t = object.__new__(Tensor)
        init(t, *args, **kwargs)
        return t

    return _LegacyMeta(name, (Tensor,), {"__slots__": (), "_legacy_dtype": dt, "__new__": new, "__init__": init})


FloatTensor = _legacy_class("FloatTensor", dtypes.float32)
DoubleTensor = _legacy_class("DoubleTensor", dtypes.float64)
HalfTensor = _legacy_class("HalfTensor", dtypes.float16)
LongTensor = _legacy_class("LongTensor", dtypes.int64)
IntTensor = _legacy_class("IntTensor", dtypes.int32)
ShortTensor = _legacy_class("ShortTensor", dtypes.int16)
CharTensor = _legacy_class("CharTensor", dtypes.int8)
ByteTensor = _legacy_class("ByteTensor", dtypes.uint8)
BoolTensor = _legacy_class("BoolTensor", dtypes.bool_)


def typename(obj: Any) -> str:
    """``torch.typename``: a tensor's legacy type name (``torch.FloatTensor``), else the qualified class name."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
