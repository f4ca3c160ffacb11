"""Every built-in differentiable op, grouped by kind; public names follow torch.

Each module lists its ops in ``__all__``; this package exports exactly those (and ``as_tensor``
and ``to_dtype``, which Tensor's methods use), and ``tests/test_op_exports.py`` holds
``minitorch``, ``minitorch.ops`` and the Tensor methods to those lists.

Once every op is loaded, the namespace a backward computes with on tensors (``tensor_numpy``,
numpy's functions as differentiable ops) is handed to ``base.namespace_of``: the op modules and
that namespace need each other, so neither imports the other's module at load time.
"""

from . import base as _base  # noqa: E402

# Fast kernels register themselves as variants of their plain twins: the GPU's on the CUDA backend (inert
# without CuPy), the host's numba kernels when numba is present (backend/jit.py; compiled on first use),
# and the host's blocked products (on numba's threads, else on minitorch's worker threads).
from . import (  # noqa: E402, F401
    conv_cuda,
    conv_numba,
    cross_entropy_cuda,
    cross_entropy_numba,
    elementwise_numba,
    embedding_numba,
    linalg_threads,
    normalization_cuda,
    normalization_numba,
    pool_cuda,
    pool_numba,
    recurrence_cuda,
    recurrence_numba,
    unary_cuda,
    unary_numba,
)
from . import tensor_numpy as _tensor_numpy  # noqa: E402
from .activation import dropout, dropout1d, dropout2d, log_softmax, logsumexp, softmax
from .arithmetic import add, div, divide, mul, multiply, positive, pow, sub, subtract, true_divide
from .base import as_tensor, to_dtype
from .compare import (
    all,
    allclose,
    any,
    argwhere,
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    count_nonzero,
    eq,
    equal,
    ge,
    greater,
    greater_equal,
    greater_than,
    gt,
    isclose,
    isin,
    isneginf,
    isposinf,
    isreal,
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
    nonzero_static,
    not_equal,
    signbit,
)
from .conv import conv2d
from .conv1d import conv1d, conv_transpose1d
from .conv3d import conv3d, conv_transpose3d
from .conv_transpose import conv_transpose2d
from .copies import (
    alias_copy,
    as_strided_copy,
    detach_copy,
    diagonal_copy,
    expand_copy,
    permute_copy,
    select_copy,
    slice_copy,
    split_copy,
    split_with_sizes_copy,
    squeeze_copy,
    t_copy,
    transpose_copy,
    unbind_copy,
    unfold_copy,
    unsqueeze_copy,
    view_copy,
)
from .counting import bincount, histc, histogram, histogramdd, unique, unique_consecutive
from .cross_entropy import cross_entropy, nll_loss
from .ctc import ctc_loss
from .cumulative import (
    cummax,
    cummin,
    cumprod,
    cumsum,
    cumulative_trapezoid,
    diff,
    gradient,
    logcumsumexp,
    trapezoid,
)
from .decompositions import (
    det,
    inverse,
    linalg_cholesky,
    linalg_cholesky_ex,
    linalg_det,
    linalg_inv,
    linalg_inv_ex,
    linalg_slogdet,
    linalg_solve,
    linalg_solve_ex,
    logdet,
    slogdet,
)
from .distance import cosine_similarity, normalize, pairwise_distance
from .einsum import einsum
from .elementary import (
    acos,
    acosh,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    cosh,
    deg2rad,
    frac,
    hypot,
    rad2deg,
    sinc,
    sinh,
    tan,
)
from .embedding import embedding, embedding_renorm_
from .exponential import erf, erfc, erfinv, exp2, expm1, log1p, log2, log10, logaddexp, logaddexp2, rsqrt
from .extrema import amax, amin, aminmax, argmax, argmin, max, min
from .fill import copy_from, fill, inplace_fill, zero
from .gamma import digamma, lgamma, mvlgamma, polygamma
from .index import (
    gather,
    getitem,
    index_put,
    index_put_,
    index_select,
    masked_fill,
    rebase_view,
    setitem,
    unravel_index,
)
from .index_write import index_add, index_copy, index_fill, index_reduce, masked_scatter, put
from .join import (
    cartesian_prod,
    cat,
    chunk,
    column_stack,
    combinations,
    concat,
    concatenate,
    dsplit,
    dstack,
    hsplit,
    hstack,
    narrow,
    row_stack,
    split,
    stack,
    tensor_split,
    unbind,
    vsplit,
    vstack,
)
from .linalg import bmm, dot, matmul, mm, mv, vdot
from .linear import bilinear, linear
from .loss import binary_cross_entropy, binary_cross_entropy_with_logits, l1_loss, mse_loss
from .loss_margin import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from .loss_multiclass import multi_margin_loss, multilabel_margin_loss
from .loss_regression import gaussian_nll_loss, huber_loss, kl_div, poisson_nll_loss, smooth_l1_loss
from .lu import linalg_lu, linalg_lu_factor, linalg_lu_factor_ex, linalg_lu_solve, lu, lu_solve, lu_unpack
from .matrix import block_diag, diag, diag_embed, diagflat, diagonal, trace, tril, triu, vander
from .matrix_functions import (
    linalg_cond,
    linalg_diagonal,
    linalg_lstsq,
    linalg_matrix_exp,
    linalg_multi_dot,
    linalg_tensorinv,
    linalg_tensorsolve,
    linalg_vander,
    linalg_vecdot,
    matrix_exp,
)
from .movement import (
    adjoint,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_shapes,
    broadcast_tensors,
    fliplr,
    flipud,
    masked_select,
    meshgrid,
    moveaxis,
    movedim,
    pixel_shuffle,
    pixel_unshuffle,
    ravel,
    repeat_interleave,
    roll,
    rot90,
    select,
    take,
    take_along_dim,
    tile,
)
from .nonlinearity import celu, elu, gelu, glu, logsigmoid, mish, selu, silu, softmin, softplus, softsign, tanhshrink
from .normalization import batch_norm, group_norm, layer_norm
from .normalization_composed import instance_norm, local_response_norm, rms_norm
from .norms import cdist, dist, linalg_norm, matrix_norm, norm, renorm, vector_norm
from .padding import pad
from .piecewise import hardshrink, hardsigmoid, hardswish, hardtanh, leaky_relu, prelu, relu6, softshrink, threshold
from .pointwise import (
    addcdiv,
    addcmul,
    clamp_max,
    clamp_min,
    copysign,
    float_power,
    frexp,
    gcd,
    heaviside,
    lcm,
    ldexp,
    lerp,
    logit,
    nan_to_num,
    nextafter,
    xlogy,
)
from .pool import avg_pool2d, max_pool2d
from .pool1d import avg_pool1d, max_pool1d
from .pool3d import avg_pool3d, max_pool3d
from .pool3d_adaptive import adaptive_avg_pool3d, adaptive_max_pool3d
from .pool_adaptive import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d
from .products import (
    addbmm,
    addmm,
    addmv,
    addr,
    baddbmm,
    cross,
    ger,
    inner,
    kron,
    linalg_cross,
    matrix_power,
    outer,
    tensordot,
)
from .reduce import mean, nanmean, nansum, prod, std, std_mean, sum, sum_to_size, var, var_mean
from .rnn import gru, gru_cell, lstm, lstm_cell, rnn_relu, rnn_relu_cell, rnn_tanh, rnn_tanh_cell
from .rounding import floor_divide, fmod, remainder
from .sampling import bernoulli, multinomial, normal, poisson
from .scatter import scatter, scatter_add, scatter_reduce
from .selection import clamp, clip, fmax, fmin, maximum, minimum, where
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
from .signal_windows import bartlett_window, blackman_window, hamming_window, hann_window, kaiser_window
from .sort import argsort, bucketize, kthvalue, median, mode, msort, nanmedian, searchsorted, sort, topk
from .special_functions import entr, log_ndtr, ndtr, ndtri, zeta
from .special_series import i0, i0_, igamma, igammac
from .spectral import (
    linalg_eigh,
    linalg_eigvalsh,
    linalg_matrix_rank,
    linalg_pinv,
    linalg_svd,
    linalg_svdvals,
    pinverse,
    svd,
)
from .spellings import binomial, chain_matmul, constant_pad_nd, frobenius_norm, nuclear_norm, rsub, trapz
from .split_variants import narrow_copy, split_with_sizes, unsafe_chunk, unsafe_split, unsafe_split_with_sizes
from .statistics import corrcoef, cov, nanquantile, quantile
from .strided import as_strided, as_strided_, as_strided_scatter, resize_, resize_as_
from .triangular import cholesky, cholesky_inverse, cholesky_solve, linalg_qr, linalg_solve_triangular, qr
from .unary import (
    abs,
    absolute,
    ceil,
    cos,
    exp,
    fix,
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
    sgn,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    tanh,
    trunc,
)
from .unfold import unfold
from .upsample import interpolate
from .view_scatter import diagonal_scatter, select_scatter, slice_scatter

_base.bind_tensor_namespace(_tensor_numpy)
