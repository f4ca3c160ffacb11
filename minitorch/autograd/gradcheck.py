"""Finite-difference checks of a Function's backward (central differences, float64): ``gradcheck`` for
first derivatives, ``gradgradcheck`` for second ones (the backward pass differentiated again)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import dtypes, random
from ..backend import device_of
from .engine import grad
from .function import is_tensor, wrap
from .grad_mode import enable_grad, no_grad

_FLOAT64 = dtypes.float64


def _as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _flat_outputs(fn: Callable, inputs: Sequence[Any]) -> np.ndarray:
    parts = [np.asarray(o._data, dtype=np.float64).ravel() for o in _as_tuple(fn(*inputs)) if is_tensor(o)]
    return np.concatenate(parts) if parts else np.zeros(0)


def numerical_jacobian(fn: Callable, inputs: Sequence[Any], eps: float = 1e-6) -> list:
    """Jacobians d(flattened outputs)/d(each differentiable input) by central differences."""
    jacobians = []
    with no_grad():
        outs = [o for o in _as_tuple(fn(*inputs)) if is_tensor(o)]
        n_out = sum(o.numel() for o in outs)
        for x in inputs:
            if not (is_tensor(x) and x.requires_grad):
                continue
            data = x._data
            jac = np.zeros((x.numel(), n_out))
            for i in range(x.numel()):
                idx = np.unravel_index(i, data.shape)  # writes through to x even when it is a strided view
                orig = data[idx].item()
                data[idx] = orig + eps
                plus = _flat_outputs(fn, inputs)
                data[idx] = orig - eps
                minus = _flat_outputs(fn, inputs)
                data[idx] = orig
                jac[i] = (plus - minus) / (2 * eps)
            jacobians.append(jac)
    return jacobians


def analytical_jacobian(fn: Callable, inputs: Sequence[Any]) -> list:
    """Jacobians built row by row with ``autograd.grad`` (one backward per output element)."""
    diff = [x for x in inputs if is_tensor(x) and x.requires_grad]
    outs = [o for o in _as_tuple(fn(*inputs)) if is_tensor(o)]
    n_out = sum(o.numel() for o in outs)
    jacs = [np.zeros((x.numel(), n_out)) for x in diff]
    col = 0
    for o in outs:
        for j in range(o.numel()):
            if o.requires_grad:
                seed = np.zeros(o.numel(), dtype=o._data.dtype)
                seed[j] = 1
                gs = grad([o], diff, [wrap(seed.reshape(o._data.shape))], retain_graph=True, allow_unused=True)
                for jac, g in zip(jacs, gs):
                    if g is not None:
                        jac[:, col] = np.asarray(g._data, dtype=np.float64).ravel()
            col += 1
    return jacs


def gradcheck(
    func: Callable,
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    **_: Any,
) -> bool:
    """Compare ``func``'s backward with central differences on float64 inputs.

    Args:
        func: takes ``inputs`` and returns a tensor or a tuple of tensors.
        inputs: a tensor or tuple of tensors; those with ``requires_grad`` are checked.
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        raise_exception: raise ``GradcheckError`` on a mismatch instead of returning False.
    """
    inputs = _as_tuple(inputs)
    for i, x in enumerate(inputs):
        if is_tensor(x) and x.requires_grad and x.dtype.name != "float64":
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision "
                "floating point.",
                stacklevel=2,
            )
    numerical = numerical_jacobian(func, inputs, eps)
    analytical = analytical_jacobian(func, inputs)
    for i, (n, a) in enumerate(zip(numerical, analytical)):
        if not np.allclose(a, n, rtol=rtol, atol=atol):
            if not raise_exception:
                return False
            err = np.abs(a - n)
            raise GradcheckError(
                f"Jacobian mismatch for output 0 with respect to input {i},\n"
                f"numerical:{n}\nanalytical:{a}\nlargest difference {err.max():.3e} at {np.unravel_index(err.argmax(), err.shape)}"
            )
    return True


def gradgradcheck(
    func: Callable,
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    **_: Any,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the gradients of ``func`` (taken with ``create_graph``),
    as functions of the inputs and of the output gradients.

    Args:
        func: takes ``inputs`` and returns a tensor or a tuple of tensors.
        inputs: a tensor or tuple of tensors; those with ``requires_grad`` are checked.
        grad_outputs: the gradient of each output (requiring grad); by default random ones in [-1, 1)
            drawn from minitorch's generator, in each output's dtype.
        eps, atol, rtol: as in ``gradcheck``.
        gen_non_contig_grad_outputs: give the random output gradients a non-contiguous layout.
        raise_exception: raise ``GradcheckError`` on a mismatch instead of returning False.
    """
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outs = [o for o in _as_tuple(func(*inputs)) if is_tensor(o) and o.requires_grad]
        grad_outputs = tuple(_random_like(o, gen_non_contig_grad_outputs) for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_out = len(grad_outputs)

    def first_gradients(*args: Any) -> tuple:
        xs, seeds = args[:-n_out], args[-n_out:]
        with enable_grad():  # the numerical Jacobian evaluates this under no_grad; it needs a graph
            outs = [o for o in _as_tuple(func(*xs)) if is_tensor(o) and o.requires_grad]
            diff = [x for x in xs if is_tensor(x) and x.requires_grad]
            found = grad(outs, diff, list(seeds), create_graph=True, allow_unused=True)
        return tuple(g for g in found if g is not None)

    return gradcheck(
        first_gradients, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception
    )


def _random_like(t: Any, non_contiguous: bool) -> Any:
    """U(-1, 1) values shaped like ``t``, of its dtype (float64 for an integer one), requiring grad."""
    dt = t.dtype if t.dtype.is_floating_point else None
    shape = tuple(t.shape)
    if non_contiguous and shape:  # every other element of an array twice as long in the last dim
        wide = random.sample_uniform(shape[:-1] + (2 * shape[-1],), -1.0, 1.0, dt or _FLOAT64, on=device_of(t._data))
        values = wide[..., ::2]
    else:
        values = random.sample_uniform(shape, -1.0, 1.0, dt or _FLOAT64, on=device_of(t._data))
    out = wrap(values)
    out.requires_grad = True
    return out


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients disagree."""
