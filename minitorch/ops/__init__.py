"""Every built-in differentiable op, grouped by kind; public names follow torch.

Each module lists its ops in ``__all__``; this package exports exactly those (and ``as_tensor``
and ``to_dtype``, which Tensor's methods use), and ``tests/test_op_exports.py`` holds
``minitorch``, ``minitorch.ops`` and the Tensor methods to those lists.

Once every op is loaded, the namespace a backward computes with on tensors (``tensor_numpy``,
numpy's functions as differentiable ops) is handed to ``base.namespace_of``: the op modules and
that namespace need each other, so neither imports the other's module at load time.
"""

from . import base as _base  # noqa: E402
from . import tensor_numpy as _tensor_numpy  # noqa: E402
from .activation import dropout, log_softmax, softmax
from .arithmetic import (
    add,
    clamp,
    clip,
    div,
    divide,
    floor_divide,
    maximum,
    minimum,
    mul,
    multiply,
    pow,
    remainder,
    sub,
    subtract,
    true_divide,
    where,
)
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
    greater_than,
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
from .cross_entropy import cross_entropy, nll_loss
from .index import gather, getitem, index_select, masked_fill, rebase_view, setitem
from .join import cat, chunk, concat, concatenate, hstack, narrow, split, stack, unbind, vstack
from .linalg import bmm, dot, matmul, mm, mv
from .linear import linear
from .loss import binary_cross_entropy, binary_cross_entropy_with_logits, l1_loss, mse_loss
from .padding import pad
from .pool import avg_pool2d, max_pool2d
from .reduce import amax, argmax, argmin, max, mean, min, prod, std, sum, var
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
    absolute,
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

_base.bind_tensor_namespace(_tensor_numpy)
