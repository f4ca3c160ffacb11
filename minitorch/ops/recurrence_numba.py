"""The LSTM's per-step cell arithmetic as compiled passes over the batch's rows: the host's variant of
``recurrence.LSTMLayer``.

The plain twin spends each time step on some twenty numpy calls over the gate block and the state (the
input projection added, four passes per sigmoid, the cell update, copies of the state), each on one core:
about 140 us forward and 75 us backward per step of the char LSTM (batch 64, hidden 256), a seventh of
its training step. Here a step is the same GEMM with ``W_hh`` and three compiled passes forward (the
projection added and the sigmoid's argument negated; the activations from numpy's exp and tanh, which
are vectorised where numba's are scalar calls several times slower; the cell update with the state's
copies; the output), one backward (all four gate gradients and the cell's running gradient), each a
parallel loop over the rows. The formulas and their order are the plain twin's, so the results have its
bits where the compiler keeps them (``tests/test_ops_numba.py`` checks against the twin and torch).
Projections (``proj_size``), tensors under create_graph, strided or other arrays go to the plain twin;
either backward reads what either forward saved. Registered on the host when numba is present.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Context
from ..backend import HOST, Array, backend_of, jit, threads
from ..backend.jit import prange
from .base import is_tensor
from .linalg import product_into
from .recurrence import LSTMLayer, Steps, row_major_t, time_order, weight_product

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Gate elements per step from which the rows are shared over the threads (threads.worth_sharing).
PARALLEL_WORK = 1 << 14


@jit.helper
def preactivation_row(gates, xw, row, hid):  # pragma: no cover - compiled by numba
    """gates[row] += xw[row], negated in the sigmoid gates' columns (i, f, o), for ``exp`` to take."""
    for j in range(4 * hid):
        v = gates[row, j] + xw[row, j]
        gates[row, j] = v if 2 * hid <= j < 3 * hid else -v


@jit.helper
def cell_row(gates, c, h, c_prev, h_prev, row, i, hid):  # pragma: no cover - compiled by numba
    """The sigmoid gates from their exp (1 / (1 + e)), the state before the step kept, c' = c*f + i*g."""
    one = gates.dtype.type(1)
    for j in range(hid):
        ig = one / (one + gates[row, j])
        fg = one / (one + gates[row, hid + j])
        gates[row, j], gates[row, hid + j] = ig, fg
        gates[row, 3 * hid + j] = one / (one + gates[row, 3 * hid + j])
        cp = c[i, j]
        c_prev[row, j], h_prev[row, j] = cp, h[i, j]
        c[i, j] = cp * fg + ig * gates[row, 2 * hid + j]


@jit.helper
def output_row(gates, tanh_c, h, out, row, i, hid):  # pragma: no cover - compiled by numba
    """h' = o * tanh(c'), into the state and the output."""
    for j in range(hid):
        v = gates[row, 3 * hid + j] * tanh_c[row, j]
        h[i, j] = v
        out[row, j] = v


@jit.helper
def cell_backward_row(gates, tanh_c, c_prev, g_out, dh, dc, d_gates, row, i, hid):  # pragma: no cover - numba
    """The four gate gradients at their pre-activations for one row, and the cell's running gradient through f
    (the plain twin's formulas in its order)."""
    one = gates.dtype.type(1)
    for j in range(hid):
        dhv = dh[i, j] + g_out[row, j]
        tc = tanh_c[row, j]
        ig, fg, gg, og = gates[row, j], gates[row, hid + j], gates[row, 2 * hid + j], gates[row, 3 * hid + j]
        d_gates[row, 3 * hid + j] = (dhv * tc) * (og - og * og)
        dcv = dc[i, j] + ((one - tc * tc) * og) * dhv
        d_gates[row, j] = (dcv * gg) * (ig - ig * ig)
        d_gates[row, hid + j] = (dcv * c_prev[row, j]) * (fg - fg * fg)
        d_gates[row, 2 * hid + j] = (dcv * ig) * (one - gg * gg)
        dc[i, j] = dcv * fg


@jit.kernel(parallel=True)
def preactivation(gates, xw, start, b, hid):  # pragma: no cover - compiled by numba
    """``preactivation_row`` for rows start..start+b, on all threads."""
    for i in prange(b):
        preactivation_row(gates, xw, start + i, hid)


@jit.kernel
def preactivation_serial(gates, xw, start, b, hid):  # pragma: no cover - compiled by numba
    """``preactivation`` on the calling thread."""
    for i in range(b):
        preactivation_row(gates, xw, start + i, hid)


@jit.kernel(parallel=True)
def cell(gates, c, h, c_prev, h_prev, start, b, hid):  # pragma: no cover - compiled by numba
    """``cell_row`` for the step's rows, on all threads."""
    for i in prange(b):
        cell_row(gates, c, h, c_prev, h_prev, start + i, i, hid)


@jit.kernel
def cell_serial(gates, c, h, c_prev, h_prev, start, b, hid):  # pragma: no cover - compiled by numba
    """``cell`` on the calling thread."""
    for i in range(b):
        cell_row(gates, c, h, c_prev, h_prev, start + i, i, hid)


@jit.kernel(parallel=True)
def output(gates, tanh_c, h, out, start, b, hid):  # pragma: no cover - compiled by numba
    """``output_row`` for the step's rows, on all threads."""
    for i in prange(b):
        output_row(gates, tanh_c, h, out, start + i, i, hid)


@jit.kernel
def output_serial(gates, tanh_c, h, out, start, b, hid):  # pragma: no cover - compiled by numba
    """``output`` on the calling thread."""
    for i in range(b):
        output_row(gates, tanh_c, h, out, start + i, i, hid)


@jit.kernel(parallel=True)
def cell_backward(gates, tanh_c, c_prev, g_out, dh, dc, d_gates, start, b, hid):  # pragma: no cover - numba
    """``cell_backward_row`` for the step's rows, on all threads."""
    for i in prange(b):
        cell_backward_row(gates, tanh_c, c_prev, g_out, dh, dc, d_gates, start + i, i, hid)


@jit.kernel
def cell_backward_serial(gates, tanh_c, c_prev, g_out, dh, dc, d_gates, start, b, hid):  # pragma: no cover
    """``cell_backward`` on the calling thread."""
    for i in range(b):
        cell_backward_row(gates, tanh_c, c_prev, g_out, dh, dc, d_gates, start + i, i, hid)


def _covered(*arrays: Any) -> bool:
    """C-contiguous float host arrays of one dtype."""
    dt = arrays[0].dtype
    return all(type(a) is np.ndarray and a.dtype == dt and a.flags.c_contiguous for a in arrays) and dt in DTYPES


class LSTMLayerNumba(LSTMLayer):
    """An LSTM layer whose per-step cell arithmetic is compiled passes over the rows, on all threads."""

    node_name = "LSTMLayerBackward0"

    @staticmethod
    def forward(
        ctx: Context, xw: Array, h0: Array, c0: Array, w_hh: Array, w_hr: Any, steps: Steps, reverse: bool
    ) -> tuple:
        if w_hr is not None or not _covered(xw, h0, c0, w_hh):
            return LSTMLayer.forward(ctx, xw, h0, c0, w_hh, w_hr, steps, reverse)
        try:
            return _forward(ctx, xw, h0, c0, w_hh, steps, reverse)
        except jit.KernelUnavailable:  # numba failed in this process: the plain twin, from now on
            return LSTMLayer.forward(ctx, xw, h0, c0, w_hh, w_hr, steps, reverse)

    @staticmethod
    def backward(ctx: Context, g_out: Array, g_h: Array, g_c: Array) -> tuple:
        gates, c_prev, tanh_c, h_prev, w_hh, w_hr, *_ = ctx.saved_tensors
        if is_tensor(g_out) or w_hr is not None or not _covered(gates, c_prev, tanh_c, h_prev):
            return LSTMLayer.backward(ctx, g_out, g_h, g_c)
        if not all(type(g) is np.ndarray and g.dtype == gates.dtype for g in (g_out, g_h, g_c)):
            return LSTMLayer.backward(ctx, g_out, g_h, g_c)
        g_out = np.ascontiguousarray(g_out)  # (a sum's gradient arrives broadcast; the states' are copied)
        try:
            return _backward(ctx, gates, c_prev, tanh_c, h_prev, w_hh, g_out, g_h, g_c)
        except jit.KernelUnavailable:
            return LSTMLayer.backward(ctx, g_out, g_h, g_c)


def _forward(ctx: Context, xw: Array, h0: Array, c0: Array, w_hh: Array, steps: Steps, reverse: bool) -> tuple:
    """``LSTMLayer.forward`` without a projection, the cell's arithmetic compiled (see the module's docstring)."""
    gemm = backend_of(xw).kernel(product_into)
    rows, hid = xw.shape[0], c0.shape[1]
    gates = np.empty((rows, 4 * hid), xw.dtype)
    c_prev = np.empty((rows, hid), xw.dtype)
    tanh_c = np.empty((rows, hid), xw.dtype)
    h_prev = np.empty((rows, hid), xw.dtype)
    out = np.empty_like(h_prev)
    h, c = h0.copy(), c0.copy()
    w_hh_t = row_major_t(np, w_hh, steps)
    shared = threads.worth_sharing(4 * hid * max((b for _, b in steps), default=0), PARALLEL_WORK)
    pre, update, emit = (preactivation, cell, output) if shared else (preactivation_serial, cell_serial, output_serial)
    for start, b in time_order(steps, reverse):
        g = gates[start : start + b]
        gemm(h[:b], w_hh_t, g)
        pre(gates, xw, start, b, hid)
        np.exp(g[:, : 2 * hid], out=g[:, : 2 * hid])  # i, f (of -x: the sigmoid's denominator less one)
        np.tanh(g[:, 2 * hid : 3 * hid], out=g[:, 2 * hid : 3 * hid])  # g
        np.exp(g[:, 3 * hid :], out=g[:, 3 * hid :])  # o
        update(gates, c, h, c_prev, h_prev, start, b, hid)
        np.tanh(c[:b], out=tanh_c[start : start + b])
        emit(gates, tanh_c, h, out, start, b, hid)
    ctx.save_for_backward(gates, c_prev, tanh_c, h_prev, w_hh, None, xw, h0, c0)
    ctx.steps, ctx.reverse = steps, reverse
    return out, h, c


def _backward(
    ctx: Context, gates: Array, c_prev: Array, tanh_c: Array, h_prev: Array, w_hh: Array,
    g_out: Array, g_h: Array, g_c: Array,
) -> tuple:  # fmt: skip
    """``LSTMLayer.backward`` without a projection, the cell's gradients compiled."""
    gemm = backend_of(gates).kernel(product_into)
    hid = c_prev.shape[1]
    d_gates = np.empty_like(gates)
    dh, dc = g_h.copy(), g_c.copy()  # running gradients of the state, rows of finished sequences kept
    shared = threads.worth_sharing(4 * hid * max((b for _, b in ctx.steps), default=0), PARALLEL_WORK)
    step_back = cell_backward if shared else cell_backward_serial
    for start, b in time_order(ctx.steps, not ctx.reverse):
        step_back(gates, tanh_c, c_prev, g_out, dh, dc, d_gates, start, b, hid)
        gemm(d_gates[start : start + b], w_hh, dh[:b])
    need = ctx.needs_input_grad
    d_w_hh = weight_product(d_gates.T, h_prev) if need[3] else None
    return d_gates, dh, dc, d_w_hh, None, None, None


KERNELS = (
    preactivation, preactivation_serial, cell, cell_serial, output, output_serial,
    cell_backward, cell_backward_serial,
)  # fmt: skip
jit.register(HOST, LSTMLayer, LSTMLayerNumba)
