"""``minitorch.cpu.amp``: torch's older spellings of ``amp.autocast('cpu')`` and ``amp.GradScaler('cpu')``,
deprecated with torch's FutureWarning."""

from __future__ import annotations

import warnings
from typing import Any

from .. import amp
from ..amp.grad_scaler import DeviceGradScaler

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


class GradScaler(DeviceGradScaler):
    """``minitorch.amp.GradScaler('cpu', ...)`` under its deprecated name (arguments as there, less ``device``)."""

    device_type = "cpu"
