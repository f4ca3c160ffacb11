"""Tensor's conversions: dtype and device (``to``, ``cpu``, ``cuda``, ``float()``, ``type(...)``), pinned memory, and
``new_*`` (creation with this tensor's dtype and device).

A mixin of Tensor, as ``tensor_methods`` and ``tensor_inplace`` are; ``_ops`` and ``_creation`` are bound by
``tensor.py`` once the ops and the creation functions (which need Tensor) have been imported.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from . import backend, dtypes

_ops: Any = None
_creation: Any = None


class ConversionMethods:
    """Mixin of Tensor: conversions of dtype and device, and ``new_*``."""

    __slots__ = ()
    _data: Any
    _legacy_dtype: ClassVar[Any]
    dtype: Any
    device: Any

    if TYPE_CHECKING:  # (Tensor's and TensorMethods')

        def _wrap(self, data: Any) -> Any: ...
        def clone(self) -> Any: ...

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """Convert dtype and/or device: ``to(dtype)``, ``to(device)``, ``to(other)``, ``to(device, dtype)``."""
        dev, dt = kwargs.pop("device", None), kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        for a in args:
            if isinstance(a, dtypes.dtype):
                dt = a
            elif isinstance(a, ConversionMethods):
                dev, dt = a.device, a.dtype
            elif a is not None:
                dev = a
        out = self
        if dev is not None:
            out = _ops.to_device(out, backend.as_device(dev))
        if dt is not None and dt is not out.dtype:
            out = _ops.to_dtype(out, dt)
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self) -> Any:
        return self.to("cpu")

    def pin_memory(self, device: Any = None) -> Any:
        """A copy of this CPU tensor in page-locked memory, from which ``.to('cuda', non_blocking=True)``
        copies without a staging copy; torch's error without a GPU."""
        if self.device.type != "cpu":
            raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
        if not backend.cuda_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        return self._wrap(backend.CUDA.pin(self._data))  # pragma: no cover - needs a GPU

    def is_pinned(self, device: Any = None) -> bool:
        """Whether this tensor's memory is page-locked (made by ``pin_memory``)."""
        return self.device.type == "cpu" and backend.CUDA.is_pinned(self._data)

    def cuda(self, device: Any = None) -> Any:
        return self.to(
            backend.device("cuda", device if isinstance(device, int) else None)
            if not isinstance(device, (str, backend.device))
            else device
        )

    def type(self, t: Any = None) -> Any:
        """Without an argument the legacy type name; with one, convert (``x.type(torch.FloatTensor)``)."""
        if t is None:
            return self.dtype._tensor_type
        if isinstance(t, str):
            try:
                t = dtypes.from_tensor_type(t)
            except KeyError:
                raise ValueError(f"invalid type: '{t}'") from None
        if isinstance(t, type) and issubclass(t, ConversionMethods):
            t = t._legacy_dtype
        return self.to(dtypes.as_dtype(t))

    def type_as(self, other: Any) -> Any:
        """This tensor in ``other``'s dtype (itself when it already is), as ``self.type(other.type())``."""
        return self.to(other.dtype)

    def float(self) -> Any:
        return self.to(dtypes.float32)

    def double(self) -> Any:
        return self.to(dtypes.float64)

    def half(self) -> Any:
        return self.to(dtypes.float16)

    def long(self) -> Any:
        return self.to(dtypes.int64)

    def int(self) -> Any:
        return self.to(dtypes.int32)

    def short(self) -> Any:
        return self.to(dtypes.int16)

    def byte(self) -> Any:
        return self.to(dtypes.uint8)

    def char(self) -> Any:
        return self.to(dtypes.int8)

    def bool(self) -> Any:
        return self.to(dtypes.bool_)

    # ``new_*``: creation with this tensor's dtype and device unless told otherwise.
    def _new(
        self, make: Callable, *args: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
    ) -> Any:
        return make(
            *args,
            dtype=self.dtype if dtype is None else dtype,
            device=self.device if device is None else device,
            requires_grad=requires_grad,
        )

    def new_tensor(self, data: Any, **kwargs: Any) -> Any:
        return self._new(_creation.tensor, data, **kwargs)

    def new_zeros(self, *size: Any, **kwargs: Any) -> Any:
        return self._new(_creation.zeros, *size, **kwargs)

    def new_ones(self, *size: Any, **kwargs: Any) -> Any:
        return self._new(_creation.ones, *size, **kwargs)

    def new_empty(self, *size: Any, **kwargs: Any) -> Any:
        return self._new(_creation.empty, *size, **kwargs)

    def new_full(self, size: Any, fill_value: Any, **kwargs: Any) -> Any:
        return self._new(_creation.full, size, fill_value, **kwargs)
