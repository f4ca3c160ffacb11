"""Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import backend
from ..autograd.grad_mode import no_grad
from .adam import _lerp_
from .optimizer import Optimizer, _bump, _check_betas, _check_lr, _check_unsupported, _scalar, _step_tensor, _zeros_like


class Adamax(Optimizer):
    """Adamax, following ``torch.optim.Adamax``.

    At step ``t``, with ``g = grad + weight_decay * p``: ``m = lerp(m, g, 1 - beta1)``,
    ``u = max(beta2 * u, |g| + eps)`` and ``p -= lr / (1 - beta1**t) * m / u``.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: learning rate.
        betas: decay rates of the first moment and of the infinity norm.
        eps: added to ``|g|`` so that the norm is never zero.
        weight_decay: L2 penalty added to the gradient.
        foreach: accepted and ignored (there is one implementation).
        maximize: ascend the objective instead of descending it.
        differentiable, capturable: accepted for torch's signature; only False is supported.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_unsupported("Adamax", capturable=capturable, differentiable=differentiable)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
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
                    state["exp_inf"] = _zeros_like(p)
                x = p._data
                xp = backend.array_module(x)
                if group["maximize"]:
                    g = -g
                state["step"]._data += 1
                step = float(state["step"]._data)
                if weight_decay != 0:
                    g = g + weight_decay * x
                exp_avg, exp_inf = state["exp_avg"]._data, state["exp_inf"]._data
                _lerp_(exp_avg, g, 1 - beta1)
                exp_inf *= beta2
                norm = xp.abs(g)
                norm += eps
                xp.maximum(exp_inf, norm, out=exp_inf)
                # torch's addcdiv order: (value * m) / u, with the bias correction folded into value
                update = xp.multiply(exp_avg, -lr / (1 - beta1**step), out=norm)
                update /= exp_inf
                x += update
                _bump(p, state["step"], state["exp_avg"], state["exp_inf"])
        return loss
