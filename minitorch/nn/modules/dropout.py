"""Dropout: zero elements (or whole channels: 1-d, 2-d, 3-d) at random while training, scaling the rest by
1/(1-p)."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module


class Dropout(Module):
    """In training mode, zero each element with probability ``p`` and scale the rest by 1/(1-p);
    in eval mode, the identity.

    Args:
        p: probability of an element being zeroed.
        inplace: overwrite the input.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """In training mode, zero whole channels of (N, C, L) or (C, L) inputs with probability ``p``.

    Args:
        p: probability of a channel being zeroed.
        inplace: overwrite the input.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """In training mode, zero whole channels of (N, C, H, W) inputs with probability ``p``.

    Args:
        p: probability of a channel being zeroed.
        inplace: overwrite the input.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(Dropout):
    """In training mode, zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability ``p``.

    Args:
        p: probability of a channel being zeroed.
        inplace: overwrite the input.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)
