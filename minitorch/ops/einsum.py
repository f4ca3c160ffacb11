"""einsum: torch's equation syntax (ellipsis and the sublist form included), composed of differentiable ops.

An equation becomes a few recorded ops: per operand, ``diagonal`` for a repeated subscript and ``sum`` for one
nothing else uses; then operands are contracted pairwise with one batched ``matmul`` each (batch, kept and
summed subscripts laid out by ``permute`` and ``reshape``); a last ``permute`` orders the result. Its gradient,
and the gradient of that, are those of the ops it is made of.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..amp import autocast_mode
from ..tensor import Tensor
from .linalg import matmul
from .matrix import diagonal
from .reduce import sum as sum_
from .shape import expand, permute, reshape

__all__ = ["einsum"]

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # torch's label order: upper case first


def _parse_term(term: str, offset: int) -> list:
    """The subscripts of one term as label numbers (``...`` stays as the string), with torch's errors."""
    labels: list[int | str] = []
    i = 0
    while i < len(term):
        if term.startswith("...", i):
            if "..." in labels:
                raise RuntimeError("einsum(): found '.' for operand that is not part of any ellipsis")
            labels.append("...")
            i += 3
            continue
        c = term[i]
        if c == ".":
            raise RuntimeError("einsum(): found '.' for operand 0 that is not part of any ellipsis")
        if c not in _LETTERS:
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {offset + i} in the equation string, "
                "subscripts must be in [a-zA-Z]"
            )
        labels.append(_LETTERS.index(c))
        i += 1
    return labels


def _from_sublists(args: tuple) -> tuple:
    """``einsum(op0, sublist0, op1, sublist1, ..., [sublist_out])`` as (equation, operands)."""

    def term(sublist: Sequence) -> str:
        out = []
        for s in sublist:
            if s is Ellipsis:
                out.append("...")
            elif not 0 <= s < 52:
                raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")
            else:
                out.append(_LETTERS[s])
        return "".join(out)

    operands, terms = list(args[0::2]), [term(s) for s in args[1::2]]
    if len(args) % 2:  # an output sublist ends the arguments
        output = term(args[-1])
        operands, terms = operands[:-1], terms
        return ",".join(terms) + "->" + output, operands
    return ",".join(terms), operands


def einsum(*args: Any) -> Tensor:
    """Sum of products of the operands' elements over the subscripts an equation names, as torch.einsum.

    ``einsum("ij,jk->ik", a, b)`` is ``a @ b``; ``...`` stands for broadcast dimensions; without ``->`` the
    result keeps the subscripts used once, in alphabetical order (upper case first), after the ``...`` ones.
    The sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` and a list of operands are accepted too.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(einsum):
        return autocast_mode.run("einsum", einsum, *args)
    if args and isinstance(args[0], Tensor):
        equation, operands = _from_sublists(args)
    else:
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    lhs, arrow, rhs = equation.replace(" ", "").partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for t in operands[1:]:
        if t.dtype is not operands[0].dtype:
            raise RuntimeError(
                f"expected scalar type {operands[0].dtype._scalar_name} but found {t.dtype._scalar_name}"
            )
    offsets = [sum(len(t) + 1 for t in terms[:i]) for i in range(len(terms))]
    labels = [_expand_ellipsis(_parse_term(t, o), x, i) for i, (t, o, x) in enumerate(zip(terms, offsets, operands))]
    n_ell = max((-min((lb for lb in ls if lb < 0), default=0) for ls in labels), default=0)
    sizes = _sizes(labels, operands)
    counts: dict = {}
    for ls in labels:
        for lb in ls:
            counts[lb] = counts.get(lb, 0) + 1
    if arrow:
        output = _parse_term(rhs, len(lhs) + 2)
        output = [lb for item in output for lb in (range(-n_ell, 0) if item == "..." else [item])]
        for lb in output:
            if output.count(lb) > 1:
                raise RuntimeError(f"einsum(): output subscript {_LETTERS[lb]} appears more than once in the output")
            if lb not in counts:
                raise RuntimeError(
                    f"einsum(): output subscript {_LETTERS[lb]} does not appear in the equation for any input operand"
                )
    else:
        output = list(range(-n_ell, 0)) + sorted(lb for lb, n in counts.items() if n == 1 and lb >= 0)
    prepared = [
        _reduce_alone(x, ls, output, labels[:i] + labels[i + 1 :]) for i, (x, ls) in enumerate(zip(operands, labels))
    ]
    result, have = prepared[0]
    for i in range(1, len(prepared)):
        later = set(output).union(*(set(ls) for _, ls in prepared[i + 1 :]))
        result, have = _contract(result, have, *prepared[i], later, sizes)
    unused = [d for d, lb in enumerate(have) if lb not in output]
    if unused:  # a single operand's subscripts left out of the output
        result, have = sum_(result, unused), [lb for lb in have if lb in output]
    return permute(result, [have.index(lb) for lb in output]) if have != output else result


def _expand_ellipsis(labels: list, x: Tensor, i: int) -> list:
    """Replace ``...`` by the (negative, right-aligned) labels of the dimensions it covers in operand ``i``."""
    named = len(labels) - ("..." in labels)
    if "..." not in labels:
        if named != x.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) does not match the number of "
                f"dimensions ({x.ndim}) for operand {i} and no ellipsis was given"
            )
        return labels
    k = x.ndim - named
    if k < 0:
        raise RuntimeError(
            f"einsum(): the number of subscripts in the equation ({named}) is more than the number of "
            f"dimensions ({x.ndim}) for operand {i}"
        )
    at = labels.index("...")
    return labels[:at] + list(range(-k, 0)) + labels[at + 1 :]


def _sizes(labels: list, operands: list) -> dict:
    """Each label's size, broadcasting 1s, with torch's error for sizes that disagree."""
    sizes: dict = {}
    for i, (ls, x) in enumerate(zip(labels, operands)):
        seen: dict = {}
        for lb, n in zip(ls, x.shape):
            if lb in seen and seen[lb] != n:
                raise RuntimeError(
                    f"einsum(): subscript {_LETTERS[lb]} is repeated for operand {i} but the sizes don't match, "
                    f"{n} != {seen[lb]}"
                )
            seen[lb] = n
            if sizes.get(lb, 1) not in (1, n) and n != 1:
                name = _LETTERS[lb] if lb >= 0 else "..."
                raise RuntimeError(
                    f"einsum(): subscript {name} has size {n} for operand {i} which does not broadcast with "
                    f"previously seen size {sizes[lb]}"
                )
            sizes[lb] = max(sizes.get(lb, 1), n) if n != 1 else sizes.get(lb, 1)
    return sizes


def _reduce_alone(x: Tensor, labels: list, output: list, others: list) -> tuple[Tensor, list]:
    """Take diagonals of repeated subscripts and sum those nothing else needs: (tensor, its unique labels)."""
    labels = list(labels)
    for lb in list(dict.fromkeys(labels)):
        while labels.count(lb) > 1:
            p = labels.index(lb)
            q = labels.index(lb, p + 1)
            x = diagonal(x, 0, p, q)
            labels = [b for d, b in enumerate(labels) if d not in (p, q)] + [lb]
    needed = set(output).union(*(set(ls) for ls in others))
    alone = [d for d, lb in enumerate(labels) if lb not in needed]
    if alone:
        x, labels = sum_(x, alone), [lb for lb in labels if lb in needed]
    return x, labels


def _contract(a: Tensor, la: list, b: Tensor, lb: list, later: set, sizes: dict) -> tuple:
    """``a`` and ``b`` as one tensor: shared subscripts needed later are batch dims, the other shared ones are
    summed by one batched matmul. Returns (tensor, labels: batch, a's own, b's own)."""
    batch = [x for x in la if x in lb and x in later]
    summed = [x for x in la if x in lb and x not in later]
    own_a = [x for x in la if x not in lb]
    own_b = [x for x in lb if x not in la]

    def laid_out(t: Tensor, have: list, order: list, shape: tuple) -> Tensor:
        t = permute(t, [have.index(x) for x in order]) if order != have else t
        full = tuple(sizes[x] for x in order)
        if tuple(t.shape) != full:  # size-1 dimensions broadcast against the other operand's
            t = expand(t, full)
        return reshape(t, shape)

    nb, ns = math.prod(sizes[x] for x in batch), math.prod(sizes[x] for x in summed)
    na, nbo = math.prod(sizes[x] for x in own_a), math.prod(sizes[x] for x in own_b)
    left = laid_out(a, la, batch + own_a + summed, (nb, na, ns))
    right = laid_out(b, lb, batch + summed + own_b, (nb, ns, nbo))
    out = reshape(matmul(left, right), tuple(sizes[x] for x in batch + own_a + own_b))
    return out, batch + own_a + own_b
