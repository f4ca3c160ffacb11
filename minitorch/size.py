"""torch.Size: a tuple of dimensions that prints as ``torch.Size([4, 4])``."""

from __future__ import annotations

from typing import Any


class Size(tuple):
    """The shape of a tensor; a tuple, printed as torch prints it."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n

    def __getitem__(self, key: Any) -> Any:
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other: Any) -> Size:
        return Size(tuple(self) + tuple(other))
