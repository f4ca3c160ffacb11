"""minitorch.amp against torch: autocast's op lists on the CPU (dtypes, values, gradients reaching float32
inputs), its state and API (nesting, decorator, threads, warnings, errors), GradScaler (a training loop of the
AMP recipe step for step with torch, every optimizer, its state_dict, unscale_ then clipping, errors), the CUDA
list's hooks (run on the CPU made to follow it) and what the hooks cost while autocast is off."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from minitorch.amp import autocast_mode, op_lists
from minitorch.testing import assert_parity
from minitorch.testing.parity import flatten, make_input
from tests.fake_device import fake_device, forbid_sync
from tests.parity import raises_like


def F(lib: Any) -> Any:
    return lib.nn.functional


def _r(*shape: int, seed: int = 0, pos: bool = False) -> np.ndarray:
    a = np.random.default_rng([seed, *shape]).standard_normal(shape)
    return (np.abs(a) + 0.5 if pos else a).astype(np.float32)


def _spd(n: int = 3, seed: int = 0) -> np.ndarray:
    a = _r(n, n, seed=seed)
    return (a @ a.T + n * np.eye(n)).astype(np.float32)


def _sign(*shape: int) -> np.ndarray:
    return np.where(_r(*shape, seed=9) > 0, 1.0, -1.0).astype(np.float32)


def _prob(*shape: int) -> np.ndarray:
    return (1 / (1 + np.exp(-_r(*shape, seed=5)))).astype(np.float32)


def _log_softmax(a: np.ndarray) -> np.ndarray:
    return (a - np.log(np.exp(a).sum(-1, keepdims=True))).astype(np.float32)


LABELS = np.array([0, 2, 1])
# name: (fn(lib, *tensors), inputs, gradients compared). The names are op_lists' (every CPU entry has one).
CASES: dict[str, tuple[Callable, list, bool]] = {
    # lower precision on the CPU
    "mm": (lambda lib, a, b: lib.mm(a, b), [_r(3, 4), _r(4, 5)], True),
    "matmul": (lambda lib, a, b: (lib.matmul(a, b), a[0] @ b, a[0, 0] @ b), [_r(2, 3, 4), _r(4, 5)], True),
    "bmm": (lambda lib, a, b: a.bmm(b), [_r(2, 3, 4), _r(2, 4, 5)], True),
    "addmm": (lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2), [_r(3, 5), _r(3, 4), _r(4, 5)], True),
    "addbmm": (lambda lib, c, a, b: lib.addbmm(c, a, b), [_r(3, 5), _r(2, 3, 4), _r(2, 4, 5)], True),
    "baddbmm": (lambda lib, c, a, b: lib.baddbmm(c, a, b), [_r(2, 3, 5), _r(2, 3, 4), _r(2, 4, 5)], True),
    "linear": (lambda lib, x, w, b: (F(lib).linear(x, w, b), F(lib).linear(x, w)), [_r(3, 4), _r(5, 4), _r(5)], True),
    "conv1d": (lambda lib, x, w, b: F(lib).conv1d(x, w, b, padding=1), [_r(2, 2, 8), _r(3, 2, 3), _r(3)], True),
    "conv2d": (lambda lib, x, w, b: F(lib).conv2d(x, w, b, stride=2), [_r(1, 2, 6, 6), _r(3, 2, 3, 3), _r(3)], True),
    "conv3d": (lambda lib, x, w, b: F(lib).conv3d(x, w, b), [_r(1, 2, 4, 4, 4), _r(3, 2, 2, 2, 2), _r(3)], True),
    "conv_transpose3d": (
        lambda lib, x, w, b: F(lib).conv_transpose3d(x, w, b, stride=2),
        [_r(1, 2, 3, 3, 3), _r(2, 3, 2, 2, 2), _r(3)],
        True,
    ),
    "conv_transpose1d": (
        lambda lib, x, w, b: F(lib).conv_transpose1d(x, w, b),
        [_r(1, 2, 8), _r(2, 3, 3), _r(3)],
        True,
    ),
    "conv_transpose2d": (
        lambda lib, x, w, b: F(lib).conv_transpose2d(x, w, b),
        [_r(1, 2, 5, 5), _r(2, 3, 3, 3), _r(3)],
        True,
    ),
    "prelu": (lambda lib, x, w: F(lib).prelu(x, w), [_r(2, 3, 4), _r(3)], True),
    "linalg_vecdot": (lambda lib, a, b: lib.linalg.vecdot(a, b), [_r(3, 4), _r(3, 4)], True),
    "scaled_dot_product_attention": (
        lambda lib, q, k, v: F(lib).scaled_dot_product_attention(q, k, v),
        [_r(1, 2, 3, 4), _r(1, 2, 3, 4, seed=1), _r(1, 2, 3, 4, seed=2)],
        True,
    ),
    # float32 on the CPU: the losses
    "mse_loss": (lambda lib, x, t: F(lib).mse_loss(x, t), [_r(3, 4), _r(3, 4, seed=1)], True),
    "l1_loss": (lambda lib, x, t: F(lib).l1_loss(x, t), [_r(3, 4), _r(3, 4, seed=1)], True),
    "smooth_l1_loss": (lambda lib, x, t: F(lib).smooth_l1_loss(x, t), [_r(3, 4), _r(3, 4, seed=1)], True),
    "huber_loss": (lambda lib, x, t: F(lib).huber_loss(x, t, delta=0.5), [_r(3, 4), _r(3, 4, seed=1)], True),
    "kl_div": (
        lambda lib, x, t: F(lib).kl_div(x, t, reduction="batchmean"),
        [_log_softmax(_r(3, 4)), _prob(3, 4)],
        True,
    ),
    "poisson_nll_loss": (lambda lib, x, t: F(lib).poisson_nll_loss(x, t), [_r(3, 4), _r(3, 4, pos=True)], True),
    "margin_ranking_loss": (
        lambda lib, a, b, t: F(lib).margin_ranking_loss(a, b, t, margin=0.1),
        [_r(5), _r(5, seed=1), _sign(5)],
        True,
    ),
    "hinge_embedding_loss": (lambda lib, x, t: F(lib).hinge_embedding_loss(x, t), [_r(5), _sign(5)], True),
    "soft_margin_loss": (lambda lib, x: F(lib).soft_margin_loss(x, lib.tensor(_sign(5))), [_r(5)], True),
    "multi_margin_loss": (lambda lib, x, t: F(lib).multi_margin_loss(x, t), [_r(3, 4), LABELS], True),
    "multilabel_margin_loss": (
        lambda lib, x, t: F(lib).multilabel_margin_loss(x, t),
        [_r(3, 4), np.array([[0, 2, -1, 1], [3, -1, 0, 0], [1, 0, -1, 2]])],
        True,
    ),
    "nll_loss": (lambda lib, x, t: F(lib).nll_loss(x, t), [_log_softmax(_r(3, 4)), LABELS], True),
    "cross_entropy": (lambda lib, x, t: F(lib).cross_entropy(x, t, label_smoothing=0.1), [_r(3, 4), LABELS], True),
    "cosine_embedding_loss": (
        lambda lib, a, b, t: F(lib).cosine_embedding_loss(a, b, t),
        [_r(3, 4), _r(3, 4, seed=1), _sign(3)],
        True,
    ),
    "triplet_margin_loss": (
        lambda lib, a, p, n: F(lib).triplet_margin_loss(a, p, n),
        [_r(3, 4), _r(3, 4, seed=1), _r(3, 4, seed=2)],
        True,
    ),
    "binary_cross_entropy_with_logits": (
        lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x, t),
        [_r(3, 4), _prob(3, 4)],
        True,
    ),
    "binary_cross_entropy": (lambda lib, x, t: F(lib).binary_cross_entropy(x, t), [_prob(3, 4), _prob(3, 4)], True),
    # float32 on the CPU: reductions, distances, linear algebra, sampling, padding
    "cdist": (lambda lib, a, b: lib.cdist(a, b), [_r(3, 4), _r(2, 4, seed=1)], True),
    "trace": (lambda lib, a: lib.trace(a), [_r(3, 3)], True),
    "prod": (lambda lib, a: (lib.prod(a), a.prod(1)), [_r(3, 4)], True),
    "quantile": (lambda lib, a: lib.quantile(a, 0.3, dim=1), [_r(3, 5)], True),
    "nanquantile": (lambda lib, a: lib.nanquantile(a, 0.7), [_r(6)], True),
    "inverse": (lambda lib, a: lib.inverse(a), [_spd()], True),
    "pinverse": (lambda lib, a: lib.pinverse(a), [_spd()], True),
    "cholesky": (lambda lib, a: lib.cholesky(a), [_spd()], True),
    # (the factor's gradient: minitorch's differs from torch's on the unused triangle, autocast or not)
    "cholesky_inverse": (
        lambda lib, u: lib.cholesky_inverse(u),
        [np.linalg.cholesky(_spd()).astype(np.float32)],
        False,
    ),
    "cholesky_solve": (
        lambda lib, b: lib.cholesky_solve(b, lib.tensor(np.linalg.cholesky(_spd()).astype(np.float32))),
        [_r(3, 2)],
        True,
    ),
    "qr": (lambda lib, a: lib.qr(a), [_spd()], False),
    "svd": (lambda lib, a: lib.svd(a).S, [_spd()], True),
    "linalg_inv": (lambda lib, a: lib.linalg.inv(a), [_spd()], True),
    "linalg_inv_ex": (lambda lib, a: lib.linalg.inv_ex(a).inverse, [_spd()], True),
    "linalg_solve": (lambda lib, a, b: lib.linalg.solve(a, b), [_spd(), _r(3, 2)], True),
    "linalg_cholesky": (lambda lib, a: lib.linalg.cholesky(a), [_spd()], True),
    "linalg_cholesky_ex": (lambda lib, a: lib.linalg.cholesky_ex(a).L, [_spd()], True),
    "linalg_eigh": (lambda lib, a: lib.linalg.eigh(a).eigenvalues, [_spd()], True),
    "linalg_eigvalsh": (lambda lib, a: lib.linalg.eigvalsh(a), [_spd()], True),
    "linalg_svd": (lambda lib, a: lib.linalg.svd(a).S, [_spd()], True),
    "linalg_svdvals": (lambda lib, a: lib.linalg.svdvals(a), [_spd()], True),
    "linalg_matrix_rank": (lambda lib, a: lib.linalg.matrix_rank(a), [_spd()], False),
    "linalg_qr": (lambda lib, a: lib.linalg.qr(a), [_spd()], False),
    "linalg_lstsq": (lambda lib, a, b: lib.linalg.lstsq(a, b).solution, [_spd(), _r(3, 2)], True),
    "linalg_cond": (lambda lib, a: lib.linalg.cond(a), [_spd()], True),
    "linalg_tensorinv": (lambda lib, a: lib.linalg.tensorinv(a, ind=1), [_spd()], True),
    "linalg_tensorsolve": (lambda lib, a, b: lib.linalg.tensorsolve(a, b), [_spd(), _r(3)], True),
    "grid_sample": (
        lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False),
        [_r(1, 2, 4, 4), np.tanh(_r(1, 3, 3, 2, seed=1))],
        True,
    ),
    "max_unpool1d": (
        lambda lib, x, i: F(lib).max_unpool1d(x, i, 2),
        [_r(1, 2, 3), np.array([[[1, 2, 4], [0, 3, 5]]])],
        True,
    ),
    "max_unpool2d": (
        lambda lib, x, i: F(lib).max_unpool2d(x, i, 2),
        [_r(1, 1, 2, 2), np.array([[[[0, 3], [9, 14]]]])],
        True,
    ),
    "pad_reflect": (lambda lib, x: F(lib).pad(x, (2, 1), mode="reflect"), [_r(1, 2, 5)], True),
    "pad_replicate": (lambda lib, x: F(lib).pad(x, (1, 1, 2, 0), mode="replicate"), [_r(1, 2, 3, 3)], True),
    "einsum": (
        lambda lib, a, b: (lib.einsum("ij,jk->ik", a, b), lib.einsum("bij,bj->bi", a[None], b.T[:1])),
        [_r(3, 4), _r(4, 3)],
        True,
    ),
    # torch decomposes these on the CPU: their inner products come out in float16, the rest follows
    "tensordot": (lambda lib, a, b: lib.tensordot(a, b, dims=([1], [0])), [_r(3, 4), _r(4, 5)], True),
    "linalg_multi_dot": (lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), [_r(3, 4), _r(4, 5), _r(5, 2)], True),
    "lstm_cell": (
        lambda lib, x, h, c, wi, wh, bi, bh: lib.lstm_cell(x, (h, c), wi, wh, bi, bh),
        [_r(2, 3), _r(2, 4), _r(2, 4, seed=1), _r(16, 3), _r(16, 4), _r(16), _r(16, seed=1)],
        True,
    ),
    "gru_cell": (
        lambda lib, x, h, wi, wh, bi, bh: lib.gru_cell(x, h, wi, wh, bi, bh),
        [_r(2, 3), _r(2, 4), _r(12, 3), _r(12, 4), _r(12), _r(12, seed=1)],
        True,
    ),
    "rnn_tanh_cell": (
        lambda lib, x, h, wi, wh, bi, bh: lib.rnn_tanh_cell(x, h, wi, wh, bi, bh),
        [_r(2, 3), _r(2, 4), _r(4, 3), _r(4, 4), _r(4), _r(4, seed=1)],
        True,
    ),
    "rnn_relu_cell": (
        lambda lib, x, h, wi, wh: lib.rnn_relu_cell(x, h, wi, wh),
        [_r(2, 3), _r(2, 4), _r(4, 3), _r(4, 4)],
        True,
    ),
    # the widest input type (float64 inputs aside): float16 with float32 gives float32
    "cat": (lambda lib, a, b, c: (lib.cat([a, b]), lib.cat([a, a]), lib.cat([a, c])), [_r(2), _r(3), _r(2)], True),
    "stack": (lambda lib, a, b: (lib.stack([a, b]), lib.stack([a, a], 1)), [_r(2, 3), _r(2, 3)], True),
    "index_copy": (lambda lib, x, s: lib.index_copy(x, 0, lib.tensor([2, 0]), s), [_r(3, 2), _r(2, 2)], True),
}
# Ops the CUDA lists name that the CPU runs as is in torch, and what is made of listed ops.
AS_IS: dict[str, tuple[Callable, list, bool]] = {
    "mv": (lambda lib, a, v: (lib.mv(a, v), lib.addmv(v[:3], a, v)), [_r(3, 4), _r(4)], True),
    "dot": (lambda lib, a, b, m: (lib.dot(a, b), lib.addr(m, a, b)), [_r(4), _r(4, seed=1), _r(4, 4)], True),
    "bilinear": (lambda lib, a, b, w, c: F(lib).bilinear(a, b, w, c), [_r(3, 4), _r(3, 2), _r(5, 4, 2), _r(5)], True),
    "pointwise": (
        lambda lib, a: (a.exp(), a.log1p(), a**2, 1 / a, a.softmax(0), a.sum(), lib.cumsum(a, 0), F(lib).relu(a)),
        [_r(5, pos=True)],
        True,
    ),
    "norms": (lambda lib, a, b: (F(lib).layer_norm(a, (4,)), lib.norm(a), lib.dist(a, b)), [_r(3, 4), _r(3, 4)], True),
    "promote_on_cuda": (
        lambda lib, a, b, c: (lib.addcmul(a, b, c, value=0.5), lib.addcdiv(a, b, c), lib.atan2(a, b)),
        [_r(2, 3), _r(2, 3, seed=1), _r(2, 3, seed=2, pos=True)],
        True,
    ),
    "cross": (lambda lib, a, b: lib.cross(a, b, dim=1), [_r(2, 3), _r(2, 3, seed=1)], True),
    "composites": (
        lambda lib, a, b: (lib.inner(a, b), lib.outer(a[0], b[0]), lib.matrix_power(a[:, :3], 2)),
        [_r(3, 4), _r(2, 4)],
        True,
    ),
    "pad_constant": (lambda lib, x: F(lib).pad(x, (1, 2)), [_r(1, 2, 3)], True),
}


def _autocast(fn: Callable) -> Callable:
    def run(lib: Any, *xs: Any) -> Any:
        with lib.autocast("cpu", dtype=lib.float16):
            return fn(lib, *xs)

    return run


# torch checks these ops' dtypes before it decomposes them (or at all, cross); minitorch's decompositions
# take the mix, as their products are autocast one by one (cross: autocast or not)
MIXED_TORCH_REFUSES = dict.fromkeys(
    ("composites", "cross", "linalg_multi_dot", "tensordot"),
    "torch refuses float16 with float32 here; minitorch promotes",
)
# float16 results: an ulp is 1e-3 of the value; the gradients pass through float16 ops in both libraries.
# Ops run as is in float16 (float16 inputs): their own float16 kernels differ more (layer_norm's backward).
TOL = dict(rtol=2e-3, atol=2e-3)
AS_IS_TOL = dict(rtol=1e-2, atol=1e-2)


@pytest.mark.filterwarnings("ignore:torch.(qr|cholesky) is deprecated:UserWarning")
@pytest.mark.parametrize("name", sorted(CASES) + sorted(AS_IS))
@pytest.mark.parametrize("dtype", [np.float32, np.float16, "mixed"])
def test_cpu_op_under_autocast_matches_torch(name: str, dtype: Any) -> None:
    """Output dtypes and values, and every float input's gradient (float32 inputs get float32 gradients).
    Mixed: the first float input in float16, the others in float32 (the promote policy's case); where torch
    refuses the mix (an op run as is), minitorch must raise the same error."""
    fn, inputs, grad = {**CASES, **AS_IS}[name]
    if dtype is np.float16 and name in ("composites", "linalg_vecdot"):
        pytest.skip("torch's CPU kernels have no float16 vecdot or inner")
    if dtype == "mixed" and name in MIXED_TORCH_REFUSES:
        pytest.skip(MIXED_TORCH_REFUSES[name])
    if dtype == "mixed":
        first = next(i for i, a in enumerate(inputs) if a.dtype.kind == "f")
        inputs = [a.astype(np.float16) if i == first else a for i, a in enumerate(inputs)]
        dtype = None
        try:
            _autocast(fn)(torch, *(make_input(torch, a) for a in inputs))
        except RuntimeError as refused:
            with pytest.raises(RuntimeError):
                _autocast(fn)(minitorch, *(make_input(minitorch, a) for a in inputs))
            assert "same dtype" in str(refused) or "scalar type" in str(refused)
            return
    assert_parity(_autocast(fn), *inputs, dtype=dtype, grad=grad, **(TOL if name in CASES else AS_IS_TOL))


def test_float64_inputs_are_left_as_they_are() -> None:
    a, b = _r(3, 3).astype(np.float64), _r(3, 3)
    raises_like(lambda lib: _autocast(lambda lib, x, y: lib.mm(x, y))(lib, lib.tensor(a), lib.tensor(b)), "dtype")
    for lib in (torch, minitorch):
        out = _autocast(lambda lib, x, y: (lib.cat([x, y]), lib.linalg.inv(x)))(lib, lib.tensor(a), lib.tensor(b))
        assert [t.dtype for t in out] == [lib.float64, lib.float64]


# The CUDA list's ops that CASES lacks (minitorch only: torch's CUDA autocast needs a GPU).
CUDA_ONLY: dict[str, tuple[Callable, list]] = {
    "addmv": (lambda lib, c, a, v: lib.addmv(c, a, v, beta=0.5), [_r(3), _r(3, 4), _r(4)]),
    "addr": (lambda lib, c, a, b: lib.addr(c, a, b, alpha=2), [_r(3, 4), _r(3), _r(4)]),
    "mv": (lambda lib, a, v: lib.mv(a, v), [_r(3, 4), _r(4)]),
    "dot": (lambda lib, a, b: lib.dot(a, b), [_r(4), _r(4, seed=1)]),
    "cosine_similarity": (lambda lib, a, b: F(lib).cosine_similarity(a, b, dim=0), [_r(3, 4), _r(3, 4, seed=1)]),
    "dist": (lambda lib, a, b: lib.dist(a, b, p=3), [_r(3, 4), _r(3, 4, seed=1)]),
    "norm": (lambda lib, a: lib.norm(a, p=1, dim=1, keepdim=True), [_r(3, 4)]),
    "linalg_vector_norm": (lambda lib, a: lib.linalg.vector_norm(a, ord=3, dim=0), [_r(3, 4)]),
    "linalg_matrix_norm": (lambda lib, a: lib.linalg.matrix_norm(a, ord="fro"), [_r(3, 4)]),
    "renorm": (lambda lib, a: lib.renorm(a, 2, 0, 1.0), [_r(3, 4)]),
    "sum": (lambda lib, a: (a.sum(), lib.sum(a, 1, keepdim=True), a.sum(0, dtype=lib.float16)), [_r(3, 4)]),
    "prod": (lambda lib, a: lib.prod(a, 1), [_r(3, 4)]),
    "cumsum": (lambda lib, a: lib.cumsum(a, 1), [_r(3, 4)]),
    "cumprod": (lambda lib, a: a.cumprod(0), [_r(3, 4)]),
    "softmax": (lambda lib, a: (a.softmax(1), F(lib).softmax(a, 0)), [_r(3, 4)]),
    "log_softmax": (lambda lib, a: F(lib).log_softmax(a, 1), [_r(3, 4)]),
    "logsumexp": (lambda lib, a: lib.logsumexp(a, 1, keepdim=True), [_r(3, 4)]),
    "softplus": (lambda lib, a: F(lib).softplus(a, beta=2.0), [_r(3, 4)]),
    "layer_norm": (lambda lib, a, w, b: F(lib).layer_norm(a, (4,), w, b), [_r(3, 4), _r(4), _r(4, seed=1)]),
    "group_norm": (lambda lib, a, w, b: F(lib).group_norm(a, 2, w, b), [_r(2, 4, 3), _r(4), _r(4, seed=1)]),
    "pow": (lambda lib, a, b: (a**2, lib.pow(a, b), 2.0**a), [_r(3, pos=True), _r(3)]),
    "acos": (lambda lib, a: lib.acos(a * 0.5), [np.tanh(_r(3))]),
    "asin": (lambda lib, a: lib.asin(a * 0.5), [np.tanh(_r(3))]),
    "cosh": (lambda lib, a: lib.cosh(a), [_r(3)]),
    "sinh": (lambda lib, a: lib.sinh(a), [_r(3)]),
    "tan": (lambda lib, a: lib.tan(a), [_r(3)]),
    "erfinv": (lambda lib, a: lib.erfinv(a * 0.5), [np.tanh(_r(3))]),
    "exp": (lambda lib, a: a.exp(), [_r(3)]),
    "expm1": (lambda lib, a: lib.expm1(a), [_r(3)]),
    "log": (lambda lib, a: a.log(), [_r(3, pos=True)]),
    "log10": (lambda lib, a: lib.log10(a), [_r(3, pos=True)]),
    "log1p": (lambda lib, a: lib.log1p(a), [_r(3, pos=True)]),
    "log2": (lambda lib, a: lib.log2(a), [_r(3, pos=True)]),
    "reciprocal": (lambda lib, a: (lib.reciprocal(a), 1 / a), [_r(3, pos=True)]),
    "rsqrt": (lambda lib, a: lib.rsqrt(a), [_r(3, pos=True)]),
    "addcdiv": (lambda lib, a, b, c: lib.addcdiv(a, b, c, value=2), [_r(3), _r(3, seed=1), _r(3, seed=2, pos=True)]),
    "addcmul": (lambda lib, a, b, c: lib.addcmul(a, b, c), [_r(3), _r(3, seed=1), _r(3, seed=2)]),
    "atan2": (lambda lib, a, b: lib.atan2(a, b), [_r(3), _r(3, seed=1)]),
    "bilinear": (lambda lib, a, b, w, c: F(lib).bilinear(a, b, w, c), [_r(3, 4), _r(3, 2), _r(5, 4, 2), _r(5)]),
    "cross": (lambda lib, a, b: lib.cross(a, b, dim=1), [_r(2, 3), _r(2, 3, seed=1)]),
    "index_put": (lambda lib, a, v: lib.index_put(a, (lib.tensor([0, 2]),), v), [_r(3), _r(2)]),
    "scatter_add": (lambda lib, a, v: lib.scatter_add(a, 0, lib.tensor([0, 2, 0]), v), [_r(3), _r(3, seed=1)]),
}


@pytest.mark.parametrize("name", sorted(op_lists.CUDA))
def test_cuda_list_hooks_cast_as_their_policy_says(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a GPU: the CPU made to follow the CUDA table. Each listed op, in a region, equals the op run
    outside one on inputs cast by its policy (lower: float32 in, float16 out; fp32: float16 in, float32 out;
    promote: float16 with float32, float32 out): the hook names the op, and passes every argument on."""
    monkeypatch.setitem(op_lists.POLICIES, "cpu", op_lists.CUDA)
    policy = op_lists.CUDA[name]
    fn, inputs = CUDA_ONLY[name] if name in CUDA_ONLY else CASES[name][:2]
    given = {op_lists.LOWER: np.float32, op_lists.FP32: np.float16}.get(policy, np.float32)
    arrays = [a.astype(given) if a.dtype.kind == "f" else a for a in inputs]
    if policy == op_lists.PROMOTE:
        arrays[0] = arrays[0].astype(np.float16)
    tensors = [minitorch.tensor(a) for a in arrays]
    if policy == op_lists.BANNED:
        with (
            minitorch.autocast("cpu", dtype=minitorch.float16),
            pytest.raises(RuntimeError, match="unsafe to autocast"),
        ):
            fn(minitorch, *tensors)
        return
    target = minitorch.float16 if policy == op_lists.LOWER else minitorch.float32
    with minitorch.autocast("cpu", dtype=minitorch.float16):
        got = fn(minitorch, *tensors)
    want = fn(minitorch, *(t.to(target) if t.is_floating_point() else t for t in tensors))
    got, want = flatten(got), flatten(want)
    assert [g.dtype for g in got] == [w.dtype for w in want]
    assert any(w.dtype is target for w in want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.detach().numpy(), w.detach().numpy())


def test_every_cpu_list_entry_is_checked() -> None:
    assert set(op_lists.CPU) <= set(CASES)
    for kind in ("cpu", "cuda"):
        assert set(op_lists.POLICIES[kind].values()) <= {
            op_lists.LOWER,
            op_lists.FP32,
            op_lists.PROMOTE,
            op_lists.TRANSPARENT,
            op_lists.BANNED,
        }


def test_out_and_inplace_calls_are_not_autocast() -> None:
    a, b = _r(3, 3), _r(3, 3, seed=1)
    for lib in (torch, minitorch):
        out = lib.empty(3, 3)
        with lib.autocast("cpu", dtype=lib.float16):
            lib.matmul(lib.tensor(a), lib.tensor(b), out=out)
            cat = lib.cat([lib.tensor(a)], out=lib.empty(3, 3))
        np.testing.assert_allclose(out.numpy(), a @ b, rtol=1e-5, atol=1e-5)
        assert cat.dtype == lib.float32


def test_gradients_reach_float32_parameters_in_float32() -> None:
    x, target = _r(8, 4), _r(8, 2, seed=1)
    grads = {}
    for lib in (torch, minitorch):
        lib.manual_seed(0)
        layer = lib.nn.Linear(4, 2)
        layer.load_state_dict({"weight": lib.tensor(_r(2, 4, seed=2)), "bias": lib.tensor(_r(2, seed=3))})
        with lib.autocast("cpu", dtype=lib.float16):
            out = layer(lib.tensor(x))
            loss = F(lib).mse_loss(out, lib.tensor(target))
        assert out.dtype == lib.float16 and loss.dtype == lib.float32
        loss.backward()
        assert layer.weight.grad.dtype == lib.float32 and layer.bias.grad.dtype == lib.float32
        grads[lib.__name__] = (layer.weight.grad.numpy(), layer.bias.grad.numpy())
    for m, t in zip(grads["minitorch"], grads["torch"]):
        np.testing.assert_allclose(m, t, rtol=2e-3, atol=2e-3)


# ----------------------------------------------------------------------------------------- state and API
def test_state_nesting_disable_and_decorator() -> None:
    for lib in (torch, minitorch):
        assert not lib.is_autocast_enabled("cpu") and not lib.is_autocast_enabled()
        x = lib.ones(2, 2)
        with lib.autocast("cpu", dtype=lib.float16) as ctx:
            assert isinstance(ctx, lib.autocast)
            assert lib.is_autocast_enabled("cpu") and not lib.is_autocast_enabled("cuda")
            assert lib.get_autocast_dtype("cpu") == lib.float16
            with lib.autocast("cpu", enabled=False):
                assert not lib.is_autocast_enabled("cpu")
                assert lib.mm(x, x).dtype == lib.float32
                with lib.amp.autocast("cpu", dtype=lib.float16):  # re-enabled inside
                    assert lib.mm(x, x).dtype == lib.float16
            with lib.autocast("cpu"):  # no dtype: the enclosing region's
                assert lib.mm(x, x).dtype == lib.float16
            assert lib.mm(x, x).dtype == lib.float16
        assert not lib.is_autocast_enabled("cpu") and lib.mm(x, x).dtype == lib.float32

        @lib.autocast("cpu", dtype=lib.float16)
        def f(a: Any) -> Any:
            return a @ a, lib.is_autocast_enabled("cpu")

        assert f(x)[0].dtype == lib.float16 and f(x)[1] and not lib.is_autocast_enabled("cpu")

    def recurse(n: int) -> Any:
        return minitorch.is_autocast_enabled("cpu") if n == 0 else decorated(n - 1)

    # one instance entered again while open (a recursive decorated function): each exit restores its own
    # entry's state (torch keeps one saved state per instance and leaves autocast on after this)
    decorated = minitorch.autocast("cpu", dtype=minitorch.float16)(recurse)
    assert decorated(3) and not minitorch.is_autocast_enabled("cpu")


def test_set_functions_and_cuda_state() -> None:
    for lib in (torch, minitorch):
        assert lib.get_autocast_dtype("cuda") == lib.float16
        lib.set_autocast_dtype("cuda", lib.float32)
        assert lib.get_autocast_dtype("cuda") == lib.float32
        lib.set_autocast_dtype("cuda", lib.float16)
        lib.set_autocast_enabled("cuda", True)
        assert lib.is_autocast_enabled() and lib.is_autocast_enabled("cuda")
        assert lib.mm(lib.ones(2, 2), lib.ones(2, 2)).dtype == lib.float32  # cpu tensors: cpu's state
        lib.set_autocast_enabled(False)
        assert not lib.is_autocast_enabled("cuda")
        assert lib.autocast_increment_nesting() == 1 and lib.autocast_decrement_nesting() == 0
        assert lib.is_autocast_cache_enabled()
    assert autocast_mode.enabled_threads == 0


def test_state_is_thread_local() -> None:
    seen: dict = {}
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with minitorch.autocast("cpu", dtype=minitorch.float16):
            inside.set()
            release.wait(10)
            seen["other"] = minitorch.mm(minitorch.ones(2, 2), minitorch.ones(2, 2)).dtype

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(10)
    seen["main"] = (
        minitorch.is_autocast_enabled("cpu"),
        minitorch.mm(minitorch.ones(2, 2), minitorch.ones(2, 2)).dtype,
    )
    release.set()
    thread.join()
    assert seen == {"main": (False, minitorch.float32), "other": minitorch.float16}
    assert autocast_mode.enabled_threads == 0


def test_unsupported_dtypes_warn_and_disable_like_torch() -> None:
    message = "In CPU autocast, but the target dtype is not supported. Disabling autocast."
    for lib in (torch, minitorch):
        for dtype in (lib.float32, lib.float64, lib.int32):
            with pytest.warns(UserWarning, match=message):
                ctx = lib.autocast("cpu", dtype=dtype)
            with ctx:
                assert not lib.is_autocast_enabled("cpu")
                assert lib.mm(lib.ones(2, 2), lib.ones(2, 2)).dtype == lib.float32
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lib.autocast("cpu", dtype=lib.float32, enabled=False)  # disabled: no check, no warning


def test_cpu_without_dtype_warns_and_disables_for_want_of_bfloat16() -> None:
    """torch's CPU default is bfloat16, which minitorch lacks: the region warns as for an unsupported dtype."""
    assert minitorch.get_autocast_dtype("cpu") is None
    with pytest.warns(UserWarning, match="(?s)target dtype is not supported.*torch.bfloat16, does not exist"):
        ctx = minitorch.autocast("cpu")
    with ctx:
        assert not minitorch.is_autocast_enabled("cpu")
    with pytest.raises(RuntimeError, match="set_autocast_dtype"):
        minitorch.set_autocast_enabled("cpu", True)
    minitorch.set_autocast_dtype("cpu", minitorch.float16)
    try:
        with minitorch.autocast("cpu"):
            assert minitorch.mm(minitorch.ones(2, 2), minitorch.ones(2, 2)).dtype == minitorch.float16
    finally:
        minitorch.set_autocast_dtype("cpu", None)


@pytest.mark.skipif(minitorch.cuda.is_available(), reason="checks the behaviour without a GPU")
def test_cuda_without_gpu_warns_and_disables() -> None:
    for lib in (torch, minitorch):
        with pytest.warns(UserWarning, match="CUDA is not available or torch_xla is imported. Disabling autocast."):
            ctx = lib.autocast("cuda")
        assert ctx.fast_dtype == lib.float16
        with ctx:
            assert not lib.is_autocast_enabled("cuda")
        with pytest.warns(UserWarning, match="GradScaler is enabled, but CUDA is not available.  Disabling."):
            scaler = lib.amp.GradScaler()
        assert not scaler.is_enabled() and scaler.get_scale() == 1.0 and scaler.state_dict() == {}


@pytest.mark.filterwarnings("ignore:.*CUDA is not available:UserWarning")
def test_deprecated_spellings_warn_like_torch() -> None:
    for lib in (torch, minitorch):
        for call, name in (
            (lambda: lib.cuda.amp.autocast(), "torch.cuda.amp.autocast"),
            (lambda: lib.cpu.amp.autocast(dtype=lib.float16), "torch.cpu.amp.autocast"),
            (lambda: lib.cuda.amp.GradScaler(), "torch.cuda.amp.GradScaler"),
            (lambda: lib.cpu.amp.GradScaler(), "torch.cpu.amp.GradScaler"),
        ):
            with pytest.warns(FutureWarning, match=f"`{name}\\(args...\\)` is deprecated"):
                made = call()
        with pytest.warns(FutureWarning):
            ctx = lib.cpu.amp.autocast(dtype=lib.float16)
        with ctx:
            assert lib.mm(lib.ones(2, 2), lib.ones(2, 2)).dtype == lib.float16
        assert made.is_enabled()  # the cpu GradScaler


def test_errors_like_torch() -> None:
    raises_like(lambda lib: lib.autocast(lib.device("cpu")), "Expected `device_type` of type `str`")
    raises_like(lambda lib: lib.autocast("foo"), "device type at start of device string: foo")
    raises_like(lambda lib: lib.autocast("cpu", dtype=lib.float16)(3), "autocast()(func) requires a callable")
    raises_like(lambda lib: lib.is_autocast_enabled(lib.device("cpu")), "must be str")
    raises_like(lambda lib: lib.get_autocast_dtype(), "")
    with fake_device(), pytest.raises(RuntimeError, match="unsupported autocast device_type 'fake'"):
        minitorch.autocast("fake")
    assert minitorch.amp.is_autocast_available("cpu") and minitorch.amp.is_autocast_available("cuda:0")


# ---------------------------------------------------------------------------------------------- GradScaler
def _model(lib: Any) -> Any:
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(6, 16), lib.nn.ReLU(), lib.nn.Linear(16, 3))
    model.load_state_dict({k: lib.tensor(_r(*v.shape, seed=i)) for i, (k, v) in enumerate(model.state_dict().items())})
    return model


def _train(lib: Any, steps: int, clip: bool = False, **scaler_kw: Any) -> tuple:
    model = _model(lib)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    scaler = lib.amp.GradScaler("cpu", **scaler_kw)
    history = []
    for step in range(steps):
        x, y = lib.tensor(_r(8, 6, seed=100 + step)), lib.tensor(_r(8, 3, seed=200 + step))
        opt.zero_grad()
        with lib.autocast(device_type="cpu", dtype=lib.float16):
            loss = F(lib).mse_loss(model(x), y)
        scaler.scale(loss).backward()
        if clip:
            scaler.unscale_(opt)
            lib.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        returned = scaler.step(opt)
        scaler.update()
        history.append((scaler.get_scale(), loss.item(), returned, scaler.state_dict()))
    return history, [p.detach().numpy().copy() for p in model.parameters()]


# An overflowing float16 gradient is the case GradScaler exists for: the infs come silently, as torch's.
@pytest.mark.parametrize("clip", [False, True])
def test_amp_recipe_training_matches_torch_step_for_step(clip: bool) -> None:
    """Scale 2**40 overflows float16 gradients: steps are skipped and the scale backs off until they fit, then
    grows every 3 clean steps; the scale, losses, returns and state_dicts follow torch's exactly."""
    kw = dict(init_scale=2.0**40, backoff_factor=2.0**-6, growth_interval=3)
    want, want_params = _train(torch, 12, clip, **kw)
    got, got_params = _train(minitorch, 12, clip, **kw)
    scales = [h[0] for h in want]
    assert scales[0] < 2.0**40 and any(b > a for a, b in zip(scales, scales[1:])), "no skip or no growth"
    for step, (g, w) in enumerate(zip(got, want)):
        assert g[0] == w[0] and g[2] == w[2] and g[3] == w[3], f"step {step}: {g} vs {w}"
        np.testing.assert_allclose(g[1], w[1], rtol=2e-3, err_msg=f"loss at step {step}")
    for m, t in zip(got_params, want_params):  # float16 forward and backward: an ulp is 1e-3
        np.testing.assert_allclose(m, t, rtol=3e-3, atol=3e-3)


OPTIMIZERS = ["ASGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Rprop", "SGD"]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_steps_under_a_scaler_like_torch(name: str) -> None:
    """float32 throughout: a scale of 2**127 overflows the gradients (skipped step, state untouched), the backed
    off one does not; parameters, optimizer state and scale follow torch's."""
    results = {}
    for lib in (torch, minitorch):
        w = lib.nn.Parameter(lib.tensor(_r(3, 2)))
        b = lib.nn.Parameter(lib.tensor(_r(2, seed=1)))
        opt = getattr(lib.optim, name)([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1)
        scaler = lib.amp.GradScaler("cpu", init_scale=2.0**127, backoff_factor=2.0**-120, growth_interval=2)
        trace = []
        for step in range(4):
            opt.zero_grad()
            loss = ((lib.tensor(_r(4, 3, seed=step)) @ w + b) ** 2).sum()
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            trace.append((scaler.get_scale(), w.detach().numpy().copy(), b.detach().numpy().copy()))
        results[lib.__name__] = trace
    for step, (m, t) in enumerate(zip(results["minitorch"], results["torch"])):
        assert m[0] == t[0], f"scale at step {step}"
        np.testing.assert_allclose(m[1], t[1], rtol=1e-5, atol=1e-6, err_msg=f"w at step {step}")
        np.testing.assert_allclose(m[2], t[2], rtol=1e-5, atol=1e-6, err_msg=f"b at step {step}")
    assert [t[0] for t in results["torch"]] == [2.0**7, 2.0**7, 2.0**8, 2.0**8]
    np.testing.assert_array_equal(results["torch"][0][1], _r(3, 2))  # the first step was skipped


def test_step_returns_what_the_optimizer_returns_and_skips_on_nan() -> None:
    for lib in (torch, minitorch):
        w = lib.nn.Parameter(lib.ones(3))
        opt = lib.optim.SGD([w], lr=0.1)
        scaler = lib.amp.GradScaler("cpu", init_scale=4.0, growth_interval=1)
        scaler.scale((w * 2).sum()).backward()
        assert scaler.step(opt) is None and w.grad.tolist() == [2.0, 2.0, 2.0]  # SGD.step returns None
        scaler.update()
        assert scaler.get_scale() == 8.0
        w.grad = lib.tensor([1.0, float("nan"), 0.0])
        before = w.detach().clone()
        assert scaler.step(opt) is None and lib.equal(w.detach(), before)  # skipped
        scaler.update()
        assert scaler.get_scale() == 4.0 and scaler.state_dict()["_growth_tracker"] == 0


def test_scale_structures_and_passthrough_when_disabled() -> None:
    for lib in (torch, minitorch):
        scaler = lib.amp.GradScaler("cpu", init_scale=3.0)
        a, b = lib.ones(2), lib.ones(1, dtype=lib.float16)
        out = scaler.scale((a, [b, (a,)]))
        assert isinstance(out, tuple) and isinstance(out[1], list) and isinstance(out[1][1], tuple)
        assert out[0].tolist() == [3.0, 3.0] and out[1][0].dtype == lib.float16 and out[1][0].tolist() == [3.0]
        assert [t.tolist() for t in scaler.scale(iter([a]))] == [[3.0, 3.0]]
        off = lib.amp.GradScaler("cpu", enabled=False)
        assert off.scale(a) is a and off.get_scale() == 1.0 and off.state_dict() == {} and not off.is_enabled()
        off.unscale_(None)
        off.update()
        off.load_state_dict({})
        w = lib.nn.Parameter(lib.ones(1))
        w.grad = lib.ones(1)
        assert off.step(lib.optim.SGD([w], lr=1.0)) is None and w.tolist() == [0.0]


def test_state_dict_round_trip_and_setters_like_torch() -> None:
    dicts = {}
    for lib in (torch, minitorch):
        scaler = lib.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=4)
        assert scaler.state_dict() == {
            "scale": 1024.0,
            "growth_factor": 2.0,
            "backoff_factor": 0.5,
            "growth_interval": 4,
            "_growth_tracker": 0,
        }
        scaler.set_growth_factor(3.0)
        scaler.set_backoff_factor(0.25)
        scaler.set_growth_interval(7)
        assert (scaler.get_growth_factor(), scaler.get_backoff_factor(), scaler.get_growth_interval()) == (3.0, 0.25, 7)
        w = lib.nn.Parameter(lib.ones(2))
        scaler.scale(w.sum()).backward()
        scaler.step(lib.optim.Adam([w]))
        scaler.update()
        scaler.update(512.0)
        dicts[lib.__name__] = scaler.state_dict()
        other = lib.amp.GradScaler("cpu")
        other.load_state_dict(dicts[lib.__name__])
        assert other.state_dict() == dicts[lib.__name__]
    assert dicts["minitorch"] == dicts["torch"] and dicts["torch"]["_growth_tracker"] == 1


def test_grad_scaler_errors_like_torch() -> None:
    def params(lib: Any) -> Any:
        w = lib.nn.Parameter(lib.ones(2))
        w.grad = lib.ones(2)
        return w

    def twice(lib: Any, second: str) -> None:
        w = params(lib)
        opt, scaler = lib.optim.SGD([w], lr=0.1), lib.amp.GradScaler("cpu")
        scaler.scale(w.sum())
        scaler.unscale_(opt) if second == "unscale" else scaler.step(opt)
        getattr(scaler, second + "_" if second == "unscale" else second)(opt)

    raises_like(lambda lib: twice(lib, "unscale"), "unscale_() has already been called on this optimizer")
    raises_like(lambda lib: twice(lib, "step"), "step() has already been called since the last update()")
    raises_like(lambda lib: lib.amp.GradScaler("cpu").step(lib.optim.SGD([params(lib)])), "Attempted step but _scale")
    raises_like(lambda lib: lib.amp.GradScaler("cpu").update(), "Attempted update but _scale is None")
    raises_like(lambda lib: lib.amp.GradScaler("cpu", growth_factor=1.0), "The growth factor must be > 1.0.")
    raises_like(lambda lib: lib.amp.GradScaler("cpu", backoff_factor=1.5), "The backoff factor must be < 1.0.")
    raises_like(lambda lib: lib.amp.GradScaler("cpu").scale(3), "outputs must be a Tensor or an iterable of Tensors")
    raises_like(lambda lib: lib.amp.GradScaler("cpu").load_state_dict({}), "The source state dict is empty")

    def fp16_grads(lib: Any) -> None:
        w = lib.nn.Parameter(lib.ones(2, dtype=lib.float16))
        w.grad = lib.ones(2, dtype=lib.float16)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(lib.ones(1))
        scaler.unscale_(lib.optim.SGD([w], lr=0.1))

    def closure(lib: Any) -> None:
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(lib.ones(1))
        scaler.step(lib.optim.SGD([params(lib)], lr=0.1), closure=lambda: 0)

    raises_like(fp16_grads, "Attempting to unscale FP16 gradients.")
    raises_like(closure, "Closure use is not currently supported if GradScaler is enabled.")


def test_grad_scaler_synchronises_only_in_step(device: str) -> None:
    """On a device, unscale_ and update read nothing back; step reads the found-inf flag once (torch's item)."""
    if device == "cpu":
        pytest.skip("the host has nothing to synchronise")
    model = minitorch.nn.Linear(3, 2).to(device)
    opt = minitorch.optim.Adam(model.parameters(), lr=0.1)
    scaler = minitorch.amp.GradScaler(device, init_scale=2.0**8)
    before = [p.detach().cpu().numpy().copy() for p in model.parameters()]
    x = minitorch.ones(4, 3, device=device)
    with forbid_sync("in scale, backward or unscale_"):
        scaler.scale(model(x).sum()).backward()
        scaler.unscale_(opt)
    scaler.step(opt)
    with forbid_sync("in update"):
        scaler.update()
    assert model.weight.grad.device.type == device
    assert scaler.state_dict()["_growth_tracker"] == 1
    assert not np.allclose(before[0], model.weight.detach().cpu().numpy())


def test_hooks_read_one_flag_while_autocast_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """With autocast off in every thread a hooked op reads ``enabled_threads`` and nothing else of autocast's."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("autocast consulted while off")

    monkeypatch.setattr(autocast_mode, "wants", refuse)
    monkeypatch.setattr(autocast_mode, "run", refuse)
    x, w = minitorch.randn(4, 4), minitorch.randn(4, 4)
    assert autocast_mode.enabled_threads == 0
    x.mm(w), x @ w, F(minitorch).linear(x, w), x.exp().sum(), F(minitorch).mse_loss(x, w), minitorch.cat([x, w])
    with minitorch.autocast("cpu", dtype=minitorch.float16, enabled=False):
        x.mm(w)
    with pytest.raises(AssertionError, match="consulted"), minitorch.autocast("cpu", dtype=minitorch.float16):
        x.mm(w)


def test_in_place_ops_are_not_autocast_like_torch() -> None:
    """torch autocasts out-of-place ops only: ``addmm_`` computes in its tensor's float32 (values that float16
    would round), where ``addmm`` gives float16."""

    def under_autocast(lib: Any) -> list:
        a = lib.full((2, 3), 1.0001)
        b, c = lib.full((2, 4), 1.0003), lib.full((4, 3), 0.9997)
        with lib.autocast("cpu", dtype=lib.float16):
            results = [a.clone().addmm_(b, c), a.addmm(b, c), a[None].clone().baddbmm_(b[None], c[None])]
        return [(str(t.dtype), t.tolist()) for t in results]

    assert under_autocast(minitorch) == under_autocast(torch)
