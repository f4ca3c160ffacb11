"""Rprop: per-coordinate step sizes that grow while the gradient keeps its sign and shrink when it flips."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import backend
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .optimizer import Optimizer, _bump, _check_lr, _check_unsupported, _scalar, _step_tensor, _zeros_like


class Rprop(Optimizer):
    """Resilient backpropagation, following ``torch.optim.Rprop``.

    Per coordinate, with ``s = sign(g * prev)``: the step size is multiplied by ``etaplus`` where
    ``s > 0``, by ``etaminus`` where ``s < 0`` and kept where ``s == 0``, then clamped to
    ``step_sizes``; where the sign flipped the gradient is taken as zero (no move this step, and
    no sign to compare next step). Then ``p -= sign(g) * step_size`` and ``prev = g``. Only the
    gradient's sign is used, never its size.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: the initial step size of every coordinate.
        etas: ``(etaminus, etaplus)``, the factors that shrink and grow the step sizes.
        step_sizes: ``(min, max)``, the bounds of the step sizes.
        capturable, differentiable: accepted for torch's signature; only False is supported.
        foreach: accepted and ignored (there is one implementation).
        maximize: ascend the objective instead of descending it.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_unsupported("Rprop", capturable=capturable, differentiable=differentiable)
        defaults = dict(
            lr=lr,
            etas=etas,
            step_sizes=step_sizes,
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
            lr = _scalar(group["lr"])
            etaminus, etaplus = (_scalar(e) for e in group["etas"])
            size_min, size_max = (_scalar(s) for s in group["step_sizes"])
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                xp = backend.array_module(g)
                if len(state) == 0:
                    state["step"] = _step_tensor(0.0)
                    state["prev"] = _zeros_like(p)
                    state["step_size"] = Tensor._wrap(xp.full_like(g, lr))  # torch fills like the gradient
                x, prev, step_size = p._data, state["prev"]._data, state["step_size"]._data
                state["step"]._data += 1
                g = -g if group["maximize"] else g.copy()  # the gradient is zeroed below, never p.grad's array
                factor = g * prev
                xp.sign(factor, out=factor)
                flipped = factor < 0
                # NaN (a NaN gradient) matches no mask and stays NaN, as in torch
                factor[factor > 0] = etaplus
                factor[flipped] = etaminus
                factor[factor == 0] = 1
                step_size *= factor
                xp.clip(step_size, size_min, size_max, out=step_size)
                g[flipped] = 0
                move = xp.sign(g, out=factor)
                move *= step_size
                x -= move
                prev[...] = g
                _bump(p, state["step"], state["prev"], state["step_size"])
        return loss
