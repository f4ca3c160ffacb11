"""ASGD: SGD with a decaying step size and a running (Polyak) average of the iterates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .optimizer import Optimizer, _bump, _check_lr, _check_unsupported, _scalar, _step_tensor, _zeros_like


class ASGD(Optimizer):
    """Averaged stochastic gradient descent, following ``torch.optim.ASGD``.

    At step ``t``, with ``g = grad + weight_decay * p``: ``p = p * (1 - lambd * eta) - eta * g``,
    then the average ``ax`` becomes ``p`` (while ``mu == 1``) or ``ax + mu * (p - ax)``; after the
    update ``eta = lr / (1 + lambd * lr * t)**alpha`` and ``mu = 1 / max(1, t - t0)``. The average
    is kept in ``state[p]["ax"]``; the parameters themselves are the plain SGD iterates.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (the first step size ``eta``).
        lambd: decay term, both of the parameters and of ``eta``.
        alpha: power of the ``eta`` decay.
        t0: step after which averaging starts.
        weight_decay: L2 penalty added to the gradient.
        foreach: accepted and ignored (there is one implementation).
        maximize: ascend the objective instead of descending it.
        differentiable, capturable: accepted for torch's signature; only False is supported.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_unsupported("ASGD", capturable=capturable, differentiable=differentiable)
        defaults = dict(
            lr=lr,
            lambd=lambd,
            alpha=alpha,
            t0=t0,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _after_load(self) -> None:
        """As torch's ``__setstate__``: plain-number ``eta`` and ``mu`` (older checkpoints) become 0-d tensors."""
        super()._after_load()
        for state in self.state.values():
            for key in ("eta", "mu"):
                if isinstance(state, dict) and key in state and not isinstance(state[key], Tensor):
                    state[key] = _step_tensor(float(state[key]))

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update each parameter that has a gradient once; returns ``closure()``'s loss if given.

        Args:
            closure: optional callable that recomputes the loss (with gradients enabled).
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = _scalar(group["lr"]), _scalar(group["lambd"]), _scalar(group["alpha"]), group["t0"]
            weight_decay = _scalar(group["weight_decay"])
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor(0.0)
                    state["eta"] = _step_tensor(lr)  # rounded to the scalar dtype, as torch stores it
                    state["mu"] = _step_tensor(1.0)
                    state["ax"] = _zeros_like(p)
                x, ax = p._data, state["ax"]._data
                if group["maximize"]:
                    g = -g
                state["step"]._data += 1
                step = float(state["step"]._data)
                if weight_decay != 0:
                    g = g + weight_decay * x
                # eta and mu are read back as numbers: torch's default path rounds them through their dtype
                eta, mu = float(state["eta"]._data), float(state["mu"]._data)
                x *= 1 - lambd * eta
                x += g * -eta
                if mu != 1:
                    diff = x - ax
                    diff *= mu
                    ax += diff
                else:
                    ax[...] = x
                # torch makes each new value a tensor of the default scalar dtype, then copies it into the
                # state: rounded through that dtype even when a loaded state holds eta and mu in float64
                state["eta"]._data[...] = _step_tensor(lr / ((1 + lambd * lr * step) ** alpha))._data
                state["mu"]._data[...] = _step_tensor(1 / max(1, step - t0))._data
                _bump(p, state["step"], state["eta"], state["mu"], state["ax"])
        return loss
