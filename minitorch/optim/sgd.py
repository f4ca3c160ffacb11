"""Stochastic gradient descent with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .optimizer import Optimizer, _by_backend, _scalar


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum, following ``torch.optim.SGD``.

    With ``d = grad + weight_decay * p`` (negated first when ``maximize``) the update is
    ``b = momentum * b + (1 - dampening) * d`` (``b = d`` on the first step),
    ``d = d + momentum * b`` when ``nesterov`` else ``d = b``, then ``p -= lr * d``.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: learning rate.
        momentum: momentum factor (0 for plain SGD).
        dampening: dampening of the momentum's new gradient term.
        weight_decay: L2 penalty added to the gradient.
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, fused: accepted for torch's signature; only the plain
            per-parameter loop exists here.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if differentiable or fused:
            raise NotImplementedError("minitorch's SGD supports neither differentiable=True nor fused=True")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update each parameter that has a gradient once; returns ``closure()``'s loss if given.

        Args:
            closure: optional callable that recomputes the loss (with gradients enabled).
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            hyper = dict(
                lr=_scalar(group["lr"]),
                momentum=_scalar(group["momentum"]),
                dampening=_scalar(group["dampening"]),
                weight_decay=_scalar(group["weight_decay"]),
                nesterov=group["nesterov"],
                maximize=group["maximize"],
            )
            for backend, members in _by_backend(self._params_with_grad(group)):
                params = [p for p, _ in members]
                bufs = [self.state[p].get("momentum_buffer") for p in params] if hyper["momentum"] != 0 else None
                # The one place an implementation is chosen: a device may fuse the whole update (optim/fused_cuda.py).
                new = backend.kernel(sgd_update)(params, [g for _, g in members], bufs, **hyper)
                for p, buf in zip(params, new or ()):
                    self.state[p]["momentum_buffer"] = buf
        return loss


def sgd_update(
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
    """One SGD step of ``params`` (tensors) from ``grads`` (arrays) in place; returns the momentum buffers.

    ``bufs``: each parameter's momentum buffer (None before its first step), or None without momentum.
    """
    out = []
    for i, (p, g) in enumerate(zip(params, grads)):
        x = p._data
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * x
        if bufs is not None:
            buf = bufs[i]
            if buf is None:
                buf = Tensor._wrap(g.copy())
            else:
                b = buf._data
                b *= momentum
                if dampening == 0:
                    b += g  # (1 - 0) * g is g: no temporary
                else:
                    b += (1 - dampening) * g
                buf._bump_version()
            out.append(buf)
            g = g + momentum * buf._data if nesterov else buf._data
        x -= lr * g
        p._bump_version()
    return out if bufs is not None else None
