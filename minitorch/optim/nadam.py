"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import backend
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .adam import _lerp_
from .optimizer import Optimizer, _bump, _check_betas, _check_lr, _check_unsupported, _scalar, _step_tensor, _zeros_like


class NAdam(Optimizer):
    """NAdam, following ``torch.optim.NAdam``.

    At step ``t``: ``mu_t = beta1 * (1 - 0.96 ** (t * momentum_decay) / 2)``, the running
    product ``P_t = mu_1 ... mu_t``, Adam's moments ``m`` and ``v``, and
    ``p -= lr * ((1 - mu_t) / (1 - P_t) * g + mu_{t+1} / (1 - P_t mu_{t+1}) * m) / (sqrt(v / (1 - beta2**t)) + eps)``.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: learning rate.
        betas: decay rates of the first and second moment averages.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty added to the gradient (or, when decoupled, ``p *= 1 - lr * wd``).
        momentum_decay: the ``psi`` of the momentum schedule.
        decoupled_weight_decay: apply weight decay to the parameter directly (NAdamW).
        foreach: accepted and ignored (there is one implementation).
        maximize: ascend the objective instead of descending it.
        capturable, differentiable: accepted for torch's signature; only False is supported.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
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
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        _check_unsupported("NAdam", capturable=capturable, differentiable=differentiable)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _after_load(self) -> None:
        super()._after_load()
        for state in self.state.values():
            if isinstance(state, dict) and "mu_product" in state and not isinstance(state["mu_product"], Tensor):
                state["mu_product"] = _step_tensor(float(state["mu_product"]))

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
            momentum_decay = _scalar(group["momentum_decay"])
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor(0.0)
                    state["mu_product"] = _step_tensor(1.0)
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                x = p._data
                xp = backend.array_module(x)
                if group["maximize"]:
                    g = -g
                state["step"]._data += 1
                step = float(state["step"]._data)
                bias_correction2 = 1 - beta2**step
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        x *= 1 - lr * weight_decay
                    else:
                        g = g + weight_decay * x
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                mu_product = state["mu_product"]._data
                mu_product *= mu  # in the counter's own precision (float32 by default), as torch keeps it
                exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
                _lerp_(exp_avg, g, 1 - beta1)
                exp_avg_sq *= beta2
                sq = (1 - beta2) * g
                sq *= g
                exp_avg_sq += sq
                denom = xp.divide(exp_avg_sq, bias_correction2, out=sq)
                xp.sqrt(denom, out=denom)
                denom += eps
                product = float(mu_product)
                update = g * (-lr * (1.0 - mu) / (1.0 - product))
                update /= denom
                x += update
                update = exp_avg * ((-lr * mu_next) / (1.0 - product * mu_next))
                update /= denom
                x += update
                _bump(p, state["step"], state["mu_product"], state["exp_avg"], state["exp_avg_sq"])
        return loss
