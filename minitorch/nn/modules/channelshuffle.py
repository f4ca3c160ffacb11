"""ChannelShuffle: the channels split into groups and interleaved (ShuffleNet)."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module


class ChannelShuffle(Module):
    """Splits the channels (dim 1) of an (N, C, *) input into ``groups`` groups and interleaves them.

    Args:
        groups: the number of groups; must divide the number of channels.
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
