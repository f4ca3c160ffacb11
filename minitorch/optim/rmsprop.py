"""RMSprop: divide the gradient by a running root mean square, optionally centred and with momentum."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import backend
from ..autograd.grad_mode import no_grad
from .adam import _lerp_
from .optimizer import Optimizer, _bump, _check_lr, _check_unsupported, _scalar, _step_tensor, _zeros_like


class RMSprop(Optimizer):
    """RMSprop, following ``torch.optim.RMSprop``.

    With ``g = grad + weight_decay * p``: ``v = alpha * v + (1 - alpha) * g * g``; when
    ``centered``, ``m = lerp(m, g, 1 - alpha)`` and ``avg = sqrt(v - m * m) + eps``, else
    ``avg = sqrt(v) + eps``; then ``b = momentum * b + g / avg`` and ``p -= lr * b`` with
    momentum, or ``p -= lr * g / avg`` without.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: learning rate.
        alpha: smoothing constant of the squared-gradient average.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty added to the gradient.
        momentum: momentum factor (0: none).
        centered: normalise by the estimated variance of the gradient instead of its second moment.
        capturable, differentiable: accepted for torch's signature; only False is supported.
        foreach: accepted and ignored (there is one implementation).
        maximize: ascend the objective instead of descending it.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        _check_unsupported("RMSprop", capturable=capturable, differentiable=differentiable)
        defaults = dict(
            lr=lr,
            momentum=momentum,
            alpha=alpha,
            eps=eps,
            centered=centered,
            weight_decay=weight_decay,
            capturable=capturable,
            foreach=foreach,
            maximize=maximize,
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
            lr, alpha, eps = _scalar(group["lr"]), _scalar(group["alpha"]), _scalar(group["eps"])
            weight_decay, momentum = _scalar(group["weight_decay"]), _scalar(group["momentum"])
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor(0.0)
                    state["square_avg"] = _zeros_like(p)
                    if group["momentum"] > 0:
                        state["momentum_buffer"] = _zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = _zeros_like(p)
                x = p._data
                xp = backend.array_module(x)
                if group["maximize"]:
                    g = -g
                state["step"]._data += 1
                if weight_decay != 0:
                    g = g + weight_decay * x
                square_avg = state["square_avg"]._data
                square_avg *= alpha
                sq = (1 - alpha) * g  # addcmul's order: (value * g) * g
                sq *= g
                square_avg += sq
                if group["centered"]:
                    grad_avg = state["grad_avg"]._data
                    _lerp_(grad_avg, g, 1 - alpha)
                    avg = xp.subtract(square_avg, grad_avg * grad_avg, out=sq)
                    xp.sqrt(avg, out=avg)
                else:
                    avg = xp.sqrt(square_avg, out=sq)
                avg += eps
                if momentum > 0:
                    buf = state["momentum_buffer"]._data
                    buf *= momentum
                    buf += g / avg
                    x -= lr * buf
                else:
                    update = g * -lr
                    update /= avg
                    x += update
                _bump(p, state["step"], state["square_avg"], state.get("momentum_buffer"), state.get("grad_avg"))
        return loss
