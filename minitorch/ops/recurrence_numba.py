"""The LSTM's and the GRU's per-step gate arithmetic as compiled passes over the batch's rows: the host's variants
of ``recurrence.LSTMLayer`` and ``recurrence.GRULayer``.

The plain twins spend each time step on some twenty numpy calls over the gate block and the state (the
input projection added, four passes per sigmoid, the cell update, copies of the state), each on one core:
about 140 us forward and 75 us backward per step of the char LSTM (batch 64, hidden 256), a seventh of
its training step. Here a step is the same GEMM with ``W_hh`` and three compiled passes forward (the
projection added and the sigmoid's argument negated; the activations from numpy's exp and tanh, which
are vectorised where numba's are scalar calls several times slower; the cell update with the state's
copies; the output), one backward (all the gate gradients and the state's running gradient), each a
parallel loop over the rows; the GRU's passes are the same in its formula's order (a 35-step layer of
hidden size 256 at batch 64, forward and backward: 34-36 -> 24 ms). The formulas and their order are the
plain twins', so the results have their bits where the compiler keeps them (``tests/test_ops_numba.py``
checks against the twins and torch). Projections (``proj_size``), tensors under create_graph, strided or
other arrays go to the plain twins; either backward reads what either forward saved. Registered on the
host when numba is present.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Context
from ..backend import HOST, Array, backend_of, jit, threads
from ..backend.jit import prange
from .linalg import product_into
from .recurrence import (
    GRULayer,
    LSTMLayer,
    Steps,
    gru_buffers,
    lstm_buffers,
    row_major_t,
    time_order,
    weight_product,
)

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


@jit.helper
def gru_preactivation_row(gates, hw, xw, b_hh, has_bias, hw_n, row, i, hid):  # pragma: no cover - numba
    """hw[i] += b_hh; gates[row, :2H] = -(xw + hw) for ``exp`` (r, z); hw_n[row] = hw[i, 2H:]."""
    if has_bias:
        for j in range(3 * hid):
            hw[i, j] += b_hh[j]
    for j in range(2 * hid):
        gates[row, j] = -(xw[row, j] + hw[i, j])
    for j in range(hid):
        hw_n[row, j] = hw[i, 2 * hid + j]


@jit.helper
def gru_candidate_row(gates, hw, xw, row, i, hid):  # pragma: no cover - compiled by numba
    """r, z from their exp (1 / (1 + e)); n's argument r * (W_hn h + b_hn) + xw_n, for ``tanh``."""
    one = gates.dtype.type(1)
    for j in range(2 * hid):
        gates[row, j] = one / (one + gates[row, j])
    for j in range(hid):
        gates[row, 2 * hid + j] = gates[row, j] * hw[i, 2 * hid + j] + xw[row, 2 * hid + j]


@jit.helper
def gru_update_row(gates, h, h_prev, out, row, i, hid):  # pragma: no cover - compiled by numba
    """The state before the step kept, h' = (h - n) * z + n, into the state and the output."""
    for j in range(hid):
        hv, n = h[i, j], gates[row, 2 * hid + j]
        h_prev[row, j] = hv
        v = (hv - n) * gates[row, hid + j] + n
        h[i, j] = v
        out[row, j] = v


@jit.helper
def gru_backward_row(gates, hw_n, h_prev, g_out, dh, d_x, d_hw, row, i, hid):  # pragma: no cover - numba
    """The gradients of the input projection's and of (h @ W_hh.T + b_hh)'s three blocks for one row, and the
    state's gradient through z (the plain twin's formulas in its order)."""
    one = gates.dtype.type(1)
    for j in range(hid):
        dhv = dh[i, j] + g_out[row, j]
        rg, z, n = gates[row, j], gates[row, hid + j], gates[row, 2 * hid + j]
        dn = (dhv * (one - z)) * (one - n * n)
        dz = ((h_prev[row, j] - n) * dhv) * (z * (one - z))
        dr = (dn * hw_n[row, j]) * (rg * (one - rg))
        d_x[row, j], d_x[row, hid + j], d_x[row, 2 * hid + j] = dr, dz, dn
        d_hw[row, j], d_hw[row, hid + j], d_hw[row, 2 * hid + j] = dr, dz, dn * rg
        dh[i, j] = dhv * z


@jit.kernel(parallel=True)
def gru_preactivation(gates, hw, xw, b_hh, has_bias, hw_n, start, b, hid):  # pragma: no cover - numba
    """``gru_preactivation_row`` for the step's rows, on all threads."""
    for i in prange(b):
        gru_preactivation_row(gates, hw, xw, b_hh, has_bias, hw_n, start + i, i, hid)


@jit.kernel
def gru_preactivation_serial(gates, hw, xw, b_hh, has_bias, hw_n, start, b, hid):  # pragma: no cover - numba
    """``gru_preactivation`` on the calling thread."""
    for i in range(b):
        gru_preactivation_row(gates, hw, xw, b_hh, has_bias, hw_n, start + i, i, hid)


@jit.kernel(parallel=True)
def gru_candidate(gates, hw, xw, start, b, hid):  # pragma: no cover - compiled by numba
    """``gru_candidate_row`` for the step's rows, on all threads."""
    for i in prange(b):
        gru_candidate_row(gates, hw, xw, start + i, i, hid)


@jit.kernel
def gru_candidate_serial(gates, hw, xw, start, b, hid):  # pragma: no cover - compiled by numba
    """``gru_candidate`` on the calling thread."""
    for i in range(b):
        gru_candidate_row(gates, hw, xw, start + i, i, hid)


@jit.kernel(parallel=True)
def gru_update(gates, h, h_prev, out, start, b, hid):  # pragma: no cover - compiled by numba
    """``gru_update_row`` for the step's rows, on all threads."""
    for i in prange(b):
        gru_update_row(gates, h, h_prev, out, start + i, i, hid)


@jit.kernel
def gru_update_serial(gates, h, h_prev, out, start, b, hid):  # pragma: no cover - compiled by numba
    """``gru_update`` on the calling thread."""
    for i in range(b):
        gru_update_row(gates, h, h_prev, out, start + i, i, hid)


@jit.kernel(parallel=True)
def gru_backward(gates, hw_n, h_prev, g_out, dh, d_x, d_hw, start, b, hid):  # pragma: no cover - numba
    """``gru_backward_row`` for the step's rows, on all threads."""
    for i in prange(b):
        gru_backward_row(gates, hw_n, h_prev, g_out, dh, d_x, d_hw, start + i, i, hid)


@jit.kernel
def gru_backward_serial(gates, hw_n, h_prev, g_out, dh, d_x, d_hw, start, b, hid):  # pragma: no cover - numba
    """``gru_backward`` on the calling thread."""
    for i in range(b):
        gru_backward_row(gates, hw_n, h_prev, g_out, dh, d_x, d_hw, start + i, i, hid)


def _share_rows(gate_width: int, steps: Steps) -> bool:
    """Whether a layer's per-step passes share the rows over the threads: the widest step's gate elements, at
    least PARALLEL_WORK, and more than one thread (else the serial twins)."""
    return threads.worth_sharing(gate_width * max((b for _, b in steps), default=0), PARALLEL_WORK)


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
        arrays = all(type(g) is np.ndarray and g.dtype == gates.dtype for g in (g_out, g_h, g_c))
        if not arrays or w_hr is not None or not _covered(gates, c_prev, tanh_c, h_prev):
            return LSTMLayer.backward(ctx, g_out, g_h, g_c)  # (create_graph's tensors among them)
        g_out = np.ascontiguousarray(g_out)  # (a sum's gradient arrives broadcast; the states' are copied)
        try:
            return _backward(ctx, gates, c_prev, tanh_c, h_prev, w_hh, g_out, g_h, g_c)
        except jit.KernelUnavailable:
            return LSTMLayer.backward(ctx, g_out, g_h, g_c)


def _forward(ctx: Context, xw: Array, h0: Array, c0: Array, w_hh: Array, steps: Steps, reverse: bool) -> tuple:
    """``LSTMLayer.forward`` without a projection, the cell's arithmetic compiled (see the module's docstring)."""
    gemm = backend_of(xw).kernel(product_into)
    hid = c0.shape[1]
    gates, c_prev, tanh_c, h_prev, out, h, c = lstm_buffers(np, xw, h0, c0)
    w_hh_t = row_major_t(np, w_hh, steps)
    shared = _share_rows(4 * hid, steps)
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
    step_back = cell_backward if _share_rows(4 * hid, ctx.steps) else cell_backward_serial
    for start, b in time_order(ctx.steps, not ctx.reverse):
        step_back(gates, tanh_c, c_prev, g_out, dh, dc, d_gates, start, b, hid)
        gemm(d_gates[start : start + b], w_hh, dh[:b])
    need = ctx.needs_input_grad
    d_w_hh = weight_product(d_gates.T, h_prev) if need[3] else None
    return d_gates, dh, dc, d_w_hh, None, None, None


class GRULayerNumba(GRULayer):
    """A GRU layer whose per-step gate arithmetic is compiled passes over the rows, on all threads."""

    node_name = "GRULayerBackward0"

    @staticmethod
    def forward(ctx: Context, xw: Array, h0: Array, w_hh: Array, b_hh: Any, steps: Steps, reverse: bool) -> tuple:
        if not _covered(xw, h0, w_hh, *(() if b_hh is None else (b_hh,))):
            return GRULayer.forward(ctx, xw, h0, w_hh, b_hh, steps, reverse)
        try:
            return _gru_forward(ctx, xw, h0, w_hh, b_hh, steps, reverse)
        except jit.KernelUnavailable:  # numba failed in this process: the plain twin, from now on
            return GRULayer.forward(ctx, xw, h0, w_hh, b_hh, steps, reverse)

    @staticmethod
    def backward(ctx: Context, g_out: Array, g_h: Array) -> tuple:
        gates, hw_n, h_prev, w_hh, *_ = ctx.saved_tensors
        arrays = all(type(g) is np.ndarray and g.dtype == gates.dtype for g in (g_out, g_h))
        if not arrays or not _covered(gates, hw_n, h_prev, w_hh):
            return GRULayer.backward(ctx, g_out, g_h)  # (create_graph's tensors among them)
        try:
            return _gru_backward(ctx, gates, hw_n, h_prev, w_hh, np.ascontiguousarray(g_out), g_h)
        except jit.KernelUnavailable:
            return GRULayer.backward(ctx, g_out, g_h)


def _gru_forward(ctx: Context, xw: Array, h0: Array, w_hh: Array, b_hh: Any, steps: Steps, reverse: bool) -> tuple:
    """``GRULayer.forward``, the gates' arithmetic compiled (see the module's docstring)."""
    gemm = backend_of(xw).kernel(product_into)
    hid = h0.shape[1]
    gates, hw_n, h_prev, out, hw, h = gru_buffers(np, xw, h0)
    w_hh_t = row_major_t(np, w_hh, steps)
    bias = np.zeros(0, xw.dtype) if b_hh is None else b_hh
    pre, candidate, update = (
        (gru_preactivation, gru_candidate, gru_update)
        if _share_rows(3 * hid, steps)
        else (gru_preactivation_serial, gru_candidate_serial, gru_update_serial)
    )
    for start, b in time_order(steps, reverse):
        g = gates[start : start + b]
        gemm(h[:b], w_hh_t, hw[:b])
        pre(gates, hw, xw, bias, b_hh is not None, hw_n, start, b, hid)
        np.exp(g[:, : 2 * hid], out=g[:, : 2 * hid])  # r, z (of -x: the sigmoid's denominator less one)
        candidate(gates, hw, xw, start, b, hid)
        np.tanh(g[:, 2 * hid :], out=g[:, 2 * hid :])  # n
        update(gates, h, h_prev, out, start, b, hid)
    ctx.save_for_backward(gates, hw_n, h_prev, w_hh, xw, h0, b_hh)
    ctx.steps, ctx.reverse, ctx.bias = steps, reverse, b_hh is not None
    return out, h


def _gru_backward(
    ctx: Context, gates: Array, hw_n: Array, h_prev: Array, w_hh: Array, g_out: Array, g_h: Array
) -> tuple:
    """``GRULayer.backward``, the gates' gradients compiled."""
    gemm = backend_of(gates).kernel(product_into)
    hid = h_prev.shape[1]
    d_x = np.empty_like(gates)  # gradient of the input projection
    d_hw = np.empty_like(gates)  # gradient of h @ W_hh.T + b_hh
    dh = g_h.copy()
    tmp = np.empty_like(dh)
    step_back = gru_backward if _share_rows(3 * hid, ctx.steps) else gru_backward_serial
    for start, b in time_order(ctx.steps, not ctx.reverse):
        step_back(gates, hw_n, h_prev, g_out, dh, d_x, d_hw, start, b, hid)
        gemm(d_hw[start : start + b], w_hh, tmp[:b])
        dh[:b] += tmp[:b]
    need = ctx.needs_input_grad
    d_w_hh = weight_product(d_hw.T, h_prev) if need[2] else None
    d_b_hh = d_hw.sum(axis=0) if ctx.bias and need[3] else None
    return d_x, dh, d_w_hh, d_b_hh, None, None


KERNELS = (
    preactivation, preactivation_serial, cell, cell_serial, output, output_serial,
    cell_backward, cell_backward_serial, gru_preactivation, gru_preactivation_serial, gru_candidate,
    gru_candidate_serial, gru_update, gru_update_serial, gru_backward, gru_backward_serial,
)  # fmt: skip
jit.register(HOST, LSTMLayer, LSTMLayerNumba)
jit.register(HOST, GRULayer, GRULayerNumba)
