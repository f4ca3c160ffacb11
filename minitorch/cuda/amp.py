"""``minitorch.cuda.amp``: torch's older spellings of ``amp.autocast('cuda')`` and ``amp.GradScaler('cuda')``,
deprecated with torch's FutureWarning."""

from __future__ import annotations

import warnings
from typing import Any

from .. import amp, dtypes
from ..amp.grad_scaler import OptState

__all__ = ["GradScaler", "OptState", "autocast"]


class autocast(amp.autocast):
    """``minitorch.autocast('cuda', ...)`` under its deprecated name (see ``minitorch.amp.autocast``).

    Args:
        enabled: False makes the region switch autocast off.
        dtype: what the low-precision ops run in.
        cache_enabled: accepted for torch's API.
    """

    def __init__(self, enabled: bool = True, dtype: Any = dtypes.float16, cache_enabled: bool = True) -> None:
        warnings.warn(
            "`torch.cuda.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cuda', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(amp.GradScaler):
    """``minitorch.amp.GradScaler('cuda', ...)`` under its deprecated name (arguments as there, less ``device``)."""

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        warnings.warn(
            "`torch.cuda.amp.GradScaler(args...)` is deprecated. "
            "Please use `torch.amp.GradScaler('cuda', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
