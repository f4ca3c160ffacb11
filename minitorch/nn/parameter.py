"""Parameter: a tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any, SupportsIndex

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
