"""What ``torch.compile`` (``minitorch.compiler``) and ``Module.compile`` check of their arguments: one place for
both, below ``nn``, which the compiler wraps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["BACKENDS", "LISTED_BACKENDS", "MODES", "InvalidBackend", "check_compile_arguments"]

MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
# torch's registered backends (torch._dynamo.list_backends(exclude_tags=())); list_backends() shows the
# ones torch lists by default (its debug and testing backends left out)
LISTED_BACKENDS = ("cudagraphs", "inductor", "openxla", "tvm")
BACKENDS = LISTED_BACKENDS + (
    "aot_eager",
    "aot_eager_decomp_partition",
    "aot_eager_default_partitioner",
    "aot_ts",
    "eager",
    "eager_debug",
    "eager_noexcept",
    "openxla_eval",
    "pre_dispatch_eager",
    "ts",
)


class InvalidBackend(RuntimeError):
    """An unknown ``backend`` name (torch's ``torch._dynamo.exc.InvalidBackend``)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Invalid backend: {name!r}, see `torch._dynamo.list_backends()` for available backends.")


def check_compile_arguments(model: Any, backend: str | Callable | None, mode: str | None, options: dict | None) -> None:
    """torch's errors for a compile call: something to compile, a known mode (not with options), a known backend."""
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if mode is not None and mode not in MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(MODES)}")
    if isinstance(backend, str) and backend not in BACKENDS:
        raise InvalidBackend(backend)
