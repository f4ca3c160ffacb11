"""The losses and distances added for the next tier of torch's API against torch: values and the gradients
of every float input (targets included) in float64 and float32, finite differences, the modules (state
dicts, reprs), warnings and errors."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import parity
from tests import strategies as S
from tests.parity import raises_like
from tests.test_nn_layers import DTYPES, check_layer

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


def check_both(fn: Callable, *arrays: Any, **kw: Any) -> None:
    """parity.check_both, with 0-d results of numpy arithmetic made arrays again."""
    parity.check_both(fn, *(a if a is None or type(a) is float else np.asarray(a) for a in arrays), **kw)


def F(lib: Any) -> Any:
    return lib.nn.functional


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


@st.composite
def pairs(draw: Any, scale: float = 2.0) -> tuple:
    """(input, target) of one shape (sometimes broadcast from a smaller target), values in [-scale, scale]."""
    shape = draw(S.shapes(min_dims=0, max_dims=3, max_side=4))
    x = draw(S.arrays(shape)) * scale
    tshape = shape[1:] if shape and draw(st.booleans()) else shape
    return x, draw(S.arrays(tshape)) * scale


def _quiet(fn: Callable) -> Callable:
    """``fn`` with the broadcast-size and kl_div 'mean' warnings silenced (both libraries warn: tested below)."""

    def run(lib: Any, *args: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Using a target size")
            warnings.filterwarnings("ignore", message="reduction: 'mean' divides")
            return fn(lib, *args)

    return run


@given(case=pairs(), reduction=REDUCTIONS, beta=st.sampled_from([1.0, 0.3, 0.0]))
def test_smooth_l1_loss(case: tuple, reduction: str, beta: float) -> None:
    x, t = case
    x = S.away_from(x - np.broadcast_to(t, x.shape), (-beta, 0.0, beta), margin=1e-2) + np.broadcast_to(t, x.shape)
    check_both(_quiet(lambda lib, a, b: F(lib).smooth_l1_loss(a, b, reduction=reduction, beta=beta)), x, t)


@given(case=pairs(), reduction=REDUCTIONS, delta=st.sampled_from([1.0, 0.3, 2.5]), weighted=st.booleans())
def test_huber_loss(case: tuple, reduction: str, delta: float, weighted: bool) -> None:
    x, t = case
    x = S.away_from(x - np.broadcast_to(t, x.shape), (-delta, delta), margin=1e-2) + np.broadcast_to(t, x.shape)
    w = _rng(int(x.size)).uniform(0.5, 2, x.shape) if weighted else None
    check_both(
        _quiet(lambda lib, a, b, w: F(lib).huber_loss(a, b, reduction=reduction, delta=delta, weight=w)), x, t, w
    )


@given(
    shape=S.shapes(min_dims=1, max_dims=3, max_side=4),
    reduction=st.sampled_from(["mean", "sum", "none", "batchmean"]),
    log_target=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_kl_div(shape: tuple, reduction: str, log_target: bool, seed: int) -> None:
    rng = _rng(seed)
    log_p = np.log(rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]))
    q = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    target = np.log(q) if log_target else q
    fn = _quiet(lambda lib, a, b: F(lib).kl_div(a, b, reduction=reduction, log_target=log_target))
    check_both(fn, log_p, target)


def test_kl_div_zero_target_contributes_nothing() -> None:
    """xlogy: a target of exactly 0 gives 0 (not nan) and a finite gradient."""
    target = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
    log_p = np.log(np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]))
    check_both(lambda lib, a, b: F(lib).kl_div(a, b, reduction="batchmean"), log_p, target, gradcheck=False)


@given(case=pairs(), reduction=REDUCTIONS, log_input=st.booleans(), full=st.booleans())
def test_poisson_nll_loss(case: tuple, reduction: str, log_input: bool, full: bool) -> None:
    x, t = case
    x = x if log_input else np.abs(x) + 0.1
    t = np.abs(t) * 2 + 0.05  # counts, some above 1 (Stirling's term applies) and some below; log t finite
    fn = lambda lib, a, b: F(lib).poisson_nll_loss(a, b, log_input=log_input, full=full, reduction=reduction)  # noqa: E731
    check_both(fn, x, t)


@given(
    shape=S.shapes(min_dims=1, max_dims=3, max_side=4),
    var_kind=st.sampled_from(["same", "short", "one", "float"]),
    reduction=REDUCTIONS,
    full=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_gaussian_nll_loss(shape: tuple, var_kind: str, reduction: str, full: bool, seed: int) -> None:
    rng = _rng(seed)
    x, t = rng.uniform(-2, 2, shape), rng.uniform(-2, 2, shape)
    vshape = {"same": shape, "short": shape[:-1], "one": shape[:-1] + (1,)}.get(var_kind)
    var = 0.7 if var_kind == "float" else rng.uniform(0.1, 2, vshape)
    if var_kind != "float" and var.size:
        var.flat[0] = 1e-9  # below eps: clamped, the gradient passing as if it were not
    fn = lambda lib, a, b, v: F(lib).gaussian_nll_loss(a, b, v, full=full, reduction=reduction)  # noqa: E731
    check_both(fn, x, t, var, gradcheck=False)
    if var_kind != "float":
        check_both(fn, x, t, np.abs(var) + 0.1)


@given(shape=S.shapes(min_dims=0, max_dims=2, max_side=5), reduction=REDUCTIONS, margin=st.sampled_from([0.0, 0.5]))
def test_margin_ranking_loss(shape: tuple, reduction: str, margin: float) -> None:
    rng = _rng(int(np.prod(shape)) + len(shape))
    a, b = rng.uniform(-1, 1, shape), rng.uniform(-1, 1, shape)
    y = rng.choice([-1.0, 1.0], shape)
    a = S.away_from(a - b + margin * y, (0.0,), margin=1e-2) + b - margin * y  # off the hinge
    fn = lambda lib, a, b, y: F(lib).margin_ranking_loss(a, b, y, margin=margin, reduction=reduction)  # noqa: E731
    check_both(fn, a, b, y)


@given(shape=S.shapes(min_dims=0, max_dims=3, max_side=4), reduction=REDUCTIONS, margin=st.sampled_from([1.0, 0.3]))
def test_hinge_embedding_loss(shape: tuple, reduction: str, margin: float) -> None:
    rng = _rng(int(np.prod(shape)) + 7)
    x = S.away_from(rng.uniform(0, 2, shape), (margin,), margin=1e-2)
    y = rng.choice([-1.0, 1.0], shape)
    check_both(lambda lib, x, y: F(lib).hinge_embedding_loss(x, y, margin=margin, reduction=reduction), x, y)


@given(case=pairs(scale=4.0), reduction=REDUCTIONS)
def test_soft_margin_loss(case: tuple, reduction: str) -> None:
    x, t = case
    y = np.where(np.asarray(t) >= 0, 1, -1)  # an integer array: a target without gradient
    check_both(lambda lib, x, y: F(lib).soft_margin_loss(x, y.to(x.dtype), reduction=reduction), x, y)


@given(n=st.integers(1, 4), c=st.integers(1, 5), reduction=REDUCTIONS, weighted=st.booleans(), seed=st.integers(0, 99))
def test_multilabel_soft_margin_loss(n: int, c: int, reduction: str, weighted: bool, seed: int) -> None:
    rng = _rng(seed)
    x, y = rng.uniform(-4, 4, (n, c)), rng.integers(0, 2, (n, c)).astype(np.float64)
    w = rng.uniform(0.5, 2, c) if weighted else None
    fn = lambda lib, x, y, w: F(lib).multilabel_soft_margin_loss(x, y, weight=w, reduction=reduction)  # noqa: E731
    check_both(fn, x, y, w)


@given(
    n=st.integers(1, 4),
    c=st.integers(1, 5),
    batched=st.booleans(),
    p=st.sampled_from([1, 2]),
    margin=st.sampled_from([1.0, 0.3, 0.0]),
    weighted=st.booleans(),
    reduction=REDUCTIONS,
    seed=st.integers(0, 99),
)
def test_multi_margin_loss(
    n: int, c: int, batched: bool, p: int, margin: float, weighted: bool, reduction: str, seed: int
) -> None:
    rng = _rng(seed)
    n = n if batched else 1  # (torch's reductions of an empty batch read uninitialised memory: none here)
    x, y = rng.uniform(-2, 2, (n, c)), rng.integers(0, c, n)
    z = margin - np.take_along_axis(x, y[:, None], 1) + x  # the hinges' arguments: kept off their kink
    x = x + np.where(np.abs(z) < 1e-2, 0.05, 0.0) * (np.arange(c) != y[:, None])
    weights = rng.uniform(0.5, 2, c) if weighted else None
    if not batched:
        x, y = x[0], np.asarray(y[0])

    def fn(lib: Any, x: Any, y: Any) -> Any:  # (class weights are constants: torch refuses their gradient)
        w = None if weights is None else lib.tensor(weights, dtype=x.dtype)
        return F(lib).multi_margin_loss(x, y, p=p, margin=margin, weight=w, reduction=reduction)

    check_both(fn, x, y)


@given(n=st.integers(1, 4), c=st.integers(1, 5), batched=st.booleans(), reduction=REDUCTIONS, seed=st.integers(0, 99))
def test_multilabel_margin_loss(n: int, c: int, batched: bool, reduction: str, seed: int) -> None:
    """Each sample lists classes up to its first -1 (what follows is ignored; a class listed twice counts twice)."""
    rng = _rng(seed)
    n = n if batched else 1
    x = rng.permuted(np.tile(np.linspace(-1.5, 1.5, c), (n, 1)), axis=1) + rng.uniform(-0.04, 0.04, (n, c))
    y = rng.integers(0, c, (n, c))
    stops = rng.integers(0, c + 1, n)
    y[np.arange(c) >= stops[:, None]] = -1
    y[np.arange(c) > stops[:, None]] = rng.integers(-1, c, (n, c))[np.arange(c) > stops[:, None]]  # after the stop
    if not batched:
        x, y = x[0], y[0]
    check_both(lambda lib, x, y: F(lib).multilabel_margin_loss(x, y, reduction=reduction), x, y)


@given(batched=st.booleans(), d=st.integers(1, 5), reduction=REDUCTIONS, margin=st.sampled_from([0.0, 0.4]))
def test_cosine_embedding_loss(batched: bool, d: int, reduction: str, margin: float) -> None:
    rng = _rng(d * 2 + batched)
    shape = (4, d) if batched else (d,)
    a, b = rng.uniform(-1, 1, shape), rng.uniform(-1, 1, shape)
    y = rng.choice([-1.0, 1.0], shape[:-1])
    fn = lambda lib, a, b, y: F(lib).cosine_embedding_loss(a, b, y, margin=margin, reduction=reduction)  # noqa: E731
    check_both(fn, a, b, y)


@given(
    batched=st.booleans(),
    d=st.integers(1, 5),
    p=st.sampled_from([2.0, 1.0, 3.0]),
    swap=st.booleans(),
    reduction=REDUCTIONS,
    seed=st.integers(0, 99),
)
def test_triplet_margin_loss(batched: bool, d: int, p: float, swap: bool, reduction: str, seed: int) -> None:
    rng = _rng(seed)
    shape = (4, d) if batched else (d,)
    a, pos, neg = (rng.uniform(-1, 1, shape) for _ in range(3))
    fn = lambda lib, a, b, c: F(lib).triplet_margin_loss(a, b, c, margin=0.5, p=p, swap=swap, reduction=reduction)  # noqa: E731
    check_both(fn, a, pos, neg)


# ---------------------------------------------------------------- distances
@given(data=st.data(), dim=st.sampled_from([0, 1, -1]), eps=st.sampled_from([1e-8, 0.5]))
def test_cosine_similarity(data: st.DataObject, dim: int, eps: float) -> None:
    shapes = data.draw(S.broadcastable_shapes(2, min_dims=2, max_dims=3, max_side=4))
    a, b = (S.away_from(data.draw(S.arrays(s)), margin=0.1) for s in shapes)  # zero vectors: tested below
    # A norm below eps is clamped outside the graph, as torch does: gradcheck only where none is
    check_both(lambda lib, a, b: F(lib).cosine_similarity(a, b, dim=dim, eps=eps), a, b, gradcheck=eps < 0.1)


@given(
    data=st.data(),
    p=st.sampled_from([2.0, 1.0, 3.0, 0.5, float("inf")]),
    keepdim=st.booleans(),
    top=st.booleans(),
)
def test_pairwise_distance(data: st.DataObject, p: float, keepdim: bool, top: bool) -> None:
    shapes = data.draw(S.broadcastable_shapes(2, min_dims=1, max_dims=2, max_side=5))
    a, b = (data.draw(S.arrays(s)) for s in shapes)
    fn = (lambda lib, a, b: lib.pairwise_distance(a, b, p, 1e-6, keepdim)) if top else None
    fn = fn or (lambda lib, a, b: F(lib).pairwise_distance(a, b, p=p, keepdim=keepdim))
    check_both(fn, a, b, gradcheck=False)  # equal entries sit on |.|'s kink: gradcheck on generic values below


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf")])
def test_pairwise_distance_gradcheck(p: float) -> None:
    a, b = _u(1, 3, 4), _u(2, 4)
    parity.check_gradcheck(lambda lib, a, b: F(lib).pairwise_distance(a, b, p=p), a, b)


@given(
    x=S.arrays(S.shapes(min_dims=1, max_dims=3, max_side=4)),
    p=st.sampled_from([2.0, 1.0, 3.0, float("inf")]),
    dim=st.sampled_from([0, -1, (0, -1)]),
)
def test_normalize(x: np.ndarray, p: float, dim: Any) -> None:
    dim = dim if x.ndim > 1 or not isinstance(dim, tuple) else 0
    # off 0 (|.|'s kink) and with distinct magnitudes (the inf-norm's maximum has a kink where two tie)
    x = S.away_from(x, margin=0.1)
    x = x + np.sign(x) * np.arange(x.size).reshape(x.shape) * 1e-3
    check_both(lambda lib, t: F(lib).normalize(t, p=p, dim=dim), x)


def test_zero_vectors_have_zero_gradients_like_torch() -> None:
    """normalize and cosine_similarity of an all-zero vector: finite values, zero (not NaN) gradients."""
    x = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 2.0]])
    check_both(lambda lib, t: F(lib).normalize(t), x, gradcheck=False)
    check_both(lambda lib, a, b: lib.cosine_similarity(a, b), x, x[::-1].copy(), gradcheck=False)
    check_both(lambda lib, t: F(lib).normalize(t, p=float("inf")), np.array([[3.0, -3.0, 1.0]]), gradcheck=False)


def test_one_hot() -> None:
    for lib_args in [((3,), {}), ((5,), {"num_classes": 7}), ((2, 3), {"num_classes": -1})]:
        shape, kw = lib_args
        idx = np.arange(int(np.prod(shape))).reshape(shape) % 5
        got = F(minitorch).one_hot(minitorch.tensor(idx), **kw)
        want = F(torch).one_hot(torch.tensor(idx), **kw)
        assert got.dtype == minitorch.int64 and np.array_equal(got.numpy(), want.numpy())


# ---------------------------------------------------------------- modules
def _u(seed: int, *shape: int, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return _rng(seed).uniform(low, high, shape)


_Y = np.array([1.0, -1.0, -1.0, 1.0])


def _weights(nn: Any, c: int) -> Any:
    """Class weights for a loss module, as a tensor of the library whose ``nn`` this is."""
    lib = minitorch if nn is minitorch.nn else torch
    return lib.tensor(np.linspace(0.5, 2.0, c))


MODULES: dict = {
    "SmoothL1Loss": (lambda nn: nn.SmoothL1Loss(beta=0.5), [_u(1, 4, 3), _u(2, 4, 3)]),
    "SmoothL1Loss legacy": (lambda nn: nn.SmoothL1Loss(reduce=False), [_u(1, 4, 3), _u(2, 4, 3)]),
    "HuberLoss": (lambda nn: nn.HuberLoss(reduction="sum", delta=0.7), [_u(1, 4, 3), _u(2, 4, 3)]),
    "KLDivLoss": (
        lambda nn: nn.KLDivLoss(reduction="batchmean", log_target=True),
        [np.log(_u(1, 4, 3, low=0.1, high=1)), np.log(_u(2, 4, 3, low=0.1, high=1))],
    ),
    "PoissonNLLLoss": (lambda nn: nn.PoissonNLLLoss(full=True), [_u(1, 4, 3), _u(2, 4, 3, low=0, high=4)]),
    "GaussianNLLLoss": (lambda nn: nn.GaussianNLLLoss(full=True), [_u(1, 4, 3), _u(2, 4, 3), _u(3, 4, low=0.2)]),
    "MarginRankingLoss": (lambda nn: nn.MarginRankingLoss(margin=0.2), [_u(1, 4), _u(2, 4), _Y]),
    "CosineEmbeddingLoss": (lambda nn: nn.CosineEmbeddingLoss(0.1), [_u(1, 4, 3), _u(2, 4, 3), _Y]),
    "HingeEmbeddingLoss": (lambda nn: nn.HingeEmbeddingLoss(margin=1.5), [_u(1, 4, low=0), _Y]),
    "SoftMarginLoss": (lambda nn: nn.SoftMarginLoss(), [_u(1, 4), _Y], (0,)),
    "MultiLabelSoftMarginLoss": (
        lambda nn: nn.MultiLabelSoftMarginLoss(),
        [_u(1, 4, 3), (_u(2, 4, 3) > 0).astype(np.float64)],
    ),
    "MultiMarginLoss": (
        lambda nn: nn.MultiMarginLoss(p=2, margin=0.5, weight=_weights(nn, 3)),
        [_u(1, 4, 3), np.array([0, 2, 1, 2])],
        (0,),
    ),
    "MultiLabelMarginLoss": (
        lambda nn: nn.MultiLabelMarginLoss(reduction="sum"),
        [_u(1, 4, 3), np.array([[0, 2, -1], [1, -1, 0], [-1, 1, 1], [2, 1, 0]])],
        (0,),
    ),
    "TripletMarginLoss": (lambda nn: nn.TripletMarginLoss(swap=True), [_u(1, 4, 3), _u(2, 4, 3), _u(3, 4, 3)]),
    "CosineSimilarity": (lambda nn: nn.CosineSimilarity(dim=0), [_u(1, 4, 3), _u(2, 4, 3)]),
    "PairwiseDistance": (lambda nn: nn.PairwiseDistance(p=1, keepdim=True), [_u(1, 4, 3), _u(2, 4, 3)]),
}


@pytest.mark.filterwarnings("ignore:size_average and reduce args will be deprecated")
@DTYPES
@pytest.mark.parametrize("case", MODULES.values(), ids=list(MODULES))
def test_module_parity(case: tuple, dtype: Any) -> None:
    make, inputs = case[:2]
    grad_args = case[2] if len(case) > 2 else tuple(range(len(inputs)))
    check_layer(lambda lib: make(lib.nn), inputs, dtype, grad_args=grad_args)


def test_multilabel_weight_is_a_buffer_in_the_state_dict() -> None:
    w = np.array([0.5, 1.0, 2.0], np.float32)
    theirs, ours = torch.nn.MultiLabelSoftMarginLoss(torch.tensor(w)), minitorch.nn.MultiLabelSoftMarginLoss()
    assert list(theirs.state_dict()) == ["weight"]
    ours = minitorch.nn.MultiLabelSoftMarginLoss(minitorch.zeros(3))
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(ours.weight.numpy(), w)


REPRS: dict = {
    "losses": lambda nn: nn.Sequential(
        nn.SmoothL1Loss(beta=2.0),
        nn.HuberLoss(delta=0.5),
        nn.KLDivLoss(reduction="batchmean"),
        nn.PoissonNLLLoss(),
        nn.GaussianNLLLoss(),
        nn.MarginRankingLoss(),
        nn.CosineEmbeddingLoss(),
        nn.HingeEmbeddingLoss(),
        nn.SoftMarginLoss(),
        nn.MultiLabelSoftMarginLoss(),
        nn.MultiMarginLoss(p=2, margin=0.5),
        nn.MultiLabelMarginLoss(),
        nn.TripletMarginLoss(),
    ),
    "distances": lambda nn: nn.Sequential(nn.CosineSimilarity(), nn.PairwiseDistance()),
}


@pytest.mark.parametrize("make", REPRS.values(), ids=list(REPRS))
def test_repr_matches_torch(make: Callable) -> None:
    assert repr(make(minitorch.nn)) == repr(make(torch.nn))


# ---------------------------------------------------------------- warnings and errors
def test_size_mismatch_warns_and_broadcasts_like_torch() -> None:
    for name in ("smooth_l1_loss", "huber_loss"):
        for lib in (minitorch, torch):
            with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[3\]\)\)"):
                getattr(F(lib), name)(lib.ones(2, 3), lib.ones(3))


def test_kl_div_mean_warns_like_torch() -> None:
    for lib in (minitorch, torch):
        with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
            F(lib).kl_div(lib.zeros(2, 3), lib.ones(2, 3) / 3)


ERRORS = {
    "smooth_l1 shapes": (lambda lib: F(lib).smooth_l1_loss(lib.ones(2, 3), lib.ones(4)), "must match the size"),
    "smooth_l1 beta": (
        lambda lib: F(lib).smooth_l1_loss(lib.ones(3), lib.ones(3), beta=-1.0),
        "smooth_l1_loss does not support negative values for beta.",
    ),
    "huber delta": (
        lambda lib: F(lib).huber_loss(lib.ones(3), lib.ones(3), delta=0.0),
        "huber_loss does not support non-positive values for delta.",
    ),
    "huber weight": (
        lambda lib: F(lib).huber_loss(lib.ones(3), lib.ones(3), weight=lib.ones(2)),
        "Weights and input must have the same size.",
    ),
    "kl_div shapes": (lambda lib: F(lib).kl_div(lib.ones(2, 3), lib.ones(2, 2), reduction="sum"), "must match"),
    "reduction": (lambda lib: F(lib).smooth_l1_loss(lib.ones(3), lib.ones(3), reduction="avg"), "not a valid value"),
    "gaussian var size": (
        lambda lib: F(lib).gaussian_nll_loss(lib.ones(2, 3), lib.ones(2, 3), lib.ones(3, 2)),
        "var is of incorrect size",
    ),
    "gaussian var sign": (
        lambda lib: F(lib).gaussian_nll_loss(lib.ones(2), lib.ones(2), -lib.ones(2)),
        "var has negative entry/entries",
    ),
    "margin ranking dims": (
        lambda lib: F(lib).margin_ranking_loss(lib.ones(3), lib.ones(3), lib.ones(1, 3)),
        "All input tensors should have same dimension",
    ),
    "cosine embedding 2-d target": (
        lambda lib: F(lib).cosine_embedding_loss(lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 1)),
        "0D or 1D target tensor expected, multi-target not supported",
    ),
    "cosine embedding input dims": (
        lambda lib: F(lib).cosine_embedding_loss(lib.ones(3), lib.ones(3), lib.ones(2)),
        "1D target tensor expects 2D input tensors, but found inputs with sizes [3] and [3].",
    ),
    "triplet margin": (
        lambda lib: F(lib).triplet_margin_loss(lib.ones(3), lib.ones(3), lib.ones(3), margin=0),
        "margin must be greater than 0, got 0",
    ),
    "triplet dims": (
        lambda lib: F(lib).triplet_margin_loss(lib.ones(2, 3), lib.ones(3), lib.ones(2, 3)),
        "but got: anchor 2D, positive 1D, and negative 2D inputs",
    ),
    "soft margin target grad": (
        lambda lib: F(lib).soft_margin_loss(lib.ones(3), lib.ones(3, requires_grad=True)),
        "not differentiable with respect to argument 'target'",
    ),
    "normalize repeated dim": (
        lambda lib: F(lib).normalize(lib.ones(3), dim=(0, -1)),
        "dim 0 appears multiple times in the list of dims",
    ),
    "TripletMarginLoss margin": (lambda lib: lib.nn.TripletMarginLoss(margin=-1.0), "expected margin to be greater"),
    "multi margin target range": (
        lambda lib: F(lib).multi_margin_loss(lib.ones(3, 4), lib.tensor([0, 4, 1])),
        "target out of range",
    ),
    "multi margin negative target": (
        lambda lib: F(lib).multi_margin_loss(lib.ones(3, 4), lib.tensor([0, -1, 1])),
        "target out of range",
    ),
    "multi margin target size": (
        lambda lib: F(lib).multi_margin_loss(lib.ones(3, 4), lib.tensor([0, 1])),
        "multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples (batch "
        "size). Expected target size [3], but got [2]. Input has shape [3, 4].",
    ),
    "multi margin p": (lambda lib: F(lib).multi_margin_loss(lib.ones(3, 4), lib.tensor([0, 1, 1]), p=3), "only p"),
    "multi margin weight grad": (
        lambda lib: F(lib).multi_margin_loss(
            lib.ones(3, 4), lib.tensor([0, 1, 1]), weight=lib.ones(4).requires_grad_()
        ),
        "not differentiable with respect to argument 'weight'",
    ),
    "multi margin 2-d weight": (
        lambda lib: F(lib).multi_margin_loss(lib.ones(3, 4), lib.tensor([0, 1, 1]), weight=lib.ones(2, 2)),
        "weight must be one-dimensional",
    ),
    "multi margin weight": (
        lambda lib: F(lib).multi_margin_loss(lib.ones(3, 4), lib.tensor([0, 1, 1]), weight=lib.ones(3)),
        "inconsistent weight size, expected 4 but got [3]",
    ),
    "multi margin float target": (
        lambda lib: F(lib).multi_margin_loss(lib.ones(3, 4), lib.tensor([0.0, 1.0, 1.0])),
        "expected scalar type Long but found Float",
    ),
    "multi margin 3-d": (
        lambda lib: F(lib).multi_margin_loss(lib.ones(2, 3, 4), lib.tensor([1, 1])),
        "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [2, 3, 4]",
    ),
    "multi margin reduction": (
        lambda lib: F(lib).multi_margin_loss(lib.ones(3, 4), lib.tensor([0, 1, 1]), reduction="bad"),
        "bad is not a valid value for reduction",
    ),
    "MultiMarginLoss weight": (
        lambda lib: lib.nn.MultiMarginLoss(weight=lib.ones(2, 2)),
        "MultiMarginLoss: expected weight to be None or 1D tensor, got 2D instead",
    ),
    "multilabel margin target range": (
        lambda lib: F(lib).multilabel_margin_loss(lib.ones(3, 4), lib.tensor([[0, 5, -1, 0]] * 3)),
        "argument #2 'target' is out of range",
    ),
    "multilabel margin target size": (
        lambda lib: F(lib).multilabel_margin_loss(lib.ones(3, 4), lib.tensor([[0, 1]] * 3)),
        "inconsistent target size: [3, 2] for input of size: [3, 4]",
    ),
    "multilabel margin float target": (
        lambda lib: F(lib).multilabel_margin_loss(lib.ones(3, 4), lib.ones(3, 4)),
        "expected scalar type Long but found Float",
    ),
}


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("case", ERRORS.values(), ids=list(ERRORS))
def test_errors_match_torch(case: tuple) -> None:
    raises_like(case[0], case[1])
