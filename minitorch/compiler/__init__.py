"""``torch.compile`` and ``torch.compiler``, for code written for them.

minitorch has no graph compiler: a compiled callable runs eagerly, op by op, and gives what it gives
uncompiled. What code written for ``torch.compile`` relies on is kept: a module comes back wrapped as
torch wraps it (``OptimizedModule``, whose state-dict keys carry ``_orig_mod.`` and which reads and
forwards to the module it wraps), a function keeps its name, ``compile()`` without a callable is a
decorator, ``disable=True`` hands the callable back, and bad modes, backends and arguments are refused
with torch's errors. On a GPU, the whole training step can be captured instead with
``minitorch.cuda.CUDAGraph`` (what torch's ``mode="reduce-overhead"`` does underneath).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..compile_checks import BACKENDS, LISTED_BACKENDS, InvalidBackend, check_compile_arguments
from ..nn.modules.module import Module

__all__ = [
    "InvalidBackend",
    "OptimizedModule",
    "allow_in_graph",
    "assume_constant_result",
    "compile",
    "cudagraph_mark_step_begin",
    "disable",
    "is_compiling",
    "is_dynamo_compiling",
    "is_exporting",
    "list_backends",
    "reset",
]


class OptimizedModule(Module):
    """A module as ``compile`` returns it: calls, attributes and the train/eval flag go to ``_orig_mod``.

    Args:
        mod: the module compiled.
    """

    def __init__(self, mod: Module) -> None:
        super().__init__()
        self._orig_mod = mod

    @property
    def training(self) -> bool:
        modules = self.__dict__.get("_modules")
        return bool(modules["_orig_mod"].training) if modules and "_orig_mod" in modules else True

    @training.setter
    def training(self, value: bool) -> None:
        modules = self.__dict__.get("_modules")
        if modules and "_orig_mod" in modules:
            modules["_orig_mod"].training = value

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self._orig_mod(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.__dict__["_modules"]["_orig_mod"], name)


def list_backends(exclude_tags: Any = ("debug", "experimental")) -> list[str]:
    """The backend names ``compile`` accepts (torch's default listing, or all of them with ``exclude_tags=()``)."""
    return sorted(LISTED_BACKENDS if exclude_tags else BACKENDS)


def compile(
    model: Callable | None = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: str | Callable | None = None,
    mode: str | None = None,
    options: dict | None = None,
    name: str | None = None,
    disable: bool = False,
    recompile_limit: int | None = None,
    isolate_recompiles: bool = False,
    shapes_spec: Any = None,
) -> Any:
    """``model`` wrapped as ``torch.compile`` wraps it, running eagerly (see the module docstring).

    Args:
        model: a module or function; None gives a decorator taking the rest of the arguments.
        fullgraph, dynamic, name, recompile_limit, isolate_recompiles, shapes_spec: accepted (nothing to
            compile).
        backend: a backend name torch knows (checked) or a callable.
        mode: one of torch's modes (checked), not with ``options``.
        options: backend options, not with ``mode``.
        disable: hand ``model`` back unwrapped.
    """
    settings = dict(
        fullgraph=fullgraph,
        dynamic=dynamic,
        backend=backend,
        mode=mode,
        options=options,
        name=name,
        disable=disable,
        recompile_limit=recompile_limit,
        isolate_recompiles=isolate_recompiles,
        shapes_spec=shapes_spec,
    )
    if model is None:
        return lambda m: compile(m, **settings)
    check_compile_arguments(model, backend, mode, options)
    if disable:
        return model
    if isinstance(model, Module):
        return OptimizedModule(model)
    fn = model

    @functools.wraps(fn)
    def compiled(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return compiled


def reset() -> None:
    """Forget compiled code (there is none to forget)."""


def is_compiling() -> bool:
    """Whether the caller runs inside a compilation (never: minitorch runs eagerly)."""
    return False


is_dynamo_compiling = is_compiling


def is_exporting() -> bool:
    """Whether the caller runs inside an export (never)."""
    return False


def disable(fn: Callable | None = None, recursive: bool = True, *, reason: str | None = None) -> Any:
    """Keep ``fn`` out of compilation: it is returned as it is (as a decorator too, without ``fn``).

    Args:
        fn: the function.
        recursive, reason: accepted for torch's signature.
    """
    return (lambda f: f) if fn is None else fn


def allow_in_graph(fn: Callable) -> Callable:
    """``fn`` itself (torch lets the compiler trace into it)."""
    return fn


def assume_constant_result(fn: Callable) -> Callable:
    """``fn`` itself (torch lets the compiler treat its result as a constant)."""
    return fn


def cudagraph_mark_step_begin() -> None:
    """Mark the start of a training step for torch's CUDA-graph trees (nothing to mark here)."""
