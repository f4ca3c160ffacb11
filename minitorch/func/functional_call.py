"""``torch.func.functional_call``: call a module with given parameters and buffers in place of its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..nn.modules.module import Module
from ..nn.utils.stateless import _functional_call

__all__ = ["functional_call"]


def functional_call(
    module: Module,
    parameter_and_buffer_dicts: dict | Sequence[dict],
    args: Any = None,
    kwargs: dict | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """``module(*args, **kwargs)`` computed with the given tensors as its parameters and buffers.

    The module's own tensors are back in place afterwards, also when the call raises. Gradients flow to the
    given tensors, so ``grad(lambda params: loss(functional_call(model, params, x)))(params)`` works.

    Args:
        module: the module to call.
        parameter_and_buffer_dicts: {dotted name: tensor}, or a sequence of such dicts with distinct keys.
        args: the positional argument(s) of the call (one non-tuple value is one argument).
        kwargs: the keyword arguments of the call.
        tie_weights: a tensor the module holds under several names (tied weights) takes a value given for
            any of them; giving different values for tied names is an error.
        strict: the names given must be exactly the module's parameters and buffers.
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        merged = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        counts: dict = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        merged = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError(
            "Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
            f"{type(parameter_and_buffer_dicts)}"
        )
    return _functional_call(module, merged, args, kwargs, tie_weights=tie_weights, strict=strict)
