"""``minitorch.cpu.amp``: torch's older spellings of ``amp.autocast('cpu')`` and ``amp.GradScaler('cpu')``,
deprecated with torch's FutureWarning."""

from __future__ import annotations

import warnings
from typing import Any

from .. import amp

__all__ = ["GradScaler", "autocast"]


class autocast(amp.autocast):
    """``minitorch.autocast('cpu', ...)`` under its deprecated name (see ``minitorch.amp.autocast``).

    torch's default dtype here is bfloat16, which minitorch lacks: without ``dtype`` the region warns
    and runs as is; pass ``dtype=torch.float16``.

    Args:
        enabled: False makes the region switch autocast off.
        dtype: what the low-precision ops run in.
        cache_enabled: accepted for torch's API.
    """

    def __init__(self, enabled: bool = True, dtype: Any = None, cache_enabled: bool = True) -> None:
        warnings.warn(
            "`torch.cpu.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cpu', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(amp.GradScaler):
    """``minitorch.amp.GradScaler('cpu', ...)`` under its deprecated name (arguments as there, less ``device``)."""

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        warnings.warn(
            "`torch.cpu.amp.GradScaler(args...)` is deprecated. "
            "Please use `torch.amp.GradScaler('cpu', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cpu", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
