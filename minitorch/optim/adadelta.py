"""Adadelta: steps scaled by the ratio of running RMS of past updates to running RMS of gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import backend
from ..autograd.grad_mode import no_grad
from .optimizer import Optimizer, _bump, _check_lr, _check_unsupported, _scalar, _step_tensor, _zeros_like


class Adadelta(Optimizer):
    """Adadelta, following ``torch.optim.Adadelta``.

    With ``g = grad + weight_decay * p``: ``v = rho * v + (1 - rho) * g * g``,
    ``d = sqrt(u + eps) / sqrt(v + eps) * g``, ``u = rho * u + (1 - rho) * d * d`` and
    ``p -= lr * d``.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: coefficient that scales the delta before it is applied.
        rho: decay of the running averages (in [0, 1]).
        eps: added inside both square roots for numerical stability.
        weight_decay: L2 penalty added to the gradient.
        foreach: accepted and ignored (there is one implementation).
        capturable, differentiable: accepted for torch's signature; only False is supported.
        maximize: ascend the objective instead of descending it.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_unsupported("Adadelta", capturable=capturable, differentiable=differentiable)
        defaults = dict(
            lr=lr,
            rho=rho,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            capturable=capturable,
            foreach=foreach,
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
            lr, rho, eps = _scalar(group["lr"]), _scalar(group["rho"]), _scalar(group["eps"])
            weight_decay = _scalar(group["weight_decay"])
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor(0.0)
                    state["square_avg"] = _zeros_like(p)
                    state["acc_delta"] = _zeros_like(p)
                x = p._data
                xp = backend.array_module(x)
                state["step"]._data += 1
                if group["maximize"]:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * x
                square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
                square_avg *= rho
                sq = (1 - rho) * g  # addcmul's order: (value * g) * g
                sq *= g
                square_avg += sq
                std = xp.sqrt(square_avg + eps, out=sq)
                delta = acc_delta + eps
                xp.sqrt(delta, out=delta)
                delta /= std
                delta *= g
                acc_delta *= rho
                sq = xp.multiply(delta, 1 - rho, out=sq)
                sq *= delta
                acc_delta += sq
                delta *= -lr
                x += delta
                _bump(p, state["step"], state["square_avg"], state["acc_delta"])
        return loss
