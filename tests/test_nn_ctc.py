"""The CTC loss (``nn.functional.ctc_loss``, ``torch.ctc_loss``, ``nn.CTCLoss``) against torch: losses and gradients
over hypothesis-drawn lengths and labels (impossible alignments, repeated labels, empty targets, no input), both
target layouts, every reduction and zero_infinity, in float64 (tightly) and float32, finite differences, the
top-level function's enum reduction, the graph torch records, and torch's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from tests.parity import check_gradcheck, check_parity, raises_like

TIGHT = {"rtol": 1e-10, "atol": 1e-12}  # float64: the same recursions, rounded alike


def F(lib: Any) -> Any:
    return lib.nn.functional


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


@st.composite
def ctc_cases(draw: Any, max_steps: int = 7) -> dict:
    """Log-probabilities and targets of a batch: short inputs (often too short: an infinite loss), repeated labels
    (an alignment needs a blank between them), empty targets and inputs of no steps come up among them."""
    steps, batch, classes = draw(st.integers(1, max_steps)), draw(st.integers(1, 4)), draw(st.integers(2, 5))
    blank = draw(st.integers(0, classes - 1))
    labels = [c for c in range(classes) if c != blank]
    tl = draw(st.lists(st.integers(0, 4), min_size=batch, max_size=batch))
    il = draw(st.lists(st.integers(0, steps), min_size=batch, max_size=batch))
    seqs = [draw(st.lists(st.sampled_from(labels), min_size=n, max_size=n)) for n in tl]
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.normal(size=(steps, batch, classes)) * 2
    return {"x": x, "blank": blank, "il": il, "tl": tl, "seqs": seqs, "rng": rng}


def _targets(case: dict, layout: str) -> np.ndarray:
    """Padded (N, S) targets (padding of any value, even past the classes: never read), or concatenated ones."""
    if layout == "concatenated":
        return np.array([c for s in case["seqs"] for c in s], dtype=np.int64)
    width = max(case["tl"]) + int(case["rng"].integers(0, 2))
    padded = case["rng"].integers(0, 100, size=(len(case["seqs"]), width))
    for i, s in enumerate(case["seqs"]):
        padded[i, : len(s)] = s
    return padded


def _lengths(values: list, kind: str) -> Any:
    return np.array(values, dtype=np.int64) if kind == "tensor" else tuple(values)


@given(
    case=ctc_cases(),
    layout=st.sampled_from(["padded", "concatenated"]),
    lengths=st.sampled_from(["tensor", "tuple"]),
    reduction=st.sampled_from(["none", "mean", "sum"]),
    zero_infinity=st.booleans(),
    normalised=st.booleans(),
    time_major=st.booleans(),
)
def test_ctc_loss_matches_torch(
    case: dict, layout: str, lengths: str, reduction: str, zero_infinity: bool, normalised: bool, time_major: bool
) -> None:
    """Values and gradients, infinite and NaN ones included; unnormalised log-probabilities get torch's gradient
    formula too (not the derivative: see test_gradient_is_torchs_formula)."""
    x = _log_softmax(case["x"]) if normalised else case["x"]
    x = x if time_major else np.ascontiguousarray(x.transpose(1, 0, 2))  # (N, T, C): given transposed, a view
    targets, il, tl = _targets(case, layout), _lengths(case["il"], lengths), _lengths(case["tl"], lengths)

    def fn(lib: Any, lp: Any, tg: Any, il: Any, tl: Any) -> Any:
        lp = lp if time_major else lp.transpose(0, 1)
        return F(lib).ctc_loss(lp, tg, il, tl, case["blank"], reduction, zero_infinity)

    check_parity(fn, x, targets, il, tl, dtype=np.float64, **TIGHT)
    check_parity(fn, x, targets, il, tl, dtype=np.float32)


@settings(max_examples=10)
@given(case=ctc_cases(max_steps=5), layout=st.sampled_from(["padded", "concatenated"]))
def test_ctc_loss_gradcheck(case: dict, layout: str) -> None:
    """Finite differences through a log_softmax (torch's gradient is the derivative there: below)."""
    targets, il, tl = _targets(case, layout), np.array(case["il"]), np.array(case["tl"])
    assert_finite = torch.nn.functional.ctc_loss(
        torch.tensor(_log_softmax(case["x"])), torch.tensor(targets), torch.tensor(il), torch.tensor(tl), case["blank"]
    )
    if not torch.isfinite(assert_finite):
        return
    check_gradcheck(
        lambda lib, z: F(lib).ctc_loss(
            z.log_softmax(2), lib.tensor(targets), lib.tensor(il), lib.tensor(tl), case["blank"]
        ),
        case["x"],
    )


def test_gradient_is_torchs_formula() -> None:
    """torch's gradient with respect to the log-probabilities is exp(lp) - posterior, the derivative of the loss
    through a log_softmax, not of the loss itself: on unnormalised inputs it fails finite differences, in both."""
    x = np.random.default_rng(3).normal(size=(4, 2, 3))
    args = ([[1, 2], [2, 2]], (4, 4), (2, 2))
    for lib in (torch, minitorch):
        z = lib.tensor(x, requires_grad=True)
        assert not lib.autograd.gradcheck(
            lambda z: F(lib).ctc_loss(z, lib.tensor(args[0]), *args[1:]), (z,), raise_exception=False
        )
    check_parity(lambda lib, z: F(lib).ctc_loss(z, lib.tensor(args[0]), *args[1:]), x, dtype=np.float64, **TIGHT)


# the cases hypothesis may or may not reach, spelled out: (targets, input lengths, target lengths)
EDGES = {
    "too short for repeats": ([[1, 1, 1], [1, 2, 1]], [4, 3], [3, 3]),
    "too short": ([[1, 2, 1], [2, 0, 0]], [2, 5], [3, 1]),
    "no input, empty target": ([[1, 2], [2, 2]], [0, 5], [0, 2]),
    "no input, a target": ([[1, 2], [2, 2]], [0, 5], [1, 2]),
    "empty targets": ([[0, 0], [0, 0]], [5, 3], [0, 0]),
    "just long enough": ([[1, 1, 2], [2, 2, 2]], [4, 5], [3, 3]),
}


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("case", EDGES.values(), ids=list(EDGES))
def test_edge_cases(case: tuple, reduction: str, zero_infinity: bool) -> None:
    """Infinite losses (NaN gradients, or 0 and 0 with zero_infinity), -0.0 for no input and no target, and 'mean'
    dividing by a target length of at least 1."""
    x = _log_softmax(np.random.default_rng(1).normal(size=(5, 2, 4)))
    targets, il, tl = (np.array(v) for v in case)
    fn = lambda lib, lp, tg, il, tl: F(lib).ctc_loss(lp, tg, il, tl, reduction=reduction, zero_infinity=zero_infinity)  # noqa: E731
    check_parity(fn, x, targets, il, tl, dtype=np.float64, **TIGHT)
    check_parity(fn, x, targets, il, tl, dtype=np.float32)


def test_losses_bit_for_bit_where_torch_signs_its_zero() -> None:
    x = _log_softmax(np.random.default_rng(2).normal(size=(3, 2, 3)))
    out = [
        F(lib).ctc_loss(lib.tensor(x), lib.tensor([[1], [2]]), (0, 3), (0, 1), reduction="none").numpy()
        for lib in (torch, minitorch)
    ]
    np.testing.assert_array_equal(np.signbit(out[1]), np.signbit(out[0]))  # -0.0 for no steps and no labels
    np.testing.assert_allclose(out[1], out[0], rtol=1e-12)


def test_log_minus_inf_gives_torchs_nan_gradients() -> None:
    """A class of probability 0 (log-probability -inf) within a sample's steps: torch's formula gives NaN there."""
    x = _log_softmax(np.random.default_rng(4).normal(size=(5, 2, 4)))
    x[1, 0, 3] = x[4, 1, 2] = x[3, 1, 1] = -np.inf
    fn = lambda lib, lp: F(lib).ctc_loss(lp, lib.tensor([[1, 2], [3, 3]]), (5, 3), (2, 2), reduction="sum")  # noqa: E731
    check_parity(fn, x, dtype=np.float64, **TIGHT)


def test_target_ending_in_blank_gets_torchs_gradient() -> None:
    """The blank in a target is not allowed, but torch takes it; where it ends a target, torch's gradient at the last
    step leaves out the last blank's share: matched."""
    x = _log_softmax(np.random.default_rng(5).normal(size=(6, 3, 4)))
    targets = np.array([[1, 0, 2], [1, 0, 0], [0, 2, 2]])  # the second and third end in the blank
    fn = lambda lib, lp, tg: F(lib).ctc_loss(lp, tg, (6, 4, 2), (3, 2, 1), reduction="none")  # noqa: E731
    check_parity(fn, x, targets, dtype=np.float64, **TIGHT)


UNBATCHED = {
    "0-d lengths": (lambda lib: lib.tensor(5), lambda lib: lib.tensor(2), [1, 2]),
    "1-element lengths": (lambda lib: lib.tensor([5]), lambda lib: lib.tensor([2]), [1, 2]),
    "tuples": (lambda lib: (5,), lambda lib: (2,), [1, 2]),
    "padded target": (lambda lib: lib.tensor(4), lambda lib: lib.tensor(2), [[1, 1, 3]]),
}


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("case", UNBATCHED.values(), ids=list(UNBATCHED))
def test_unbatched(case: tuple, reduction: str) -> None:
    il, tl, targets = case
    x = _log_softmax(np.random.default_rng(6).normal(size=(5, 4)))
    fn = lambda lib, lp, tg: F(lib).ctc_loss(lp, tg, il(lib), tl(lib), reduction=reduction)  # noqa: E731
    check_parity(fn, x, np.array(targets), dtype=np.float64, **TIGHT)


@pytest.mark.parametrize("args", [(), (0,), (0, 0), (0, 1), (0, 2), (0, 3), (0, -1), (1, 2, True)])
def test_top_level_takes_torchs_enum(args: tuple) -> None:
    """torch.ctc_loss: the reduction as a number (1 mean, 2 sum, any other none); left out, per-sample losses."""
    x = _log_softmax(np.random.default_rng(7).normal(size=(5, 3, 4)))
    targets = np.array([[1, 2], [2, 2], [3, 1]])
    fn = lambda lib, lp, tg: lib.ctc_loss(lp, tg, (5, 4, 5), (2, 2, 1), *args)  # noqa: E731
    check_parity(fn, x, targets, dtype=np.float64, **TIGHT)
    assert minitorch.ctc_loss is minitorch.ops.ctc_loss


def test_module_matches_torch() -> None:
    x = _log_softmax(np.random.default_rng(8).normal(size=(6, 2, 5)))
    targets = np.array([[1, 4, 4], [3, 0, 0]])
    for kw in ({}, {"blank": 2, "reduction": "sum", "zero_infinity": True}, {"reduction": "none"}):
        fn = lambda lib, lp, tg: lib.nn.CTCLoss(**kw)(lp, tg, lib.tensor([6, 1]), lib.tensor([3, 1]))  # noqa: B023, E731
        check_parity(fn, x, targets, dtype=np.float64, **TIGHT)
    for lib in (torch, minitorch):
        loss = lib.nn.CTCLoss(blank=3, zero_infinity=True)
        assert (repr(loss), loss.blank, loss.reduction, loss.zero_infinity, dict(loss.state_dict())) == (
            "CTCLoss()",
            3,
            "mean",
            True,
            {},
        )


def test_graph_is_torchs() -> None:
    """The nodes torch records: the loss, the zero_infinity where, the division by the lengths and the mean."""
    for lib in (torch, minitorch):
        lp = lib.zeros(3, 1, 2, requires_grad=True)
        loss = F(lib).ctc_loss(lp.log_softmax(2), lib.tensor([[1]]), (3,), (1,), zero_infinity=True)
        names, node = [], loss.grad_fn
        for _ in range(4):
            names.append(node.name())
            node = next(f for f, _ in node.next_functions if f is not None)
        assert names == ["MeanBackward0", "DivBackward0", "WhereBackward0", "CtcLossBackward0"]


def test_once_differentiable_like_torch() -> None:
    """torch's gradient of the loss is not differentiable again: its graph holds a NotImplemented node."""
    grads = []
    for lib in (torch, minitorch):
        lp = lib.tensor(_log_softmax(np.random.default_rng(9).normal(size=(4, 2, 3))), requires_grad=True)
        (g,) = lib.autograd.grad(
            F(lib).ctc_loss(lp, lib.tensor([[1, 2], [2, 2]]), (4, 4), (2, 2)), lp, create_graph=True
        )
        assert g.requires_grad and type(g.grad_fn).__name__ == "NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::_ctc_loss_backward is not implemented"):
            lib.autograd.grad(g.sum(), lp)
        grads.append(g.detach().numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-10, atol=1e-12)  # the same gradient on the graph


def test_on_every_device(device: str) -> None:
    x = _log_softmax(np.random.default_rng(10).normal(size=(6, 3, 4)))
    targets = np.array([1, 2, 2, 3, 3, 1])
    fn = lambda lib, lp, tg, il, tl: F(lib).ctc_loss(lp, tg, il, tl, reduction="sum")  # noqa: E731
    check_parity(fn, x, targets, np.array([6, 3, 5]), np.array([3, 2, 1]), dtype=np.float64, device=device, **TIGHT)


def test_target_out_of_range_raises() -> None:
    """torch reads past its log-probabilities for a label outside the classes (any value); minitorch says so."""
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        minitorch.nn.functional.ctc_loss(minitorch.zeros(5, 2, 4), minitorch.tensor([[1, 7], [1, 1]]), (5, 5), (2, 2))


def _lp(lib: Any, *shape: int, dtype: Any = None) -> Any:
    return lib.zeros(*shape, dtype=dtype)


def _t(lib: Any, *values: Any) -> Any:
    return lib.tensor(values)


TG = [[1, 2], [1, 1]]
ERRORS: dict[str, tuple[Callable, str]] = {
    "input length too long": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), _t(lib, 6, 5), _t(lib, 2, 2)),
        "Expected input_lengths to have value at most 5, but got value 6 (while checking arguments for",
    ),
    "negative input length": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), _t(lib, -1, 6), _t(lib, 2, 2)),
        "Expected input_lengths to have value at least 0, but got value -1",
    ),
    "target length past the padding": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), _t(lib, 6, 5), _t(lib, 3, 2)),
        "Expected tensor to have size at least 3 at dimension 1, but got size 2 for argument #2 'targets'",
    ),
    "negative target length": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG[:1]), _t(lib, 5, 5), _t(lib, -1, 2)),
        "Expected target_lengths to have value at least 0, but got value -1",
    ),
    "input lengths size": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), _t(lib, 5, 5, 5), _t(lib, 2, 2, 2)),
        "input_lengths must be of size batch_size",
    ),
    "target lengths size": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), (5, 5), (2,)),
        "target_lengths must be of size batch_size",
    ),
    "padded batch": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, [1, 2]), (5, 5), (2, 2)),
        "Expected tensor to have size 2 at dimension 0, but got size 1 for argument #2 'targets'",
    ),
    "concatenated size": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, 1, 2, 1), (5, 5), (2, 2)),
        "Expected tensor to have size 4 at dimension 0, but got size 3 for argument #2 'targets'",
    ),
    "unbatched concatenated size": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 4), _t(lib, 1, 2), _t(lib, 5), _t(lib, 3)),
        "Expected tensor to have size 3 at dimension 0, but got size 2",
    ),
    "blank": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), (5, 5), (2, 2), blank=4),
        "blank must be in label range",
    ),
    "negative blank": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), (5, 5), (2, 2), blank=-1),
        "blank must be in label range",
    ),
    "log_probs dims": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 1, 5, 2, 4), _t(lib, *TG), (5, 5), (2, 2)),
        "Expected 3-dimensional tensor, but got 5-dimensional tensor for argument #1 'log_probs'",
    ),
    "targets dims": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, TG), (5, 5), (2, 2)),
        "Expected 1 to 2 dimensions, but got 3-dimensional tensor for argument #2 'targets'",
    ),
    "0-d targets": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 1, 4), lib.tensor(1), (5,), (1,)),
        "Expected 1 to 2 dimensions, but got 0-dimensional tensor",
    ),
    "float lengths": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), _t(lib, 5.0, 5.0), _t(lib, 2, 2)),
        "input_lengths must be integral",
    ),
    "float target lengths": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), _t(lib, 5, 5), _t(lib, 2.0, 2.0)),
        "target_lengths must be integral",
    ),
    "bool lengths": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), _t(lib, True, True), _t(lib, 2, 2)),
        "input_lengths must be integral",
    ),
    "mixed lengths": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), (5, 5), _t(lib, 2, 2)),
        "ctc_loss() received an invalid combination of arguments",
    ),
    "int lengths": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 4), _t(lib, 1, 2), 5, 2),
        "ctc_loss() received an invalid combination of arguments",
    ),
    "float list lengths": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), [5.0, 5.0], [2, 2]),
        "ctc_loss() received an invalid combination of arguments",
    ),
    "integer log_probs": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4, dtype=lib.int64), _t(lib, *TG), (5, 5), (2, 2)),
        "\"ctc_loss_cpu\" not implemented for 'Long'",
    ),
    "half log_probs": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4, dtype=lib.float16), _t(lib, *TG), (5, 5), (2, 2)),
        "\"ctc_loss_cpu\" not implemented for 'Half'",
    ),
    "empty": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 0, 2, 4), _t(lib, *TG), (0, 0), (0, 0)),
        "log_probs tensor must not be empty",
    ),
    "reduction": (
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), (5, 5), (2, 2), reduction="avg"),
        "avg is not a valid value for reduction",
    ),
    "top-level reduction by name": (
        lambda lib: lib.ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), (5, 5), (2, 2), 0, "mean"),
        "ctc_loss()",
    ),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=list(ERRORS))
def test_errors_like_torch(case: tuple) -> None:
    raises_like(*case)


def test_errors_in_torchs_order() -> None:
    """With several things wrong, the one torch reports first."""
    raises_like(  # the lengths' dtype before the log-probabilities'
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4, dtype=lib.int64), _t(lib, *TG), _t(lib, 5.0, 5.0), _t(lib, 2, 2)),
        "input_lengths must be integral",
    )
    raises_like(  # the dtype before emptiness
        lambda lib: F(lib).ctc_loss(_lp(lib, 0, 2, 4, dtype=lib.int64), _t(lib, *TG), (0, 0), (2, 2)),
        "not implemented for 'Long'",
    )
    raises_like(  # the blank before the lengths' sizes
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), (5, 5, 5), (2, 2), blank=9),
        "blank must be in label range",
    )
    raises_like(  # the input lengths' values last, each sample's low and high bound in turn
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), (6, -1), (3, 2)),
        "Expected tensor to have size at least 3",
    )
    raises_like(
        lambda lib: F(lib).ctc_loss(_lp(lib, 5, 2, 4), _t(lib, *TG), (6, -1), (2, 2)),
        "Expected input_lengths to have value at most 5, but got value 6",
    )


def test_deprecated_elementwise_mean_warns_like_torch() -> None:
    out = []
    for lib in (torch, minitorch):
        with pytest.warns(UserWarning, match="reduction='elementwise_mean' is deprecated"):
            lp = lib.tensor(_log_softmax(np.random.default_rng(11).normal(size=(4, 2, 3))))
            out.append(F(lib).ctc_loss(lp, lib.tensor([[1, 2], [2, 2]]), (4, 4), (2, 2), reduction="elementwise_mean"))
    np.testing.assert_allclose(out[1].numpy(), out[0].numpy(), rtol=1e-12)
