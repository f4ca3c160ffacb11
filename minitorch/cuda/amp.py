"""``minitorch.cuda.amp``: torch's older spellings of ``amp.autocast('cuda')`` and ``amp.GradScaler('cuda')``,
deprecated with torch's FutureWarning."""

from __future__ import annotations

import warnings
from typing import Any

from .. import amp, dtypes
from ..amp.grad_scaler import DeviceGradScaler, OptState

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


class GradScaler(DeviceGradScaler):
    """``minitorch.amp.GradScaler('cuda', ...)`` under its deprecated name (arguments as there, less ``device``)."""

    device_type = "cuda"
