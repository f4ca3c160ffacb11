"""Which ops autocast changes, per device: torch's op lists, restricted to the ops minitorch has.

An op's hook names it (``autocast_mode.run("mm", mm, ...)``); the policy comes from the table of the
device its tensors live on:

    LOWER        floating inputs are cast to the region's dtype (``autocast(dtype=...)``)
    FP32         floating inputs are cast to float32
    PROMOTE      floating inputs are cast to the widest floating type among them (float64 inputs ignored)
    TRANSPARENT  runs as is, but the listed ops it is made of autocast: torch decomposes these ops on that
                 device (einsum into bmm on the CPU), so their inner products come out in the region's dtype
    BANNED       raises (binary_cross_entropy on CUDA: unsafe in float16)

A hooked op its device does not list runs as is, and so do the ops inside it (torch: a native kernel).

Sources: CUDA, the op reference of torch's "Automatic Mixed Precision package" page (and the lists of
aten/src/ATen/autocast_mode.cpp behind it); CPU, torch 2.13 run under ``autocast("cpu", dtype=float16)``
op by op (tests/test_amp.py checks each CPU entry against torch). torch's "fp32_set_opt_dtype" ops (sum,
softmax, ...: an explicit ``dtype=`` wins) are FP32 here: casting the input to float32 first gives the same
result, an explicit ``dtype`` still deciding the output's type.
"""

from __future__ import annotations

LOWER = "lower"
FP32 = "fp32"
PROMOTE = "promote"
TRANSPARENT = "transparent"
BANNED = "banned"

_LOSSES = (
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
)


def _table(**lists: tuple) -> dict:
    return {op: policy.lower() for policy, ops in lists.items() for op in ops}


CPU = _table(
    LOWER=(
        "addbmm",
        "addmm",
        "baddbmm",
        "bmm",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        # torch's CPU einsum casts only the operands of the batched products it is made of (an einsum with no
        # summed subscript stays float32 there); casting every operand keeps the float16-with-float32 mix working
        "einsum",
        "linalg_vecdot",
        "linear",
        "matmul",
        "mm",
        "prelu",
        "rnn_relu_cell",  # torch's is made of two linears and an add: all in the region's dtype
        "rnn_tanh_cell",
        "scaled_dot_product_attention",
    ),
    FP32=_LOSSES
    + (
        "binary_cross_entropy",
        "cdist",
        "cholesky",
        "cholesky_inverse",
        "cholesky_solve",
        "grid_sample",
        "inverse",
        "linalg_cholesky",
        "linalg_cholesky_ex",
        "linalg_cond",
        "linalg_eigh",
        "linalg_eigvalsh",
        "linalg_inv",
        "linalg_inv_ex",
        "linalg_lstsq",
        "linalg_matrix_rank",
        "linalg_qr",
        "linalg_solve",
        "linalg_svd",
        "linalg_svdvals",
        "linalg_tensorinv",
        "linalg_tensorsolve",
        "max_unpool1d",
        "max_unpool2d",
        "nanquantile",
        "pad_reflect",
        "pad_replicate",
        "pinverse",
        "prod",
        "qr",
        "quantile",
        "svd",
        "trace",
    ),
    PROMOTE=("cat", "index_copy", "stack"),
    TRANSPARENT=("gru_cell", "linalg_multi_dot", "lstm_cell", "tensordot"),
)

CUDA = _table(
    LOWER=(
        "addbmm",
        "addmm",
        "addmv",
        "addr",
        "baddbmm",
        "bmm",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "einsum",
        "gru_cell",
        "linalg_multi_dot",
        "linalg_vecdot",
        "linear",
        "lstm_cell",
        "matmul",
        "mm",
        "mv",
        "prelu",
        "rnn_relu_cell",
        "rnn_tanh_cell",
        "scaled_dot_product_attention",
    ),
    FP32=_LOSSES
    + (
        "acos",
        "asin",
        "cdist",
        "cosh",
        "cosine_similarity",
        "cumprod",
        "cumsum",
        "dist",
        "erfinv",
        "exp",
        "expm1",
        "group_norm",
        "layer_norm",
        "linalg_matrix_norm",
        "linalg_vector_norm",
        "log",
        "log10",
        "log1p",
        "log2",
        "log_softmax",
        "logsumexp",
        "norm",
        "pow",
        "prod",
        "reciprocal",
        "renorm",
        "rsqrt",
        "sinh",
        "softmax",
        "softplus",
        "sum",
        "tan",
    ),
    PROMOTE=(
        "addcdiv",
        "addcmul",
        "atan2",
        "bilinear",
        "cross",
        "dot",
        "grid_sample",
        "index_put",
        "scatter_add",
        "tensordot",
    ),
    BANNED=("binary_cross_entropy",),
)

POLICIES = {"cpu": CPU, "cuda": CUDA}
