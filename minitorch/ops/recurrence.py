"""The time loops of the recurrent layers: one Op per layer and direction, forward and backward over a whole sequence.

A layer's input projection (``x @ W_ih.T + biases`` for every time step at once, one GEMM) is an
ordinary ``linear`` before these Ops; what is left is the recurrence: per step one GEMM with
``W_hh`` and the gate nonlinearities on whole gate blocks. Backward runs the reverse-time loop
(one GEMM per step) and returns the gradient of the input projection for all steps at once, so the
weight gradients cost one GEMM each after the loop instead of one per step.

Sequences are laid out time-major and flat, ``(rows, features)``: ``steps`` lists, in time order,
``(first_row, batch)`` per time step. A padded batch has ``batch`` equal at every step; a packed
sequence (``nn.utils.rnn.PackedSequence``) has it non-increasing, and the running state's first
``batch`` rows are the sequences still going. ``reverse`` walks the steps from the last.

What each Op saves is listed in its docstring. The loops write in place into preallocated blocks, which
tensors cannot do, so under ``create_graph`` (the output gradients arrive as tensors) a layer's backward
takes the other path the design allows, chosen per call: the recurrence runs again on the graph's tensors
with differentiable ops (``_lstm_steps``, ``_gru_steps``, ``_rnn_steps``: a GEMM and the gate functions
per step, torch's own composition on the CPU) and the engine differentiates that run, recording it, so
the gradients differentiate again to any order (``_graph_backward``). The first-order loops are untouched.
"""

from __future__ import annotations

from typing import Any

from ..autograd.engine import grad as autograd_grad
from ..autograd.function import Context
from ..backend import Array, array_module, backend_of
from .base import Op, is_tensor
from .join import cat
from .linalg import matmul, product_into
from .shape import clone, t
from .unary import relu, sigmoid, tanh

Steps = tuple  # ((first_row, batch), ...) in time order


def schedule(batch_sizes: Any, batch: int = 0) -> Steps:
    """``steps`` for a packed sequence's batch sizes, or, given a length and ``batch``, for a padded one."""
    if isinstance(batch_sizes, int):
        return tuple((t * batch, batch) for t in range(batch_sizes))
    steps, row = [], 0
    for b in batch_sizes:
        steps.append((row, int(b)))
        row += int(b)
    return tuple(steps)


def time_order(steps: Steps, reverse: bool) -> Any:
    """The steps in the order a direction walks them (from the last for ``reverse``)."""
    return reversed(steps) if reverse else steps


def _sigmoid_(xp: Any, a: Array) -> None:
    """a = 1 / (1 + exp(-a)) in place (exp overflows to inf for very negative a, giving exactly 0)."""
    # Not negative(a, out=a): numpy 2.4's in-place negative misreads 4-byte columns with a 16-byte row
    # stride (a float32 LSTM gate block of hidden size 1), and multiply does the same job.
    xp.multiply(a, -1, out=a)
    xp.exp(a, out=a)
    a += 1
    xp.reciprocal(a, out=a)


def row_major_t(xp: Any, w: Array, steps: Steps) -> Array:
    """w.T for the per-step GEMMs, copied to row-major once when there are several steps: BLAS multiplies by a
    row-major right operand measurably faster than by a transposed view, and one copy serves every step."""
    return xp.ascontiguousarray(w.T) if len(steps) > 1 else w.T


class LSTMLayer(Op):
    """One LSTM layer, one direction: gates i, f, g, o from ``xw`` (input projection with both biases)
    plus ``h @ W_hh.T``; c' = f*c + i*g, h' = o*tanh(c') (times ``W_hr.T`` with a projection).

    Saves the gate activations (rows, 4H), the cell state before each step and tanh of the one after
    (rows, H each), the hidden state before each step (rows, P), the weights, and (references, for
    create_graph) xw, h0 and c0.
    """

    @staticmethod
    def forward(
        ctx: Context, xw: Array, h0: Array, c0: Array, w_hh: Array, w_hr: Any, steps: Steps, reverse: bool
    ) -> tuple:
        xp = array_module(xw)
        gemm = backend_of(xw).kernel(product_into)  # the per-step products (threads on the host)
        hid = c0.shape[1]
        gates, c_prev, tanh_c, h_prev, out, h, c = lstm_buffers(xp, xw, h0, c0)
        ig = xp.empty_like(c)
        w_hh_t = row_major_t(xp, w_hh, steps)
        for start, b in time_order(steps, reverse):
            r = slice(start, start + b)
            hb, cb, g = h[:b], c[:b], gates[r]
            h_prev[r] = hb
            c_prev[r] = cb
            gemm(hb, w_hh_t, g)
            g += xw[r]
            _sigmoid_(xp, g[:, : 2 * hid])  # i, f
            _sigmoid_(xp, g[:, 3 * hid :])  # o
            xp.tanh(g[:, 2 * hid : 3 * hid], out=g[:, 2 * hid : 3 * hid])
            i, f, gg, o = g[:, :hid], g[:, hid : 2 * hid], g[:, 2 * hid : 3 * hid], g[:, 3 * hid :]
            cb *= f
            cb += xp.multiply(i, gg, out=ig[:b])
            tc = tanh_c[r]
            xp.tanh(cb, out=tc)
            if w_hr is None:
                xp.multiply(o, tc, out=hb)
            else:
                xp.matmul(o * tc, w_hr.T, out=hb)
            out[r] = hb
        ctx.save_for_backward(gates, c_prev, tanh_c, h_prev, w_hh, w_hr, xw, h0, c0)
        ctx.steps, ctx.reverse = steps, reverse
        return out, h, c

    @staticmethod
    def backward(ctx: Context, g_out: Array, g_h: Array, g_c: Array) -> tuple:
        gates, c_prev, tanh_c, h_prev, w_hh, w_hr, xw, h0, c0 = ctx.saved_tensors
        if is_tensor(g_out):
            return _graph_backward(ctx, _lstm_steps, (xw, h0, c0, w_hh, w_hr), (g_out, g_h, g_c))
        xp = array_module(gates)
        gemm = backend_of(gates).kernel(product_into)  # the per-step products (threads on the host)
        hid = c_prev.shape[1]
        d_gates = xp.empty_like(gates)
        dh, dc = g_h.copy(), g_c.copy()  # running gradients of the state, rows of finished sequences kept
        dh_all = None if w_hr is None else xp.empty_like(h_prev)
        slope = xp.empty((dh.shape[0], 4 * hid), gates.dtype)  # each gate's derivative at its pre-activation
        tmp = xp.empty_like(dc)
        for start, b in time_order(ctx.steps, not ctx.reverse):
            r = slice(start, start + b)
            dhb, dcb, d, sb, tb = dh[:b], dc[:b], d_gates[r], slope[:b], tmp[:b]
            dhb += g_out[r]
            if dh_all is None:  # no projection (w_hr is None)
                d_hraw = dhb
            else:
                dh_all[r] = dhb
                d_hraw = xp.matmul(dhb, w_hr)
            g, tc = gates[r], tanh_c[r]
            i, f, gg, o = g[:, :hid], g[:, hid : 2 * hid], g[:, 2 * hid : 3 * hid], g[:, 3 * hid :]
            # The gradients of the four activations, into their columns of d ...
            xp.multiply(d_hraw, tc, out=d[:, 3 * hid :])  # o
            xp.multiply(tc, tc, out=tb)
            xp.subtract(1, tb, out=tb)
            tb *= o
            tb *= d_hraw
            dcb += tb  # c' = f*c + i*g feeds h' = o*tanh(c')
            xp.multiply(dcb, gg, out=d[:, :hid])  # i
            xp.multiply(dcb, c_prev[r], out=d[:, hid : 2 * hid])  # f
            xp.multiply(dcb, i, out=d[:, 2 * hid : 3 * hid])  # g
            # ... then times each activation's slope, one pass over the whole block: s(1-s) for the
            # sigmoid gates, 1-g^2 for the tanh one.
            xp.multiply(g, g, out=sb)
            xp.subtract(g, sb, out=sb)
            xp.multiply(gg, gg, out=sb[:, 2 * hid : 3 * hid])
            xp.subtract(1, sb[:, 2 * hid : 3 * hid], out=sb[:, 2 * hid : 3 * hid])
            d *= sb
            dcb *= f
            gemm(d, w_hh, dhb)
        need = ctx.needs_input_grad
        d_w_hh = weight_product(d_gates.T, h_prev) if need[3] else None
        d_w_hr = weight_product(dh_all.T, gates[:, 3 * hid :] * tanh_c) if dh_all is not None and need[4] else None
        return d_gates, dh, dc, d_w_hh, d_w_hr, None, None


class GRULayer(Op):
    """One GRU layer, one direction, torch's formula: r, z = sigmoid(xw_rz + (h @ W_hh.T + b_hh)_rz),
    n = tanh(xw_n + r * (h @ W_hn.T + b_hn)), h' = (h - n) * z + n; ``xw`` holds the input bias only.

    Saves r, z, n (rows, 3H), W_hn h + b_hn (rows, H), the hidden state before each step, W_hh, and
    (references, for create_graph) xw, h0 and b_hh.
    """

    @staticmethod
    def forward(ctx: Context, xw: Array, h0: Array, w_hh: Array, b_hh: Any, steps: Steps, reverse: bool) -> tuple:
        xp = array_module(xw)
        gemm = backend_of(xw).kernel(product_into)  # the per-step products (threads on the host)
        hid = h0.shape[1]
        gates, hw_n, h_prev, out, hw, h = gru_buffers(xp, xw, h0)
        w_hh_t = row_major_t(xp, w_hh, steps)
        for start, b in time_order(steps, reverse):
            r = slice(start, start + b)
            hb, hwb, g, x = h[:b], hw[:b], gates[r], xw[r]
            h_prev[r] = hb
            gemm(hb, w_hh_t, hwb)
            if b_hh is not None:
                hwb += b_hh
            rz = g[:, : 2 * hid]
            xp.add(x[:, : 2 * hid], hwb[:, : 2 * hid], out=rz)
            _sigmoid_(xp, rz)
            hw_n[r] = hwb[:, 2 * hid :]
            n = g[:, 2 * hid :]
            xp.multiply(g[:, :hid], hwb[:, 2 * hid :], out=n)
            n += x[:, 2 * hid :]
            xp.tanh(n, out=n)
            hb -= n
            hb *= g[:, hid : 2 * hid]
            hb += n
            out[r] = hb
        ctx.save_for_backward(gates, hw_n, h_prev, w_hh, xw, h0, b_hh)
        ctx.steps, ctx.reverse, ctx.bias = steps, reverse, b_hh is not None
        return out, h

    @staticmethod
    def backward(ctx: Context, g_out: Array, g_h: Array) -> tuple:
        gates, hw_n, h_prev, w_hh, xw, h0, b_hh = ctx.saved_tensors
        if is_tensor(g_out):
            return _graph_backward(ctx, _gru_steps, (xw, h0, w_hh, b_hh), (g_out, g_h))
        xp = array_module(gates)
        hid = h_prev.shape[1]
        d_x = xp.empty_like(gates)  # gradient of the input projection
        d_hw = xp.empty_like(gates)  # gradient of h @ W_hh.T + b_hh
        dh = g_h.copy()
        gemm = backend_of(gates).kernel(product_into)  # the per-step products (threads on the host)
        tmp = xp.empty_like(dh)
        for start, b in time_order(ctx.steps, not ctx.reverse):
            r = slice(start, start + b)
            dhb, dx, dhw = dh[:b], d_x[r], d_hw[r]
            dhb += g_out[r]
            g = gates[r]
            rg, z, n = g[:, :hid], g[:, hid : 2 * hid], g[:, 2 * hid :]
            dn = dx[:, 2 * hid :]
            xp.multiply(dhb, 1 - z, out=dn)
            dn *= 1 - n * n
            dz = dx[:, hid : 2 * hid]
            xp.subtract(h_prev[r], n, out=dz)
            dz *= dhb
            dz *= z * (1 - z)
            xp.multiply(dn, hw_n[r], out=dx[:, :hid])
            dx[:, :hid] *= rg * (1 - rg)
            dhw[:, : 2 * hid] = dx[:, : 2 * hid]
            xp.multiply(dn, rg, out=dhw[:, 2 * hid :])
            dhb *= z
            gemm(dhw, w_hh, tmp[:b])
            dhb += tmp[:b]
        need = ctx.needs_input_grad
        d_w_hh = weight_product(d_hw.T, h_prev) if need[2] else None
        d_b_hh = d_hw.sum(axis=0) if ctx.bias and need[3] else None
        return d_x, dh, d_w_hh, d_b_hh, None, None


class RNNLayer(Op):
    """One Elman RNN layer, one direction: h' = tanh(xw + h @ W_hh.T) (or relu); ``xw`` holds both biases.

    Saves the outputs (the hidden state after each step), the hidden state before each step, W_hh, and
    (references, for create_graph) xw and h0.
    """

    @staticmethod
    def forward(ctx: Context, xw: Array, h0: Array, w_hh: Array, steps: Steps, reverse: bool, relu: bool) -> tuple:
        xp = array_module(xw)
        gemm = backend_of(xw).kernel(product_into)  # the per-step products (threads on the host)
        h_prev = xp.empty_like(xw)
        out = xp.empty_like(xw)
        h = h0.copy()
        w_hh_t = row_major_t(xp, w_hh, steps)
        for start, b in time_order(steps, reverse):
            r = slice(start, start + b)
            hb, o = h[:b], out[r]
            h_prev[r] = hb
            gemm(hb, w_hh_t, o)
            o += xw[r]
            if relu:
                xp.maximum(o, 0, out=o)
            else:
                xp.tanh(o, out=o)
            hb[...] = o
        ctx.save_for_backward(out, h_prev, w_hh, xw, h0)
        ctx.steps, ctx.reverse, ctx.relu = steps, reverse, relu
        return out, h

    @staticmethod
    def backward(ctx: Context, g_out: Array, g_h: Array) -> tuple:
        out, h_prev, w_hh, xw, h0 = ctx.saved_tensors
        if is_tensor(g_out):
            return _graph_backward(ctx, _rnn_steps, (xw, h0, w_hh), (g_out, g_h), ctx.relu)
        xp = array_module(out)
        gemm = backend_of(out).kernel(product_into)  # the per-step products (threads on the host)
        d_pre = xp.empty_like(out)
        dh = g_h.copy()
        for start, b in time_order(ctx.steps, not ctx.reverse):
            r = slice(start, start + b)
            dhb, d, o = dh[:b], d_pre[r], out[r]
            dhb += g_out[r]
            if ctx.relu:
                xp.multiply(dhb, o > 0, out=d)
            else:
                xp.multiply(dhb, 1 - o * o, out=d)
            gemm(d, w_hh, dhb)
        d_w_hh = weight_product(d_pre.T, h_prev) if ctx.needs_input_grad[2] else None
        return d_pre, dh, d_w_hh, None, None, None


def lstm_buffers(xp: Any, xw: Array, h0: Array, c0: Array) -> tuple:
    """An LSTM layer's forward arrays: gates (rows, 4H), the cell state before each step and tanh of the one after
    (rows, H), the hidden state before each step and the output (rows, P), and the running states (copies)."""
    rows, hid, width = xw.shape[0], c0.shape[1], h0.shape[1]
    gates = xp.empty((rows, 4 * hid), xw.dtype)
    c_prev, tanh_c = xp.empty((rows, hid), xw.dtype), xp.empty((rows, hid), xw.dtype)
    h_prev, out = xp.empty((rows, width), xw.dtype), xp.empty((rows, width), xw.dtype)
    return gates, c_prev, tanh_c, h_prev, out, h0.copy(), c0.copy()


def gru_buffers(xp: Any, xw: Array, h0: Array) -> tuple:
    """A GRU layer's forward arrays: gates (rows, 3H), W_hn h + b_hn, the state before each step and the output
    (rows, H), the per-step product (batch, 3H) and the running state (a copy of h0)."""
    rows, hid = xw.shape[0], h0.shape[1]
    gates, hw_n = xp.empty((rows, 3 * hid), xw.dtype), xp.empty((rows, hid), xw.dtype)
    h_prev, out = xp.empty((rows, hid), xw.dtype), xp.empty((rows, hid), xw.dtype)
    return gates, hw_n, h_prev, out, xp.empty((h0.shape[0], 3 * hid), xw.dtype), h0.copy()


def weight_product(a: Array, b: Array) -> Array:
    """a @ b into a new array by the device's product kernel: a weight's gradient over all steps at once, which
    numpy's BLAS would run on one thread once the host's kernels hold the threads (``threads.own_pool_started``)."""
    xp = array_module(a)
    out = xp.empty((a.shape[0], b.shape[1]), dtype=xp.result_type(a, b))
    backend_of(a).kernel(product_into)(a, b, out)
    return out


# ------------------------------------------------------------------ under create_graph
def _graph_backward(ctx: Context, steps_of: Any, inputs: tuple, grads: tuple, *conf: Any) -> tuple:
    """The layer's input gradients under create_graph: ``steps_of`` runs the recurrence again on the graph's
    tensors (``inputs``, the forward's tensor arguments in order) and the engine differentiates it along
    ``grads``, recording what it does. One gradient per forward argument (``None`` for the schedule)."""
    wanted = [i for i, x in enumerate(inputs) if x is not None and ctx.needs_input_grad[i]]
    # Each input through a node of its own: the gradient stops there, at this layer's own use of it (a weight
    # that also reaches the layer another way, through xw, gets that part from the engine running this backward).
    inputs = tuple(clone(x) if i in wanted else x for i, x in enumerate(inputs))
    outputs = steps_of(*inputs, ctx.steps, ctx.reverse, *conf)
    got = autograd_grad(outputs, [inputs[i] for i in wanted], grads, create_graph=True, allow_unused=True)
    result: list = [None] * len(ctx.needs_input_grad)
    for i, g in zip(wanted, got):
        result[i] = g
    return tuple(result)


def _kept(new: Any, old: Any, b: int) -> Any:
    """The running state with its first ``b`` rows replaced (the sequences still going), the others kept."""
    return new if b == old.shape[0] else cat([new, old[b:]], 0)


def _in_time_order(outs: dict, steps: Steps) -> Any:
    return cat([outs[start] for start, _ in steps], 0)


def _lstm_steps(xw: Any, h0: Any, c0: Any, w_hh: Any, w_hr: Any, steps: Steps, reverse: bool) -> tuple:
    """LSTMLayer's forward on tensors, differentiably: (output rows, h_n, c_n)."""
    hid, h, c, outs = c0.shape[1], h0, c0, {}
    for start, b in time_order(steps, reverse):
        g = xw[start : start + b] + matmul(h[:b], t(w_hh))
        i, f, o = sigmoid(g[:, :hid]), sigmoid(g[:, hid : 2 * hid]), sigmoid(g[:, 3 * hid :])
        cb = f * c[:b] + i * tanh(g[:, 2 * hid : 3 * hid])
        hb = o * tanh(cb)
        if w_hr is not None:
            hb = matmul(hb, t(w_hr))
        h, c, outs[start] = _kept(hb, h, b), _kept(cb, c, b), hb
    return _in_time_order(outs, steps), h, c


def _gru_steps(xw: Any, h0: Any, w_hh: Any, b_hh: Any, steps: Steps, reverse: bool) -> tuple:
    """GRULayer's forward on tensors, differentiably: (output rows, h_n)."""
    hid, h, outs = h0.shape[1], h0, {}
    for start, b in time_order(steps, reverse):
        x, hb = xw[start : start + b], h[:b]
        hw = matmul(hb, t(w_hh)) if b_hh is None else matmul(hb, t(w_hh)) + b_hh
        rz = sigmoid(x[:, : 2 * hid] + hw[:, : 2 * hid])
        n = tanh(x[:, 2 * hid :] + rz[:, :hid] * hw[:, 2 * hid :])
        hb = (hb - n) * rz[:, hid:] + n
        h, outs[start] = _kept(hb, h, b), hb
    return _in_time_order(outs, steps), h


def _rnn_steps(xw: Any, h0: Any, w_hh: Any, steps: Steps, reverse: bool, use_relu: bool) -> tuple:
    """RNNLayer's forward on tensors, differentiably: (output rows, h_n)."""
    h, outs = h0, {}
    for start, b in time_order(steps, reverse):
        pre = xw[start : start + b] + matmul(h[:b], t(w_hh))
        hb = relu(pre) if use_relu else tanh(pre)
        h, outs[start] = _kept(hb, h, b), hb
    return _in_time_order(outs, steps), h
