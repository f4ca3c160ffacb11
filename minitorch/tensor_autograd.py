"""Tensor's autograd side: ``requires_grad``, ``.grad``, ``backward``, ``detach``, and the hooks.

A mixin of Tensor, as ``tensor_methods`` and ``tensor_inplace`` are. What it reads of a tensor is autograd's
protocol (``nodes.py``): ``_requires_grad``, ``grad_fn``, ``_output_nr``, ``_grad``, ``_hooks``, ...; the backward
pass itself is ``autograd.engine``'s.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import dtypes
from .autograd import engine

if TYPE_CHECKING:
    from .tensor import Tensor


class AutogradMethods:
    """Mixin of Tensor: the flags, the gradient and the hooks autograd keeps on a tensor."""

    if TYPE_CHECKING:
        # What the mixin uses of Tensor, the one class it is mixed into (which holds the slots, and a __dict__:
        # the checker reads no __slots__ here, as any attribute can be set on a Tensor).
        _data: Any
        _requires_grad: bool
        grad_fn: Any
        _counter: Any
        _grad: Any
        _output_nr: int
        _hooks: Any
        _post_accumulate_hooks: Any
        _base: Any
        _retains_grad: bool

        @property
        def dtype(self) -> Any: ...
        @property
        def device(self) -> Any: ...
        @staticmethod
        def _wrap(data: Any) -> Tensor: ...
    else:
        __slots__ = ()

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and not self.dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        if not value and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to "
                "use a computed variable in a subgraph that doesn't require differentiation "
                "use var_no_grad = var.detach()."
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Any:
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by backward (None until then)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        # torch refuses a gradient that backward could not accumulate into: another type, dtype, device or size.
        if value is not None:
            if not isinstance(value, AutogradMethods):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type {type_name(value)}"
                )
            if value is self:
                raise RuntimeError("can't assign Variable as its own grad")
            if value.dtype is not self.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{dtypes.CPP_TYPE_NAMES[value.dtype.name]}' to a tensor "
                    f"with grad_dtype '{self.dtype._scalar_name}'. The gradient must match "
                    "the tensor's grad_dtype (defaults to the tensor's dtype)."
                )
            here, there = self.device, value.device
            if here.type != there.type:
                raise RuntimeError(
                    f"attempting to assign a gradient with device type '{there.type}' to a tensor with "
                    f"device type '{here.type}'. Please ensure that the gradient and the tensor are "
                    "on the same device"
                )
            if here != there:
                raise RuntimeError(
                    f"attempting to assign a gradient located on device with index '{there.index}' to "
                    f"a tensor located on device with index '{here.index}'. Please ensure that the "
                    "gradient and the tensor are on the same device"
                )
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a tensor "
                    f"of size '{list(self._data.shape)}'. Please ensure that the gradient and the "
                    "tensor are the same size"
                )
        self._grad = value

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate this tensor's gradient into the graph's leaves (see ``autograd.backward``)."""
        engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> Tensor:
        """A tensor sharing data and version counter, cut from the graph."""
        t = self._wrap(self._data)
        t._counter = self._counter
        return t

    def detach_(self) -> Any:
        if self._base is not None and self._base.requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    def register_hook(self, hook: Callable) -> _RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a replacement."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if not isinstance(self._hooks, list):
                self._hooks = []
            hooks = self._hooks
        else:
            hooks = self.grad_fn.tensor_hooks(self._output_nr)
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable) -> _RemovableHandle:
        """Call ``hook(tensor)`` after backward has accumulated a gradient into this leaf's ``.grad``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not isinstance(self._post_accumulate_hooks, list):
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(hook)
        return _RemovableHandle(self._post_accumulate_hooks, hook)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        ref = weakref.ref(self)

        def keep(grad: Tensor) -> None:
            t = ref()
            if t is not None:
                t.grad = t._wrap(grad._data.copy()) if t.grad is None else t.grad + grad

        self.register_hook(keep)
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad


class _RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook off again."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def type_name(value: Any) -> str:
    """A value's type as torch's messages name it: ``list``, ``numpy.ndarray``."""
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
