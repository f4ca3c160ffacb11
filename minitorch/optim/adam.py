"""Adam and AdamW: adaptive moments with bias correction, optional AMSGrad."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import backend
from ..autograd.grad_mode import no_grad
from ..backend import HOST
from ..tensor import Tensor
from .optimizer import Optimizer, _bump, _by_backend, _check_unsupported, _scalar, _step_tensor, _zeros_like


def _lerp_(start: Any, end: Any, weight: float) -> None:
    """``start += weight * (end - start)`` in place, with torch's two-sided formula for accuracy."""
    diff = end - start
    if abs(weight) < 0.5:
        diff *= weight
        start += diff
    else:
        diff *= 1 - weight
        backend.array_module(start).subtract(end, diff, out=start)


class Adam(Optimizer):
    """Adam, following ``torch.optim.Adam`` (and, with ``decoupled_weight_decay``, AdamW).

    Per step ``t``: ``m = lerp(m, g, 1 - beta1)``, ``v = beta2 * v + (1 - beta2) * g * g``,
    ``v_max = max(v_max, v)`` with AMSGrad, and
    ``p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)``.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: learning rate.
        betas: decay rates of the first and second moment averages.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty added to the gradient (or, when decoupled, ``p *= 1 - lr * wd``).
        amsgrad: divide by the running maximum of the second moment.
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: apply weight decay to the parameter directly (AdamW).
        capturable: accepted; off the host minitorch's Adam always runs as torch's ``capturable=True``
            (step counters on the parameter's device), so a step can be captured into a CUDA graph.
        foreach, differentiable, fused: accepted for torch's signature; asking for the last two
            raises (on a GPU every group is updated by one fused kernel anyway, ``optim/fused_cuda.py``).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not (all(isinstance(b, float) for b in betas) or all(isinstance(b, Tensor) for b in betas)):
            raise ValueError("betas must be either both floats or both Tensors")
        # capturable=True is how minitorch's Adam always runs off the host (its counters on the device)
        _check_unsupported(type(self).__name__, differentiable=differentiable, fused=fused)
        defaults = dict(
            lr=lr,
            betas=tuple(b.item() if isinstance(b, Tensor) else b for b in betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update each parameter that has a gradient once; returns ``closure()``'s loss if given.

        Args:
            closure: optional callable that recomputes the loss (with gradients enabled).
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            hyper = dict(
                lr=_scalar(group["lr"]),
                beta1=beta1,
                beta2=beta2,
                eps=_scalar(group["eps"]),
                weight_decay=_scalar(group["weight_decay"]),
                amsgrad=group["amsgrad"],
                maximize=group["maximize"],
                decoupled=group["decoupled_weight_decay"],
            )
            for dev, members in _by_backend(self._params_with_grad(group)):
                params = [p for p, _ in members]
                states = [self.state[p] for p in params]
                for p, state in zip(params, states):
                    if len(state) == 0:
                        state["step"] = _step_tensor(0.0, p)
                        state["exp_avg"] = _zeros_like(p)
                        state["exp_avg_sq"] = _zeros_like(p)
                        if group["amsgrad"]:
                            state["max_exp_avg_sq"] = _zeros_like(p)
                    elif state["step"].device != p.device and dev is not HOST:
                        state["step"] = state["step"].to(p.device)  # a loaded state dict's counter joins its parameter
                # The one place an implementation is chosen: a device may fuse the update (optim/fused_cuda.py).
                dev.kernel(adam_update)(params, [g for _, g in members], states, **hyper)
                for p, state in zip(params, states):
                    _bump(p, state["step"], state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq"))
        return loss


def adam_update(params: list, grads: list, states: list, **hyper: Any) -> None:
    """One Adam step of ``params`` from ``grads`` (arrays), each with its ``state`` (step counter and moments).

    On the host the step counter is read as a Python number and the update follows torch's default
    (``capturable=False``) order of operations. On another device the counter stays there and the bias
    corrections are computed from it there, as torch's ``capturable=True``: nothing is read back, so a
    step never waits for the device and can be captured into a graph.
    """
    for p, g, state in zip(params, grads, states):
        step_t = state["step"]
        step_t._data += 1
        g = -g if hyper["maximize"] else g
        if backend.backend_of(p._data) is HOST:
            _update(p._data, g, state, float(step_t._data), **hyper)
        else:
            _update(p._data, g, state, step_t._data, **hyper)


def _update(
    x: Any,
    g: Any,
    state: dict,
    step: Any,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    maximize: bool,
    decoupled: bool,
) -> None:
    """One Adam update of the raw parameter array ``x`` from gradient ``g`` (torch's operation order).

    ``step``: the counter as a number (torch's default path) or as a 0-d array on ``x``'s device (its
    capturable path: ``p += m / (sqrt(v) / (sqrt(bc2) * -step_size) + eps / -step_size)``).
    """
    xp = backend.array_module(x)
    if weight_decay != 0:
        if decoupled:
            x *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * x
    exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
    _lerp_(exp_avg, g, 1 - beta1)
    exp_avg_sq *= beta2
    sq = (1 - beta2) * g
    sq *= g
    exp_avg_sq += sq
    second = exp_avg_sq
    if amsgrad:
        second = state["max_exp_avg_sq"]._data
        xp.maximum(second, exp_avg_sq, out=second)
    if isinstance(step, float):
        bias_correction1 = 1 - beta1**step
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        denom = xp.sqrt(second, out=sq)  # reuses the scratch array
        denom /= bias_correction2_sqrt
        denom += eps
        update = exp_avg * (-lr / bias_correction1)
        update /= denom
        x += update
        return
    step = step.astype(
        "float64"
    )  # 0-d on the device; in float64, as the fused kernel computes it (1 - beta2**t cancels)
    step_size_neg = -lr / (1 - beta1**step)
    bias_correction2_sqrt = xp.sqrt(1 - beta2**step)
    denom = xp.sqrt(second, out=sq)
    denom /= (bias_correction2_sqrt * step_size_neg).astype(x.dtype)
    denom += (eps / step_size_neg).astype(x.dtype)
    x += exp_avg / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (``p *= 1 - lr * weight_decay`` before the update), as ``torch.optim.AdamW``.

    Args:
        params, lr, betas, eps, amsgrad, maximize: as for :class:`Adam`.
        weight_decay: decoupled weight decay coefficient (default 1e-2).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def _after_load(self) -> None:
        super()._after_load()
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
