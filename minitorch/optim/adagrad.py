"""Adagrad: per-coordinate learning rates from the sum of all past squared gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import backend
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .optimizer import Optimizer, _bump, _check_lr, _check_unsupported, _scalar, _step_tensor


class Adagrad(Optimizer):
    """Adagrad, following ``torch.optim.Adagrad``.

    At step ``t``, with ``g = grad + weight_decay * p``: ``s += g * g`` and
    ``p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)``.

    As in torch, the state (``step`` and the sum ``s``, filled with
    ``initial_accumulator_value``) is created for every parameter at construction; a group
    added later gets it on its first step, from the constructor's ``initial_accumulator_value``.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: learning rate.
        lr_decay: learning-rate decay per step.
        weight_decay: L2 penalty added to the gradient.
        initial_accumulator_value: starting value of the squared-gradient sums.
        eps: added to the denominator for numerical stability.
        foreach: accepted and ignored (there is one implementation).
        maximize: ascend the objective instead of descending it.
        differentiable, fused: accepted for torch's signature; only False/None is supported.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_unsupported("Adagrad", differentiable=differentiable, fused=fused)
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Tensor) -> None:
        state = self.state[p]
        state["step"] = _step_tensor(0.0)
        xp = backend.array_module(p._data)
        state["sum"] = Tensor._wrap(xp.full_like(p._data, self.defaults["initial_accumulator_value"]))

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update each parameter that has a gradient once; returns ``closure()``'s loss if given.

        Args:
            closure: optional callable that recomputes the loss (with gradients enabled).
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = _scalar(group["lr"]), _scalar(group["lr_decay"]), _scalar(group["eps"])
            weight_decay = _scalar(group["weight_decay"])
            for p, g in self._params_with_grad(group):
                if len(self.state[p]) == 0:
                    self._init_state(p)
                state = self.state[p]
                x = p._data
                state["step"]._data += 1
                step = float(state["step"]._data)
                if group["maximize"]:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * x
                clr = lr / (1 + (step - 1) * lr_decay)
                total = state["sum"]._data
                total += g * g
                std = backend.array_module(x).sqrt(total)
                std += eps
                update = g * -clr
                update /= std
                x += update
                _bump(p, state["step"], state["sum"])
        return loss
