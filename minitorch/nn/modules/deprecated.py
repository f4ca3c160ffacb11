"""Modules torch still exports but has deprecated: Container."""

from __future__ import annotations

import warnings
from typing import Any

from .module import Module

_CONTAINER = (
    "`nn.Container` is deprecated. All of its functionality is now implemented in `nn.Module`. Subclass that instead."
)


class Container(Module):
    """The old base of containers: a Module whose keyword arguments become its children.

    Deprecated, with torch's FutureWarning when it is made directly or subclassed.

    Args:
        kwargs: name -> module, added in order.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        warnings.warn(_CONTAINER, FutureWarning, stacklevel=2)
        super().__init_subclass__(**kwargs)

    def __init__(self, **kwargs: Any) -> None:
        if type(self) is Container:
            warnings.warn(_CONTAINER, FutureWarning, stacklevel=2)
        super().__init__()
        for name, module in kwargs.items():
            self.add_module(name, module)
