"""``channel_shuffle``: the channels of an (N, C, *) input split into groups and interleaved (ShuffleNet's
mixing of grouped convolutions' outputs), and ``native_channel_shuffle``, torch's other spelling of it.

One op: channel ``a * (C / g) + b`` (group a, position b) moves to ``b * g + a``. Its gradient is the inverse
shuffle, which is the shuffle with C / g groups, so the backward is the op itself again (and differentiable);
torch defines no derivative for ``native_channel_shuffle``, and neither does its op here.
"""

from __future__ import annotations

import operator

from ..autograd.function import Context
from ..backend import Array
from ..ops.base import Op
from ..tensor import Tensor

__all__ = ["channel_shuffle", "native_channel_shuffle"]


class ChannelShuffle(Op):
    """(N, g, C/g, *) seen as (N, C/g, g, *): the groups' channels interleaved."""

    node_name = "ChannelShuffleBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, groups: int) -> Array:
        n, c = x.shape[:2]
        ctx.inverse_groups = c // groups
        grouped = x.reshape((n, groups, c // groups) + x.shape[2:])
        return grouped.swapaxes(1, 2).reshape(x.shape)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return ChannelShuffle.call(grad, ctx.inverse_groups), None


class NativeChannelShuffle(ChannelShuffle):
    """``native_channel_shuffle``'s op: the same shuffle, for which torch defines no derivative."""

    node_name = "NotImplemented"

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        raise RuntimeError("derivative for aten::native_channel_shuffle is not implemented")


def _shuffle(input: Tensor, groups: int, name: str, op: type[ChannelShuffle]) -> Tensor:
    try:
        groups = operator.index(groups)
    except TypeError:
        raise TypeError(f"{name}(): argument 'groups' (position 2) must be int, not {type(groups).__name__}") from None
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    channels = input.shape[1]
    if channels % groups != 0:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {channels} channels and {groups} groups."
        )
    return op.apply(input, groups)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Split the channels (dim 1) of an (N, C, *) input into ``groups`` groups and interleave them.

    Args:
        input: a tensor of at least 3 dimensions.
        groups: the number of groups; must divide C.
    """
    return _shuffle(input, groups, "channel_shuffle", ChannelShuffle)


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """``channel_shuffle`` under torch's other name for it, which (as torch's) cannot be differentiated.

    Args:
        input: a tensor of at least 3 dimensions.
        groups: the number of groups; must divide C.
    """
    return _shuffle(input, groups, "native_channel_shuffle", NativeChannelShuffle)
