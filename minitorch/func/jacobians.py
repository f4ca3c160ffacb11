"""Forward-mode products and Jacobians: ``jvp``, ``linearize``, ``jacrev``, ``jacfwd`` and ``hessian``.

minitorch has reverse mode only. A Jacobian-vector product comes from the double backward trick: with ``u``
a seed shaped like the output, ``J^T u`` is linear in ``u``, and its gradient with respect to ``u``, taken
with output gradient ``t``, is ``J t``. It needs the backward of every op to be differentiable, which
minitorch's are. One forward and one first backward serve any number of tangents (``linearize``,
``jacfwd``). Without vmap, Jacobians are built one row (``jacrev``) or one column (``jacfwd``) at a time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..autograd.nodes import is_tensor
from ..creation import eye, zeros, zeros_like
from ..ops import stack
from ._argnums import Argnums, normalize, replace, select
from ._level import Level
from ._pytree import tree_flatten, tree_unflatten
from .transforms import check_floating, check_outputs, split_aux

__all__ = ["hessian", "jacfwd", "jacrev", "jvp", "linearize"]

JVP = "jvp(f, primals, tangents)"


class _Linearized:
    """``J t`` for any tangents ``t``, from one forward: the seeds ``u`` and ``J^T u``, kept on the graph."""

    def __init__(self, level: Level, outputs: list, inputs: list) -> None:
        self.level = level
        self.outputs = outputs
        self.moving = [i for i, o in enumerate(outputs) if o.requires_grad]  # the others cannot depend on inputs
        self.seeds = [level.leaf(zeros_like(outputs[i])) for i in self.moving]
        moving = [outputs[i] for i in self.moving]
        self.pulled = level.grad(moving, inputs, self.seeds, keep_graph=True) if moving else []

    def push(self, tangents: list, create_graph: bool) -> list:
        """One tangent per output for ``tangents`` (one per input; None for a zero tangent)."""
        result: list = [None] * len(self.outputs)
        pairs = [(p, t) for p, t in zip(self.pulled, tangents) if t is not None]
        if self.moving and pairs:
            found = self.level.grad([p for p, _ in pairs], self.seeds, [t for _, t in pairs], create_graph)
            for i, g in zip(self.moving, found):
                result[i] = g
        return [zeros_like(o) if r is None else r for r, o in zip(result, self.outputs)]


def _check_tensors(flat: list, what: str) -> None:
    if not flat:
        raise RuntimeError(f"{JVP}: Expected {what} to contain at least one Tensor.")
    for x in flat:
        if not is_tensor(x):
            raise RuntimeError(f"{JVP}: Expected {what} to only contain Tensors, got {type(x)}")


def jvp(func: Callable, primals: Any, tangents: Any, *, strict: bool = False, has_aux: bool = False) -> tuple:
    """``func(*primals)`` and its Jacobian-vector product with ``tangents`` (forward mode, as ``torch.func``).

    Args:
        func: takes the primals and returns a tensor or a pytree of tensors.
        primals: a tuple of the positional arguments (tensors or pytrees of tensors), all differentiated.
        tangents: shaped like ``primals``, pytree structure included.
        strict: raise when an output does not depend on the inputs, instead of giving zeros.
        has_aux: ``func`` returns ``(output, aux)``; ``jvp`` returns ``(output, jvp_out, aux)``.
    """
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{JVP}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals).")
    flat_p, p_spec = tree_flatten(primals)
    flat_t, t_spec = tree_flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(
            f"{JVP}: Expected primals and tangents to have the same python structure. For example, if primals is "
            f"a tuple of 3 tensors, tangents also must be. Got primals with structure {p_spec} and tangents with "
            f"structure {t_spec}"
        )
    _check_tensors(flat_p, "primals")
    _check_tensors(flat_t, "tangents")
    for p, t in zip(flat_p, flat_t):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the original Tensor, this "
                f"is not supported. Tensor is of size {list(p.shape)} while the given forward gradient is of size "
                f"{list(t.shape)}."
            )
    level = Level()
    with enable_grad():
        lifted = [level.lift(p) for p in flat_p]
        output, aux = split_aux(func(*tree_unflatten(lifted, p_spec)), has_aux, JVP)
        flat_out, out_spec = tree_flatten(output)
        check_outputs(flat_out, JVP)
        if strict and not all(o.requires_grad for o in flat_out):
            raise RuntimeError(
                "jvp(f, primals, tangents, strict=True): The output of f is independent of the inputs. This is not "
                "allowed with strict=True."
            )
        pushed = _Linearized(level, flat_out, lifted).push(flat_t, level.tracking)
    result = (
        tree_unflatten([level.lower(o) for o in flat_out], out_spec),
        tree_unflatten([level.lower(t) for t in pushed], out_spec),
    )
    return result + (level.lower_tree(aux),) if has_aux else result


def linearize(func: Callable, *primals: Any) -> tuple:
    """``func(*primals)`` and ``jvp_fn``, which gives the Jacobian-vector product for tangents passed like the
    primals (``jvp_fn(*tangents)``), all from one evaluation of ``func``.

    Args:
        func: takes the primals and returns a tensor or a pytree of tensors.
        primals: tensors, or pytrees of tensors.
    """
    level = Level()
    with enable_grad():
        diff, lifted, p_spec = level.lift_tree(primals)
        flat_out, out_spec = tree_flatten(func(*diff))
        check_outputs(flat_out, "linearize(f, *primals)")
        linear = _Linearized(level, flat_out, lifted)

    def jvp_fn(*tangents: Any) -> Any:
        flat_t, t_spec = tree_flatten(tangents)
        if t_spec != p_spec:
            raise RuntimeError(f"Expected the tangents {t_spec} to have the same argspec as the primals {p_spec}")
        for i, (t, p) in enumerate(zip(flat_t, lifted)):
            for what in ("shape", "device", "dtype"):
                if getattr(t, what) != getattr(p, what):
                    raise RuntimeError(
                        f"tangent:{i} with {what} {getattr(t, what)} in flattened pytree doesn't match the {what} "
                        f"{getattr(p, what)} of the corresponding primal."
                    )
        pushed = linear.push(flat_t, is_grad_enabled())
        return tree_unflatten([level.lower(t) for t in pushed], out_spec)

    return tree_unflatten([level.lower(o) for o in flat_out], out_spec), jvp_fn


def _rows(level: Level, out: Any, inputs: list) -> list:
    """The Jacobian blocks of one output (shape out + input), one backward per output element."""
    shape = tuple(out.shape)
    if out.numel() == 0 or not out.requires_grad:
        return [zeros(shape + tuple(x.shape), dtype=x.dtype, device=x.device) for x in inputs]
    basis = eye(out.numel(), dtype=out.dtype, device=out.device)
    rows = [level.grad([out], inputs, [basis[k].reshape(shape)], level.tracking) for k in range(out.numel())]
    return [stack([r[j] for r in rows]).reshape(shape + tuple(x.shape)) for j, x in enumerate(inputs)]


def jacrev(
    func: Callable,
    argnums: Argnums = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
    _preallocate_and_copy: bool = False,
) -> Callable:
    """A function that returns the Jacobian of ``func`` with respect to ``argnums``, by reverse mode.

    For output ``o`` and input ``x`` the block has shape ``o.shape + x.shape``; the result nests as the
    output's pytree, each output holding the inputs' structure (a tuple for a tuple ``argnums``).

    Args:
        func: returns a tensor or a pytree of tensors (``(output, aux)`` with ``has_aux``).
        argnums: the positional argument(s) to differentiate (an int, or a tuple of ints).
        has_aux: ``func`` returns ``(output, aux)``; the transform returns ``(jacobian, aux)``.
        chunk_size: accepted for torch's signature (checked to be positive); rows are computed one at a time.
    """
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        level = Level()
        api = "vjp(f, *primals)"
        with enable_grad():
            nums = normalize(argnums, len(args))
            diff, lifted, in_spec = level.lift_tree(select(args, nums))
            output, aux = split_aux(func(*replace(args, diff, nums)), has_aux, api)
            flat_out, out_spec = tree_flatten(output)
            check_outputs(flat_out, api)
            check_floating(flat_out)
            blocks = [_rows(level, out, lifted) for out in flat_out]
        jac = tree_unflatten([tree_unflatten([level.lower(b) for b in row], in_spec) for row in blocks], out_spec)
        return (jac, level.lower_tree(aux)) if has_aux else jac

    return wrapper


def _columns(level: Level, linear: _Linearized, j: int, inputs: list) -> list:
    """The Jacobian blocks of every output with respect to input ``j``, one product per input element."""
    x = inputs[j]
    shape = tuple(x.shape)
    outs = linear.outputs
    if x.numel() == 0:
        return [zeros(tuple(o.shape) + shape, dtype=o.dtype, device=o.device) for o in outs]
    basis = eye(x.numel(), dtype=x.dtype, device=x.device)
    cols = []
    for k in range(x.numel()):
        tangents = [basis[k].reshape(shape) if i == j else None for i in range(len(inputs))]
        cols.append(linear.push(tangents, level.tracking))
    return [stack([c[i] for c in cols], dim=o.dim()).reshape(tuple(o.shape) + shape) for i, o in enumerate(outs)]


def jacfwd(func: Callable, argnums: Argnums = 0, has_aux: bool = False, *, randomness: str = "error") -> Callable:
    """A function that returns the Jacobian of ``func`` with respect to ``argnums``, by forward mode (Jacobian-
    vector products with the basis tangents, from one evaluation of ``func``).

    Args:
        func: returns a tensor or a pytree of tensors (``(output, aux)`` with ``has_aux``).
        argnums: the positional argument(s) to differentiate (an int, or a tuple of ints).
        has_aux: ``func`` returns ``(output, aux)``; the transform returns ``(jacobian, aux)``.
        randomness: 'error', 'different' or 'same' (torch's vmap option); ``func`` runs once, so random ops
            in it are shared by all columns.
    """

    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        if randomness not in ("error", "different", "same"):
            raise RuntimeError(
                f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}"
            )
        level = Level()
        with enable_grad():
            nums = normalize(argnums, len(args))
            diff, lifted, in_spec = level.lift_tree(select(args, nums))
            output, aux = split_aux(func(*replace(args, diff, nums)), has_aux, JVP)
            flat_out, out_spec = tree_flatten(output)
            check_outputs(flat_out, JVP)
            linear = _Linearized(level, flat_out, lifted)
            by_input = [_columns(level, linear, j, lifted) for j in range(len(lifted))]
        rows = [[level.lower(by_input[j][i]) for j in range(len(lifted))] for i in range(len(flat_out))]
        jac = tree_unflatten([tree_unflatten(row, in_spec) for row in rows], out_spec)
        return (jac, level.lower_tree(aux)) if has_aux else jac

    return wrapper


def hessian(func: Callable, argnums: Argnums = 0) -> Callable:
    """A function that returns the Hessian of ``func`` with respect to ``argnums``: ``jacfwd(jacrev(func))``.

    Args:
        func: returns a tensor (a Hessian block has shape ``out.shape + x.shape + x.shape``).
        argnums: the positional argument(s) to differentiate (an int, or a tuple of ints).
    """
    return jacfwd(jacrev(func, argnums), argnums)
