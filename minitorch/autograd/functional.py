"""``torch.autograd.functional``: Jacobians, Hessians and their products with vectors, from ``grad``.

Each function calls ``func`` on (detached, or with ``create_graph`` aliased) copies of the inputs
and differentiates it with ``autograd.grad``; Hessian products use the double backward (``hvp``
and ``jvp`` the "double backward trick": the gradient of a gradient taken with respect to zero
output gradients that require grad). Jacobians are built one output element at a time
(``vectorize=False``); torch's vectorised path (``vectorize=True``, and ``strategy='forward-mode'``,
which needs it) relies on vmap, which minitorch does not have. Results, shapes, ``strict`` and
``create_graph`` follow torch's, errors included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backend import array_module
from .engine import grad as _grad
from .function import Context, Function, is_tensor, wrap
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _as_tuple(value: Any, what: str, fn: str) -> tuple:
    """(was it a tuple, the tensors as a tuple), with torch's TypeError for anything but tensors."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, item in enumerate(items):
        if not is_tensor(item):
            where = (
                f"the value at index {i} has type {type(item)}"
                if is_tuple
                else f"the given {what} has type {type(item)}"
            )
            raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but {where}.")
    return is_tuple, items


def _unpack(result: tuple, is_tuple: Any) -> Any:
    """Undo the tuples made for non-tuple arguments: ``is_tuple`` is a flag, or (outer, inner) flags."""
    if isinstance(is_tuple, tuple):
        outer, inner = is_tuple
        if not inner:
            result = tuple(r[0] for r in result)
        return result if outer else result[0]
    return result if is_tuple else result[0]


def _prepare(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh leaves for ``func``; under ``create_graph`` an alias that keeps an input's own graph."""
    out = []
    for x in inputs:
        if create_graph and x.requires_grad:
            out.append(x.view_as(x))
        else:
            out.append(x.detach().requires_grad_(need_graph))
    return tuple(out)


def _finish(values: Any, create_graph: bool) -> Any:
    """Detach the results unless ``create_graph`` (nested tuples of tensors)."""
    if is_tensor(values[0]):
        return values if create_graph else tuple(v.detach() for v in values)
    return tuple(_finish(v, create_graph) for v in values)


def _zeros_like(t: Any, requires_grad: bool = False) -> Any:
    z = wrap(array_module(t._data).zeros_like(t._data))
    if requires_grad:
        z.requires_grad = True
    return z


def _check_v(v: tuple, like: tuple, like_is_tuple: bool) -> None:
    if len(v) != len(like):
        if like_is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, like)):
        if a.size() != b.size():
            prefix = f"Entry {i} in " if like_is_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.size()} but got {a.size()}.")


_NOT_DIFFERENTIABLE = {
    "outputs": (
        "Output {i} of the user-provided function does not require gradients. The outputs must be computed in "
        "a differentiable manner from the input when running in strict mode."
    ),
    "grad_inputs": (
        "The gradient with respect to input {i} is independent of the inputs of the user-provided function. "
        "This is not allowed in strict mode."
    ),
    "jacobian": (
        "While computing the hessian, found that the jacobian of the user-provided function with respect to "
        "input {i} is independent of the input. This is not allowed in strict mode. You should ensure that your "
        "function is twice differentiable and that the jacobian depends on the inputs (this would be violated "
        "by a linear function for example)."
    ),
    "hessian": (
        "The hessian of the user-provided function with respect to input {i} is independent of the input. This "
        "is not allowed in strict mode. You should ensure that your function is thrice differentiable and that "
        "the hessian depends on the inputs."
    ),
}


def _check_requires_grad(values: tuple, kind: str, strict: bool) -> None:
    """In ``strict`` mode, torch's error for a value that is missing or does not depend on the inputs."""
    if not strict:
        return
    for i, value in enumerate(values):
        if value is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}. This is not allowed in "
                "strict mode."
            )
        if not value.requires_grad:
            raise RuntimeError(_NOT_DIFFERENTIABLE[kind].format(i=i))


def _grads(outputs: tuple, inputs: tuple, grad_outputs: Any = None, create_graph: bool = False) -> tuple:
    """``autograd.grad`` of the outputs that require grad (None for every input when none does)."""
    grad_outputs = (None,) * len(outputs) if grad_outputs is None else grad_outputs
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return _grad(
        [o for o, _ in pairs],
        list(inputs),
        [g for _, g in pairs],
        retain_graph=True,
        create_graph=create_graph,
        allow_unused=True,
    )


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in strict mode.",
    "back_trick": (
        "The gradient with respect to the input is independent of entry {i} in the grad_outputs when using the "
        "double backward trick to compute forward mode gradients. This is not allowed in strict mode."
    ),
    "double_back": (
        "The jacobian of the user-provided function is independent of input {i}. This is not allowed in strict mode."
    ),
    "double_back_trick": (
        "The hessian of the user-provided function is independent of entry {i} in the grad_jacobian. This is not "
        "allowed in strict mode as it prevents from using the double backward trick to replace forward mode AD."
    ),
}


def _fill_zeros(grads: tuple, like: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    """Zeros for the missing gradients, or (``strict``) torch's error saying which is missing."""
    out = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = _zeros_like(like[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. This is not allowed in "
                "strict mode when create_graph=True."
            )
        out.append(g)
    return tuple(out)


def _single_scalar(outputs: tuple, is_tuple: bool, fn: str) -> None:
    if is_tuple or not is_tensor(outputs[0]):
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn} should contain a single element")


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """The outputs of ``func`` at ``inputs`` and the product ``v^T J`` of a vector with its Jacobian.

    Args:
        func: takes the input tensors and returns a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors.
        v: shaped like the outputs; may be omitted when ``func`` returns one single-element tensor.
        create_graph: make the results differentiable (on the graph of the inputs).
        strict: raise when an output does not depend on an input, instead of giving zeros.
    """
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        if v is not None:
            v = _prepare(_as_tuple(v, "v", "vjp")[1], create_graph, need_graph=False)
            _check_v(v, outputs, outputs_tuple)
        elif len(outputs) != 1 or outputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the user-provided function returns a single Tensor with a "
                "single element."
            )
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        found = _fill_zeros(_grads(outputs, inputs, v, create_graph), inputs, strict, create_graph, "back")
    return _unpack(_finish(outputs, create_graph), outputs_tuple), _unpack(_finish(found, create_graph), inputs_tuple)


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """The outputs of ``func`` at ``inputs`` and the product ``J v`` of its Jacobian with a vector.

    Computed by the double backward trick (the gradient, with respect to zero output gradients that
    require grad, of the vector-Jacobian product), as torch's ``autograd.functional.jvp`` does.

    Args:
        func: takes the input tensors and returns a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors.
        v: shaped like the inputs; may be omitted for one single-element input.
        create_graph: make the results differentiable.
        strict: raise when the result cannot depend on an input, instead of giving zeros.
    """
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        if v is not None:
            v = _prepare(_as_tuple(v, "v", "jvp")[1], create_graph, need_graph=False)
            _check_v(v, inputs, inputs_tuple)
        elif len(inputs) != 1 or inputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function is a single Tensor with "
                "a single element."
            )
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        seeds = tuple(_zeros_like(o, requires_grad=True) for o in outputs)
        grad_inputs = _grads(outputs, inputs, seeds, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        found = _fill_zeros(_grads(grad_inputs, seeds, v, create_graph), outputs, strict, create_graph, "back_trick")
    return _unpack(_finish(outputs, create_graph), outputs_tuple), _unpack(_finish(found, create_graph), outputs_tuple)


class _Stack(Function):
    """Stack tensors along a new first axis (a Jacobian's rows), differentiably."""

    @staticmethod
    def forward(ctx: Context, *rows: Any) -> Any:
        data = [r._data for r in rows]
        return wrap(array_module(*data).stack(data))

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return tuple(grad[i] for i in range(grad.shape[0]))


def jacobian(
    func: Callable,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: for output i and input j, a tensor of shape out_i + in_j.

    Args:
        func: takes the input tensors and returns a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors; the result nests as torch's does (a tensor for one input
            and one output, a tuple per output of a tuple per input otherwise).
        create_graph: make the Jacobian differentiable (a Hessian is the Jacobian of a Jacobian).
        strict: raise when an output does not depend on an input, instead of giving zeros.
        vectorize: must be False (one backward per output element; minitorch has no vmap).
        strategy: must be 'reverse-mode'.
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your function has more '
            'outputs than inputs, "forward-mode" tends to be more performant. Otherwise, prefer to use '
            '"reverse-mode".'
        )
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                'torch.autograd.functional.jacobian: `create_graph=True` and `strategy="forward-mode"` are not '
                'supported together (yet). Please either set `create_graph=False` or `strategy="reverse-mode"`.'
            )
        if strict:
            raise RuntimeError(
                'torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` are not '
                'supported together (yet). Please either set `strict=False` or `strategy="reverse-mode"`.'
            )
        if not vectorize:
            raise NotImplementedError(
                "Computing Jacobian using forward-AD or forward-over-reverse Hessian isonly implemented for "
                "`vectorize=True`."
            )
    if vectorize:
        if strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not supported "
                "together. Please either set `strict=False` or `vectorize=False`."
            )
        raise NotImplementedError(
            "minitorch.autograd.functional.jacobian computes one row at a time: vectorize=True (vmap) is not "
            "supported; use vectorize=False"
        )
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        result = []
        for i, out in enumerate(outputs):
            rows: list = [[] for _ in inputs]
            flat = out.reshape(-1)
            for k in range(out.nelement()):
                for j, (g, x) in enumerate(zip(_grads((flat[k],), inputs, create_graph=create_graph), inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of input {j}. This is "
                                "not allowed in strict mode."
                            )
                        g = _zeros_like(x)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(
                            f"The jacobian of the user-provided function is independent of input {i}. This is not "
                            "allowed in strict mode when create_graph=True."
                        )
                    rows[j].append(g)
            result.append(
                tuple(
                    (_Stack.apply(*r) if r else _zeros_like(x).reshape((0,) + tuple(x.shape))).reshape(
                        tuple(out.shape) + tuple(x.shape)
                    )
                    for r, x in zip(rows, inputs)
                )
            )
        return _unpack(_finish(tuple(result), create_graph), (outputs_tuple, inputs_tuple))


def hessian(
    func: Callable,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar function ``func`` at ``inputs`` (the Jacobian of its gradient).

    Args:
        func: takes the input tensors and returns a tensor with a single element.
        inputs: a tensor or a tuple of tensors; for inputs i and j the block has shape in_i + in_j.
        create_graph: make the Hessian differentiable.
        strict: raise when the Hessian does not depend on an input, instead of giving zeros.
        vectorize: must be False; outer_jacobian_strategy: must be 'reverse-mode'.
    """
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar(*xs: Any) -> Any:
        out = func(*xs)
        is_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(outs, "outputs", strict)
        _single_scalar(outs, is_tuple, "hessian")
        return out.squeeze()

    def gradient(*xs: Any) -> Any:
        if outer_jacobian_strategy == "forward-mode":
            xs = tuple(x.requires_grad_(True) for x in xs)
        jac = jacobian(scalar, xs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(
        gradient,
        inputs,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    return _unpack(res, (inputs_tuple, inputs_tuple))


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """The output of a scalar ``func`` at ``inputs`` and the product ``v^T H`` of a vector with its Hessian.

    Args:
        func: takes the input tensors and returns a tensor with a single element.
        inputs: a tensor or a tuple of tensors.
        v: shaped like the inputs; may be omitted for one single-element input.
        create_graph: make the results differentiable.
        strict: raise when the result cannot depend on an input, instead of giving zeros.
    """
    outputs, inputs, v, inputs_tuple, outputs_tuple, jac = _hessian_start(func, inputs, v, create_graph, strict, "vhp")
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        found = _fill_zeros(_grads(jac, inputs, v, create_graph), inputs, strict, create_graph, "double_back")
    return _unpack(_finish(outputs, create_graph), outputs_tuple), _unpack(_finish(found, create_graph), inputs_tuple)


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """The output of a scalar ``func`` at ``inputs`` and the product ``H v`` of its Hessian with a vector.

    Computed, as torch does, by the double backward trick on top of the Hessian-vector product.

    Args:
        func: takes the input tensors and returns a tensor with a single element.
        inputs: a tensor or a tuple of tensors.
        v: shaped like the inputs; may be omitted for one single-element input.
        create_graph: make the results differentiable.
        strict: raise when the result cannot depend on an input, instead of giving zeros.
    """
    outputs, inputs, v, inputs_tuple, outputs_tuple, jac = _hessian_start(func, inputs, v, create_graph, strict, "hvp")
    with enable_grad():
        seeds = tuple(_zeros_like(x, requires_grad=True) for x in inputs)
        double_back = _grads(jac, inputs, seeds, create_graph=True)
        _check_requires_grad(jac, "hessian", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        found = _fill_zeros(
            _grads(double_back, seeds, v, create_graph), inputs, strict, create_graph, "double_back_trick"
        )
    return _unpack(_finish(outputs, create_graph), outputs_tuple), _unpack(_finish(found, create_graph), inputs_tuple)


def _hessian_start(func: Callable, inputs: Any, v: Any, create_graph: bool, strict: bool, fn: str) -> tuple:
    """What ``vhp`` and ``hvp`` share: checked inputs, ``v`` and outputs, and the gradient on the graph."""
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn)
        inputs = _prepare(inputs, create_graph, need_graph=True)
        if v is not None:
            v = _prepare(_as_tuple(v, "v", fn)[1], create_graph, need_graph=False)
            _check_v(v, inputs, inputs_tuple)
        elif len(inputs) != 1 or inputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function is a single Tensor with "
                "a single element."
            )
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", fn)
        _check_requires_grad(outputs, "outputs", strict)
        _single_scalar(outputs, outputs_tuple, fn)
        jac = _grads(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
    return outputs, inputs, v, inputs_tuple, outputs_tuple, jac
