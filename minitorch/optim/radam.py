"""RAdam: Adam whose adaptive step is switched on, and rectified, once its variance estimate is reliable."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import backend
from ..autograd.grad_mode import no_grad
from .adam import _lerp_
from .optimizer import Optimizer, _bump, _check_betas, _check_lr, _check_unsupported, _scalar, _step_tensor, _zeros_like


class RAdam(Optimizer):
    """RAdam, following ``torch.optim.RAdam``.

    With Adam's moments ``m``, ``v`` at step ``t``, ``rho_inf = 2 / (1 - beta2) - 1`` and
    ``rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)``: while ``rho_t <= 5`` the step is plain
    momentum, ``p -= lr * m / (1 - beta1**t)``; afterwards it is Adam's, scaled by the
    rectification ``r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))``.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: learning rate.
        betas: decay rates of the first and second moment averages.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty added to the gradient (or, when decoupled, ``p *= 1 - lr * wd``).
        decoupled_weight_decay: apply weight decay to the parameter directly (RAdamW).
        foreach: accepted and ignored (there is one implementation).
        maximize: ascend the objective instead of descending it.
        capturable, differentiable: accepted for torch's signature; only False is supported.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_unsupported("RAdam", capturable=capturable, differentiable=differentiable)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            decoupled_weight_decay=decoupled_weight_decay,
            differentiable=differentiable,
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
            lr, eps, weight_decay = _scalar(group["lr"]), _scalar(group["eps"]), _scalar(group["weight_decay"])
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor(0.0)
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                x = p._data
                xp = backend.array_module(x)
                if group["maximize"]:
                    g = -g
                state["step"]._data += 1
                step = float(state["step"]._data)
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        x *= 1 - lr * weight_decay
                    else:
                        g = g + weight_decay * x
                exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
                _lerp_(exp_avg, g, 1 - beta1)
                exp_avg_sq *= beta2
                sq = (1 - beta2) * g
                sq *= g
                exp_avg_sq += sq
                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                update = exp_avg / bias_correction1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
                update *= lr
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    adaptive = xp.sqrt(exp_avg_sq, out=sq)
                    adaptive += eps
                    xp.reciprocal(adaptive, out=adaptive)  # torch's scalar / tensor is reciprocal(tensor) * scalar
                    adaptive *= bias_correction2**0.5
                    update *= adaptive
                    update *= rect
                x -= update
                _bump(p, state["step"], state["exp_avg"], state["exp_avg_sq"])
        return loss
