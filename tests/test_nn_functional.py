"""nn.functional against torch: activations, linear, softmax, dropout, losses, pad, one_hot (values, grads, errors)."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
import minitorch.nn.functional  # noqa: F401  (binds minitorch.nn)
from tests import strategies as S
from tests.parity import check_both, check_parity, raises_like

GRADCHECK_NUMEL = 48
REDUCTIONS = st.sampled_from(["none", "mean", "sum"])


def F(lib: Any) -> Any:
    return lib.nn.functional


def const(lib: Any, a: Any, like: Any) -> Any:
    """A constant tensor of ``like``'s dtype (None stays None), for weights torch refuses to differentiate."""
    return None if a is None else lib.tensor(a, dtype=like.dtype)


# ------------------------------------------------------------------ activations, linear, softmax

# (name, fn, gradcheck): softmax_dtype runs through float32, too coarse for finite differences
ELEMENTWISE = [
    ("relu", lambda lib, x: F(lib).relu(x), True),
    ("sigmoid", lambda lib, x: F(lib).sigmoid(x), True),
    ("tanh", lambda lib, x: F(lib).tanh(x), True),
    ("softmax_last", lambda lib, x: F(lib).softmax(x, -1), True),
    ("softmax_first", lambda lib, x: F(lib).softmax(x, 0), True),
    ("log_softmax_last", lambda lib, x: F(lib).log_softmax(x, dim=-1), True),
    ("log_softmax_first", lambda lib, x: F(lib).log_softmax(x, 0), True),
    ("softmax_dtype", lambda lib, x: F(lib).softmax(x.float(), -1, dtype=lib.float64), False),
    ("torch_softmax", lambda lib, x: lib.softmax(x, -1), True),
    ("torch_log_softmax", lambda lib, x: lib.log_softmax(x.float(), 0, dtype=lib.float64), False),
]


@pytest.mark.parametrize("name,fn,gradcheck", ELEMENTWISE, ids=[c[0] for c in ELEMENTWISE])
def test_activation_parity(name: str, fn: Callable, gradcheck: bool) -> None:
    @given(S.arrays(S.shapes(0, 3, 1, 4)).map(lambda a: np.asarray(S.away_from(a) * 3)))
    def run(x: np.ndarray) -> None:
        check_both(fn, x, gradcheck=gradcheck and x.size <= GRADCHECK_NUMEL)

    run()


@given(st.integers(1, 3), st.integers(1, 4), st.sampled_from([(), (2,), (2, 3)]), st.booleans(), st.data())
def test_linear_parity(n_in: int, n_out: int, batch: tuple, bias: bool, data: st.DataObject) -> None:
    x = data.draw(S.arrays(batch + (n_in,)))
    w = data.draw(S.arrays((n_out, n_in)))
    b = data.draw(S.arrays((n_out,))) if bias else None
    check_both(lambda lib, x, w, b: F(lib).linear(x, w, b), x, w, b)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x, w, b: F(lib).linear(x[0], w, b[0]),
        lambda lib, x, w, b: F(lib).linear(x[0, 0], w, b[0]),
        lambda lib, x, w, b: F(lib).linear(x, w, b[:1]),
        lambda lib, x, w, b: F(lib).linear(x[:, :0], w, b[0]),
        lambda lib, x, w, b: F(lib).linear(x, w[0]),
    ],
    ids=["batch_bias", "vector_input", "bias_of_one", "empty_batch", "vector_weight"],
)
def test_linear_shapes(fn: Callable) -> None:
    rng = np.random.default_rng(4)
    check_both(fn, rng.uniform(-1, 1, (2, 3, 4)), rng.uniform(-1, 1, (5, 4)), rng.uniform(-1, 1, (3, 5)))


# the graph nodes torch records, which tutorials print (cross_entropy is one fused node here, see ops/cross_entropy.py)
NODE_NAMES = [
    ("linear", lambda lib, x: F(lib).linear(x[0, 0], x[1, 0, :2], x[2, 0, 0, :2])),
    ("linear_no_bias", lambda lib, x: F(lib).linear(x[0, 0], x[1, 0, :2])),
    ("linear_3d", lambda lib, x: F(lib).linear(x, x[1, 0, :2], x[2, 0, 0, :2])),
    ("mse_loss", lambda lib, x: F(lib).mse_loss(x, x.detach() / 2)),
    ("l1_loss", lambda lib, x: F(lib).l1_loss(x, x.detach() / 2)),
    ("nll_loss", lambda lib, x: F(lib).nll_loss(x[0, 0], lib.tensor([0, 1, 0, 1]))),
    ("softmax", lambda lib, x: F(lib).softmax(x, 1)),
    ("log_softmax", lambda lib, x: F(lib).log_softmax(x, 1)),
    ("max_pool2d", lambda lib, x: F(lib).max_pool2d(x, 2)),
    ("avg_pool2d", lambda lib, x: F(lib).avg_pool2d(x, 2)),
    ("conv2d", lambda lib, x: F(lib).conv2d(x, x[:1, :, :2, :2])),
    ("dropout", lambda lib, x: F(lib).dropout(x)),
    ("bce", lambda lib, x: F(lib).binary_cross_entropy(x.sigmoid(), x.detach().sigmoid())),
    ("bce_logits", lambda lib, x: F(lib).binary_cross_entropy_with_logits(x, x.detach().sigmoid())),
    ("pad", lambda lib, x: F(lib).pad(x, (1, 1))),
    ("pad_reflect_2d", lambda lib, x: F(lib).pad(x, (1, 1, 1, 1), mode="reflect")),
    ("pad_replicate_1d", lambda lib, x: F(lib).pad(x[0], (1, 1), mode="replicate")),
    ("pad_circular", lambda lib, x: F(lib).pad(x[0], (1, 1), mode="circular")),
]


@pytest.mark.parametrize("name,fn", NODE_NAMES, ids=[c[0] for c in NODE_NAMES])
def test_grad_fn_names_match_torch(name: str, fn: Callable) -> None:
    a = np.random.default_rng(0).uniform(-1, 1, (3, 4, 4, 3))
    got, want = (type(fn(lib, lib.tensor(a, requires_grad=True)).grad_fn).__name__ for lib in (minitorch, torch))
    assert got == want


def test_softmax_of_huge_logits_is_finite_in_float32() -> None:
    x = np.array([[1e4, -1e4, 0.0, 1e4 - 1], [-3e4, -3e4 + 2, -3e4 + 1, -3e4]])
    for fn in (
        lambda lib, t: F(lib).softmax(t, 1),
        lambda lib, t: F(lib).log_softmax(t, 1),
        lambda lib, t: F(lib).cross_entropy(t, lib.tensor([0, 1])),
    ):
        check_parity(fn, x, dtype=np.float32)


_INF_ROWS = np.array(list(itertools.product([np.inf, -np.inf, 1.0, -2.0, np.nan], repeat=3)))


@pytest.mark.parametrize(
    "name, fn",
    [
        ("softmax", lambda lib, t: F(lib).softmax(t, 1)),
        ("softmax_dim0", lambda lib, t: F(lib).softmax(t.t(), 0)),
        ("log_softmax", lambda lib, t: F(lib).log_softmax(t, 1)),
        ("log_softmax_dim0", lambda lib, t: F(lib).log_softmax(t.t(), 0)),
        ("cross_entropy_fast_path", lambda lib, t: F(lib).cross_entropy(t, lib.arange(len(t)) % 3)),
        ("cross_entropy_none", lambda lib, t: F(lib).cross_entropy(t, lib.arange(len(t)) % 3, reduction="none")),
        (
            "cross_entropy_smoothed",
            lambda lib, t: F(lib).cross_entropy(t, lib.arange(len(t)) % 3, label_smoothing=0.1, reduction="none"),
        ),
        (
            "cross_entropy_ignored",
            lambda lib, t: F(lib).cross_entropy(t, lib.arange(len(t)) % 3, ignore_index=1, reduction="none"),
        ),
        (
            "cross_entropy_probabilities",
            lambda lib, t: F(lib).cross_entropy(t, lib.full_like(t.detach(), 1 / 3), reduction="none"),
        ),
    ],
)
def test_infinite_and_nan_logits_give_torchs_values_and_gradients(name: str, fn: Callable) -> None:
    """A row holding +inf is all NaN (inf - inf), as is a row of only -inf; -inf among finite values is 0/-inf."""
    for dtype in (np.float64, np.float32):
        check_parity(fn, _INF_ROWS, dtype=dtype)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x, t: x.sign(),
        lambda lib, x, t: x.abs(),
        lambda lib, x, t: F(lib).l1_loss(x, t, reduction="none"),
        lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(
            x, t, reduction="none", pos_weight=lib.tensor([2.0, 0.5], dtype=x.dtype)
        ),
    ],
    ids=["sign", "abs", "l1_loss", "bce_with_logits_pos_weight"],
)
def test_nan_and_inf_give_torchs_values_and_gradients(fn: Callable) -> None:
    """sign(NaN) is 0 in torch (numpy: NaN), so |x|' and L1's gradient are 0 there; torch's grouping of
    BCE-with-logits' gradient turns an infinite target into NaN."""
    x = np.array(list(itertools.product([np.inf, -np.inf, 1.0, -0.0, np.nan], repeat=2)))
    t = np.resize(np.array([0.0, 1.0, 0.3, np.nan, np.inf, -np.inf]), x.shape)
    for dtype in (np.float64, np.float32):
        check_parity(lambda lib, a: fn(lib, a, lib.tensor(t, dtype=a.dtype)), x, dtype=dtype)


def test_softmax_without_dim_warns_and_picks_torchs_dim() -> None:
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 4, 2))
    for lib in (torch, minitorch):
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
            F(lib).softmax(lib.tensor(x), None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for shape in [(3,), (2, 3), (2, 3, 4), (2, 3, 4, 2)]:
            check_parity(lambda lib, t: F(lib).log_softmax(t), x.ravel()[: int(np.prod(shape))].reshape(shape))


@pytest.mark.parametrize(
    "fn",
    [lambda F, t: F.relu(t, inplace=True), lambda F, t: F.relu_(t), lambda F, t: F.dropout(t, 0.0, inplace=True)],
    ids=["relu", "relu_", "dropout"],
)
def test_inplace_variants_write_into_their_input(fn: Callable) -> None:
    x = np.array([[-1.0, 2.0], [0.5, -0.25]])
    for lib in (torch, minitorch):
        leaf = lib.tensor(x, requires_grad=True)
        t = leaf * 1
        out = fn(F(lib), t)
        assert out is t
        out.sum().backward()
        if lib is torch:
            want_value, want_grad = t.detach().numpy(), leaf.grad.numpy()
    np.testing.assert_array_equal(t.detach().numpy(), want_value)
    np.testing.assert_array_equal(leaf.grad.numpy(), want_grad)


# ------------------------------------------------------------------ dropout


def test_dropout_keeps_or_scales_each_element_and_routes_gradient_through_the_mask(device: str) -> None:
    x = minitorch.tensor(
        np.random.default_rng(0).uniform(1, 2, (64, 32)).astype(np.float32), device=device, requires_grad=True
    )
    out = F(minitorch).dropout(x, 0.25)
    assert out.dtype is minitorch.float32
    kept = out.detach().cpu().numpy() != 0
    np.testing.assert_allclose(out.detach().cpu().numpy()[kept], x.detach().cpu().numpy()[kept] / 0.75, rtol=1e-6)
    out.backward(minitorch.ones_like(out))
    np.testing.assert_allclose(x.grad.cpu().numpy(), kept / 0.75, rtol=1e-6)
    # 2048 Bernoulli(0.75) draws: the kept fraction is within 5 standard deviations (~0.048) of 0.75
    assert abs(kept.mean() - 0.75) < 0.05


def test_dropout_mask_comes_from_minitorchs_generator() -> None:
    x = minitorch.ones(100)
    minitorch.manual_seed(3)
    a = F(minitorch).dropout(x, 0.5)
    minitorch.manual_seed(3)
    b = F(minitorch).dropout(x, 0.5)
    c = F(minitorch).dropout(x, 0.5)
    assert np.array_equal(a.numpy(), b.numpy()) and not np.array_equal(b.numpy(), c.numpy())


@pytest.mark.parametrize("p,training,expect", [(0.0, True, "same"), (1.0, True, "zeros"), (0.7, False, "same")])
def test_dropout_edge_probabilities(p: float, training: bool, expect: str) -> None:
    """p = 0 in training and any p in eval hand back the input itself (as torch: no node, no random draw)."""
    for lib in (torch, minitorch):
        x = lib.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
        out = F(lib).dropout(x, p, training)
        if expect == "same":
            assert out is x and out.grad_fn is None
        else:
            np.testing.assert_array_equal(out.detach().numpy(), np.zeros((2, 2)))


# ------------------------------------------------------------------ cross_entropy, nll_loss


@st.composite
def class_cases(draw: Any, probabilities: bool = False) -> tuple:
    """(logits, target, weight, kwargs) over (C), (N, C) and (N, C, d1, ...) inputs."""
    c = draw(st.integers(1, 4))
    shape = draw(
        st.sampled_from(
            [(c,), (draw(st.integers(1, 4)), c), (draw(st.integers(1, 3)), c, 2), (1, c, 2, draw(st.integers(1, 2)))]
        )
    )
    x = draw(S.arrays(shape, -3, 3))
    weight = draw(st.none() | S.arrays((c,), 0.1, 2.0, noncontiguous=False))
    kw: dict = dict(reduction=draw(REDUCTIONS), label_smoothing=draw(st.sampled_from([0.0, 0.0, 0.1, 1.0])))
    target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    if probabilities:
        target = draw(S.arrays(shape, 0.0, 1.0))
    else:
        target = draw(S.ints(target_shape, 0, c - 1))
        ignore = draw(st.sampled_from([None, -100, 0, c - 1]))
        if ignore is not None:
            kw["ignore_index"] = ignore
            mask = draw(S.ints(target_shape, 0, 2)) == 0
            target = np.where(mask, ignore, target)
    return x, target, weight, kw


def _all_ignored(target: np.ndarray, kw: dict) -> bool:
    return bool(np.all(target == kw.get("ignore_index", -100))) and kw["reduction"] == "mean"


@given(class_cases())
def test_cross_entropy_class_indices_parity(case: tuple) -> None:
    x, target, weight, kw = case
    check_both(
        lambda lib, x, t: F(lib).cross_entropy(x, t, const(lib, weight, x), **kw),
        x,
        target,
        gradcheck=x.size <= GRADCHECK_NUMEL and not _all_ignored(target, kw),
    )


@given(class_cases(probabilities=True))
def test_cross_entropy_class_probabilities_parity(case: tuple) -> None:
    """Gradients reach the logits, the soft targets and the class weights."""
    x, target, weight, kw = case
    check_both(
        lambda lib, x, t, w: F(lib).cross_entropy(x, t, w, **kw), x, target, weight, gradcheck=x.size <= GRADCHECK_NUMEL
    )


@given(class_cases())
def test_nll_loss_parity(case: tuple) -> None:
    x, target, weight, kw = case
    kw.pop("label_smoothing")
    check_both(
        lambda lib, x, t: F(lib).nll_loss(
            F(lib).log_softmax(x, 0 if x.ndim == 1 else 1), t, const(lib, weight, x), **kw
        ),
        x,
        target,
        gradcheck=x.size <= GRADCHECK_NUMEL and not _all_ignored(target, kw),
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "loss",
    [
        lambda F, x, t, r: F.cross_entropy(x, t, reduction=r),
        lambda F, x, t, r: F.cross_entropy(x, t, reduction=r, label_smoothing=0.2),
        lambda F, x, t, r: F.nll_loss(x, t, reduction=r),
    ],
    ids=["cross_entropy", "cross_entropy_smoothed", "nll_loss"],
)
def test_all_targets_ignored(reduction: str, loss: Callable) -> None:
    """mean over nothing is nan, yet every gradient is exactly 0 (torch skips ignored rows)."""
    x = np.random.default_rng(0).uniform(-1, 1, (3, 4))
    check_parity(lambda lib, t: loss(F(lib), t, lib.tensor([-100] * 3), reduction), x)


def test_cross_entropy_float32_stays_float32(device: str) -> None:
    rng = np.random.default_rng(1)
    check_parity(
        lambda lib, x, w: F(lib).cross_entropy(
            x, lib.tensor([2, 0, 1, 2], device=x.device), w.detach(), label_smoothing=0.1
        ),
        rng.uniform(-5, 5, (4, 3)),
        rng.uniform(0.5, 1.5, 3),
        dtype=np.float32,
        device=device,
    )


# ------------------------------------------------------------------ binary cross-entropy, mse, l1


@st.composite
def pointwise_cases(draw: Any, low: float, high: float) -> tuple:
    shape = draw(S.shapes(0, 3, 1, 4))
    return draw(S.arrays(shape, low, high)), draw(S.arrays(shape, 0.0, 1.0)), draw(REDUCTIONS)


@given(pointwise_cases(0.02, 0.98), st.booleans())
def test_binary_cross_entropy_parity(case: tuple, weighted: bool) -> None:
    x, t, reduction = case
    w = np.linspace(0.5, 1.5, x.shape[-1]) if weighted and x.ndim else None
    check_both(lambda lib, x, t: F(lib).binary_cross_entropy(x, t, const(lib, w, x), reduction=reduction), x, t)


def test_binary_cross_entropy_clamps_log_at_minus_100() -> None:
    x, t = np.array([0.0, 1.0, 0.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.0, 1.0, 0.3])
    for dtype in (np.float64, np.float32):
        check_parity(lambda lib, x, t: F(lib).binary_cross_entropy(x, t, reduction="none"), x, t, dtype=dtype)


@given(pointwise_cases(-8.0, 8.0), st.sampled_from(["none", "full", "row"]), st.booleans())
def test_binary_cross_entropy_with_logits_parity(case: tuple, weight: str, pos_weight: bool) -> None:
    x, t, reduction = case
    w = (
        None
        if weight == "none" or not x.ndim
        else np.linspace(0.5, 1.5, x.size if weight == "full" else x.shape[-1]).reshape(
            x.shape if weight == "full" else x.shape[-1:]
        )
    )
    pw = np.linspace(0.25, 3.0, x.shape[-1]) if pos_weight and x.ndim else None
    check_both(
        lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(
            x, t, const(lib, w, x), reduction=reduction, pos_weight=const(lib, pw, x)
        ),
        x,
        t,
    )


def test_binary_cross_entropy_with_logits_is_stable_for_huge_logits() -> None:
    x, t = np.array([1e4, -1e4, 50.0, -50.0]), np.array([0.0, 1.0, 1.0, 0.0])
    check_parity(
        lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x, t, reduction="none", pos_weight=lib.tensor(2.0)),
        x,
        t,
        dtype=np.float32,
    )


def ramp(lib: Any, like: Any, low: float, high: float) -> Any:
    """Per-element weights from ``low`` to ``high`` in ``like``'s shape and dtype (a constant)."""
    return lib.linspace(low, high, like.numel(), dtype=like.dtype).reshape(like.shape)


REGRESSION = [
    ("mse", lambda lib, x, t, r: F(lib).mse_loss(x, t, reduction=r)),
    ("l1", lambda lib, x, t, r: F(lib).l1_loss(x, t, reduction=r)),
    ("mse_weighted", lambda lib, x, t, r: F(lib).mse_loss(x, t, reduction=r, weight=ramp(lib, x, 2.0, 0.25))),
    ("l1_weighted", lambda lib, x, t, r: F(lib).l1_loss(x, t, reduction=r, weight=ramp(lib, x, 0.5, 1.5))),
]


@pytest.mark.parametrize("name,fn", REGRESSION, ids=[c[0] for c in REGRESSION])
def test_regression_loss_parity(name: str, fn: Callable) -> None:
    @given(pointwise_cases(-1.0, 1.0))
    def run(case: tuple) -> None:
        x, t, reduction = case
        check_both(lambda lib, x, t: fn(lib, x, t, reduction), np.asarray(S.away_from(x - t) + t), t)

    run()


@pytest.mark.parametrize("fn", [lambda F, x, t: F.mse_loss(x, t), lambda F, x, t: F.l1_loss(x, t)], ids=["mse", "l1"])
def test_regression_loss_warns_when_broadcasting(fn: Callable) -> None:
    x, t = np.linspace(-1, 1, 3).reshape(3, 1), np.linspace(0, 1, 3)
    for lib in (torch, minitorch):
        with pytest.warns(
            UserWarning,
            match=r"Using a target size \(torch.Size\(\[3\]\)\) that is different to the "
            r"input size \(torch.Size\(\[3, 1\]\)\)",
        ):
            fn(F(lib), lib.tensor(x), lib.tensor(t))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_both(lambda lib, x, t: fn(F(lib), x, t), x, t)


@pytest.mark.parametrize("size_average,reduce", [(None, False), (False, None), (True, True), (False, True)])
def test_legacy_size_average_and_reduce(size_average: Any, reduce: Any) -> None:
    x, t = np.linspace(-1, 1, 6).reshape(2, 3), np.array([2, 0])
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        F(minitorch).cross_entropy(minitorch.tensor(x), minitorch.tensor(t), size_average=size_average, reduce=reduce)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_parity(
            lambda lib, x, t: (
                F(lib).cross_entropy(x, t, size_average=size_average, reduce=reduce),
                F(lib).mse_loss(x, x.detach() * 0.5, size_average, reduce),
            ),
            x,
            t,
        )


# ------------------------------------------------------------------ pad, one_hot


@st.composite
def pad_cases(draw: Any) -> tuple:
    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    if mode == "constant":
        shape = draw(S.shapes(1, 4, 1, 4))
        k = draw(st.integers(1, len(shape)))
        pads = [draw(st.integers(-(shape[-1 - i] // 2), 3)) for i in range(k) for _ in range(2)]
        return draw(S.arrays(shape)), pads, mode, draw(st.sampled_from([None, 0.0, -2.5]))
    k = draw(st.integers(1, 3))
    shape = draw(st.lists(st.integers(1, 3), min_size=k + draw(st.integers(1, 2)), max_size=k + 2).map(tuple))
    shape = shape[:-k] + tuple(n + 1 for n in shape[-k:])  # reflect needs 2+ per padded dim
    limit = (lambda n: n - 1) if mode == "reflect" else ((lambda n: n) if mode == "circular" else (lambda n: 3))
    pads = [draw(st.integers(0, limit(shape[-1 - i]))) for i in range(k) for _ in range(2)]
    return draw(S.arrays(shape)), pads, mode, None


@given(pad_cases())
def test_pad_parity(case: tuple) -> None:
    x, pads, mode, value = case
    check_both(lambda lib, t: F(lib).pad(t, pads, mode=mode, value=value), x, gradcheck=x.size <= GRADCHECK_NUMEL)


@settings(max_examples=10)
@given(S.shapes(0, 3, 0, 4), st.data())
def test_one_hot_parity(shape: tuple, data: st.DataObject) -> None:
    classes = data.draw(st.integers(1, 5))
    idx = data.draw(S.ints(shape, 0, classes - 1))
    check_parity(lambda lib, t: F(lib).one_hot(t, classes), idx, grad=False)
    if idx.size:
        check_parity(lambda lib, t: F(lib).one_hot(t), idx, grad=False)


# ------------------------------------------------------------------ errors and warnings

L4 = lambda lib: lib.ones(4, 5)  # noqa: E731
T4 = lambda lib: lib.tensor([1, 2, 3, 1])  # noqa: E731

ERRORS = [
    (
        "ce_batch",
        lambda lib: F(lib).cross_entropy(L4(lib), lib.tensor([1, 2, 3])),
        "Expected input batch_size (4) to match target batch_size (3).",
    ),
    (
        "nll_batch",
        lambda lib: F(lib).nll_loss(L4(lib), lib.tensor([1, 2, 3])),
        "Expected input batch_size (4) to match target batch_size (3).",
    ),
    (
        "ce_target_high",
        lambda lib: F(lib).cross_entropy(L4(lib), lib.tensor([1, 2, 10, 1])),
        "Target 10 is out of bounds.",
    ),
    (
        "ce_target_negative",
        lambda lib: F(lib).cross_entropy(L4(lib), lib.tensor([1, -1, 3, 1])),
        "Target -1 is out of bounds.",
    ),
    ("nll_target_high", lambda lib: F(lib).nll_loss(L4(lib), lib.tensor([1, 2, 10, 1])), "Target 10 is out of bounds."),
    (
        "nll_target_4d",
        lambda lib: F(lib).nll_loss(lib.ones(2, 3, 2, 2), lib.full((2, 2, 2), 7, dtype=lib.int64)),
        "Target 7 is out of bounds.",
    ),
    (
        "ce_float_target",
        lambda lib: F(lib).cross_entropy(L4(lib), T4(lib).float()),
        "expected target dtype to be Long or Byte, but got Float",
    ),
    (
        "ce_long_probabilities",
        lambda lib: F(lib).cross_entropy(L4(lib), lib.ones(4, 5, dtype=lib.int64)),
        "Expected floating point type for target with class probabilities, got Long",
    ),
    (
        "ce_weight_size",
        lambda lib: F(lib).cross_entropy(L4(lib), T4(lib), weight=lib.ones(3)),
        "weight tensor should be defined either for all 5 classes or no classes but got weight tensor of shape: [3]",
    ),
    (
        "ce_weight_dtype",
        lambda lib: F(lib).cross_entropy(L4(lib), T4(lib), weight=lib.ones(5).double()),
        "expected scalar type Float but found Double",
    ),
    (
        "ce_weight_requires_grad",
        lambda lib: F(lib).cross_entropy(L4(lib), T4(lib), weight=lib.ones(5, requires_grad=True)),
        "is not differentiable with respect to argument 'weight'",
    ),
    (
        "ce_smoothing",
        lambda lib: F(lib).cross_entropy(L4(lib), T4(lib), label_smoothing=1.5),
        "label_smoothing must be between 0.0 and 1.0. Got: 1.5",
    ),
    (
        "ce_reduction",
        lambda lib: F(lib).cross_entropy(L4(lib), T4(lib), reduction="avg"),
        "avg is not a valid value for reduction",
    ),
    (
        "ce_spatial_target",
        lambda lib: F(lib).cross_entropy(lib.ones(2, 3, 4), lib.zeros(2, 5, dtype=lib.int64)),
        "Expected target size [2, 4], got [2, 5]",
    ),
    (
        "ce_ignore_probabilities",
        lambda lib: F(lib).cross_entropy(L4(lib), L4(lib), ignore_index=1),
        "ignore_index is not supported for floating point target",
    ),
    (
        "nll_multi_target",
        lambda lib: F(lib).nll_loss(L4(lib), lib.zeros(4, 1, dtype=lib.int64)),
        "0D or 1D target tensor expected, multi-target not supported",
    ),
    (
        "nll_scalar_input",
        lambda lib: F(lib).nll_loss(lib.tensor(1.0), lib.tensor(1)),
        "Expected 1 or more dimensions (got 0)",
    ),
    (
        "mse_weight_size",
        lambda lib: F(lib).mse_loss(L4(lib), L4(lib), weight=lib.ones(5)),
        "Weights and input must have the same size.",
    ),
    (
        "bce_range",
        lambda lib: F(lib).binary_cross_entropy(lib.tensor([0.5, 1.5]), lib.tensor([0.0, 1.0])),
        "all elements of input should be between 0 and 1",
    ),
    (
        "bce_nan",
        lambda lib: F(lib).binary_cross_entropy(lib.tensor([float("nan")]), lib.tensor([0.0])),
        "all elements of input should be between 0 and 1",
    ),
    (
        "bce_shape",
        lambda lib: F(lib).binary_cross_entropy(lib.ones(3, 1) / 2, lib.ones(3) / 2),
        "Using a target size (torch.Size([3])) that is different to the input size (torch.Size([3, 1])) is deprecated",
    ),
    (
        "bce_dtype",
        lambda lib: F(lib).binary_cross_entropy(lib.ones(3) / 2, lib.ones(3).double() / 2),
        "Found dtype Double but expected Float",
    ),
    (
        "bce_logits_shape",
        lambda lib: F(lib).binary_cross_entropy_with_logits(lib.ones(3, 1), lib.ones(3)),
        "Target size (torch.Size([3])) must be the same as input size (torch.Size([3, 1]))",
    ),
    (
        "bce_logits_pos_weight_grad",
        lambda lib: F(lib).binary_cross_entropy_with_logits(
            lib.ones(3), lib.ones(3), pos_weight=lib.ones(3, requires_grad=True)
        ),
        "is not differentiable with respect to argument 'pos_weight'",
    ),
    (
        "dropout_p",
        lambda lib: F(lib).dropout(L4(lib), 1.5),
        "dropout probability has to be between 0 and 1, but got 1.5",
    ),
    ("dropout_int", lambda lib: F(lib).dropout(T4(lib), 0.5), "result type Float can't be cast to the desired output"),
    ("softmax_dim", lambda lib: F(lib).softmax(L4(lib), 2), "Dimension out of range"),
    ("softmax_int", lambda lib: F(lib).softmax(T4(lib), 0), "not implemented for 'Long'"),
    (
        "linear_shapes",
        lambda lib: F(lib).linear(lib.ones(2, 3), lib.ones(4, 5)),
        "mat1 and mat2 shapes cannot be multiplied (2x3 and 5x4)",
    ),
    (
        "linear_shapes_3d",
        lambda lib: F(lib).linear(lib.ones(5, 2, 3), lib.ones(4, 5), lib.ones(4)),
        "mat1 and mat2 shapes cannot be multiplied (10x3 and 5x4)",
    ),
    (
        "linear_bias_size",
        lambda lib: F(lib).linear(lib.ones(2, 3), lib.ones(4, 3), lib.ones(5)),
        "The expanded size of the tensor (4) must match the existing size (5) at non-singleton dimension 1",
    ),
    (
        "linear_bias_dtype",
        lambda lib: F(lib).linear(lib.ones(2, 3), lib.ones(4, 3), lib.ones(4).double()),
        "self and mat2 must have the same dtype, but got Double and Float",
    ),
    (
        "linear_weight_dtype",
        lambda lib: F(lib).linear(lib.ones(2, 3), lib.ones(4, 3).double(), lib.ones(4)),
        "self and mat2 must have the same dtype, but got Float and Double",
    ),
    (
        "linear_input_dtype",
        lambda lib: F(lib).linear(lib.ones(2, 3), lib.ones(4, 3).double(), lib.ones(4).double()),
        "mat1 and mat2 must have the same dtype, but got Float and Double",
    ),
    (
        "linear_no_bias_dtype",
        lambda lib: F(lib).linear(lib.ones(2, 3), lib.ones(4, 3).double()),
        "expected m1 and m2 to have the same dtype, but got: float != double",
    ),
    (
        "linear_vector_weight_bias",
        lambda lib: F(lib).linear(lib.ones(2, 3), lib.ones(3), lib.ones(1)),
        "mat2 must be a matrix, got 1-D tensor",
    ),
    (
        "one_hot_dtype",
        lambda lib: F(lib).one_hot(lib.tensor([0, 2], dtype=lib.int32)),
        "one_hot is only applicable to index tensor of type LongTensor.",
    ),
    ("one_hot_negative", lambda lib: F(lib).one_hot(lib.tensor([0, -2])), "Class values must be non-negative."),
    (
        "one_hot_too_big",
        lambda lib: F(lib).one_hot(lib.tensor([0, 5]), 3),
        "Class values must be smaller than num_classes.",
    ),
    (
        "one_hot_empty",
        lambda lib: F(lib).one_hot(lib.zeros(0, dtype=lib.int64)),
        "Can not infer total number of classes from empty tensor.",
    ),
    ("pad_odd", lambda lib: F(lib).pad(L4(lib), (1,)), "Padding length must be divisible by 2"),
    (
        "pad_long",
        lambda lib: F(lib).pad(L4(lib), (1, 1, 1, 1, 1, 1)),
        "Padding length should be less than or equal to two times the input dimension",
    ),
    ("pad_mode", lambda lib: F(lib).pad(L4(lib), (1, 1), mode="wrap"), "Unrecognised padding mode wrap"),
    (
        "pad_reflect_value",
        lambda lib: F(lib).pad(L4(lib), (1, 1), mode="reflect", value=2.0),
        'Padding mode "reflect" doesn\'t take in value argument',
    ),
    (
        "pad_reflect_dims",
        lambda lib: F(lib).pad(lib.ones(1, 1, 3, 3), (1, 1), mode="reflect"),
        "Padding size 2 is not supported for 4D input tensor.",
    ),
    (
        "pad_reflect_size",
        lambda lib: F(lib).pad(lib.ones(1, 1, 3, 3), (1, 1, 3, 3), mode="reflect"),
        "Argument #6: Padding size should be less than the corresponding input dimension, but got: padding (3, 3) at "
        "dimension 2 of input [1, 1, 3, 3]",
    ),
    (
        "pad_circular_wrap",
        lambda lib: F(lib).pad(lib.ones(1, 1, 3, 3), (4, 1, 1, 1), mode="circular"),
        "Padding value causes wrapping around more than once.",
    ),
]


@pytest.mark.parametrize("name,fn,gist", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_torch(name: str, fn: Callable, gist: str) -> None:
    raises_like(fn, gist)


# Every loss given operands of the wrong shape or dtype: torch's own error (not numpy's), word for word.
LOSS_ERRORS = [
    "F.mse_loss(L.ones(3), L.ones(4))",
    "F.mse_loss(L.ones(3, 2), L.ones(2, 3))",
    "F.mse_loss(L.ones(3), L.ones(4), reduction='none')",
    "nn.MSELoss()(L.ones(3), L.ones(4))",
    "F.mse_loss(L.ones(3, dtype=L.int64), L.ones(3, dtype=L.int64))",
    "F.l1_loss(L.ones(3), L.ones(4))",
    "nn.L1Loss()(L.ones(3), L.ones(4))",
    "F.binary_cross_entropy(L.ones(3) * 0.5, L.ones(4))",
    "F.binary_cross_entropy(L.ones(3) * 0.5, L.ones(3), weight=L.ones(4))",
    "F.binary_cross_entropy(L.ones(3) * 0.5, L.ones(3), weight=L.ones(2, 3))",
    "nn.BCELoss()(L.ones(3) * 0.5, L.ones(4))",
    "F.binary_cross_entropy_with_logits(L.ones(3), L.ones(4))",
    "F.binary_cross_entropy_with_logits(L.ones(3), L.ones(3), weight=L.ones(4))",
    "F.binary_cross_entropy_with_logits(L.ones(3), L.ones(3), weight=L.ones(2, 3))",
    "F.binary_cross_entropy_with_logits(L.ones(3), L.ones(3), pos_weight=L.ones(4))",
    "F.binary_cross_entropy_with_logits(L.ones(3), L.ones(3), pos_weight=L.ones(2, 3))",
    "F.binary_cross_entropy_with_logits(L.ones(2, 3), L.ones(2, 3), pos_weight=L.ones(2))",
    "F.binary_cross_entropy_with_logits(L.ones(3), L.ones(3, dtype=L.int64))",
    "F.binary_cross_entropy_with_logits(L.ones(3, dtype=L.int64), L.ones(3, dtype=L.int64))",
    "nn.BCEWithLogitsLoss()(L.ones(3), L.ones(4))",
    "F.cross_entropy(L.ones(3, 5), L.tensor([0, 1]))",
    "F.cross_entropy(L.ones(3, 5), L.ones(2, 5))",
    "F.cross_entropy(L.ones(3, 5), L.ones(3, 4))",
    "F.cross_entropy(L.ones(3, 5, dtype=L.int64), L.tensor([0, 1, 2]))",
    "F.cross_entropy(L.ones(3, 5, 2, dtype=L.int64), L.zeros(3, 2, dtype=L.int64))",
    "F.cross_entropy(L.ones(3, 5, dtype=L.int64), L.ones(3, 5))",
    "F.cross_entropy(L.ones(3, 0), L.tensor([0, 0, 0]))",
    "nn.CrossEntropyLoss()(L.ones(3, 5), L.tensor([0, 1]))",
    "F.nll_loss(L.ones(3, 5), L.tensor([0, 1]))",
    "F.nll_loss(L.ones(3, 5, dtype=L.int64), L.tensor([0, 1, 2]))",
    "nn.NLLLoss()(L.ones(3, 5), L.tensor([0, 1]))",
    "F.nll_loss(L.ones(3, 5, 2, dtype=L.int64), L.zeros(3, 2, dtype=L.int64))",
]


@pytest.mark.parametrize("code", LOSS_ERRORS)
def test_loss_shape_and_dtype_errors_match_torch(code: str) -> None:
    errors = []
    for lib in (torch, minitorch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                eval(code, {"L": lib, "F": F(lib), "nn": lib.nn})
        errors.append((type(info.value), str(info.value)))
    assert errors[1] == errors[0]


def test_negative_label_smoothing_is_accepted_as_in_torch() -> None:
    x = np.random.default_rng(0).normal(size=(3, 5))
    check_parity(lambda lib, t: F(lib).cross_entropy(t, lib.tensor([0, 1, 2]), label_smoothing=-0.3), x)
    check_parity(lambda lib, t: F(lib).cross_entropy(t, F(lib).softmax(t.detach() * 2, 1), label_smoothing=-0.3), x)
