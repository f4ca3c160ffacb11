"""Layers whose training-mode output is random beyond dropout's mask: RReLU (a random negative slope per element)
and AlphaDropout / FeatureAlphaDropout (dropout that keeps a SELU network's mean and variance)."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module


class RReLU(Module):
    """Randomized leaky ReLU: negative inputs times a slope drawn from U(lower, upper) per element in training mode,
    times (lower + upper) / 2 in evaluation mode.

    Args:
        lower, upper: the range of the random slopes.
        inplace: overwrite the input.
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class AlphaDropout(Module):
    """In training mode, alpha dropout of each element (see ``F.alpha_dropout``); in eval mode, the identity.

    Args:
        p: probability of an element being dropped.
        inplace: stored and shown, but (as in torch) the layer does not work in place.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class FeatureAlphaDropout(AlphaDropout):
    """In training mode, alpha dropout of whole channels (dim 1, see ``F.feature_alpha_dropout``).

    Args:
        p: probability of a channel being dropped.
        inplace: stored and shown, but (as in torch) the layer does not work in place.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training)
