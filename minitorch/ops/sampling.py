"""Sampling from distributions given as tensors: normal, bernoulli, multinomial, from minitorch's generator.

As in torch, a sample is not differentiable in its parameters: a mean, std or probability tensor that
requires grad gives a result that requires grad and passes back a zero gradient (``NormalBackward1``,
``BernoulliBackward0``, ...); multinomial's indices carry none. Samples are drawn on the parameters'
device by its backend (``random.sample_uniform``/``sample_normal``) and computed without Python loops
over rows: inverse CDF for draws with replacement, the Gumbel top-k for draws without.
"""

from __future__ import annotations

import numbers
from typing import Any

from .. import backend, creation, dtypes
from ..autograd.function import Context
from ..backend import Array
from ..backend.fp_errors import restore, silence
from ..random import Generator, sample_normal, sample_poisson, sample_uniform
from ..tensor import Tensor
from .base import Op, broadcast_shape, namespace_of

__all__ = ["bernoulli", "multinomial", "normal", "poisson"]


class Sampled(Op):
    """A drawn ``sample`` (the first argument) as the result of its parameter tensors, which get zero gradients."""

    @staticmethod
    def forward(ctx: Context, sample: Array, *params: Array) -> Array:
        return sample

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        zeros = namespace_of(grad).zeros_like(grad)  # (the engine sums it to each parameter's shape)
        return (None,) + (zeros,) * (len(ctx.needs_input_grad) - 1)


class NormalTensorFloat(Sampled):
    node_name = "NormalBackward1"


class NormalFloatTensor(Sampled):
    node_name = "NormalBackward2"


class NormalTensorTensor(Sampled):
    node_name = "NormalBackward3"


class Bernoulli(Sampled):
    node_name = "BernoulliBackward0"


class Poisson(Sampled):
    node_name = "PoissonBackward0"


def _number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Samples of N(mean, std ** 2), elementwise for tensor ``mean`` and/or ``std`` (broadcast together), or of
    ``size`` for two numbers.

    Args:
        mean, std: numbers or floating tensors (std >= 0).
        size: the shape, when both are numbers.
        generator: the generator to draw from (default: minitorch's).
        dtype, device, requires_grad: of the result, when both are numbers.
    """
    if _number(mean) and _number(std):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments: two numbers need a size")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        dt = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        on = backend.as_device(device if device is not None else creation.get_default_device())
        shape = (size,) if isinstance(size, int) else tuple(size)
        out = Tensor._wrap(sample_normal(shape, float(mean), float(std), dt, generator, on))
        return out.requires_grad_() if requires_grad else out
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    ref = tensors[0]
    if not ref.dtype.is_floating_point:
        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{ref.dtype._scalar_name}'")
    if isinstance(std, Tensor):
        if bool((std._data < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    m, s = (x._data if isinstance(x, Tensor) else x for x in (mean, std))
    shape = broadcast_shape(getattr(m, "shape", ()), getattr(s, "shape", ()))
    sample = (sample_normal(shape, 0.0, 1.0, dtypes.float64, generator, ref.device) * s + m).astype(ref._data.dtype)
    if isinstance(mean, Tensor) and isinstance(std, Tensor):
        return NormalTensorTensor.apply(sample, mean, std)
    return (NormalTensorFloat if isinstance(mean, Tensor) else NormalFloatTensor).apply(sample, ref)


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """0 or 1 for each element, 1 with probability ``input`` (or ``p`` when given), in ``input``'s dtype."""
    if p is None and not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_self_\" not implemented for '{input.dtype._scalar_name}'")
    probs = input._data if p is None else p
    if p is None and bool(((input._data < 0) | (input._data > 1)).any()):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    if p is not None and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    u = sample_uniform(tuple(input.shape), 0.0, 1.0, dtypes.float64, generator, input.device)
    return Bernoulli.apply((u < probs).astype(input._data.dtype), input)


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """A Poisson sample of each element's rate, in ``input``'s (floating) dtype; the rates get zero gradients."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"poisson_cpu\" not implemented for '{input.dtype._scalar_name}'")
    rates = input._data
    if bool(((rates < 0) | (rates != rates)).any()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    counts = sample_poisson(rates, generator, input.device)
    return Poisson.apply(counts.astype(rates.dtype), input)


def _check_rows_like_torch(w: Any, bad: Any, total: Any) -> None:
    """torch's checks of repeated draws with replacement: row by row, each entry in turn, then the row's sum;
    the first failure names what it found (NaN fails the sign check first)."""
    failing = bad.any(axis=1) | (total[:, 0] <= 0)
    if not bool(failing.any()):
        return
    row = int(failing.argmax())
    if not bool(bad[row].any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    value = w[row, int(bad[row].argmax())]
    found = "< 0" if not bool(value >= 0) else "= infinity or NaN"
    raise RuntimeError(f"invalid multinomial distribution (encountering probability entry {found})")


def multinomial(
    input: Tensor, num_samples: int, replacement: bool = False, *, generator: Generator | None = None
) -> Tensor:
    """``num_samples`` category indices (int64) per row of ``input``, drawn with probability proportional to the
    row's (non-negative) weights; without ``replacement`` no category is drawn twice in a row."""
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: {input.dtype._scalar_name}"
        )
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n = input.shape[-1]
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    w = input._data.astype("float64").reshape(-1, n)
    xp = backend.array_module(w)
    bad = ~(w >= 0) | ~xp.isfinite(w)
    total = w.sum(axis=1, keepdims=True)
    if replacement and num_samples > 1:
        _check_rows_like_torch(w, bad, total)
    elif bool(bad.any()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if bool((total <= 0).any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rows = w.shape[0]
    if replacement:  # inverse CDF: each row's CDF shifted by its row number, one search for every draw
        cdf = xp.cumsum(w / total, axis=1)
        cdf[:, -1] = 1.0
        u = sample_uniform((rows, num_samples), 0.0, 1.0, dtypes.float64, generator, input.device)
        offsets = xp.arange(rows, dtype=xp.float64)[:, None]
        flat = (cdf + offsets).reshape(-1)
        found = xp.searchsorted(flat, (u + offsets).reshape(-1), side="right").reshape(rows, num_samples)
        picks = xp.minimum(found - xp.arange(rows)[:, None] * n, n - 1)
    else:  # Gumbel top-k: the k largest of log(w) + Gumbel noise are a draw without replacement
        u = sample_uniform((rows, n), 0.0, 1.0, dtypes.float64, generator, input.device)
        quiet = silence()  # log(0): -inf keys for the impossible categories, as torch computes them silently
        try:
            keys = xp.log(w) - xp.log(-xp.log(u))
        finally:
            restore(quiet)
        picks = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    out = picks.astype(xp.int64)
    return Tensor._wrap(out if input.ndim == 2 else out.reshape(num_samples))
