"""ReLU compiled in numba on all threads: the host's fast kernel beside the plain ``Relu`` (unary.py).

numpy's ``maximum(x, 0)`` handles NaN per element and runs on one core: on LeNet's activations at
batch 64 it took ~150 us where a compiled loop over both cores takes ~20. The forward keeps torch's
results bit for bit (NaN stays NaN, -0.0 stays -0.0: ``0 if x < 0 else x``), and the backward
selects as torch's ``threshold_backward`` does (``grad`` where the output is not 0, so an infinite
or NaN gradient where the output is 0 gives 0) in one pass, where the plain twin builds a mask and
multiplies. Both loops run on numba's threads (``prange``). Registered on the host when numba is
present; ``tests/test_ops_numba.py`` checks it bit for bit against its plain twin and against torch.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Context
from ..backend import HOST, Array, jit, threads
from ..backend.jit import prange
from .base import is_tensor
from .unary import Relu

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Elements below which the loops run on the calling thread (threads.worth_sharing).
PARALLEL_WORK = 1 << 16


@jit.kernel(parallel=True)
def relu_forward(x, out):  # pragma: no cover - compiled by numba
    """out = 0 where x < 0, else x (NaN and -0.0 kept), over flat arrays, on all threads."""
    zero = x.dtype.type(0)
    for i in prange(x.size):
        v = x[i]
        out[i] = zero if v < zero else v


@jit.kernel
def relu_forward_serial(x, out):  # pragma: no cover - compiled by numba
    """``relu_forward`` on the calling thread (an input too small to share)."""
    zero = x.dtype.type(0)
    for i in range(np.uint64(x.size)):  # unsigned: no negative-index check, so the loop vectorises
        v = x[i]
        out[i] = zero if v < zero else v


@jit.kernel(parallel=True)
def relu_backward(grad, out, gx):  # pragma: no cover - compiled by numba
    """gx = grad where out != 0, else 0 (selected, not multiplied), over flat arrays, on all threads."""
    zero = grad.dtype.type(0)
    for i in prange(grad.size):
        gx[i] = grad[i] if out[i] != zero else zero


@jit.kernel
def relu_backward_serial(grad, out, gx):  # pragma: no cover - compiled by numba
    """``relu_backward`` on the calling thread."""
    zero = grad.dtype.type(0)
    for i in range(np.uint64(grad.size)):
        gx[i] = grad[i] if out[i] != zero else zero


class ReluNumba(Relu):
    """max(x, 0) and its gradient, each one compiled pass over all threads."""

    node_name = "ReluBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.plain = True
        if x.dtype not in DTYPES or type(x) is not np.ndarray or x.size == 0:
            return Relu.forward(ctx, x)
        if not x.flags.c_contiguous:  # (ascontiguousarray would make a 0-d array 1-d)
            x = x.copy(order="C")
        out = np.empty(x.shape, dtype=x.dtype)
        try:
            run = relu_forward if threads.worth_sharing(x.size, PARALLEL_WORK) else relu_forward_serial
            run(x.reshape(-1), out.reshape(-1))
        except jit.KernelUnavailable:  # numba failed in this process: the plain twin, from now on
            return Relu.forward(ctx, x)
        ctx.plain = False
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        if ctx.plain or is_tensor(grad) or grad.dtype != out.dtype or type(grad) is not np.ndarray:
            return Relu.backward(ctx, grad)  # the plain forward ran, create_graph, or an unusual gradient
        grad = grad if grad.flags.c_contiguous else grad.copy(order="C")
        out = out if out.flags.c_contiguous else out.copy(order="C")
        gx = np.empty(out.shape, dtype=out.dtype)
        try:
            run = relu_backward if threads.worth_sharing(gx.size, PARALLEL_WORK) else relu_backward_serial
            run(grad.reshape(-1), out.reshape(-1), gx.reshape(-1))
        except jit.KernelUnavailable:  # numba failed since the forward: the plain twin
            return Relu.backward(ctx, grad)
        return gx


KERNELS = (relu_forward, relu_forward_serial, relu_backward, relu_backward_serial)
VARIANTS = {Relu: ReluNumba}
for _plain, _fast in VARIANTS.items():
    jit.register(HOST, _plain, _fast)
