"""SGD and Adam on the GPU: every parameter of a group updated by one launch, beside the plain loops.

The plain updates (``sgd.sgd_update``, ``adam.adam_update``) run a few array operations per
parameter: on a GPU, a handful of launches each, tens per step for LeNet. Here one kernel takes
up to 32 tensors at once (a ``TensorTable``: their pointers and sizes passed by value), block row
``y`` serving tensor ``y``, and does the whole update of each element in registers. Adam's step
counters stay on the device (one tiny launch advances them all) and the bias corrections are
computed there, as torch's ``capturable=True``: nothing is read back, so the step can be captured.
Tensors the kernels cannot take (another dtype, a non-contiguous parameter) go through the plain loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import CUDA, array_module, backend_of
from ..backend.cuda_kernels import MAX_TABLE, T_OF_DTYPE, CudaKernel, TensorTable, grid_for
from ..tensor import Tensor
from .adam import adam_update
from .sgd import sgd_update

_ROW = """    const int k = blockIdx.y;
    if (k >= t.count) return;
    const long long n = t.size[k];"""
_LOOP = "for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)"


def _sgd_step(table: TensorTable, lr: Any, momentum: Any, dampening: Any, wd: Any, *flags: Any) -> None:
    nesterov, maximize, first, has_momentum = (bool(f) for f in flags)
    for p, g, b in zip(*table.roles.values()):
        d = -g if maximize else g.copy()
        if wd != 0:
            d = d + wd * p
        if has_momentum:
            v = d.copy() if first else momentum * b + (1 - dampening) * d
            b[...] = v
            d = d + momentum * v if nesterov else v
        p -= lr * d


SGD_STEP = CudaKernel(
    "sgd_step",
    "Table<3> t, T lr, T momentum, T dampening, T weight_decay, int nesterov, int maximize, int first, int has_momentum",
    f"""{_ROW}
    T* p = (T*)t.ptr[0][k];
    const T* g = (const T*)t.ptr[1][k];
    T* b = (T*)t.ptr[2][k];
    {_LOOP} {{
        T d = maximize ? -g[i] : g[i];
        if (weight_decay != T(0)) d += weight_decay * p[i];
        if (has_momentum) {{
            const T v = first ? d : momentum * b[i] + (T(1) - dampening) * d;
            b[i] = v;
            d = nesterov ? d + momentum * v : v;
        }}
        p[i] -= lr * d;
    }}""",
    _sgd_step,
)


def _adam_count(table: TensorTable) -> None:
    for s in table.roles["step"]:
        s += 1


ADAM_COUNT = CudaKernel(
    "adam_count",
    "Table<1> t",
    "    const int k = blockIdx.x * blockDim.x + threadIdx.x;\n    if (k < t.count) *(T*)t.ptr[0][k] += T(1);",
    _adam_count,
)


def _adam_step(table: TensorTable, lr: Any, beta1: Any, beta2: Any, eps: Any, wd: Any, *flags: Any) -> None:
    amsgrad, maximize, decoupled = (bool(f) for f in flags)
    dt = table.roles["param"][0].dtype.type
    lr, beta1, beta2, eps, wd = (dt(v) for v in (lr, beta1, beta2, eps, wd))
    for p, g, m, v, vmax, s in zip(*table.roles.values()):
        step = float(s)
        ssn = dt(-float(lr) / (1.0 - float(beta1) ** step))
        bc2s = dt(np.sqrt(1.0 - float(beta2) ** step))
        d = -g if maximize else g.copy()
        if wd != 0:
            if decoupled:
                p *= dt(1) - lr * wd
            else:
                d = d + wd * p
        w, diff = dt(1) - beta1, d - m
        m[...] = m + w * diff if abs(w) < 0.5 else d - diff * (dt(1) - w)
        v[...] = v * beta2 + ((dt(1) - beta2) * d) * d
        second = v
        if amsgrad:
            vmax[...] = np.maximum(vmax, v)
            second = vmax
        p += m / (np.sqrt(second) / (bc2s * ssn) + eps / ssn)


ADAM_STEP = CudaKernel(
    "adam_step",
    "Table<6> t, T lr, T beta1, T beta2, T eps, T weight_decay, int amsgrad, int maximize, int decoupled",
    f"""{_ROW}
    T* p = (T*)t.ptr[0][k];
    const T* g = (const T*)t.ptr[1][k];
    T* m = (T*)t.ptr[2][k];
    T* v = (T*)t.ptr[3][k];
    T* vmax = (T*)t.ptr[4][k];
    const double step = (double)*(const T*)t.ptr[5][k];
    const T ssn = (T)(-(double)lr / (1.0 - pow((double)beta1, step)));  /* -lr / bias_correction1 */
    const T bc2s = (T)sqrt(1.0 - pow((double)beta2, step));
    const T w = T(1) - beta1;
    {_LOOP} {{
        T d = maximize ? -g[i] : g[i];
        if (weight_decay != T(0)) {{
            if (decoupled) p[i] *= T(1) - lr * weight_decay;
            else d += weight_decay * p[i];
        }}
        const T diff = d - m[i];
        const T mi = fabs(w) < T(0.5) ? m[i] + w * diff : d - diff * (T(1) - w);
        m[i] = mi;
        const T vi = v[i] * beta2 + ((T(1) - beta2) * d) * d;
        v[i] = vi;
        T second = vi;
        if (amsgrad) {{ second = vmax[i] > vi ? vmax[i] : vi; vmax[i] = second; }}
        p[i] += mi / (sqrt(second) / (bc2s * ssn) + eps / ssn);
    }}""",
    _adam_step,
)


def _fusable(p: Tensor, g: Any, *more: Any) -> bool:
    d = p._data
    return (
        d.dtype in T_OF_DTYPE and g.dtype == d.dtype and d.flags.c_contiguous and all(m.dtype == d.dtype for m in more)
    )


def _chunks(items: list) -> list:
    return [items[i : i + MAX_TABLE] for i in range(0, len(items), MAX_TABLE)]


def _launch_table(kernel: CudaKernel, table: TensorTable, args: tuple) -> None:
    biggest = max(table.sizes) if table.sizes else 1
    grid = (grid_for(biggest, cap=1024)[0], table.count)
    backend_of(table.roles["param"][0]).launch(kernel, grid, (256,), (table, *args))


def sgd_update_cuda(
    params: list,
    grads: list,
    bufs: list | None,
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
) -> list | None:
    """``sgd_update`` with every fusable parameter updated by one launch per dtype, first-step state and 32 tensors."""
    has_momentum = bufs is not None
    out = list(bufs) if bufs is not None else []  # read and written only with momentum
    rest: list[int] = []
    fused: dict[tuple, list] = {}
    for i, (p, g) in enumerate(zip(params, grads)):
        if not _fusable(p, g):
            rest.append(i)
            continue
        xp = array_module(g)
        g = xp.ascontiguousarray(g)
        first = has_momentum and out[i] is None
        if first:
            out[i] = Tensor._wrap(xp.empty_like(p._data))  # the kernel writes the gradient into it
        buf = out[i]._data if has_momentum else None
        fused.setdefault((p._data.dtype, first), []).append((p, g, buf, out[i] if has_momentum else None))
    for (_, first), members in fused.items():
        for chunk in _chunks(members):
            table = TensorTable(
                {"param": [m[0]._data for m in chunk], "grad": [m[1] for m in chunk], "buf": [m[2] for m in chunk]}
            )
            flags = (int(nesterov), int(maximize), int(first), int(has_momentum))
            _launch_table(SGD_STEP, table, (lr, momentum, dampening, weight_decay, *flags))
        for p, _, _, buf in members:
            p._bump_version()
            if buf is not None and not first:
                buf._bump_version()
    if rest:
        sub = sgd_update(
            [params[i] for i in rest],
            [grads[i] for i in rest],
            [out[i] for i in rest] if has_momentum else None,
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        for i, buf in zip(rest, sub or ()):
            out[i] = buf
    return out if has_momentum else None


def adam_update_cuda(params: list, grads: list, states: list, **hyper: Any) -> None:
    """``adam_update`` with the counters advanced by one launch and every fusable parameter updated by one more."""
    rest: list[int] = []
    fused: dict[tuple, list] = {}
    for i, (p, g, s) in enumerate(zip(params, grads, states)):
        extra = [s["step"]._data, s["exp_avg"]._data, s["exp_avg_sq"]._data]
        if not _fusable(p, g, *extra) or s["step"].device != p.device:
            rest.append(i)
            continue
        g = array_module(g).ascontiguousarray(g)
        fused.setdefault(p._data.dtype, []).append((p, g, s))
    for members in fused.values():
        for chunk in _chunks(members):
            steps = [s["step"]._data for _, _, s in chunk]
            backend_of(steps[0]).launch(ADAM_COUNT, (1,), (MAX_TABLE,), (TensorTable({"step": steps}),))
            roles = {
                "param": [p._data for p, _, _ in chunk],
                "grad": [g for _, g, _ in chunk],
                "exp_avg": [s["exp_avg"]._data for _, _, s in chunk],
                "exp_avg_sq": [s["exp_avg_sq"]._data for _, _, s in chunk],
                "max_exp_avg_sq": [s["max_exp_avg_sq"]._data if hyper["amsgrad"] else None for _, _, s in chunk],
                "step": steps,
            }
            h = hyper
            args = (h["lr"], h["beta1"], h["beta2"], h["eps"], h["weight_decay"])
            flags = (int(h["amsgrad"]), int(h["maximize"]), int(h["decoupled"]))
            _launch_table(ADAM_STEP, TensorTable(roles), (*args, *flags))
    if rest:
        adam_update([params[i] for i in rest], [grads[i] for i in rest], [states[i] for i in rest], **hyper)


KERNELS = (SGD_STEP, ADAM_COUNT, ADAM_STEP)
VARIANTS = {sgd_update: sgd_update_cuda, adam_update: adam_update_cuda}
for _plain, _fast in VARIANTS.items():
    CUDA.register_kernel(_plain, _fast)
