"""Small layers and functions against torch: RReLU / rrelu (evaluation exactly, training by its statistics and its
gradient, which is the drawn slope), AlphaDropout / FeatureAlphaDropout (the affine form given the mask, the mean
and variance kept), ChannelShuffle, pdist (values and gradients for every p, torch's rules at zero distance and at
ties), gumbel_softmax (one-hot samples, the straight-through gradient, sampling frequencies),
TripletMarginWithDistanceLoss, nn.Buffer and the deprecated nn.Container."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import check_both, check_parity, raises_like
from tests.test_nn_layers import DTYPES, check_layer

LIBS = pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])


def _uniform(shape: tuple, seed: int = 0, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, shape)


def _np(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


# ------------------------------------------------------------------------------------------------------ RReLU
X_WITH_ZEROS = np.array([[-1.5, -0.25, 0.0, 0.3], [2.0, -0.0, -3.0, 1e-3]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("bounds", [(1 / 8, 1 / 3), (0.1, 0.3), (0.2, 0.2)])
def test_rrelu_in_evaluation_is_torchs_exactly(dtype: Any, bounds: tuple) -> None:
    lo, hi = bounds
    for x in (X_WITH_ZEROS, _uniform((3, 5), seed=3)):
        check_parity(lambda lib, t: lib.nn.functional.rrelu(t, lo, hi), x, dtype=dtype, rtol=0, atol=0)
        check_parity(lambda lib, t: lib.nn.functional.rrelu(t * 1, lo, hi, False, True), x, dtype=dtype, rtol=0, atol=0)


@DTYPES
def test_rrelu_module_in_evaluation_mode(dtype: Any) -> None:
    check_layer(lambda lib: lib.nn.RReLU(0.05, 0.4), [_uniform((4, 6), seed=1)], dtype)


@LIBS
def test_rrelu_training_draws_a_slope_per_negative_element_which_is_its_gradient(lib: Any) -> None:
    lo, hi = 0.1, 0.3
    x = lib.tensor(_uniform((200_000,), seed=2, low=-2, high=1), requires_grad=True)
    out = lib.nn.functional.rrelu(x, lo, hi, training=True)
    out.sum().backward()
    xs, ys, grad = _np(x), _np(out), _np(x.grad)
    neg = xs <= 0
    np.testing.assert_array_equal(ys[~neg], xs[~neg])
    np.testing.assert_array_equal(grad[~neg], 1.0)
    slopes = ys[neg] / xs[neg]
    assert slopes.min() >= lo - 1e-12 and slopes.max() <= hi + 1e-12
    np.testing.assert_allclose(grad[neg], slopes, rtol=1e-12)  # the gradient is the very slope drawn
    assert abs(slopes.mean() - (lo + hi) / 2) < 2e-3  # U(lo, hi): mean (lo + hi) / 2, variance (hi - lo)^2 / 12
    assert abs(slopes.var() - (hi - lo) ** 2 / 12) < 1e-4
    assert len(np.unique(slopes)) > 0.99 * len(slopes)  # one draw per element


@LIBS
def test_rrelu_training_at_zero_draws_a_slope_for_the_gradient(lib: Any) -> None:
    x = lib.zeros(1000, dtype=lib.float64, requires_grad=True)
    lib.nn.functional.rrelu(x, 0.1, 0.3, training=True).sum().backward()
    grad = _np(x.grad)
    assert grad.min() >= 0.1 and grad.max() <= 0.3 and grad.std() > 0.01


def test_rrelu_training_follows_minitorchs_generator() -> None:
    x = minitorch.tensor(_uniform((50,), seed=4))
    minitorch.manual_seed(3)
    a = minitorch.nn.RReLU()(x)
    minitorch.manual_seed(3)
    b = minitorch.nn.functional.rrelu(x, training=True)
    c = minitorch.nn.functional.rrelu(x, training=True)
    assert bool((a == b).all()) and not bool((a == c).all())


def test_rrelu_nodes_and_in_place_forms() -> None:
    for lib in (torch, minitorch):
        x = lib.tensor([-1.0, 2.0], requires_grad=True)
        assert type(lib.nn.functional.rrelu(x, training=True).grad_fn).__name__ == "RreluWithNoiseBackward0"
        y = x * 1
        z = lib.nn.functional.rrelu_(y, training=True)
        assert z is y and type(z.grad_fn).__name__ == "RreluWithNoiseBackward1"
        m = lib.nn.RReLU(inplace=True).eval()
        w = lib.tensor([-1.0, 2.0])
        assert m(w) is w and w.tolist() == pytest.approx([-1.0 * (1 / 8 + 1 / 3) / 2, 2.0], rel=1e-7)


@pytest.mark.parametrize(
    "call, gist",
    [
        (lambda lib: lib.nn.functional.rrelu(lib.ones(2), 0.5, 0.1, training=True), "Lower bound should be less"),
        (lambda lib: lib.nn.functional.rrelu(lib.ones(2), 0.5, 0.1), "Lower bound should be less"),
        (
            lambda lib: lib.nn.functional.rrelu(lib.arange(3), training=True),
            '"rrelu_with_noise_out_cpu" not implemented',
        ),
        (lambda lib: lib.nn.functional.rrelu(lib.arange(3)), "\"leaky_relu_cpu\" not implemented for 'Long'"),
        (lambda lib: lib.nn.functional.rrelu_(lib.ones(2, requires_grad=True)), "a leaf Variable that requires grad"),
    ],
    ids=["bounds training", "bounds eval", "long training", "long eval", "in-place leaf"],
)
def test_rrelu_errors(call: Callable, gist: str) -> None:
    raises_like(call, gist)


# ---------------------------------------------------------------------------------------------- alpha dropout
_ALPHA = 1.7580993408473766  # SELU's saturation, -scale * alpha


def _alpha_parts(p: float, dtype: Any) -> tuple:
    """torch's (a, value of a dropped element, shift of a kept one), computed in ``dtype`` as its kernel does."""
    a = 1.0 / math.sqrt((_ALPHA**2 * p + 1) * (1 - p))
    ones = np.ones(1, dtype)
    dropped = ((ones - 2) * (_ALPHA * a) + _ALPHA * a * p)[0]
    shift = ((ones - 1) * (_ALPHA * a) + _ALPHA * a * p)[0]
    return dtype(a), dropped, shift


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("feature", [False, True], ids=["elements", "channels"])
@LIBS
def test_alpha_dropout_is_the_affine_form_given_its_mask(lib: Any, feature: bool, dtype: Any) -> None:
    p = 0.3
    xs = _uniform((4, 6, 5), seed=5).astype(dtype)
    x = lib.tensor(xs, requires_grad=True)
    fn = lib.nn.functional.feature_alpha_dropout if feature else lib.nn.functional.alpha_dropout
    out = fn(x, p, True)
    assert type(out.grad_fn).__name__ == "AddBackward0" and out.dtype == x.dtype
    out.backward(lib.ones_like(out))
    a, dropped, shift = _alpha_parts(p, dtype)
    grad, ys = _np(x.grad), _np(out)
    kept = grad != 0  # the gradient is the mask times a
    np.testing.assert_array_equal(grad[kept], a)
    if feature:  # one draw per (sample, channel)
        assert (kept == kept[:, :, :1]).all()
    np.testing.assert_array_equal(ys[~kept], dropped)
    np.testing.assert_array_equal(ys[kept], xs[kept] * a + shift)
    assert 0.5 < kept.mean() < 0.9


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@LIBS
def test_alpha_dropout_keeps_zero_mean_and_unit_variance(lib: Any, p: float) -> None:
    x = lib.tensor(np.random.default_rng(6).standard_normal(400_000))
    out = _np(lib.nn.AlphaDropout(p)(x))
    assert abs(out.mean()) < 0.01 and abs(out.var() - 1) < 0.01
    assert abs(np.isclose(out, _alpha_parts(p, np.float64)[1], rtol=0, atol=1e-12).mean() - p) < 0.01  # dropped


@LIBS
def test_feature_alpha_dropout_keeps_zero_mean_and_unit_variance(lib: Any) -> None:
    x = lib.tensor(np.random.default_rng(7).standard_normal((2000, 100, 3)))
    out = _np(lib.nn.FeatureAlphaDropout(0.4)(x))
    assert abs(out.mean()) < 0.01 and abs(out.var() - 1) < 0.01


def test_alpha_dropout_special_cases() -> None:
    for lib in (torch, minitorch):
        F = lib.nn.functional
        x = lib.tensor([-1.0, 0.5, 2.0], requires_grad=True)
        assert F.alpha_dropout(x, 0.5) is x  # not training (the functional default)
        assert F.alpha_dropout(x, 0.0, True) is x and F.feature_alpha_dropout(x, 0.5, False) is x
        assert lib.nn.AlphaDropout(0.5).eval()(x) is x
        gone = F.alpha_dropout(x, 1.0, True)  # everything dropped: zeros, and a zero gradient
        assert gone.tolist() == [0.0, 0.0, 0.0] and type(gone.grad_fn).__name__ == "MulBackward0"
        gone.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]
        y = x * 1
        assert F.alpha_dropout(y, 0.5, True, inplace=True) is y
        assert F.feature_alpha_dropout(lib.ones(3), 1.0, True).tolist() == [0.0] * 3  # p=1 comes before the rank check
        z = lib.ones(3)
        assert lib.nn.AlphaDropout(0.5, inplace=True)(z) is not z  # torch's module never works in place


@pytest.mark.parametrize(
    "call, gist",
    [
        (lambda lib: lib.nn.AlphaDropout(1.5), "dropout probability has to be between 0 and 1, but got 1.5"),
        (lambda lib: lib.nn.FeatureAlphaDropout(-0.1), "dropout probability has to be between 0 and 1, but got -0.1"),
        (lambda lib: lib.nn.functional.alpha_dropout(lib.ones(2), 2.0), "dropout probability has to be between 0"),
        (lambda lib: lib.nn.functional.feature_alpha_dropout(lib.ones(3), 0.5, True), "requires at least 2 dimensions"),
        (lambda lib: lib.nn.functional.alpha_dropout(lib.arange(3), 0.5, True), "can't be cast to the desired output"),
    ],
    ids=["module p", "feature module p", "functional p", "feature rank", "integer input"],
)
def test_alpha_dropout_errors(call: Callable, gist: str) -> None:
    raises_like(call, gist)


# -------------------------------------------------------------------------------------------- channel shuffle
@pytest.mark.parametrize("shape, groups", [((2, 6, 3), 3), ((1, 8, 2, 3), 4), ((2, 4, 1, 2, 2), 2), ((3, 5, 2), 1)])
def test_channel_shuffle_values_and_gradients(shape: tuple, groups: int) -> None:
    x = _uniform(shape, seed=8)
    check_both(lambda lib, t: lib.nn.functional.channel_shuffle(t, groups), x)
    check_parity(lambda lib, t: lib.nn.functional.native_channel_shuffle(t, groups), x, grad=False)
    check_parity(lambda lib, t: lib.nn.functional.channel_shuffle(t, groups) ** 2, x, order=2)


@DTYPES
def test_channel_shuffle_module(dtype: Any) -> None:
    check_layer(lambda lib: lib.nn.ChannelShuffle(2), [_uniform((2, 4, 3, 3), seed=9)], dtype)


def test_channel_shuffle_node_and_empty_inputs() -> None:
    for lib in (torch, minitorch):
        x = lib.ones(2, 4, 1, requires_grad=True)
        assert type(lib.nn.functional.channel_shuffle(x, 2).grad_fn).__name__ == "ChannelShuffleBackward0"
        assert type(lib.nn.functional.native_channel_shuffle(x, 2).grad_fn).__name__ == "NotImplemented"
        assert tuple(lib.nn.functional.channel_shuffle(lib.ones(2, 0, 3), 2).shape) == (2, 0, 3)
        assert tuple(lib.nn.functional.channel_shuffle(lib.ones(0, 4, 3), 2).shape) == (0, 4, 3)


@pytest.mark.parametrize(
    "call, gist",
    [
        (lambda F, lib: F.channel_shuffle(lib.ones(2, 6), 2), "channel_shuffle expects input with > 2 dims"),
        (lambda F, lib: F.native_channel_shuffle(lib.ones(6), 2), "but got input with sizes [6]"),
        (lambda F, lib: F.channel_shuffle(lib.ones(2, 6, 1), 0), "must be positive. Value of groups:0"),
        (lambda F, lib: F.channel_shuffle(lib.ones(2, 6, 1), -2), "must be positive. Value of groups:-2"),
        (lambda F, lib: F.native_channel_shuffle(lib.ones(2, 6, 1), 4), "Got 6 channels and 4 groups."),
        (lambda F, lib: F.channel_shuffle(lib.ones(2, 6, 1), 2.0), "argument 'groups' (position 2) must be int"),
    ],
    ids=["2d", "native 1d", "zero groups", "negative groups", "indivisible", "float groups"],
)
def test_channel_shuffle_errors(call: Callable, gist: str) -> None:
    raises_like(lambda lib: call(lib.nn.functional, lib), gist)


def test_native_channel_shuffle_has_no_derivative() -> None:
    def backward(lib: Any) -> None:
        lib.nn.functional.native_channel_shuffle(lib.ones(1, 4, 2, requires_grad=True), 2).sum().backward()

    raises_like(backward, "derivative for aten::native_channel_shuffle is not implemented")


# ------------------------------------------------------------------------------------------------------ pdist
PS = [0, 0.5, 1, 1.5, 2, 3, math.inf]
# Rows 0 and 1 equal (a zero distance); rows 2 and 3 differ by 1 in two coordinates (a tie for the inf-norm) and
# share a coordinate (a zero difference in a pair at non-zero distance).
TIED = np.array([[0.5, -0.25, 1.0], [0.5, -0.25, 1.0], [0.0, 1.0, 2.0], [1.0, 1.0, 3.0], [-0.5, 0.75, 0.0]])


@pytest.mark.parametrize("p", PS, ids=[f"p={p}" for p in PS])
def test_pdist_values_and_gradients(p: float) -> None:
    for x in (_uniform((6, 4), seed=10), TIED):
        check_both(lambda lib, t: lib.nn.functional.pdist(t, p), x, gradcheck=False)
    check_both(lambda lib, t: lib.pdist(t, p), _uniform((5, 3), seed=11), gradcheck=p not in (0, math.inf))


def test_pdist_shapes() -> None:
    for n, m in [(1, 3), (3, 0), (2, 1)]:
        check_parity(lambda lib, t: lib.pdist(t), _uniform((n, m), seed=12))
    check_parity(lambda lib, t: lib.pdist(t), _uniform((0, 3)), grad=False)  # (torch's backward crashes here)
    check_parity(lambda lib, t: lib.pdist(t, math.inf), _uniform((4, 0)), grad=False)


def test_pdist_node_and_its_backward_is_not_differentiable() -> None:
    def twice(lib: Any) -> Any:
        x = lib.tensor(_uniform((4, 3), seed=13), requires_grad=True)
        d = lib.pdist(x)
        assert type(d.grad_fn).__name__ == "PdistBackward0"
        (g,) = lib.autograd.grad(d.sum(), x, create_graph=True)
        assert type(g.grad_fn).__name__ == "PdistBackwardBackward0"
        g.sum().backward()

    raises_like(twice, "the derivative for '_pdist_backward' is not implemented.")


@pytest.mark.parametrize(
    "call, gist",
    [
        (lambda lib: lib.pdist(lib.ones(2, 3, 4)), "pdist only supports 2D tensors, got: 3D"),
        (lambda lib: lib.pdist(lib.ones(3)), "pdist only supports 2D tensors, got: 1D"),
        (lambda lib: lib.pdist(lib.ones(3, 2), -1), "pdist only supports non-negative p values"),
        (lambda lib: lib.nn.functional.pdist(lib.ones(3, 2, dtype=lib.int64)), "only supports floating-point dtypes"),
    ],
    ids=["3d", "1d", "negative p", "integer"],
)
def test_pdist_errors(call: Callable, gist: str) -> None:
    raises_like(call, gist)


# --------------------------------------------------------------------------------------------- gumbel_softmax
@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_gumbel_softmax_samples_and_straight_through_gradient(dim: int) -> None:
    logits = minitorch.tensor(_uniform((3, 4, 5), seed=14), requires_grad=True)
    minitorch.manual_seed(11)
    soft = minitorch.nn.functional.gumbel_softmax(logits, tau=0.7, dim=dim)
    minitorch.manual_seed(11)
    hard = minitorch.nn.functional.gumbel_softmax(logits, tau=0.7, hard=True, dim=dim)
    assert soft.shape == hard.shape == logits.shape
    np.testing.assert_allclose(_np(soft).sum(axis=dim), 1.0, rtol=1e-12)
    h = _np(hard)
    assert set(np.unique(h)) <= {0.0, 1.0} and (h.sum(axis=dim) == 1).all()  # one-hot along dim
    np.testing.assert_array_equal(h.argmax(axis=dim), _np(soft).argmax(axis=dim))  # of the same sample
    assert type(hard.grad_fn).__name__ == "AddBackward0" and type(soft.grad_fn).__name__ == "SoftmaxBackward0"
    weights = minitorch.tensor(_uniform((3, 4, 5), seed=15))
    (g_hard,) = minitorch.autograd.grad((hard * weights).sum(), logits)
    (g_soft,) = minitorch.autograd.grad((soft * weights).sum(), logits)
    np.testing.assert_allclose(_np(g_hard), _np(g_soft), rtol=1e-12, atol=1e-15)  # the soft sample's gradient


@LIBS
def test_gumbel_softmax_samples_categories_by_their_probabilities(lib: Any) -> None:
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    draws = lib.nn.functional.gumbel_softmax(lib.tensor(np.tile(logits, (100_000, 1))), tau=0.5, hard=True)
    freq = _np(draws).mean(axis=0)
    np.testing.assert_allclose(freq, [0.5, 0.3, 0.15, 0.05], atol=0.01)


@LIBS
def test_gumbel_softmax_eps_is_deprecated(lib: Any) -> None:
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated and has no effect."):
        lib.nn.functional.gumbel_softmax(lib.zeros(2, 3), eps=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lib.nn.functional.gumbel_softmax(lib.zeros(2, 3))


# ------------------------------------------------------------------------------- triplet loss with a distance
DISTANCES: dict[str, Callable[[Any], Any]] = {
    "default": lambda lib: None,
    "cosine": lambda lib: lambda a, b: 1.0 - lib.nn.functional.cosine_similarity(a, b),
    "l1 module": lambda lib: lib.nn.PairwiseDistance(p=1),
}


@pytest.mark.parametrize("distance", DISTANCES)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_triplet_margin_with_distance_loss(distance: str, swap: bool, reduction: str) -> None:
    a, p, n = (_uniform((5, 4), seed=s) for s in (16, 17, 18))

    def loss(lib: Any, *t: Any) -> Any:
        kw = dict(distance_function=DISTANCES[distance](lib), margin=0.8, swap=swap, reduction=reduction)
        return lib.nn.functional.triplet_margin_with_distance_loss(*t, **kw)

    check_both(loss, a, p, n, gradcheck=False)


@DTYPES
def test_triplet_margin_with_distance_loss_module(dtype: Any) -> None:
    inputs = [_uniform((6, 3), seed=s) for s in (19, 20, 21)]
    check_layer(lambda lib: lib.nn.TripletMarginWithDistanceLoss(swap=True), inputs, dtype, grad_args=(0, 1, 2))
    check_layer(
        lambda lib: lib.nn.TripletMarginWithDistanceLoss(distance_function=lib.nn.PairwiseDistance(p=3), margin=2.0),
        inputs,
        dtype,
        grad_args=(0, 1, 2),
    )


@pytest.mark.parametrize(
    "call, gist",
    [
        (lambda nn, lib: nn.TripletMarginWithDistanceLoss(margin=0), "expected margin to be greater than 0, got 0"),
        (lambda nn, lib: nn.functional.triplet_margin_with_distance_loss(*[lib.ones(2, 3)] * 3, margin=-1), "got -1"),
        (
            lambda nn, lib: nn.functional.triplet_margin_with_distance_loss(*[lib.ones(2)] * 3, reduction="x"),
            "x is not",
        ),
        (
            lambda nn, lib: nn.TripletMarginWithDistanceLoss()(lib.ones(2, 3), lib.ones(2, 3), lib.ones(3)),
            "anchor 2D, positive 2D, and negative 1D inputs",
        ),
    ],
    ids=["module margin", "functional margin", "reduction", "ranks"],
)
def test_triplet_margin_with_distance_loss_errors(call: Callable, gist: str) -> None:
    raises_like(lambda lib: call(lib.nn, lib), gist)


# ------------------------------------------------------------------------------------------------- printouts
MODULES: dict[str, Callable[[Any], Any]] = {
    "RReLU": lambda nn: nn.RReLU(),
    "RReLU options": lambda nn: nn.RReLU(0.1, 0.3, inplace=True),
    "AlphaDropout": lambda nn: nn.AlphaDropout(),
    "AlphaDropout options": lambda nn: nn.AlphaDropout(0.2, True),
    "FeatureAlphaDropout": lambda nn: nn.FeatureAlphaDropout(0.1),
    "ChannelShuffle": lambda nn: nn.ChannelShuffle(3),
    "TripletMarginWithDistanceLoss": lambda nn: nn.TripletMarginWithDistanceLoss(),
    "TripletMarginWithDistanceLoss function": lambda nn: nn.TripletMarginWithDistanceLoss(
        distance_function=nn.functional.pairwise_distance, reduction="sum"
    ),
}


@pytest.mark.parametrize("name", MODULES)
def test_printout_matches_torch(name: str) -> None:
    assert str(MODULES[name](minitorch.nn)) == str(MODULES[name](torch.nn))


def test_default_distance_is_a_child_module() -> None:
    for lib in (torch, minitorch):
        loss = lib.nn.TripletMarginWithDistanceLoss()
        assert [n for n, _ in loss.named_children()] == ["distance_function"]
        assert isinstance(loss.distance_function, lib.nn.PairwiseDistance)


# ------------------------------------------------------------------------------------------------ nn.Buffer
@LIBS
def test_buffer_marks_a_tensor_that_assignment_registers(lib: Any) -> None:
    t = lib.ones(2)
    b = lib.nn.Buffer(t, persistent=False)
    assert type(b) is lib.Tensor and isinstance(b, lib.nn.Buffer) and not isinstance(t, lib.nn.Buffer)
    assert b is not t and b.persistent is False
    b[0] = 5.0  # shares t's memory
    assert t.tolist() == [5.0, 1.0]
    m = lib.nn.Module()
    m.scratch = b
    m.kept = lib.nn.Buffer(lib.zeros(1, requires_grad=True))
    assert m.kept.requires_grad and not m.kept.grad_fn  # a detached leaf that keeps requires_grad
    assert list(dict(m.named_buffers())) == ["scratch", "kept"] and list(m.state_dict()) == ["kept"]
    assert list(m.parameters()) == []
    m.scratch = lib.nn.Buffer(lib.zeros(3))  # a persistent Buffer makes the name persistent
    assert list(m.state_dict()) == ["scratch", "kept"]
    m.register_buffer("plain", lib.nn.Buffer(lib.ones(1), persistent=False))  # register_buffer's flag rules
    assert "plain" in m.state_dict()
    assert tuple(lib.nn.Buffer().shape) == (0,)


def test_buffer_assignment_errors() -> None:
    def over_attribute(lib: Any) -> None:
        m = lib.nn.Module()
        m.x = 3
        m.x = lib.nn.Buffer(lib.ones(1))

    raises_like(over_attribute, "attribute 'x' already exists")

    def over_parameter(lib: Any) -> None:
        lib.nn.Linear(1, 1).weight = lib.nn.Buffer(lib.ones(1, 1))

    raises_like(over_parameter, "as parameter 'weight' (torch.nn.Parameter or None expected)")


# ---------------------------------------------------------------------------------------------- nn.Container
def test_container_is_deprecated_but_works() -> None:
    made = {}
    for lib in (torch, minitorch):
        with pytest.warns(FutureWarning, match="`nn.Container` is deprecated"):
            made[lib.__name__] = lib.nn.Container(a=lib.nn.Linear(1, 2), b=lib.nn.ReLU())
        with pytest.warns(FutureWarning, match="`nn.Container` is deprecated"):

            class Sub(lib.nn.Container):
                pass

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            Sub()  # a subclass warned when it was defined, not when it is made
    assert str(made["minitorch"]) == str(made["torch"])
    assert [n for n, _ in made["minitorch"].named_children()] == ["a", "b"]


# ---------------------------------------------------------------------------------------------------- devices
def test_functions_run_on_a_device(device: str) -> None:
    F = minitorch.nn.functional
    xs = _uniform((4, 6, 3), seed=22)
    host = minitorch.tensor(xs, requires_grad=True)
    there = minitorch.tensor(xs, device=device, requires_grad=True)
    for fn in (
        lambda t: F.rrelu(t, 0.1, 0.3),
        lambda t: F.channel_shuffle(t, 3),
        lambda t: F.pdist(t.flatten(1)),
        lambda t: F.triplet_margin_with_distance_loss(t, t.flip(0), t * 2, swap=True),
    ):
        want, got = fn(host), fn(there)
        assert got.device == there.device
        np.testing.assert_allclose(got.cpu().detach().numpy(), _np(want), rtol=1e-12, atol=1e-15)
        (g_host,) = minitorch.autograd.grad(want.sum(), host)
        (g_there,) = minitorch.autograd.grad(got.sum(), there)
        assert g_there.device == there.device
        np.testing.assert_allclose(g_there.cpu().numpy(), _np(g_host), rtol=1e-12, atol=1e-15)
    for fn in (
        lambda t: F.rrelu(t, training=True),
        lambda t: F.alpha_dropout(t, 0.5, True),
        lambda t: F.feature_alpha_dropout(t, 0.5, True),
        lambda t: F.gumbel_softmax(t, hard=True),
    ):
        out = fn(there)
        assert out.device == there.device and out.shape == there.shape
        (g,) = minitorch.autograd.grad(out.sum(), there)
        assert g.device == there.device
