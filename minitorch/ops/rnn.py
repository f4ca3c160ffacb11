"""Recurrent layers as functions, with torch's top-level names and signatures (``torch.lstm``, ``torch.gru_cell``, ...).

Each layer and direction is one input projection for the whole sequence (``linear``, one GEMM) and
one Op whose forward and backward loop over time (``recurrence.py``). Layers stack, directions join
along the features (``cat``), and dropout sits between layers while training. The ``nn`` modules
(``nn.LSTM``, ``nn.GRUCell``, ...) check their arguments as torch's do and call these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..amp import autocast_mode
from ..backend import backend_of
from ..tensor import Tensor
from .activation import dropout as _dropout
from .join import cat, stack, unbind
from .linalg import matmul
from .linear import linear
from .recurrence import GRULayer, LSTMLayer, RNNLayer, Steps, schedule
from .shape import t, transpose

__all__ = ["gru", "gru_cell", "lstm", "lstm_cell", "rnn_relu", "rnn_relu_cell", "rnn_tanh", "rnn_tanh_cell"]

_GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def _project(x: Tensor, w_ih: Tensor, bias: Tensor | None) -> Tensor:
    """x @ w_ih.T + bias for every row (time step and sequence) at once."""
    return linear(x, w_ih, bias) if bias is not None else matmul(x, t(w_ih))


def _layer(mode: str, x: Tensor, h0: Tensor, c0: Any, weights: Sequence, steps: Steps, reverse: bool) -> tuple:
    """One layer in one direction over the flat (rows, features) input: (output, h_n, c_n or None)."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    if mode == "gru":  # b_hn stays inside the loop: r multiplies (W_hn h + b_hn)
        gru = backend_of(x._data).kernel(GRULayer)  # (the host's compiled gates: recurrence_numba.py)
        out, h = gru.apply(_project(x, w_ih, b_ih), h0, w_hh, b_hh, steps, reverse)
        return out, h, None
    xw = _project(x, w_ih, None if b_ih is None else b_ih + b_hh)
    if mode == "lstm":
        lstm = backend_of(xw._data).kernel(LSTMLayer)  # (the host's compiled cell: recurrence_numba.py)
        return lstm.apply(xw, h0, c0, w_hh, w_hr, steps, reverse)
    out, h = RNNLayer.apply(xw, h0, w_hh, steps, reverse, mode == "rnn_relu")
    return out, h, None


def _weights(mode: str, params: Sequence, has_biases: bool, layers: int, directions: int) -> list:
    """The params list cut into (w_ih, w_hh, b_ih, b_hh, w_hr) per layer and direction (torch's order)."""
    params = list(params)
    per = 4 if has_biases else 2
    count = layers * directions
    projected = mode == "lstm" and len(params) == count * (per + 1)
    if projected:
        per += 1
    if len(params) != count * per:
        raise RuntimeError(
            f"{mode}: expected {count * per} parameters ({per} per layer and direction), got {len(params)}"
        )
    out = []
    for k in range(count):
        p = params[k * per : (k + 1) * per]
        w_ih, w_hh = p[0], p[1]
        b_ih, b_hh = (p[2], p[3]) if has_biases else (None, None)
        out.append((w_ih, w_hh, b_ih, b_hh, p[-1] if projected else None))
    return out


def _stack(
    mode: str,
    x: Tensor,
    steps: Steps,
    hx: Any,
    params: Sequence,
    has_biases: bool,
    num_layers: int,
    dropout: float,
    train: bool,
    bidirectional: bool,
) -> tuple:
    """Every layer and direction over the flat input ``x`` (rows, features): (output rows, h_n, c_n)."""
    directions = 2 if bidirectional else 1
    weights = _weights(mode, params, has_biases, num_layers, directions)
    c0s: Sequence[Tensor | None]
    if mode == "lstm":
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise RuntimeError("lstm expects two hidden states")
        h0s, c0s = unbind(hx[0], 0), unbind(hx[1], 0)
    else:
        h0s, c0s = unbind(hx, 0), [None] * num_layers * directions
    if len(h0s) < num_layers * directions:
        raise RuntimeError("Expected more hidden states in stacked_rnn")
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(directions):
            k = layer * directions + d
            out, h, c = _layer(mode, x, h0s[k], c0s[k], weights[k], steps, d == 1)
            outs.append(out)
            hs.append(h)
            cs.append(c)
        x = outs[0] if directions == 1 else cat(outs, 1)
        if dropout and train and layer < num_layers - 1:
            x = _dropout(x, dropout, True)
    return x, stack(hs), (stack(cs) if mode == "lstm" else None)


def _run(mode: str, args: tuple) -> tuple:
    """Both of torch's call forms: (input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
    batch_first) on a padded (T, B, *) input, or (data, batch_sizes, hx, params, ...) on a packed one."""
    if len(args) != 9:
        raise TypeError(f"{mode}() takes 9 arguments ({len(args)} given)")
    # lstm's hx is a pair where the packed form has batch_sizes; the others' params list where it has hx.
    packed = isinstance(args[1] if mode == "lstm" else args[2], Tensor)
    if packed:
        data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional = args
        steps = schedule([int(b) for b in batch_sizes.tolist()])
        out, h, c = _stack(mode, data, steps, hx, params, has_biases, num_layers, dropout, train, bidirectional)
        return (out, h, c) if mode == "lstm" else (out, h)
    input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first = args
    if batch_first:
        input = transpose(input, 0, 1)
    length, batch = input.shape[0], input.shape[1]
    if length == 0:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    flat = input.reshape(length * batch, input.shape[2])
    out, h, c = _stack(
        mode, flat, schedule(length, batch), hx, params, has_biases, num_layers, dropout, train, bidirectional
    )
    out = out.reshape(length, batch, out.shape[1])
    if batch_first:
        out = transpose(out, 0, 1)
    return (out, h, c) if mode == "lstm" else (out, h)


def lstm(*args: Any) -> tuple:
    """A stacked LSTM over a sequence, torch's ``torch.lstm``: (output, h_n, c_n).

    Args (padded form): input (T, B, I) (or (B, T, I) with batch_first), hx = (h0, c0) each
    (layers * directions, B, H or proj), params (torch's flat weight list: w_ih, w_hh[, b_ih, b_hh][, w_hr]
    per layer and direction), has_biases, num_layers, dropout, train, bidirectional, batch_first.
    Packed form: data (rows, I), batch_sizes (int64, one per step), hx, params, has_biases, num_layers,
    dropout, train, bidirectional.
    """
    return _run("lstm", args)


def gru(*args: Any) -> tuple:
    """A stacked GRU over a sequence, torch's ``torch.gru``: (output, h_n); arguments as ``lstm``'s, hx one tensor."""
    return _run("gru", args)


def rnn_tanh(*args: Any) -> tuple:
    """A stacked Elman RNN with tanh, torch's ``torch.rnn_tanh``: (output, h_n); arguments as ``gru``'s."""
    return _run("rnn_tanh", args)


def rnn_relu(*args: Any) -> tuple:
    """A stacked Elman RNN with relu, torch's ``torch.rnn_relu``: (output, h_n); arguments as ``gru``'s."""
    return _run("rnn_relu", args)


# ------------------------------------------------------------------------------------------- cells
def _check_cell(input: Tensor, hiddens: Sequence[Tensor], w_ih: Tensor, w_hh: Tensor) -> None:
    """torch's checks of a cell's input and hidden states against the weights."""
    if input.shape[-1] != w_ih.shape[1]:
        raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {w_ih.shape[1]}")
    for i, h in enumerate(hiddens):
        if input.shape[0] != h.shape[0]:
            raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{i} batch size {h.shape[0]}")
        if h.shape[-1] != w_hh.shape[1]:
            raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {h.shape[-1]}, expected {w_hh.shape[1]}")


def _cell(mode: str, input: Tensor, hx: Any, w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any) -> Any:
    hiddens = tuple(hx) if mode == "lstm" else (hx,)
    if mode == "lstm" and len(hiddens) != 2:
        raise RuntimeError(f"lstm_cell expects two hidden states, got {len(hiddens)}")
    _check_cell(input, hiddens, w_ih, w_hh)
    steps = schedule(1, input.shape[0])
    c0 = hiddens[1] if mode == "lstm" else None
    _, h, c = _layer(mode, input, hiddens[0], c0, (w_ih, w_hh, b_ih, b_hh, None), steps, False)
    return (h, c) if mode == "lstm" else h


def lstm_cell(
    input: Tensor,
    hx: Sequence[Tensor],
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> tuple:
    """One LSTM step, torch's ``torch.lstm_cell``: (h', c') from input (B, I), hx = (h, c) (B, H), gates i, f, g, o."""
    if autocast_mode.enabled_threads and autocast_mode.wants(lstm_cell):
        return autocast_mode.run("lstm_cell", lstm_cell, input, hx, w_ih, w_hh, b_ih, b_hh)
    return _cell("lstm", input, hx, w_ih, w_hh, b_ih, b_hh)


def gru_cell(
    input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None
) -> Tensor:
    """One GRU step, torch's ``torch.gru_cell``: h' from input (B, I) and hx (B, H), gates r, z, n."""
    if autocast_mode.enabled_threads and autocast_mode.wants(gru_cell):
        return autocast_mode.run("gru_cell", gru_cell, input, hx, w_ih, w_hh, b_ih, b_hh)
    return _cell("gru", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(
    input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None
) -> Tensor:
    """One Elman step, torch's ``torch.rnn_tanh_cell``: tanh(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(rnn_tanh_cell):
        return autocast_mode.run("rnn_tanh_cell", rnn_tanh_cell, input, hx, w_ih, w_hh, b_ih, b_hh)
    return _cell("rnn_tanh", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(
    input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None
) -> Tensor:
    """One Elman step with relu, torch's ``torch.rnn_relu_cell``."""
    if autocast_mode.enabled_threads and autocast_mode.wants(rnn_relu_cell):
        return autocast_mode.run("rnn_relu_cell", rnn_relu_cell, input, hx, w_ih, w_hh, b_ih, b_hh)
    return _cell("rnn_relu", input, hx, w_ih, w_hh, b_ih, b_hh)
