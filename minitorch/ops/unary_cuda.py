"""ReLU on the GPU: one fused kernel for the backward, beside the plain ``Relu`` (unary.py).

The plain backward is three launches on a GPU (compare, cast, multiply); this is one, and like
torch's ``threshold_backward`` it selects rather than multiplies (a NaN gradient where the output
is 0 gives 0). The forward stays CuPy's ``maximum`` (NaN propagates, as torch's ``relu``).
Registered on the CUDA backend at import; ``tests/test_cuda_kernels.py`` holds it to its twin.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Context
from ..backend import CUDA, Array, array_module, backend_of
from ..backend.cuda_kernels import T_OF_DTYPE, CudaKernel, grid_for
from .base import is_tensor
from .unary import Relu

GRID_STRIDE = "for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)"
# For kernels that decode a flat index into coordinates (32-bit divisions are several times cheaper than
# 64-bit ones); the caller checks that every index fits (conv_cuda._check_sizes).
GRID_STRIDE_32 = "for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)"


def _relu_backward(gx: np.ndarray, g: np.ndarray, y: np.ndarray, n: np.int64) -> None:
    gx.reshape(-1)[:n] = np.where(y.reshape(-1)[:n] != 0, g.reshape(-1)[:n], 0)


RELU_BACKWARD = CudaKernel(
    "relu_backward",
    "T* gx, const T* g, const T* y, long long n",
    f"    {GRID_STRIDE} gx[i] = y[i] != T(0) ? g[i] : T(0);",
    _relu_backward,
)


class ReluCuda(Relu):
    """max(x, 0); the backward in one kernel."""

    node_name = "ReluBackward0"

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        if is_tensor(grad) or out.dtype not in T_OF_DTYPE or grad.dtype != out.dtype:  # create_graph: the plain one
            return Relu.backward(ctx, grad)
        xp = array_module(grad)
        g, y = xp.ascontiguousarray(grad), xp.ascontiguousarray(out)
        gx = xp.empty(y.shape, dtype=y.dtype)
        backend_of(y).launch(RELU_BACKWARD, grid_for(y.size), (256,), (gx, g, y, y.size))
        return gx


KERNELS = (RELU_BACKWARD,)
VARIANTS = {Relu: ReluCuda}
for _plain, _fast in VARIANTS.items():
    CUDA.register_kernel(_plain, _fast)
