"""The LSTM's and the GRU's time loops on the GPU: per step one GEMM with ``W_hh`` and one fused kernel, beside
the plain ``recurrence.LSTMLayer`` and ``recurrence.GRULayer``.

The plain twin spends a time step on some fifteen CuPy calls forward (the projection added, four passes
per sigmoid, the cell update, copies of the state) and eighteen backward; on a GPU each is a launch and
10-20 us of host time, so the char LSTM's training step (35 steps) took 25-44 ms on an H200 against
torch's 3-4 (benchmarks/GPU_REPORT.md). Here a step is the GEMM, written straight into the gate block,
and one kernel over the step's (row, unit) pairs: forward the four activations, the state before the
step kept, c' = f*c + i*g, tanh(c') and h' = o*tanh(c'); backward all four gate gradients (already
times their slopes) and the cell state's running gradient, the hidden state's coming from the next GEMM.
The GRU's step is the same in its formula's order (r, z, n with W_hn h + b_hn kept, h' = (h - n) * z + n),
its backward adding the product with ``W_hh`` to the state's gradient in one more call.
The formulas and their order are the plain twins', so the two agree to float rounding (tests/
test_cuda_kernels.py). The LSTM's projections (``proj_size``), tensors under create_graph and other dtypes
go to the plain twins; either backward reads what either forward saved. Registered on the CUDA backend at import.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Context
from ..backend import CUDA, Array, array_module, backend_of
from ..backend.cuda_kernels import T_OF_DTYPE, CudaKernel, grid_for
from .base import is_tensor
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
from .unary_cuda import GRID_STRIDE


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _cell_forward(
    gates: np.ndarray, xw: np.ndarray, c: np.ndarray, h: np.ndarray, c_prev: np.ndarray, h_prev: np.ndarray,
    tanh_c: np.ndarray, out: np.ndarray, start: int, b: int, hid: int,
) -> None:  # fmt: skip
    r = slice(start, start + b)
    g = gates[r] + xw[r]
    i, f, gg, o = (
        _sigmoid(g[:, :hid]),
        _sigmoid(g[:, hid : 2 * hid]),
        np.tanh(g[:, 2 * hid : 3 * hid]),
        _sigmoid(g[:, 3 * hid :]),
    )
    gates[r] = np.concatenate([i, f, gg, o], axis=1)
    c_prev[r], h_prev[r] = c[:b], h[:b]
    c[:b] = f * c[:b] + i * gg
    tanh_c[r] = np.tanh(c[:b])
    h[:b] = o * tanh_c[r]
    out[r] = h[:b]


LSTM_CELL_FORWARD = CudaKernel(
    "lstm_cell_forward",
    "T* gates, const T* xw, T* c, T* h, T* c_prev, T* h_prev, T* tanh_c, T* out, long long start, long long b, "
    "long long hid",
    f"""    const long long n = b * hid;
    {GRID_STRIDE} {{
        const long long row = i / hid, j = i - row * hid, at = (start + row) * hid + j;
        T* g = gates + (start + row) * 4 * hid;
        const T* x = xw + (start + row) * 4 * hid;
        const T ig = T(1) / (T(1) + exp(-(g[j] + x[j])));
        const T fg = T(1) / (T(1) + exp(-(g[hid + j] + x[hid + j])));
        const T gg = tanh(g[2 * hid + j] + x[2 * hid + j]);
        const T og = T(1) / (T(1) + exp(-(g[3 * hid + j] + x[3 * hid + j])));
        g[j] = ig; g[hid + j] = fg; g[2 * hid + j] = gg; g[3 * hid + j] = og;
        const T cb = c[i];
        c_prev[at] = cb;
        h_prev[at] = h[i];
        const T cn = fg * cb + ig * gg;
        const T tc = tanh(cn);
        c[i] = cn;
        tanh_c[at] = tc;
        h[i] = og * tc;
        out[at] = og * tc;
    }}""",
    _cell_forward,
)


def _cell_backward(
    gates: np.ndarray, tanh_c: np.ndarray, c_prev: np.ndarray, g_out: np.ndarray, dh: np.ndarray, dc: np.ndarray,
    d_gates: np.ndarray, start: int, b: int, hid: int,
) -> None:  # fmt: skip
    r = slice(start, start + b)
    g, tc, dhv = gates[r], tanh_c[r], dh[:b] + g_out[r]
    i, f, gg, o = g[:, :hid], g[:, hid : 2 * hid], g[:, 2 * hid : 3 * hid], g[:, 3 * hid :]
    dcv = dc[:b] + (1 - tc * tc) * o * dhv
    d_gates[r] = np.concatenate(
        [dcv * gg * (i - i * i), dcv * c_prev[r] * (f - f * f), dcv * i * (1 - gg * gg), dhv * tc * (o - o * o)], axis=1
    )
    dc[:b] = dcv * f


LSTM_CELL_BACKWARD = CudaKernel(
    "lstm_cell_backward",
    "const T* gates, const T* tanh_c, const T* c_prev, const T* g_out, const T* dh, T* dc, T* d_gates, "
    "long long start, long long b, long long hid",
    f"""    const long long n = b * hid;
    {GRID_STRIDE} {{
        const long long row = i / hid, j = i - row * hid, at = (start + row) * hid + j;
        const T* g = gates + (start + row) * 4 * hid;
        T* d = d_gates + (start + row) * 4 * hid;
        const T ig = g[j], fg = g[hid + j], gg = g[2 * hid + j], og = g[3 * hid + j];
        const T tc = tanh_c[at];
        const T dhv = dh[i] + g_out[at];
        const T dcv = dc[i] + (T(1) - tc * tc) * og * dhv;
        d[j] = dcv * gg * (ig - ig * ig);
        d[hid + j] = dcv * c_prev[at] * (fg - fg * fg);
        d[2 * hid + j] = dcv * ig * (T(1) - gg * gg);
        d[3 * hid + j] = dhv * tc * (og - og * og);
        dc[i] = dcv * fg;
    }}""",
    _cell_backward,
)


def _gru_forward(
    gates: np.ndarray, xw: np.ndarray, hw: np.ndarray, b_hh: np.ndarray, h: np.ndarray, hw_n: np.ndarray,
    h_prev: np.ndarray, out: np.ndarray, bias: int, start: int, b: int, hid: int,
) -> None:  # fmt: skip
    r = slice(start, start + b)
    hwb = hw[:b] + b_hh[: 3 * hid] if bias else hw[:b]
    x = xw[r]
    rz = _sigmoid(x[:, : 2 * hid] + hwb[:, : 2 * hid])
    n = np.tanh(rz[:, :hid] * hwb[:, 2 * hid :] + x[:, 2 * hid :])
    gates[r] = np.concatenate([rz, n], axis=1)
    hw_n[r], h_prev[r] = hwb[:, 2 * hid :], h[:b]
    h[:b] = (h[:b] - n) * rz[:, hid:] + n
    out[r] = h[:b]


GRU_CELL_FORWARD = CudaKernel(
    "gru_cell_forward",
    "T* gates, const T* xw, const T* hw, const T* b_hh, T* h, T* hw_n, T* h_prev, T* out, int bias, "
    "long long start, long long b, long long hid",
    f"""    const long long n = b * hid;
    {GRID_STRIDE} {{
        const long long row = i / hid, j = i - row * hid, at = (start + row) * hid + j;
        T* g = gates + (start + row) * 3 * hid;
        const T* x = xw + (start + row) * 3 * hid;
        const T* p = hw + row * 3 * hid;
        const T hr = bias ? p[j] + b_hh[j] : p[j];
        const T hz = bias ? p[hid + j] + b_hh[hid + j] : p[hid + j];
        const T hn = bias ? p[2 * hid + j] + b_hh[2 * hid + j] : p[2 * hid + j];
        const T rg = T(1) / (T(1) + exp(-(x[j] + hr)));
        const T z = T(1) / (T(1) + exp(-(x[hid + j] + hz)));
        const T nn = tanh(rg * hn + x[2 * hid + j]);
        g[j] = rg; g[hid + j] = z; g[2 * hid + j] = nn;
        hw_n[at] = hn;
        const T hp = h[i];
        h_prev[at] = hp;
        const T hv = (hp - nn) * z + nn;
        h[i] = hv;
        out[at] = hv;
    }}""",
    _gru_forward,
)


def _gru_backward(
    gates: np.ndarray, hw_n: np.ndarray, h_prev: np.ndarray, g_out: np.ndarray, dh: np.ndarray, d_x: np.ndarray,
    d_hw: np.ndarray, start: int, b: int, hid: int,
) -> None:  # fmt: skip
    r = slice(start, start + b)
    g, dhv = gates[r], dh[:b] + g_out[r]
    rg, z, n = g[:, :hid], g[:, hid : 2 * hid], g[:, 2 * hid :]
    dn = dhv * (1 - z) * (1 - n * n)
    dz = (h_prev[r] - n) * dhv * (z * (1 - z))
    dr = dn * hw_n[r] * (rg * (1 - rg))
    d_x[r] = np.concatenate([dr, dz, dn], axis=1)
    d_hw[r] = np.concatenate([dr, dz, dn * rg], axis=1)
    dh[:b] = dhv * z


GRU_CELL_BACKWARD = CudaKernel(
    "gru_cell_backward",
    "const T* gates, const T* hw_n, const T* h_prev, const T* g_out, T* dh, T* d_x, T* d_hw, "
    "long long start, long long b, long long hid",
    f"""    const long long n = b * hid;
    {GRID_STRIDE} {{
        const long long row = i / hid, j = i - row * hid, at = (start + row) * hid + j;
        const T* g = gates + (start + row) * 3 * hid;
        T* dx = d_x + (start + row) * 3 * hid;
        T* dw = d_hw + (start + row) * 3 * hid;
        const T rg = g[j], z = g[hid + j], nn = g[2 * hid + j];
        const T dhv = dh[i] + g_out[at];
        const T dn = dhv * (T(1) - z) * (T(1) - nn * nn);
        const T dz = (h_prev[at] - nn) * dhv * (z * (T(1) - z));
        const T dr = dn * hw_n[at] * (rg * (T(1) - rg));
        dx[j] = dr; dx[hid + j] = dz; dx[2 * hid + j] = dn;
        dw[j] = dr; dw[hid + j] = dz; dw[2 * hid + j] = dn * rg;
        dh[i] = dhv * z;
    }}""",
    _gru_backward,
)


def _covered(*arrays: Any) -> bool:
    """Device arrays of one kernel dtype, C-contiguous (what the kernels read)."""
    dt = arrays[0].dtype
    return dt in T_OF_DTYPE and all(a.dtype == dt and a.flags.c_contiguous for a in arrays)


class LSTMLayerCuda(LSTMLayer):
    """An LSTM layer whose per-step cell arithmetic is one kernel (see the module docstring)."""

    node_name = "LSTMLayerBackward0"

    @staticmethod
    def forward(
        ctx: Context, xw: Array, h0: Array, c0: Array, w_hh: Array, w_hr: Any, steps: Steps, reverse: bool
    ) -> tuple:
        if w_hr is not None or not _covered(xw, h0, c0, w_hh):
            return LSTMLayer.forward(ctx, xw, h0, c0, w_hh, w_hr, steps, reverse)
        xp, dev = array_module(xw), backend_of(xw)
        hid = c0.shape[1]
        gates, c_prev, tanh_c, h_prev, out, h, c = lstm_buffers(xp, xw, h0, c0)
        w_hh_t = row_major_t(xp, w_hh, steps)
        for start, b in time_order(steps, reverse):
            product_into(h[:b], w_hh_t, gates[start : start + b])
            args = (gates, xw, c, h, c_prev, h_prev, tanh_c, out, start, b, hid)
            dev.launch(LSTM_CELL_FORWARD, grid_for(b * hid), (256,), args)
        ctx.save_for_backward(gates, c_prev, tanh_c, h_prev, w_hh, None, xw, h0, c0)
        ctx.steps, ctx.reverse = steps, reverse
        return out, h, c

    @staticmethod
    def backward(ctx: Context, g_out: Array, g_h: Array, g_c: Array) -> tuple:
        gates, c_prev, tanh_c, h_prev, w_hh, w_hr, *_ = ctx.saved_tensors
        plain = is_tensor(g_out) or w_hr is not None or not _covered(gates, c_prev, tanh_c, h_prev, w_hh)
        if plain or any(g.dtype != gates.dtype for g in (g_out, g_h, g_c)):
            return LSTMLayer.backward(ctx, g_out, g_h, g_c)  # (create_graph's tensors among them)
        xp, dev = array_module(gates), backend_of(gates)
        hid = c_prev.shape[1]
        g_out = xp.ascontiguousarray(g_out)  # (a sum's gradient arrives broadcast)
        d_gates = xp.empty_like(gates)
        dh, dc = g_h.copy(), g_c.copy()  # the running state gradients (C-ordered copies)
        for start, b in time_order(ctx.steps, not ctx.reverse):
            args = (gates, tanh_c, c_prev, g_out, dh, dc, d_gates, start, b, hid)
            dev.launch(LSTM_CELL_BACKWARD, grid_for(b * hid), (256,), args)
            product_into(d_gates[start : start + b], w_hh, dh[:b])
        need = ctx.needs_input_grad
        d_w_hh = weight_product(d_gates.T, h_prev) if need[3] else None
        return d_gates, dh, dc, d_w_hh, None, None, None


class GRULayerCuda(GRULayer):
    """A GRU layer whose per-step gate arithmetic is one kernel (see the module docstring)."""

    node_name = "GRULayerBackward0"

    @staticmethod
    def forward(ctx: Context, xw: Array, h0: Array, w_hh: Array, b_hh: Any, steps: Steps, reverse: bool) -> tuple:
        if not _covered(xw, h0, w_hh, *(() if b_hh is None else (b_hh,))):
            return GRULayer.forward(ctx, xw, h0, w_hh, b_hh, steps, reverse)
        xp, dev = array_module(xw), backend_of(xw)
        hid = h0.shape[1]
        gates, hw_n, h_prev, out, hw, h = gru_buffers(xp, xw, h0)
        w_hh_t = row_major_t(xp, w_hh, steps)
        bias = w_hh if b_hh is None else b_hh  # a valid pointer the kernel does not read without a bias
        for start, b in time_order(steps, reverse):
            product_into(h[:b], w_hh_t, hw[:b])
            args = (gates, xw, hw, bias, h, hw_n, h_prev, out, int(b_hh is not None), start, b, hid)
            dev.launch(GRU_CELL_FORWARD, grid_for(b * hid), (256,), args)
        ctx.save_for_backward(gates, hw_n, h_prev, w_hh, xw, h0, b_hh)
        ctx.steps, ctx.reverse, ctx.bias = steps, reverse, b_hh is not None
        return out, h

    @staticmethod
    def backward(ctx: Context, g_out: Array, g_h: Array) -> tuple:
        gates, hw_n, h_prev, w_hh, *_ = ctx.saved_tensors
        plain = is_tensor(g_out) or not _covered(gates, hw_n, h_prev, w_hh)
        if plain or any(g.dtype != gates.dtype for g in (g_out, g_h)):
            return GRULayer.backward(ctx, g_out, g_h)  # (create_graph's tensors among them)
        xp, dev = array_module(gates), backend_of(gates)
        hid = h_prev.shape[1]
        g_out = xp.ascontiguousarray(g_out)
        d_x, d_hw = xp.empty_like(gates), xp.empty_like(gates)  # gradients of xw and of h @ W_hh.T + b_hh
        dh = g_h.copy()  # the running state gradient (a C-ordered copy)
        tmp = xp.empty_like(dh)
        for start, b in time_order(ctx.steps, not ctx.reverse):
            args = (gates, hw_n, h_prev, g_out, dh, d_x, d_hw, start, b, hid)
            dev.launch(GRU_CELL_BACKWARD, grid_for(b * hid), (256,), args)
            product_into(d_hw[start : start + b], w_hh, tmp[:b])
            dh[:b] += tmp[:b]
        need = ctx.needs_input_grad
        d_w_hh = weight_product(d_hw.T, h_prev) if need[2] else None
        d_b_hh = dev.sum_leading(d_hw, 1) if ctx.bias and need[3] else None
        return d_x, dh, d_w_hh, d_b_hh, None, None


KERNELS = (LSTM_CELL_FORWARD, LSTM_CELL_BACKWARD, GRU_CELL_FORWARD, GRU_CELL_BACKWARD)
VARIANTS = {LSTMLayer: LSTMLayerCuda, GRULayer: GRULayerCuda}
for _plain, _fast in VARIANTS.items():
    CUDA.register_kernel(_plain, _fast)
