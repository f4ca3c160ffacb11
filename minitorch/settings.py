"""Global switches torch code sets: deterministic algorithms and the float32 matmul precision.

minitorch's host kernels are deterministic already (a product's blocks depend on its shape alone, never on
the thread count; see ``ops/linalg_threads.py``), so ``use_deterministic_algorithms`` only records the
request, as scripts read it back. ``set_float32_matmul_precision`` is torch's switch for TF32: "high" and
"medium" allow it on the GPU (``backends.cuda.matmul.allow_tf32``), "highest" (the default) does not.
"""

from __future__ import annotations

import warnings

from .backends import cuda as _cuda_settings


class _Switches:
    """The state ``use_deterministic_algorithms`` and ``set_float32_matmul_precision`` set."""

    enabled = False
    warn_only = False
    precision = "highest"


_SWITCHES = _Switches()
_PRECISIONS = ("highest", "high", "medium")


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms (``warn_only``: warn rather than raise where one is not); recorded."""
    _SWITCHES.enabled, _SWITCHES.warn_only = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _SWITCHES.enabled


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _SWITCHES.warn_only


def set_float32_matmul_precision(precision: str) -> None:
    """ "highest" (float32 products in float32), "high" or "medium" (TF32 allowed on the GPU); anything else is
    ignored with torch's warning."""
    if precision not in _PRECISIONS:
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
            "setFloat32MatmulPrecision call has no effect.",
            stacklevel=2,
        )
        return
    _SWITCHES.precision = precision
    _cuda_settings.matmul.allow_tf32 = precision != "highest"


def get_float32_matmul_precision() -> str:
    """The precision set, as ``backends.cuda.matmul.allow_tf32`` (which may be set directly) leaves it."""
    if not _cuda_settings.matmul.allow_tf32:
        return "highest"
    return "high" if _SWITCHES.precision == "highest" else _SWITCHES.precision
