"""Every built-in differentiable op, grouped by kind; public names follow torch."""

from .activation import dropout, log_softmax, softmax
from .arithmetic import add, clamp, clip, div, maximum, minimum, mul, pow, sub, true_divide, where
from .base import as_tensor, to_dtype
from .compare import (
    all,
    allclose,
    any,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    eq,
    equal,
    ge,
    greater,
    greater_equal,
    gt,
    isclose,
    le,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
    nonzero,
    not_equal,
)
from .conv import conv2d
from .fill import copy_from, fill, zero
from .index import gather, getitem, index_select, masked_fill, rebase_view, setitem
from .join import cat, chunk, concat, concatenate, hstack, narrow, split, stack, unbind, vstack
from .linalg import bmm, dot, matmul, mm, mv
from .pool import avg_pool2d, max_pool2d
from .reduce import amax, argmax, argmin, max, mean, min, prod, std, sum, var
from .rounding import floor_divide, remainder
from .shape import (
    broadcast_to,
    clone,
    contiguous,
    expand,
    expand_as,
    flatten,
    flip,
    permute,
    repeat,
    reshape,
    squeeze,
    swapaxes,
    swapdims,
    t,
    to_device,
    transpose,
    unflatten,
    unsqueeze,
    view,
)
from .unary import (
    abs,
    ceil,
    cos,
    exp,
    floor,
    isfinite,
    isinf,
    isnan,
    log,
    neg,
    negative,
    reciprocal,
    relu,
    round,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    tanh,
)

multiply, subtract, divide, absolute, greater_than = mul, sub, div, abs, gt
