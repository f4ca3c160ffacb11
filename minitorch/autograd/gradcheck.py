"""Finite-difference checks of a Function's backward (central differences, float64)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import grad
from .function import is_tensor, wrap
from .grad_mode import no_grad


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
    for x in inputs:
        if is_tensor(x) and x.requires_grad and x.dtype.name != "float64":
            warnings.warn(
                "Input #0 requires gradient and is not a double precision floating point. "
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


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients disagree."""
