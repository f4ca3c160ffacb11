"""Parameter: a tensor that a Module registers as one of its learnable weights; Buffer, the marker that makes an
attribute a buffer; and the placeholders of lazy modules (UninitializedParameter, UninitializedBuffer), whose shape is
not known until their module's first forward."""

from __future__ import annotations

from typing import Any, SupportsIndex, TypeGuard

import numpy as np

from .. import backend
from ..creation import empty
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and that ``Module.__setattr__`` registers.

    Args:
        data: the tensor to wrap; the parameter shares its memory. None gives an empty tensor.
        requires_grad: whether the parameter takes part in autograd (default True).
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        p = object.__new__(cls)
        p._init(data._data)
        p._counter = data._counter  # shares memory with ``data``, so shares its version counter too
        p.requires_grad = requires_grad
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # all the work is in __new__; Tensor.__init__ is the legacy constructor

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        return (_rebuild_parameter, (self._cpu_array(), self.requires_grad, str(self.device)))


def _rebuild_parameter(array: np.ndarray, requires_grad: bool, device: str) -> Parameter:
    data = Tensor._wrap(backend.to_device(array, backend.as_device(device)))
    return Parameter(data, requires_grad)


def is_lazy(param: Any) -> TypeGuard[UninitializedTensorMixin]:
    """Whether ``param`` is an UninitializedParameter or an UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)


_ARRAY = Tensor.__dict__["_data"]  # Tensor's slot for the array, which the placeholders read and write directly


class UninitializedTensorMixin:
    """What the lazy placeholders share: a tensor whose shape is not known yet.

    The placeholder keeps an empty array only for its dtype and device. Every op reads a tensor's
    array, and for a placeholder that read raises torch's ValueError; ``shape`` raises torch's
    RuntimeError. What torch allows works: ``dtype``, ``device``, ``size()``, the conversions
    (``to``, ``double``, ``cuda``, ... which a module's ``.to()`` applies) and ``materialize``.
    """

    __slots__ = ()
    cls_to_become: type  # what ``materialize`` turns the placeholder into

    def _use_error(self, what: str = "") -> ValueError:
        return ValueError(
            f"Attempted to use an uninitialized parameter{what}. This error happens when you are using a "
            f"`LazyModule` or explicitly manipulating `torch.nn.parameter.{type(self).__name__}` objects. When "
            "using LazyModules Call `forward` with a dummy batch to initialize the parameters before calling "
            "torch functions"
        )

    @property
    def _data(self) -> Any:
        raise self._use_error()

    @_data.setter
    def _data(self, value: Any) -> None:
        _ARRAY.__set__(self, value)

    def _placeholder(self) -> Tensor:
        """The empty tensor that stands for this one: what conversions and ``materialize`` work on."""
        return Tensor._wrap(_ARRAY.__get__(self))

    @property
    def shape(self) -> Any:
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
            "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
            "`forward` to initialize the parameters before accessing their attributes."
        )

    @property
    def dtype(self) -> Any:
        return self._placeholder().dtype

    @property
    def device(self) -> Any:
        return self._placeholder().device

    @property
    def ndim(self) -> int:
        return 1

    @property
    def data(self) -> Tensor:
        return self._placeholder()

    @data.setter
    def data(self, value: Tensor) -> None:
        # what Module._apply does with a converted placeholder: keep it, with the new dtype and device
        _ARRAY.__set__(self, _ARRAY.__get__(value) if isinstance(value, UninitializedTensorMixin) else value._data)

    def size(self, dim: int | None = None) -> Any:
        return self._placeholder().size(dim)

    def to(self, *args: Any, **kwargs: Any) -> Any:
        return self._converted(self._placeholder().to(*args, **kwargs))

    def _converted(self, placeholder: Tensor) -> Any:
        """What a conversion of this placeholder returns, given the converted empty tensor."""
        raise NotImplementedError

    def _new_like(self, device: Any, dtype: Any) -> Any:
        """A new placeholder of the same kind and flags, on ``device`` and of ``dtype``."""
        raise NotImplementedError

    def _check_inplace(self) -> None:
        raise self._use_error()  # an in-place op is a use: torch's ValueError comes before its leaf check

    def requires_grad_(self, requires_grad: bool = True) -> Any:
        raise self._use_error(" in requires_grad_")

    def share_memory_(self) -> Any:
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize the "
            "parameters before calling `module.share_memory()`."
        )

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the placeholder memory of ``shape`` (uninitialised values) and make it a Parameter (or Tensor).

        Args:
            shape: the shape of the materialized tensor.
            device, dtype: where and of what type; by default the placeholder's.
        """
        like = self._placeholder()
        made = empty(shape, device=like.device if device is None else device, dtype=dtype or like.dtype)
        _ARRAY.__set__(self, made._data)
        self.__class__ = self.cls_to_become  # the same object, so optimizers and hooks holding it keep working

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        return (type(self), (self._requires_grad,))  # type: ignore[attr-defined]

    def __deepcopy__(self, memo: dict) -> Any:
        if id(self) not in memo:
            memo[id(self)] = self._new_like(self.device, self.dtype)
        return memo[id(self)]


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is not known yet (a lazy module's, until its first forward).

    Args:
        requires_grad: whether the materialized parameter requires grad (default True).
        device, dtype: where and of what type the parameter will be materialized.
    """

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> UninitializedParameter:
        p = object.__new__(cls)
        p._init(empty(0, device=device, dtype=dtype)._data)
        p.requires_grad = requires_grad
        return p

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        pass  # all the work is in __new__

    def _converted(self, placeholder: Tensor) -> Any:
        if placeholder._data is _ARRAY.__get__(self):
            placeholder = placeholder.clone()
        return placeholder  # torch's conversion of an uninitialized parameter is a plain (empty) tensor

    def _new_like(self, device: Any, dtype: Any) -> Any:
        return UninitializedParameter(self._requires_grad, device, dtype)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (a lazy module's, until its first forward).

    Args:
        requires_grad: whether the materialized buffer requires grad (default False).
        device, dtype: where and of what type the buffer will be materialized.
        persistent: whether the buffer is saved in the state dict (default True).
    """

    __slots__ = ()
    cls_to_become = Tensor
    persistent: bool
    _is_buffer: bool

    def __new__(
        cls, requires_grad: bool = False, device: Any = None, dtype: Any = None, persistent: bool = True
    ) -> UninitializedBuffer:
        b = object.__new__(cls)
        b._init(empty(0, device=device, dtype=dtype)._data)
        b.requires_grad = requires_grad
        b.persistent = persistent
        b._is_buffer = True  # read by ``isinstance(b, Buffer)``, so that assigning it registers a buffer
        return b

    def __init__(
        self, requires_grad: bool = False, device: Any = None, dtype: Any = None, persistent: bool = True
    ) -> None:
        pass  # all the work is in __new__ (Tensor.__init__ is the legacy constructor)

    def _converted(self, placeholder: Tensor) -> Any:
        # torch keeps a converted buffer a placeholder, so a lazy module's ``.to()`` keeps it lazy
        return self._new_like(placeholder.device, placeholder.dtype)

    def _new_like(self, device: Any, dtype: Any) -> Any:
        return UninitializedBuffer(self._requires_grad, device, dtype, self.persistent)


class _BufferMeta(type):
    """Makes ``isinstance(t, Buffer)`` true for any tensor that ``Buffer(...)`` (or a placeholder) marked."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is Buffer and isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False):
            return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor as a buffer: assigned as a Module attribute, it is registered with ``register_buffer``.

    ``Buffer(t)`` is a plain tensor sharing ``t``'s memory (detached, with ``t``'s ``requires_grad``) that
    carries the mark, as in torch.

    Args:
        data: the tensor; None gives an empty one.
        persistent: whether the buffer is saved in the module's state dict (default True).
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Tensor:  # type: ignore[misc]
        if data is None:
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t
