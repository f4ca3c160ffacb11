"""nn.AdaptiveLogSoftmaxWithLoss against torch, with torch's weights loaded: forward's outputs, loss and gradients
(input and every parameter) in float64 and float32, log_prob (and its gradients), predict, unbatched input, the
submodules, parameter names, shapes and initial bounds, the repr, and torch's errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests.parity import assert_close, raises_like
from tests.test_nn_layers import DTYPES

# a projection with no hidden features (in_features // div_value ** k == 0) warns at init, in both libraries
pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
TOL = {np.float64: (1e-10, 1e-12), np.float32: (1e-5, 1e-6)}


@st.composite
def configs(draw: Any) -> dict:
    """A module's hyper-parameters (clusters whose projections may have no hidden features) and a batch for it."""
    n_classes = draw(st.integers(2, 12))
    cutoffs = sorted(draw(st.sets(st.integers(1, n_classes - 1), min_size=1, max_size=3)))
    kw = {
        "in_features": draw(st.integers(1, 8)),
        "n_classes": n_classes,
        "cutoffs": cutoffs,
        "div_value": draw(st.sampled_from([1.0, 2.0, 4.0])),
        "head_bias": draw(st.booleans()),
    }
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    batch = draw(st.integers(1, 6))
    pool = draw(st.sampled_from(["all", "shortlist", "clusters"]))
    low, high = {"all": (0, n_classes), "shortlist": (0, cutoffs[0]), "clusters": (cutoffs[0], n_classes)}[pool]
    x = rng.normal(size=(batch, kw["in_features"]))
    return {"kw": kw, "x": x, "target": rng.integers(low, high, size=batch)}


def _pair(kw: dict, dtype: Any) -> tuple:
    """torch's module and minitorch's with torch's weights, in ``dtype``."""
    theirs, ours = torch.nn.AdaptiveLogSoftmaxWithLoss(**kw), minitorch.nn.AdaptiveLogSoftmaxWithLoss(**kw)
    ours.load_state_dict(theirs.state_dict())
    if dtype == np.float64:
        theirs.double(), ours.double()
    return theirs, ours


@DTYPES
@given(cfg=configs())
def test_forward_matches_torch(cfg: dict, dtype: Any) -> None:
    """The named tuple (each sample's log-probability of its target, the loss) and the gradients of the input and
    of every parameter."""
    rtol, atol = TOL[dtype]
    theirs, ours = _pair(cfg["kw"], dtype)
    t_x = torch.tensor(cfg["x"].astype(dtype), requires_grad=True)
    m_x = minitorch.tensor(cfg["x"].astype(dtype), requires_grad=True)
    t_out, m_out = theirs(t_x, torch.tensor(cfg["target"])), ours(m_x, minitorch.tensor(cfg["target"]))
    assert type(m_out).__name__ == "_ASMoutput" and m_out._fields == ("output", "loss")
    for got, want, what in zip(m_out, t_out, m_out._fields):
        assert_close(got, want, rtol, atol, what)
    up = np.random.default_rng(0).normal(size=len(cfg["target"])).astype(dtype)
    (t_out.output * torch.tensor(up)).sum().add(t_out.loss).backward()
    (m_out.output * minitorch.tensor(up)).sum().add(m_out.loss).backward()
    assert_close(m_x.grad, t_x.grad, rtol, atol, "grad of the input")
    _same_parameter_grads(theirs, ours, rtol, atol)


def _same_parameter_grads(theirs: Any, ours: Any, rtol: float, atol: float) -> None:
    """Each parameter's gradient as torch's: None for a cluster no sample (or no row of output) reached."""
    for (name, p), (m_name, q) in zip(theirs.named_parameters(), ours.named_parameters(), strict=True):
        assert m_name == name
        if p.grad is None:
            assert q.grad is None, f"{name}: torch has no gradient"
        else:
            assert q.grad is not None, f"grad of {name} missing"
            assert_close(q.grad, p.grad, rtol, atol, f"grad of {name}")


@DTYPES
@given(cfg=configs())
def test_log_prob_and_predict_match_torch(cfg: dict, dtype: Any) -> None:
    rtol, atol = TOL[dtype]
    theirs, ours = _pair(cfg["kw"], dtype)
    t_x = torch.tensor(cfg["x"].astype(dtype), requires_grad=True)
    m_x = minitorch.tensor(cfg["x"].astype(dtype), requires_grad=True)
    t_lp, m_lp = theirs.log_prob(t_x), ours.log_prob(m_x)
    assert_close(m_lp, t_lp, rtol, atol, "log_prob")
    up = np.random.default_rng(0).normal(size=tuple(t_lp.shape)).astype(dtype)
    t_lp.backward(torch.tensor(up))
    m_lp.backward(minitorch.tensor(up))
    assert_close(m_x.grad, t_x.grad, rtol, atol, "grad of the input")
    _same_parameter_grads(theirs, ours, rtol, atol)
    with torch.no_grad():
        want = theirs.predict(t_x)
    got = ours.predict(m_x)
    assert got.dtype is minitorch.int64 and got.numpy().tolist() == want.numpy().tolist()


def test_predict_mixes_shortlist_and_clusters() -> None:
    """Some rows' best head column is a cluster's (their class is looked up inside it), some a shortlist class."""
    theirs, ours = _pair({"in_features": 4, "n_classes": 9, "cutoffs": [2, 5]}, np.float64)
    with torch.no_grad():
        theirs.head.weight.copy_(torch.tensor(np.eye(4)))
    ours.load_state_dict(theirs.state_dict())
    x = np.array([[5.0, 0, 0, 0], [0, 0, 5, 0], [0, 5, 0, 0], [0, 0, 0, 5], [1, 1, 1, 1]])
    want = theirs.predict(torch.tensor(x))
    assert 0 < int((want >= 2).sum()) < len(x)  # the case meant: a mixture
    assert ours.predict(minitorch.tensor(x)).numpy().tolist() == want.numpy().tolist()
    lp = theirs.log_prob(torch.tensor(x)).argmax(dim=1)
    assert lp.numpy().tolist() == want.numpy().tolist()


@DTYPES
def test_unbatched(dtype: Any) -> None:
    """One sample: (in_features) input and a 0-d target give a 0-d output."""
    theirs, ours = _pair({"in_features": 5, "n_classes": 8, "cutoffs": [3, 6], "head_bias": True}, dtype)
    x = np.random.default_rng(1).normal(size=5).astype(dtype)
    for target in (1, 4, 7):
        t_x, m_x = torch.tensor(x, requires_grad=True), minitorch.tensor(x, requires_grad=True)
        t_out, m_out = theirs(t_x, torch.tensor(target)), ours(m_x, minitorch.tensor(target))
        assert tuple(m_out.output.shape) == () and type(m_out).__name__ == "_ASMoutput"
        for got, want, what in zip(m_out, t_out, ("output", "loss")):
            assert_close(got, want, *TOL[dtype], what)
        (t_out.output * 2 + t_out.loss).backward()
        (m_out.output * 2 + m_out.loss).backward()
        assert_close(m_x.grad, t_x.grad, *TOL[dtype], "grad of the input")


def test_structure_names_and_init_like_torch() -> None:
    kw = {"in_features": 16, "n_classes": 20, "cutoffs": (4, 10, 15), "div_value": 2.0, "head_bias": True}
    theirs, ours = torch.nn.AdaptiveLogSoftmaxWithLoss(**kw), minitorch.nn.AdaptiveLogSoftmaxWithLoss(**kw)
    assert repr(ours) == repr(theirs)
    t_params = [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == t_params
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for attr in ("in_features", "n_classes", "cutoffs", "div_value", "head_bias", "shortlist_size", "n_clusters"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert ours.head_size == theirs.head_size
    assert isinstance(ours.head, minitorch.nn.Linear) and isinstance(ours.tail, minitorch.nn.ModuleList)
    assert all(isinstance(p, minitorch.nn.Sequential) and len(p) == 2 for p in ours.tail)
    # torch's Linear init: weights and bias uniform within 1/sqrt(fan_in)
    for name, p in ours.named_parameters():
        fan_in = kw["in_features"] if name.startswith("head") or name.endswith(".0.weight") else p.shape[1]
        bound = 1 / math.sqrt(fan_in)
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound and values.std() > bound / 4, name
    before = ours.head.weight.detach().numpy().copy()
    ours.reset_parameters()
    assert not np.array_equal(ours.head.weight.detach().numpy(), before)


def test_dtype_argument() -> None:
    m = minitorch.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2], dtype=minitorch.float64)
    assert {p.dtype for p in m.parameters()} == {minitorch.float64}


def test_repr_with_empty_projection() -> None:
    kw = {"in_features": 3, "n_classes": 10, "cutoffs": [5]}  # 3 // 4 == 0 hidden features
    made = []
    for lib in (torch, minitorch):
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            made.append(lib.nn.AdaptiveLogSoftmaxWithLoss(**kw))
    assert repr(made[1]) == repr(made[0])


def _module(lib: Any, cutoffs: Any = (3, 6), n_classes: int = 10) -> Any:
    return lib.nn.AdaptiveLogSoftmaxWithLoss(4, n_classes, cutoffs)


ERRORS: dict[str, tuple[Callable, str]] = {
    "no cutoffs": (lambda lib: _module(lib, []), "cutoffs should be a sequence of length larger than 0"),
    "unsorted cutoffs": (lambda lib: _module(lib, [6, 3]), "cutoffs should be a sequence of unique, positive integers"),
    "repeated cutoffs": (lambda lib: _module(lib, [3, 3]), "sorted in an increasing order"),
    "zero cutoff": (lambda lib: _module(lib, [0, 3]), "each value is between 1 and n_classes-1"),
    "cutoff too large": (lambda lib: _module(lib, [3, 10]), "each value is between 1 and n_classes-1"),
    "fractional cutoff": (lambda lib: _module(lib, [2.5, 6]), "cutoffs should be a sequence of unique"),
    "target too large": (
        lambda lib: _module(lib)(lib.zeros(3, 4), lib.tensor([1, 10, 4])),
        "Target values should be in [0, 9], but values in range [1, 10] were found. ",
    ),
    "negative target": (
        lambda lib: _module(lib)(lib.zeros(3, 4), lib.tensor([-1, 2, 4])),
        "Target values should be in [0, 9], but values in range [-1, 4] were found. ",
    ),
    "batch sizes": (
        lambda lib: _module(lib)(lib.zeros(3, 4), lib.tensor([1, 2])),
        "Input and target should have the same size in the batch dimension.",
    ),
    "1-d target, 3-d input": (
        lambda lib: _module(lib)(lib.zeros(2, 3, 4), lib.tensor([1, 2])),
        "1D target tensor expects 2D input tensors, but found inputs with size torch.Size([2, 3, 4])",
    ),
    "0-d target, 2-d input": (
        lambda lib: _module(lib)(lib.zeros(1, 4), lib.tensor(1)),
        "0D target tensor expects 1D input tensors, but found inputs with size torch.Size([1, 4])",
    ),
    "2-d target": (
        lambda lib: _module(lib)(lib.zeros(2, 4), lib.tensor([[1], [2]])),
        "0D or 1D target tensor expected, multi-target not supported",
    ),
    "log_prob of one sample": (
        lambda lib: _module(lib).log_prob(lib.zeros(4)),
        "Dimension out of range (expected to be in range of [-1, 0], but got 1)",
    ),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=list(ERRORS))
def test_errors_like_torch(case: tuple) -> None:
    raises_like(*case)
