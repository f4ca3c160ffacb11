"""``argnums``: which positional arguments a transform differentiates, checked with torch's errors."""

from __future__ import annotations

from typing import Any, Union

Argnums = Union[int, tuple[int, ...]]


def _wrap_argnum(argnum: Any, num_args: int) -> int:
    if not isinstance(argnum, int):
        raise RuntimeError(f"argnum must be int, got: {type(argnum)}")
    if 0 <= argnum < num_args:
        return argnum
    if -num_args <= argnum < 0:
        return argnum + num_args
    raise RuntimeError(f"Got argnum={argnum}, but only {num_args} positional inputs")


def normalize(argnums: Any, num_args: int) -> Argnums:
    """``argnums`` with negative positions made positive, after torch's checks of its type and range, that a
    tuple is not empty and has no repeats."""
    if not isinstance(argnums, (int, tuple)):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if isinstance(argnums, int):
        return _wrap_argnum(argnums, num_args)
    wrapped = tuple(_wrap_argnum(a, num_args) for a in argnums)
    if not wrapped:
        raise RuntimeError("argnums must be non-empty")
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"argnums elements must be unique, got {wrapped}")
    return wrapped


def select(args: tuple, argnums: Argnums) -> Any:
    """The differentiated arguments: one argument for an int ``argnums``, a tuple of them for a tuple
    (``argnums`` normalized)."""
    if isinstance(argnums, int):
        return args[argnums]
    return tuple(args[i] for i in argnums)


def replace(args: tuple, new: Any, argnums: Argnums) -> tuple:
    """``args`` with the differentiated ones (as ``select`` gave them) replaced by ``new``."""
    if isinstance(argnums, int):
        return tuple(new if i == argnums else a for i, a in enumerate(args))
    by_position = dict(zip(argnums, new))
    return tuple(by_position.get(i, a) for i, a in enumerate(args))
