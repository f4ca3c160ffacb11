"""The recurrent functions (``lstm``, ``gru``, ``rnn_tanh``, ``rnn_relu`` and their cells) against torch's of the
same names: outputs and the gradients of the input, the states and every weight, float64 and float32, plus
finite-difference gradchecks; padded and packed sequences, projections, both directions, stacked layers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch.ops.recurrence import GRULayer, LSTMLayer, RNNLayer, schedule
from tests.parity import check_both, check_gradcheck, check_parity, raises_like

# torch leaves oneDNN for LSTM projections and says so each time.
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections:UserWarning")

GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
# Each function by name, spelled out so that the compatibility table sees which tests call it.
SEQUENCE = {
    "lstm": lambda lib: lib.lstm,
    "gru": lambda lib: lib.gru,
    "rnn_tanh": lambda lib: lib.rnn_tanh,
    "rnn_relu": lambda lib: lib.rnn_relu,
}
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])


def _params(
    rng: np.random.Generator,
    mode: str,
    inputs: int,
    hidden: int,
    layers: int,
    directions: int,
    bias: bool,
    proj: int = 0,
) -> list:
    """torch's flat weight list, U(-0.7, 0.7) (larger than the default init, to exercise the nonlinearities)."""
    gates, state, out = GATES[mode] * hidden, proj or hidden, []
    for layer in range(layers):
        for _ in range(directions):
            width = inputs if layer == 0 else state * directions
            out += [rng.uniform(-0.7, 0.7, (gates, width)), rng.uniform(-0.7, 0.7, (gates, state))]
            if bias:
                out += [rng.uniform(-0.7, 0.7, gates), rng.uniform(-0.7, 0.7, gates)]
            if proj:
                out.append(rng.uniform(-0.7, 0.7, (proj, hidden)))
    return out


@st.composite
def sequence_cases(draw: Any) -> dict:
    mode = draw(st.sampled_from(list(GATES)))
    hidden = draw(st.integers(1, 4))
    proj = draw(st.integers(1, hidden - 1)) if mode == "lstm" and hidden > 1 and draw(st.booleans()) else 0
    return dict(
        mode=mode,
        inputs=draw(st.integers(1, 4)),
        hidden=hidden,
        proj=proj,
        layers=draw(st.integers(1, 2)),
        directions=draw(st.sampled_from([1, 2])),
        bias=draw(st.booleans()),
        batch=draw(st.integers(0, 3)),
        length=draw(st.integers(1, 4)),
        batch_first=draw(st.booleans()),
        seed=draw(st.integers(0, 2**16)),
    )


def _sequence_problem(c: dict) -> tuple:
    rng = np.random.default_rng(c["seed"])
    ld, b, t = c["layers"] * c["directions"], c["batch"], c["length"]
    x = rng.uniform(-1, 1, (b, t, c["inputs"]) if c["batch_first"] else (t, b, c["inputs"]))
    h0 = rng.uniform(-1, 1, (ld, b, c["proj"] or c["hidden"]))
    c0 = rng.uniform(-1, 1, (ld, b, c["hidden"]))
    ps = _params(rng, c["mode"], c["inputs"], c["hidden"], c["layers"], c["directions"], c["bias"], c["proj"])
    return x, h0, c0, ps


def _call(c: dict) -> Any:
    def fn(lib: Any, x: Any, h0: Any, c0: Any, *ps: Any) -> Any:
        hx = (h0, c0) if c["mode"] == "lstm" else h0
        args = (list(ps), c["bias"], c["layers"], 0.0, True, c["directions"] == 2, c["batch_first"])
        return SEQUENCE[c["mode"]](lib)(x, hx, *args)

    return fn


@DTYPES
@given(case=sequence_cases())
def test_sequence_functions_match_torch(dtype: Any, case: dict) -> None:
    x, h0, c0, ps = _sequence_problem(case)
    check_parity(_call(case), x, h0, c0, *ps, dtype=dtype, seed=case["seed"])


@pytest.mark.parametrize("mode", list(GATES))
def test_sequence_functions_gradcheck(mode: str) -> None:
    case = dict(
        mode=mode,
        inputs=2,
        hidden=3,
        proj=2 if mode == "lstm" else 0,
        layers=2,
        directions=2,
        bias=True,
        batch=2,
        length=3,
        batch_first=False,
        seed=1,
    )
    x, h0, c0, ps = _sequence_problem(case)
    check_gradcheck(_call(case), x, h0, c0, *ps)


@st.composite
def packed_cases(draw: Any) -> dict:
    case = draw(sequence_cases())
    batch = max(case["batch"], 1)
    lengths = sorted(draw(st.lists(st.integers(1, 4), min_size=batch, max_size=batch)), reverse=True)
    return dict(case, batch=batch, lengths=lengths)


@DTYPES
@given(case=packed_cases())
def test_packed_sequence_functions_match_torch(dtype: Any, case: dict) -> None:
    """The (data, batch_sizes, hx, ...) form: sequences ending at different steps keep their last state."""
    rng = np.random.default_rng(case["seed"])
    lengths = np.array(case["lengths"])
    batch_sizes = (lengths[None, :] > np.arange(lengths[0])[:, None]).sum(1)
    data = rng.uniform(-1, 1, (int(batch_sizes.sum()), case["inputs"]))
    _, h0, c0, ps = _sequence_problem(case)

    def fn(lib: Any, data: Any, h0: Any, c0: Any, *ps: Any) -> Any:
        hx = (h0, c0) if case["mode"] == "lstm" else h0
        args = (list(ps), case["bias"], case["layers"], 0.0, True, case["directions"] == 2)
        return SEQUENCE[case["mode"]](lib)(data, lib.tensor(batch_sizes), hx, *args)

    check_parity(fn, data, h0, c0, *ps, dtype=dtype, seed=case["seed"])


# ------------------------------------------------------------------------------------------- cells
CELLS = {"lstm_cell": 4, "gru_cell": 3, "rnn_tanh_cell": 1, "rnn_relu_cell": 1}
CELL_FUNCTIONS = {
    "lstm_cell": lambda lib: lib.lstm_cell,
    "gru_cell": lambda lib: lib.gru_cell,
    "rnn_tanh_cell": lambda lib: lib.rnn_tanh_cell,
    "rnn_relu_cell": lambda lib: lib.rnn_relu_cell,
}


@pytest.mark.parametrize("name", list(CELLS))
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@given(batch=st.integers(1, 3), inputs=st.integers(1, 4), hidden=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_cells_match_torch(name: str, bias: bool, batch: int, inputs: int, hidden: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    gates = CELLS[name] * hidden
    x, h, c = (
        rng.uniform(-1, 1, (batch, inputs)),
        rng.uniform(-1, 1, (batch, hidden)),
        rng.uniform(-1, 1, (batch, hidden)),
    )
    ws = [rng.uniform(-0.7, 0.7, (gates, inputs)), rng.uniform(-0.7, 0.7, (gates, hidden))]
    if bias:
        ws += [rng.uniform(-0.7, 0.7, gates), rng.uniform(-0.7, 0.7, gates)]

    def fn(lib: Any, x: Any, h: Any, c: Any, *ws: Any) -> Any:
        return CELL_FUNCTIONS[name](lib)(x, (h, c) if name == "lstm_cell" else h, *ws)

    check_both(fn, x, h, c, *ws, gradcheck=batch == 1 and seed % 5 == 0)


@pytest.mark.parametrize("name", list(CELLS))
def test_cell_errors_match_torch(name: str) -> None:
    gates = CELLS[name] * 4
    w_ih, w_hh = np.ones((gates, 3), np.float32), np.ones((gates, 4), np.float32)

    def call(x: tuple, h: tuple) -> Any:
        def fn(lib: Any) -> Any:
            hx = lib.zeros(*h)
            return CELL_FUNCTIONS[name](lib)(
                lib.zeros(*x), (hx, hx) if name == "lstm_cell" else hx, lib.tensor(w_ih), lib.tensor(w_hh)
            )

        return fn

    raises_like(call((2, 5), (2, 4)), "input has inconsistent input_size: got 5 expected 3", exact=True)
    raises_like(call((2, 3), (3, 4)), "Input batch size 2 doesn't match hidden0 batch size 3", exact=True)
    raises_like(call((2, 3), (2, 5)), "hidden0 has inconsistent hidden_size: got 5, expected 4", exact=True)


def test_sequence_function_errors_match_torch() -> None:
    w = [np.ones((16, 3), np.float32), np.ones((16, 4), np.float32)]

    def lstm(x: tuple, hx: int = 2, layers: int = 1) -> Any:
        return lambda lib: lib.lstm(
            lib.zeros(*x),
            tuple(lib.zeros(1, 2, 4) for _ in range(hx)),
            [lib.tensor(a) for a in w],
            False,
            layers,
            0.0,
            False,
            False,
            False,
        )

    raises_like(lstm((0, 2, 3)), "Expected sequence length to be larger than 0 in RNN", exact=True)
    raises_like(lstm((5, 2, 3), hx=1), "lstm expects two hidden states", exact=True)
    with pytest.raises(RuntimeError, match="expected 4 parameters"):  # torch: "ArrayRef: invalid slice ..."
        lstm((5, 2, 3), layers=2)(minitorch)


# --------------------------------------------------------------- the time-loop Ops on their own
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_packed_steps_equal_separate_runs(reverse: bool) -> None:
    """Packed rows give each sequence the result of running it alone: steps past a sequence's end never
    touch its state (forward), and a reversed sequence starts from h0 at its own last step."""
    rng = np.random.default_rng(0)
    lengths, hidden = [3, 2, 2, 1], 3
    batch_sizes = [sum(n > t for n in lengths) for t in range(max(lengths))]
    steps = schedule(batch_sizes)
    xw = minitorch.tensor(rng.uniform(-1, 1, (sum(lengths), 4 * hidden)))
    h0 = minitorch.tensor(rng.uniform(-1, 1, (len(lengths), hidden)))
    c0 = minitorch.tensor(rng.uniform(-1, 1, (len(lengths), hidden)))
    w_hh = minitorch.tensor(rng.uniform(-1, 1, (4 * hidden, hidden)))
    out, h, c = LSTMLayer.apply(xw, h0, c0, w_hh, None, steps, reverse)
    for b, n in enumerate(lengths):
        rows = [start + b for start, _ in steps[:n]]
        alone = LSTMLayer.apply(xw[rows], h0[b : b + 1], c0[b : b + 1], w_hh, None, schedule(n, 1), reverse)
        np.testing.assert_allclose(out.numpy()[rows], alone[0].numpy(), rtol=1e-12)
        np.testing.assert_allclose(h.numpy()[b], alone[1].numpy()[0], rtol=1e-12)
        np.testing.assert_allclose(c.numpy()[b], alone[2].numpy()[0], rtol=1e-12)


@pytest.mark.parametrize("op", [LSTMLayer, GRULayer, RNNLayer])
def test_layer_ops_save_only_their_listed_arrays(op: Any) -> None:
    """What each Op keeps for backward is what its docstring lists (the inputs: what create_graph runs again)."""
    rng = np.random.default_rng(0)
    b, hidden = 2, 3
    g = {LSTMLayer: 4, GRULayer: 3, RNNLayer: 1}[op]
    xw = minitorch.tensor(rng.uniform(-1, 1, (2 * b, g * hidden)), requires_grad=True)
    h0 = minitorch.tensor(rng.uniform(-1, 1, (b, hidden)), requires_grad=True)
    w = minitorch.tensor(rng.uniform(-1, 1, (g * hidden, hidden)), requires_grad=True)
    steps = schedule(2, b)
    if op is LSTMLayer:
        res = op.apply(xw, h0, minitorch.zeros(b, hidden), w, None, steps, False)
        expected = 9  # gates, c_prev, tanh_c, h_prev, w_hh, w_hr (None); xw, h0, c0 for create_graph
    elif op is GRULayer:
        res = op.apply(xw, h0, w, None, steps, False)
        expected = 7  # gates, hw_n, h_prev, w_hh; xw, h0, b_hh (None) for create_graph
    else:
        res = op.apply(xw, h0, w, steps, False, False)
        expected = 5  # out, h_prev, w_hh; xw, h0 for create_graph
    assert len(res[0].grad_fn._ctx.saved_tensors) == expected
    sum(r.sum() for r in res).backward()
    assert xw.grad is not None and h0.grad is not None and w.grad is not None


def test_float32_hidden_size_one() -> None:
    """A float32 gate block of hidden size 1 has a 16-byte row stride, where numpy 2.4's in-place negative
    misreads its column: the sigmoid must not go through it."""
    rng = np.random.default_rng(3)
    x, h, c = (rng.uniform(-1, 1, (3, 1)) for _ in range(3))
    ws = [rng.uniform(-0.7, 0.7, s) for s in ((4, 1), (4, 1), (4,), (4,))]
    check_parity(lambda lib, x, h, c, *ws: lib.lstm_cell(x, (h, c), *ws), x, h, c, *ws, dtype=np.float32)
