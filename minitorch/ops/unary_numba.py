"""ReLU and clamp compiled in numba on all threads: the host's fast kernels beside the plain ``Relu``
(unary.py) and ``Clamp`` (selection.py).

numpy's ``maximum(x, 0)`` handles NaN per element and runs on one core: on LeNet's activations at
batch 64 it took ~150 us where a compiled loop over both cores takes ~20. The forward keeps torch's
results bit for bit (NaN stays NaN, -0.0 stays -0.0: ``0 if x < 0 else x``), and the backward
selects as torch's ``threshold_backward`` does (``grad`` where the output is not 0, so an infinite
or NaN gradient where the output is 0 gives 0) in one pass, where the plain twin builds a mask and
multiplies. Both loops run on numba's threads (``prange``). Clamp with constant bounds
(``clamp(min=0)`` of the tutorials' two-layer net) likewise: one pass writes the result and the mask
of the elements inside the bounds (numpy's twin makes a full-size bound array, a maximum, a comparison
and a cast), and the backward selects the gradient by the mask, as torch's ``where`` does (+0.0
outside, where the twin's product gives -0.0 for a negative gradient: equal in value). Registered on
the host when numba is present; ``tests/test_ops_numba.py`` checks both against their plain twins
and against torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Context
from ..backend import HOST, Array, jit, threads
from ..backend.jit import prange
from .base import is_tensor
from .selection import Clamp, ClampMax, ClampMin
from .unary import Relu

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Elements below which the loops run on the calling thread (threads.worth_sharing).
PARALLEL_WORK = 1 << 16
# Elements below which clamp's forward is the plain twin's two numpy passes: a kernel call costs more there
# (8 elements: 2.9 us against 1.7; even at ~6000). Its backward stays the kernel's at every size (2.3 us against 4.3).
CLAMP_KERNEL_WORK = 1 << 12


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
        gx = _gradient_pass(relu_backward, relu_backward_serial, grad, out)
        return Relu.backward(ctx, grad) if gx is None else gx  # (None: numba failed since the forward)


def _gradient_pass(parallel: Any, serial: Any, grad: Array, saved: Array) -> Array | None:
    """gx = ``parallel(grad, saved)`` (or its ``serial`` twin, for little work) over flat C-contiguous arrays;
    None where numba failed (the caller runs its plain twin)."""
    grad = grad if grad.flags.c_contiguous else grad.copy(order="C")
    saved = saved if saved.flags.c_contiguous else saved.copy(order="C")
    gx = np.empty(grad.shape, dtype=grad.dtype)
    try:
        run = parallel if threads.worth_sharing(gx.size, PARALLEL_WORK) else serial
        run(grad.reshape(-1), saved.reshape(-1), gx.reshape(-1))
    except jit.KernelUnavailable:
        return None
    return gx


@jit.helper
def clamp_element(x, lo, hi, has_lo, has_hi):  # pragma: no cover - compiled by numba
    """(x clamped to the bounds given, whether lo <= x <= hi), as the plain twin: NaN stays NaN and is outside,
    a tie keeps x (its zero's sign), and lo > hi gives hi."""
    v, inside = x, True
    if has_lo:
        inside = x >= lo
        if x < lo:
            v = lo
    if has_hi:
        inside = inside and x <= hi
        if v > hi:
            v = hi
    return v, inside


@jit.kernel(parallel=True)
def clamp_forward(x, lo, hi, has_lo, has_hi, out, keep):  # pragma: no cover - compiled by numba
    """out = x clamped to the bounds given, keep = x inside them, over flat arrays, on all threads."""
    for i in prange(x.size):
        out[i], keep[i] = clamp_element(x[i], lo, hi, has_lo, has_hi)


@jit.kernel
def clamp_forward_serial(x, lo, hi, has_lo, has_hi, out, keep):  # pragma: no cover - compiled by numba
    """``clamp_forward`` on the calling thread."""
    for i in range(np.uint64(x.size)):
        out[i], keep[i] = clamp_element(x[i], lo, hi, has_lo, has_hi)


@jit.kernel(parallel=True)
def clamp_backward(grad, keep, gx):  # pragma: no cover - compiled by numba
    """gx = grad where keep, else +0.0, over flat arrays, on all threads."""
    zero = grad.dtype.type(0)
    for i in prange(grad.size):
        gx[i] = grad[i] if keep[i] else zero


@jit.kernel
def clamp_backward_serial(grad, keep, gx):  # pragma: no cover - compiled by numba
    """``clamp_backward`` on the calling thread."""
    zero = grad.dtype.type(0)
    for i in range(np.uint64(grad.size)):
        gx[i] = grad[i] if keep[i] else zero


class ClampNumba(Clamp):
    """Clamp to constant bounds and its gradient, each one compiled pass over all threads."""

    node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx: Context, x: Array, lo: Array | None, hi: Array | None) -> Array:
        if x.dtype not in DTYPES or type(x) is not np.ndarray or x.size < CLAMP_KERNEL_WORK:
            return Clamp.forward(ctx, x, lo, hi)  # (either backward reads the same mask)
        if not x.flags.c_contiguous:
            x = x.copy(order="C")
        out = np.empty(x.shape, dtype=x.dtype)
        keep = np.empty(x.shape, dtype=np.bool_)
        zero = x.dtype.type(0)
        low = zero if lo is None else x.dtype.type(lo[()])
        high = zero if hi is None else x.dtype.type(hi[()])
        try:
            run = clamp_forward if threads.worth_sharing(x.size, PARALLEL_WORK) else clamp_forward_serial
            run(x.reshape(-1), low, high, lo is not None, hi is not None, out.reshape(-1), keep.reshape(-1))
        except jit.KernelUnavailable:  # numba failed in this process: the plain twin, from now on
            return Clamp.forward(ctx, x, lo, hi)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(keep)  # the plain twin's mask: either backward reads it
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (keep,) = ctx.saved_tensors
        if is_tensor(grad) or type(grad) is not np.ndarray or grad.dtype not in DTYPES:
            return Clamp.backward(ctx, grad)  # create_graph, or an unusual gradient
        gx = _gradient_pass(clamp_backward, clamp_backward_serial, grad, keep)
        return Clamp.backward(ctx, grad) if gx is None else (gx, None, None)


class ClampMinNumba(ClampNumba, ClampMin):
    """``ClampNumba`` under clamp_min's node name."""

    node_name = "ClampMinBackward0"


class ClampMaxNumba(ClampNumba, ClampMax):
    """``ClampNumba`` under clamp_max's node name."""

    node_name = "ClampMaxBackward0"


KERNELS = (
    relu_forward, relu_forward_serial, relu_backward, relu_backward_serial,
    clamp_forward, clamp_forward_serial, clamp_backward, clamp_backward_serial,
)  # fmt: skip
VARIANTS = {Relu: ReluNumba, Clamp: ClampNumba, ClampMin: ClampMinNumba, ClampMax: ClampMaxNumba}
for _plain, _fast in VARIANTS.items():
    jit.register(HOST, _plain, _fast)
