"""Gradient clipping: by the total norm of all gradients, or elementwise by value (``torch.nn.utils.clip_grad``)."""

from __future__ import annotations

import types
import warnings
from collections.abc import Iterable
from typing import Any, Union

from ... import backend
from ...autograd.grad_mode import no_grad
from ...creation import tensor as _tensor
from ...tensor import Tensor

TensorOrTensors = Union[Tensor, Iterable[Tensor]]


def _vector_norm(array: Any, norm_type: float) -> Any:
    """``linalg.vector_norm`` of an array as a 0-d array of its dtype (inf: max |x|, 0: count of non-zeros)."""
    xp = backend.array_module(array)
    flat = array.reshape(-1)
    if flat.size == 1 and norm_type != 0:  # |x| itself, as torch gives it (squaring would underflow below 1e-154)
        return xp.abs(flat[0])
    with backend.backend_of(array).quiet():  # zeros under a negative p and overflow give inf quietly, as in torch
        return xp.asarray(xp.linalg.norm(flat, ord=norm_type), dtype=array.dtype)


@no_grad()
def get_total_norm(
    tensors: TensorOrTensors, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach: bool | None = None
) -> Tensor:
    """The norm of the norms of ``tensors`` (as if all were concatenated into one vector).

    Args:
        tensors: a tensor or tensors (usually gradients).
        norm_type: the p of the p-norm; ``inf`` for the largest absolute value.
        error_if_nonfinite: raise a RuntimeError when the total norm is nan or inf.
        foreach: accepted for torch's signature (there is one implementation).

    Returns:
        a 0-d tensor (of the tensors' promoted dtype, on the first tensor's device).
    """
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return _tensor(0.0)
    first = tensors[0]._data
    xp = backend.array_module(first)
    norms = [backend.to_device(_vector_norm(t._data, norm_type), backend.device_of(first)) for t in tensors]
    stacked = xp.stack(norms)  # numpy's promotion: float32 and float64 norms stack as float64, as in torch
    total = Tensor._wrap(_vector_norm(stacked, norm_type))
    if error_if_nonfinite and not bool(xp.isfinite(total._data)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
            "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
            "norm anyway, set `error_if_nonfinite=False`"
        )
    return total


@no_grad()
def clip_grads_with_norm_(
    parameters: TensorOrTensors, max_norm: float, total_norm: Tensor, foreach: bool | None = None
) -> None:
    """Scale the parameters' gradients in place by ``min(1, max_norm / (total_norm + 1e-6))``.

    Args:
        parameters: a tensor or tensors whose ``.grad`` to scale.
        max_norm: the largest total norm allowed.
        total_norm: the gradients' total norm (from ``get_total_norm``).
        foreach: accepted for torch's signature (there is one implementation).
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    if len(grads) == 0:
        return
    xp = backend.array_module(total_norm._data)
    # torch computes max_norm / t as reciprocal(t) * max_norm, in total_norm's dtype
    denom = total_norm._data + 1e-6
    coef = xp.reciprocal(denom) * xp.asarray(max_norm, dtype=denom.dtype)
    coef = xp.minimum(coef, xp.asarray(1.0, dtype=denom.dtype))
    for g in grads:
        with backend.backend_of(
            g._data
        ).quiet():  # a non-finite norm scales by 0 or nan, as in torch, without numpy's warning
            g._data *= backend.to_device(coef, backend.device_of(g._data)).astype(g._data.dtype)
        g._bump_version()


@no_grad()
def clip_grad_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale the gradients of ``parameters`` in place so that their total norm is at most ``max_norm``.

    Args:
        parameters: a tensor or tensors (e.g. ``model.parameters()``) whose ``.grad`` to clip.
        max_norm: the largest total norm allowed.
        norm_type: the p of the p-norm; ``inf`` for the largest absolute value.
        error_if_nonfinite: raise a RuntimeError (and leave the gradients alone) when the norm is nan or inf.
        foreach: accepted for torch's signature (there is one implementation).

    Returns:
        the total norm of the gradients before clipping, a 0-d tensor.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and len(parameters) == 0:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3)
    grads: list[Tensor] = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Deprecated spelling of :func:`clip_grad_norm_` (warns, then clips)."""
    warnings.warn(
        "`nn.utils.clip_grad_norm` is now deprecated in favor of `nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@no_grad()
def clip_grad_value_(parameters: TensorOrTensors, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element of ``parameters`` into ``[-clip_value, clip_value]``, in place.

    Args:
        parameters: a tensor or tensors whose ``.grad`` to clip.
        clip_value: the largest absolute value allowed (nan stays nan).
        foreach: accepted for torch's signature (there is one implementation).
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    for p in parameters:
        g = p.grad
        if g is not None:
            xp = backend.array_module(g._data)
            xp.clip(g._data, -clip_value, clip_value, out=g._data)
            g._bump_version()
