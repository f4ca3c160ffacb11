"""Gamma and Dirichlet samples that carry gradients to their concentrations, as torch's ``_standard_gamma`` and
``_Dirichlet``: the sample is drawn by the device's backend (``random.sample_standard_gamma``), and its
gradient is the implicit reparameterisation of ``gamma_grads`` (torch's formulas, so the same sample gets the
same gradient in both). Gamma, Chi2, Beta, Dirichlet and StudentT draw their ``rsample`` through these.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Context, DelayedError
from ..backend import Array, array_module, device_of
from ..ops.base import Op, array_of, is_tensor, require_floating
from ..random import sample_standard_gamma
from ..tensor import Tensor
from .gamma_grads import dirichlet_grad, standard_gamma_grad

__all__ = ["_dirichlet_grad", "_sample_dirichlet", "_standard_gamma", "_standard_gamma_grad"]


def _draw_standard_gamma(alpha: Array) -> Array:
    """float64 Gamma(alpha, 1) draws, as torch gives them: a concentration that is not positive (or NaN) gives
    the smallest normal number, an infinite one infinity."""
    xp = array_module(alpha)
    valid = alpha > 0
    drawn = sample_standard_gamma(xp.where(valid, alpha, 1.0), on=device_of(alpha))
    return xp.where(valid, drawn, 0.0)


class StandardGammaGrad(Op):
    """d sample / d alpha of Gamma(alpha, 1) samples (torch's ``_standard_gamma_grad``); not differentiable."""

    @staticmethod
    def forward(ctx: Context, alpha: Array, sample: Array) -> Array:
        return standard_gamma_grad(alpha, sample)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        raise NotImplementedError("the derivative for '_standard_gamma_grad' is not implemented.")


class StandardGamma(Op):
    """Gamma(alpha, 1) samples, reparameterised: the gradient is d sample / d alpha at the sample."""

    @staticmethod
    def forward(ctx: Context, alpha: Array) -> Array:
        tiny = float(np.finfo(alpha.dtype).tiny)
        sample = array_module(alpha).maximum(_draw_standard_gamma(alpha).astype(alpha.dtype), tiny)
        ctx.save_for_backward(alpha, sample)
        return sample

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        alpha, sample = ctx.saved_tensors
        return grad * StandardGammaGrad.call(alpha, sample)


class DirichletGrad(Op):
    """d x_i / d alpha_i of Dirichlet samples through their Beta marginals (torch's ``_dirichlet_grad``)."""

    @staticmethod
    def forward(ctx: Context, x: Array, alpha: Array, total: Array) -> Array:
        return dirichlet_grad(x, alpha, total)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        raise NotImplementedError("the derivative for '_dirichlet_grad' is not implemented.")


def _dirichlet_draw(concentration: Array) -> Array:
    """Normalised float64 gammas in the concentration's dtype, kept inside (0, 1) as torch keeps them."""
    xp = array_module(concentration)
    gammas = xp.maximum(_draw_standard_gamma(concentration), np.finfo(np.float64).tiny)
    x = (gammas / gammas.sum(-1, keepdims=True)).astype(concentration.dtype)
    below_one = np.nextafter(np.array(1, concentration.dtype), np.array(0, concentration.dtype))
    return xp.clip(x, np.finfo(concentration.dtype).tiny, below_one)


def _dirichlet_backward(x: Array, concentration: Array, grad: Array) -> Array:
    """The concentrations' gradient: each coordinate's Beta-marginal derivative, the simplex's coupling removed."""
    total = array_module(concentration).broadcast_to(concentration.sum(-1, keepdims=True), concentration.shape)
    marginal = dirichlet_grad(x, concentration, total)
    return marginal * (grad - (x * grad).sum(-1, keepdims=True))


class SampleDirichlet(Op):
    """Dirichlet samples, reparameterised: each coordinate moves with its concentration through its Beta marginal,
    and the simplex constraint couples the coordinates (as torch's ``_Dirichlet``, differentiable once)."""

    node_name = "_DirichletBackward"

    @staticmethod
    def forward(ctx: Context, concentration: Array) -> Array:
        x = _dirichlet_draw(concentration)
        ctx.save_for_backward(x, concentration)
        return x

    @staticmethod
    def backward(ctx: Context, grad: Any) -> Any:
        x, concentration = (array_of(v) for v in ctx.saved_tensors)
        if not is_tensor(grad):
            return _dirichlet_backward(x, concentration, grad)
        # under create_graph: the value, behind a node that refuses a second differentiation (torch's backward
        # is once_differentiable)
        value = Tensor._wrap(_dirichlet_backward(x, concentration, array_of(grad)))
        if not grad.requires_grad:
            return value
        value.requires_grad = True
        return DelayedError.apply(value)


def _standard_gamma(concentration: Tensor) -> Tensor:
    """Samples of Gamma(``concentration``, 1), differentiable in the concentration (torch's ``_standard_gamma``).

    Args:
        concentration: positive floating tensor.
    """
    require_floating(concentration, "gamma_cpu")
    return StandardGamma.apply(concentration)


def _standard_gamma_grad(self: Tensor, output: Tensor) -> Tensor:
    """d output / d self for samples ``output`` of Gamma(``self``, 1) (torch's ``_standard_gamma_grad``).

    Args:
        self: the concentrations.
        output: samples, of the same shape.
    """
    require_floating(self, "_standard_gamma_grad_cpu")
    return StandardGammaGrad.apply(self, output)


def _sample_dirichlet(concentration: Tensor) -> Tensor:
    """Samples of Dirichlet(``concentration``) along the last dimension (not differentiable, as in torch).

    Args:
        concentration: positive floating tensor.
    """
    require_floating(concentration, "dirichlet")
    return Tensor._wrap(_dirichlet_draw(concentration._data))


def _rsample_dirichlet(concentration: Tensor) -> Tensor:
    """Dirichlet samples that carry gradients to ``concentration`` (Dirichlet.rsample)."""
    require_floating(concentration, "dirichlet")
    return SampleDirichlet.apply(concentration)


def _dirichlet_grad(x: Tensor, alpha: Tensor, total: Tensor) -> Tensor:
    """d x / d alpha of each coordinate of Dirichlet samples ``x`` through its Beta(alpha, total - alpha)
    marginal (torch's ``_dirichlet_grad``).

    Args:
        x: samples.
        alpha: the concentrations, of ``x``'s shape.
        total: the concentrations' sums along the last dimension, expanded to ``x``'s shape.
    """
    require_floating(x, "_dirichlet_grad_cpu")
    return DirichletGrad.apply(x, alpha, total)
