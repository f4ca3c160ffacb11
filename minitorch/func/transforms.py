"""Reverse-mode transforms: ``grad``, ``grad_and_value`` and ``vjp``, as ``torch.func``'s.

Each call lifts the differentiated arguments into a ``Level`` (``_level.py``), runs the function with grad
mode on (a transform ignores a ``no_grad`` around it, and obeys one inside the function), differentiates
with ``autograd.grad`` and lowers the results: they stay on the caller's graph where they depend on
something it tracks (an outer transform's inputs, a tensor that requires grad), so that transforms nest.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..autograd.nodes import is_tensor
from ._argnums import Argnums, normalize, replace, select
from ._level import Level
from ._pytree import tree_flatten, tree_unflatten

__all__ = ["grad", "grad_and_value", "vjp"]


def split_aux(output: Any, has_aux: bool, api: str) -> tuple:
    """(output, aux): ``aux`` is None unless ``has_aux``, which needs an (output, aux) pair."""
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return output


def check_outputs(flat: list, api: str) -> None:
    """torch's errors for a function that returns nothing, or something besides tensors."""
    if len(flat) < 1 or (len(flat) == 1 and flat[0] is None):
        raise RuntimeError(f"{api}: Expected f to be a function that has non-empty output (got output = {flat})")
    for out in flat:
        if not is_tensor(out):
            raise RuntimeError(f"{api}: expected f(*primals) to return only tensors, got unsupported type {type(out)}")


def check_floating(flat: list) -> None:
    """Reverse mode needs floating-point outputs (torch's error names the first other dtype)."""
    for out in flat:
        if not out.is_floating_point():
            raise RuntimeError(
                "vjp(f, ...): All outputs of f must be floating-point or complex Tensors, got Tensor with dtype "
                f"{out.dtype}"
            )


def _grad_and_value(func: Callable, argnums: Any, has_aux: bool, args: tuple, kwargs: dict) -> tuple:
    level = Level()
    api = "grad_and_value(f)(*args)"
    with enable_grad():
        nums = normalize(argnums, len(args))
        diff, lifted, spec = level.lift_tree(select(args, nums))
        output, aux = split_aux(func(*replace(args, diff, nums), **kwargs), has_aux, api)
        if not is_tensor(output):
            raise RuntimeError(f"{api}: Expected f(*args) to return a Tensor, got {type(output)}")
        if output.dim() != 0:
            raise RuntimeError(
                f"{api}: Expected f(*args) to return a scalar Tensor, got tensor with {output.dim()} dims. Maybe you "
                "wanted to use the vjp or jacrev APIs instead?"
            )
        found = level.grad([output], lifted, create_graph=level.tracking)
    grads = tree_unflatten([level.lower(g) for g in found], spec)
    value = level.lower(output)
    if has_aux:
        return grads, (value, level.lower_tree(aux))
    return grads, value


def grad_and_value(func: Callable, argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """A function that returns ``(gradient, value)`` of the scalar function ``func``.

    Args:
        func: returns a 0-dim tensor (or ``(tensor, aux)`` with ``has_aux``).
        argnums: the positional argument(s) to differentiate: an int, or a tuple of ints (the gradient is then
            a tuple). An argument may be a pytree (tuple, list, dict) of tensors; its gradient has its structure.
        has_aux: ``func`` returns ``(output, aux)``; the transform returns ``(gradient, (value, aux))``.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _grad_and_value(func, argnums, has_aux, args, kwargs)

    return wrapper


def grad(func: Callable, argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """A function that returns the gradient of the scalar function ``func`` with respect to ``argnums``.

    Transforms nest: ``grad(grad(f))`` is the second derivative, and the gradient of a function of tensors
    that require grad stays differentiable (the meta-learning pattern: an inner step's gradient, through
    ``functional_call``, differentiated by the outer loss).

    Args:
        func: returns a 0-dim tensor (or ``(tensor, aux)`` with ``has_aux``).
        argnums: the positional argument(s) to differentiate (an int, or a tuple of ints).
        has_aux: ``func`` returns ``(output, aux)``; the transform returns ``(gradient, aux)``.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        grads, value = _grad_and_value(func, argnums, has_aux, args, kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``func(*primals)`` and a function that takes cotangents and returns the vector-Jacobian products.

    Args:
        func: takes the primals and returns a tensor or a pytree of tensors.
        primals: tensors, or pytrees of tensors, all of them differentiated.
        has_aux: ``func`` returns ``(output, aux)``; ``vjp`` returns ``(output, vjp_fn, aux)``.

    ``vjp_fn(cotangents, retain_graph=True, create_graph=None)`` takes cotangents shaped like the output
    (same pytree structure) and returns a tuple with one product per primal; ``create_graph`` defaults to
    whether grad mode is on.
    """
    level = Level()
    api = "vjp(f, *primals)"
    with enable_grad():
        diff, lifted, primals_spec = level.lift_tree(primals)
        output, aux = split_aux(func(*diff), has_aux, api)
        flat_out, out_spec = tree_flatten(output)
        check_outputs(flat_out, api)
        check_floating(flat_out)
    result = tree_unflatten([level.lower(o) for o in flat_out], out_spec)

    def vjp_fn(cotangents: Any, retain_graph: bool = True, create_graph: bool | None = None) -> Any:
        flat_ct, ct_spec = tree_flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of outputs to the "
                f"function. cotangents: {ct_spec}, primal output: {out_spec}"
            )
        graph = is_grad_enabled() if create_graph is None else create_graph
        found = level.grad(flat_out, lifted, flat_ct, create_graph=graph, retain_graph=retain_graph)
        return tree_unflatten([level.lower(g) for g in found], primals_spec)

    if has_aux:
        return result, vjp_fn, level.lower_tree(aux)
    return result, vjp_fn
