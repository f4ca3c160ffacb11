"""nn.RNN, nn.LSTM, nn.GRU and their cells against torch's: outputs, the gradients of the input, the initial
states and every parameter (float64 and float32), state dicts both ways, default initialisation, dropout
between layers, printing and torch's errors."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests.parity import TOL, assert_close, raises_like

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections:UserWarning")
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
KINDS = ("RNN", "RNN_relu", "LSTM", "GRU")


def make_recurrent(kind: str, *args: Any, **kwargs: Any) -> Any:
    """A builder of ``kind`` for either library (``RNN_relu``: RNN with nonlinearity='relu')."""

    def make(lib: Any) -> Any:
        if kind == "RNN_relu":
            return lib.nn.RNN(*args, nonlinearity="relu", **kwargs)
        return getattr(lib.nn, kind)(*args, **kwargs)

    return make


def _tensor(lib: Any, a: np.ndarray | None, dtype: Any) -> Any:
    return None if a is None else lib.tensor(a.astype(dtype)).requires_grad_(True)


def check_module(make: Any, x: np.ndarray, hx: Any, dtype: Any, seed: int = 0, train: bool = False) -> None:
    """Same outputs, input/state gradients and parameter gradients as torch's twin (weights from torch)."""
    rtol, atol = TOL[np.dtype(dtype).type]
    theirs, ours = make(torch), make(minitorch)
    ours.load_state_dict(theirs.state_dict())
    for m in (theirs, ours):
        (m.double() if dtype == np.float64 else m.float()).train(train)
    results = {}
    for lib, module in ((torch, theirs), (minitorch, ours)):
        xt = _tensor(lib, x, dtype)
        if isinstance(hx, tuple):
            states = tuple(_tensor(lib, h, dtype) for h in hx)
            out, hidden = module(xt, states)
        else:
            states = () if hx is None else (_tensor(lib, hx, dtype),)
            out, hidden = module(xt, *states)
        outs = [out] + (list(hidden) if isinstance(hidden, tuple) else [hidden])
        results[lib.__name__] = (xt, states, outs, module)
    (tx, tstates, touts, _), (mx, mstates, mouts, _) = results["torch"], results["minitorch"]
    for i, (m, t) in enumerate(zip(mouts, touts)):
        assert_close(m, t, rtol, atol, f"output {i}")
    rng = np.random.default_rng(seed)
    grads = [rng.uniform(-1, 1, tuple(t.shape)).astype(dtype) for t in touts]
    torch.autograd.backward(touts, [torch.tensor(g) for g in grads])
    minitorch.autograd.backward(mouts, [minitorch.tensor(g) for g in grads])
    assert_close(mx.grad, tx.grad, rtol, atol, "grad of input")
    for i, (m, t) in enumerate(zip(mstates, tstates)):
        assert_close(m.grad, t.grad, rtol, atol, f"grad of state {i}")
    t_params, m_params = dict(theirs.named_parameters()), dict(ours.named_parameters())
    assert list(m_params) == list(t_params)
    for name, p in t_params.items():
        assert_close(m_params[name].grad, p.grad, rtol, atol, f"grad of {name}")


@st.composite
def module_cases(draw: Any) -> tuple:
    kind = draw(st.sampled_from(KINDS))
    inputs, hidden = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    layers, bidirectional = draw(st.integers(1, 2)), draw(st.booleans())
    kwargs = dict(bias=draw(st.booleans()), batch_first=draw(st.booleans()), bidirectional=bidirectional)
    proj = draw(st.integers(1, hidden - 1)) if kind == "LSTM" and hidden > 1 and draw(st.booleans()) else 0
    if proj:
        kwargs["proj_size"] = proj
    batch, length = draw(st.sampled_from([None, 1, 3])), draw(st.integers(1, 4))  # None: unbatched input
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    lead = (length,) if batch is None else ((batch, length) if kwargs["batch_first"] else (length, batch))
    x = rng.uniform(-1, 1, lead + (inputs,))
    hx: Any = None
    if draw(st.booleans()):
        states = (layers * (2 if bidirectional else 1),) + (() if batch is None else (batch,))
        h0 = rng.uniform(-1, 1, states + (proj or hidden,))
        hx = (h0, rng.uniform(-1, 1, states + (hidden,))) if kind == "LSTM" else h0
    return make_recurrent(kind, inputs, hidden, layers, **kwargs), x, hx


@DTYPES
@given(case=module_cases(), seed=st.integers(0, 2**8))
def test_recurrent_modules_match_torch(dtype: Any, case: tuple, seed: int) -> None:
    make, x, hx = case
    check_module(make, x, hx, dtype, seed)


@st.composite
def cell_cases(draw: Any) -> tuple:
    kind = draw(st.sampled_from(["RNNCell", "RNNCell_relu", "LSTMCell", "GRUCell"]))
    inputs, hidden, bias = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.booleans())
    batch = draw(st.sampled_from([None, 1, 3]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    lead = () if batch is None else (batch,)
    x = rng.uniform(-1, 1, lead + (inputs,))
    hx: Any = None
    if draw(st.booleans()):
        h = rng.uniform(-1, 1, lead + (hidden,))
        hx = (h, rng.uniform(-1, 1, lead + (hidden,))) if kind == "LSTMCell" else h

    def make(lib: Any) -> Any:
        if kind == "RNNCell_relu":
            return lib.nn.RNNCell(inputs, hidden, bias, nonlinearity="relu")
        return getattr(lib.nn, kind)(inputs, hidden, bias)

    return make, x, hx


@DTYPES
@given(case=cell_cases(), seed=st.integers(0, 2**8))
def test_cells_match_torch(dtype: Any, case: tuple, seed: int) -> None:
    make, x, hx = case
    rtol, atol = TOL[np.dtype(dtype).type]
    theirs, ours = make(torch), make(minitorch)
    ours.load_state_dict(theirs.state_dict())
    for m in (theirs, ours):
        m.double() if dtype == np.float64 else m.float()
    outs = {}
    for lib, module in ((torch, theirs), (minitorch, ours)):
        xt = _tensor(lib, x, dtype)
        states = tuple(_tensor(lib, h, dtype) for h in hx) if isinstance(hx, tuple) else _tensor(lib, hx, dtype)
        out = module(xt, states)
        outs[lib.__name__] = (xt, list(out) if isinstance(out, tuple) else [out], module)
    (tx, tout, tm), (mx, mout, mm) = outs["torch"], outs["minitorch"]
    grads = [np.random.default_rng(seed).uniform(-1, 1, tuple(t.shape)).astype(dtype) for t in tout]
    for i, (m, t) in enumerate(zip(mout, tout)):
        assert_close(m, t, rtol, atol, f"output {i}")
    torch.autograd.backward(tout, [torch.tensor(g) for g in grads])
    minitorch.autograd.backward(mout, [minitorch.tensor(g) for g in grads])
    assert_close(mx.grad, tx.grad, rtol, atol, "grad of input")
    for name, p in tm.named_parameters():
        assert_close(dict(mm.named_parameters())[name].grad, p.grad, rtol, atol, f"grad of {name}")


# --------------------------------------------------------------------------- state dicts and init
STATE_CASES = {
    "LSTM 2 layers bidirectional": make_recurrent("LSTM", 3, 4, 2, bidirectional=True),
    "LSTM proj": make_recurrent("LSTM", 3, 4, 2, proj_size=2),
    "GRU no bias": make_recurrent("GRU", 3, 4, 2, bias=False, bidirectional=True),
    "RNN relu": make_recurrent("RNN_relu", 3, 4),
    "LSTMCell": lambda lib: lib.nn.LSTMCell(3, 4),
    "GRUCell": lambda lib: lib.nn.GRUCell(3, 4),
    "RNNCell no bias": lambda lib: lib.nn.RNNCell(3, 4, bias=False),
}


@pytest.mark.parametrize("make", STATE_CASES.values(), ids=list(STATE_CASES))
def test_state_dicts_load_both_ways(make: Any) -> None:
    minitorch.manual_seed(0)
    ours, theirs = make(minitorch), make(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for name, t in theirs.state_dict().items():
        assert tuple(ours.state_dict()[name].shape) == tuple(t.shape), name
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3) if "Cell" in type(ours).__name__ else (5, 2, 3))
    out_m, out_t = ours(minitorch.tensor(x).float()), theirs(torch.tensor(x).float())
    flat_m = out_m if isinstance(out_m, minitorch.Tensor) else out_m[0]
    flat_t = out_t if isinstance(out_t, torch.Tensor) else out_t[0]
    assert_close(flat_m, flat_t, 1e-5, 1e-6, "output after minitorch -> torch")
    fresh = make(minitorch)
    fresh.load_state_dict(theirs.state_dict())  # and back: torch's tensors straight in
    for name, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), ours.state_dict()[name].numpy())


@pytest.mark.parametrize("kind", KINDS)
def test_default_init_is_torchs_uniform(kind: str) -> None:
    minitorch.manual_seed(0)
    hidden = 64
    module = make_recurrent(kind, 32, hidden, 2, bidirectional=True)(minitorch)
    bound = 1 / np.sqrt(hidden)
    values = np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    assert abs(values.std() - bound / np.sqrt(3)) < 0.02 * bound  # U(-b, b) has std b / sqrt(3)
    assert abs(values.mean()) < 0.02 * bound


def test_flat_weights_and_all_weights_follow_torchs_order() -> None:
    ours, theirs = (lib.nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2) for lib in (minitorch, torch))
    assert ours._flat_weights_names == theirs._flat_weights_names
    assert [[tuple(p.shape) for p in g] for g in ours.all_weights] == [
        [tuple(p.shape) for p in g] for g in theirs.all_weights
    ]
    assert all(a is b for a, b in zip(ours._flat_weights, ours.parameters()))
    ours.flatten_parameters()  # accepted, a no-op


def test_base_classes_build_torchs_parameters() -> None:
    """RNNBase takes the mode as torch's does; RNNCellBase the number of gate chunks."""
    for ours, theirs in (
        (
            minitorch.nn.RNNBase("GRU", 3, 4, 2, bidirectional=True),
            torch.nn.RNNBase("GRU", 3, 4, 2, bidirectional=True),
        ),
        (minitorch.nn.RNNCellBase(3, 4, True, 2), torch.nn.RNNCellBase(3, 4, True, 2)),
    ):
        assert repr(ours) == repr(theirs)
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
            k: tuple(v.shape) for k, v in theirs.state_dict().items()
        }
    assert isinstance(minitorch.nn.LSTM(3, 4), minitorch.nn.RNNBase)
    assert isinstance(minitorch.nn.GRUCell(3, 4), minitorch.nn.RNNCellBase)
    with pytest.raises(ValueError, match="Unrecognized RNN mode: LSTMX"):
        minitorch.nn.RNNBase("LSTMX", 3, 4)


# --------------------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("kind", KINDS)
def test_dropout_one_zeroes_every_layer_but_the_first_like_torch(kind: str) -> None:
    """p=1 is deterministic in both libraries: layer 2 sees zeros while training."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make = make_recurrent(kind, 3, 4, 2, dropout=1.0)
    x = np.random.default_rng(1).uniform(-1, 1, (4, 2, 3))
    check_module(make, x, None, np.float64, train=True)


def test_dropout_applies_between_layers_only_in_training() -> None:
    minitorch.manual_seed(0)
    lstm = minitorch.nn.LSTM(3, 8, 3, dropout=0.5)
    x = minitorch.randn(4, 2, 3)
    lstm.eval()
    out_eval = lstm(x)[0].detach().numpy()
    np.testing.assert_array_equal(lstm(x)[0].detach().numpy(), out_eval)  # eval: deterministic
    lstm.train()
    out_a, out_b = lstm(x)[0], lstm(x)[0].detach().numpy()
    assert not np.allclose(out_a.detach().numpy(), out_eval) and not np.allclose(out_a.detach().numpy(), out_b)
    out_a.sum().backward()
    assert all(p.grad is not None for p in lstm.parameters())


def test_dropout_with_one_layer_warns_like_torch() -> None:
    for lib in (torch, minitorch):
        with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
            lib.nn.GRU(3, 4, dropout=0.2)


# ---------------------------------------------------------------------------------------- printing
REPRS = {
    "LSTM all options": lambda nn: nn.LSTM(
        3, 4, 2, bias=False, batch_first=True, dropout=0.5, bidirectional=True, proj_size=2
    ),
    "GRU": lambda nn: nn.GRU(3, 4),
    "RNN relu": lambda nn: nn.RNN(3, 4, nonlinearity="relu"),
    "RNN positional relu": lambda nn: nn.RNN(3, 4, 2, "relu"),
    "LSTMCell no bias": lambda nn: nn.LSTMCell(3, 4, bias=False),
    "RNNCell relu": lambda nn: nn.RNNCell(3, 4, nonlinearity="relu"),
    "GRUCell": lambda nn: nn.GRUCell(5, 2),
    "in a model": lambda nn: nn.Sequential(nn.Embedding(10, 3), nn.LSTM(3, 4, batch_first=True)),
}


@pytest.mark.parametrize("make", REPRS.values(), ids=list(REPRS))
def test_repr_matches_torch(make: Any) -> None:
    assert repr(make(minitorch.nn)) == repr(make(torch.nn))


# ------------------------------------------------------------------------------------------- errors
def _lstm(lib: Any) -> Any:
    return lib.nn.LSTM(3, 4, 2)


def _gru(lib: Any) -> Any:
    return lib.nn.GRU(3, 4, 2)


ERRORS = {
    "wrong input size": (lambda lib: _lstm(lib)(lib.zeros(5, 2, 6)), "input.size(-1) must be equal to input_size"),
    "4-D input LSTM": (lambda lib: _lstm(lib)(lib.zeros(5, 2, 3, 1)), "LSTM: Expected input to be 2D or 3D"),
    "4-D input RNN": (lambda lib: lib.nn.RNN(3, 4)(lib.zeros(5, 2, 3, 1)), "RNN: Expected input to be 2D or 3D"),
    "h0 batch": (
        lambda lib: _lstm(lib)(lib.zeros(5, 2, 3), (lib.zeros(2, 3, 4), lib.zeros(2, 2, 4))),
        "Expected hidden[0] size (2, 2, 4), got [2, 3, 4]",
    ),
    "c0 size": (
        lambda lib: _lstm(lib)(lib.zeros(5, 2, 3), (lib.zeros(2, 2, 4), lib.zeros(2, 2, 5))),
        "Expected hidden[1] size (2, 2, 4), got [2, 2, 5]",
    ),
    "GRU hx": (lambda lib: _gru(lib)(lib.zeros(5, 2, 3), lib.zeros(2, 3, 4)), "Expected hidden size (2, 2, 4)"),
    "unbatched input, 3-D hx": (
        lambda lib: _gru(lib)(lib.zeros(5, 3), lib.zeros(2, 1, 4)),
        "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor",
    ),
    "batched input, 2-D hx": (
        lambda lib: _gru(lib)(lib.zeros(5, 1, 3), lib.zeros(2, 4)),
        "For batched 3-D input, hx should also be 3-D but got 2-D tensor",
    ),
    "LSTM unbatched input, 3-D hx": (
        lambda lib: _lstm(lib)(lib.zeros(5, 3), (lib.zeros(2, 1, 4), lib.zeros(2, 1, 4))),
        "hx and cx should also be 2-D but got (3-D, 3-D) tensors",
    ),
    "dtype": (
        lambda lib: _lstm(lib)(lib.zeros(5, 2, 3, dtype=lib.float64)),
        "RNN input dtype (torch.float64) does not match weight dtype (torch.float32)",
    ),
    "empty sequence": (lambda lib: _lstm(lib)(lib.zeros(0, 2, 3)), "Expected sequence length to be larger than 0"),
    "proj_size >= hidden": (lambda lib: lib.nn.LSTM(3, 4, proj_size=4), "proj_size has to be smaller than hidden_size"),
    "proj_size on GRU": (lambda lib: lib.nn.GRU(3, 4, proj_size=2), "proj_size argument is only supported for LSTM"),
    "dropout range": (lambda lib: lib.nn.LSTM(3, 4, dropout=1.5), "dropout should be a number in range [0, 1]"),
    "bias type": (lambda lib: lib.nn.LSTM(3, 4, bias=1), "bias should be of type bool, got: int"),
    "hidden_size 0": (lambda lib: lib.nn.GRU(3, 0), "hidden_size must be greater than zero"),
    "num_layers 0": (lambda lib: lib.nn.GRU(3, 4, 0), "num_layers must be greater than zero"),
    "nonlinearity": (lambda lib: lib.nn.RNN(3, 4, nonlinearity="gelu"), "Unknown nonlinearity 'gelu'"),
    "cell input size": (
        lambda lib: lib.nn.LSTMCell(3, 4)(lib.zeros(2, 5)),
        "input has inconsistent input_size: got 5 expected 3",
    ),
    "cell batch": (
        lambda lib: lib.nn.GRUCell(3, 4)(lib.zeros(2, 3), lib.zeros(3, 4)),
        "Input batch size 2 doesn't match hidden0 batch size 3",
    ),
    "cell hidden": (
        lambda lib: lib.nn.LSTMCell(3, 4)(lib.zeros(2, 3), (lib.zeros(2, 4), lib.zeros(2, 5))),
        "hidden1 has inconsistent hidden_size: got 5, expected 4",
    ),
    "cell 3-D input": (
        lambda lib: lib.nn.LSTMCell(3, 4)(lib.zeros(2, 3, 3)),
        "LSTMCell: Expected input to be 1D or 2D, got 3D instead",
    ),
    "cell 3-D hidden": (
        lambda lib: lib.nn.RNNCell(3, 4)(lib.zeros(2, 3), lib.zeros(1, 2, 4)),
        "RNNCell: Expected hidden to be 1D or 2D, got 3D instead",
    ),
    "cell nonlinearity": (
        lambda lib: lib.nn.RNNCell(3, 4, nonlinearity="foo")(lib.zeros(2, 3)),
        "Unknown nonlinearity: foo",
    ),
}


@pytest.mark.parametrize("call, gist", ERRORS.values(), ids=list(ERRORS))
def test_errors_match_torch(call: Any, gist: str) -> None:
    raises_like(call, gist)


# ------------------------------------------------------------------------------------ a training step
def test_lstm_language_model_steps_match_torch() -> None:
    """Embedding -> 2-layer LSTM (dropout 0 in train mode) -> Linear, cross-entropy, Adam: five steps."""

    def build(lib: Any) -> Any:
        nn = lib.nn

        class Model(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.embed = nn.Embedding(11, 5, padding_idx=0)
                self.rnn = nn.LSTM(5, 6, 2, batch_first=True)
                self.out = nn.Linear(6, 11)

            def forward(self, x: Any) -> Any:
                return self.out(self.rnn(self.embed(x))[0])

        return Model()

    theirs, ours = build(torch).double(), build(minitorch).double()
    ours.load_state_dict(theirs.state_dict())
    opts = [lib.optim.Adam(m.parameters(), lr=0.01) for lib, m in ((torch, theirs), (minitorch, ours))]
    rng = np.random.default_rng(0)
    for _ in range(5):
        tokens = rng.integers(0, 11, (3, 7))
        losses = []
        for lib, model, opt in ((torch, theirs, opts[0]), (minitorch, ours, opts[1])):
            x, y = lib.tensor(tokens[:, :-1]), lib.tensor(tokens[:, 1:])
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(x).reshape(-1, 11), y.reshape(-1))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[0] == pytest.approx(losses[1], rel=1e-10)
    for name, p in theirs.state_dict().items():
        assert_close(ours.state_dict()[name], p, 1e-9, 1e-10, name)
