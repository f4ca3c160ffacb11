"""The CUDA backend: CuPy arrays in GPU memory. Inert (``is_available()`` False) without CuPy or a GPU.

Written against CuPy's API; nothing here runs on a machine without a GPU, so every method
that touches CuPy is marked as needing one for coverage.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Backend
from .device import device

try:  # CuPy is optional: minitorch imports and works without it.
    import cupy  # type: ignore[import-not-found]
    import cupyx  # type: ignore[import-not-found]
except Exception:  # pragma: no cover - depends on the machine
    cupy = cupyx = None

_NO_CUDA = (
    "Torch not compiled with CUDA enabled: minitorch found no usable CuPy/GPU "
    "(install the 'cuda' extra on a machine with an NVIDIA GPU)"
)


class CudaBackend(Backend):
    """CuPy on NVIDIA GPUs (``device('cuda')``, ``device('cuda:N')``)."""

    type = "cuda"

    def __init__(self) -> None:
        super().__init__()
        self.xp = cupy
        # Without CuPy no array is ever of this type: a class nothing instantiates keeps lookups uniform.
        self.array_type = cupy.ndarray if cupy is not None else type("NoCupyArray", (), {})

    def is_available(self) -> bool:
        """True when CuPy is importable and sees at least one GPU."""
        if cupy is None:
            return False
        try:  # pragma: no cover - needs a GPU
            return cupy.cuda.runtime.getDeviceCount() > 0
        except Exception:  # pragma: no cover - depends on the machine
            return False

    def check_available(self) -> None:
        if not self.is_available():
            raise RuntimeError(_NO_CUDA)

    def device_count(self) -> int:
        return cupy.cuda.runtime.getDeviceCount() if self.is_available() else 0

    def current_device(self) -> int:
        if not self.is_available():
            raise RuntimeError("Torch not compiled with CUDA enabled")
        return cupy.cuda.Device().id  # pragma: no cover - needs a GPU

    def device_of(self, array: Any) -> device:  # pragma: no cover - needs a GPU
        return device("cuda", array.device.id)

    def synchronize(self, device: Any = None) -> None:
        if self.is_available():  # pragma: no cover - needs a GPU
            index = getattr(device, "index", device)
            cupy.cuda.Device(index if isinstance(index, int) else None).synchronize()

    def to_host(self, array: Any) -> np.ndarray:  # pragma: no cover - needs a GPU
        return cupy.asnumpy(array)

    def from_host(self, array: Any, device: device) -> Any:  # pragma: no cover - needs a GPU
        with cupy.cuda.Device(device.index or 0):
            return cupy.asarray(array)

    def zeros(self, shape: tuple, dtype: Any, device: device) -> Any:  # pragma: no cover - needs a GPU
        with cupy.cuda.Device(device.index or 0):
            return cupy.zeros(shape, dtype=dtype)

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:  # pragma: no cover - needs a GPU
        cupyx.scatter_add(target, index, values)

    def scatter_reduce(self, target: Any, index: Any, values: Any, reduce: str) -> None:  # pragma: no cover
        if reduce == "sum":
            cupyx.scatter_add(target, index, values)
        elif reduce == "amax":
            cupyx.scatter_max(target, index, values)
        elif reduce == "amin":
            cupyx.scatter_min(target, index, values)
        else:  # CuPy has no scatter-multiply: through the host, correct but not fast
            host = cupy.asnumpy(target)
            np.multiply.at(
                host, tuple(cupy.asnumpy(i) if isinstance(i, cupy.ndarray) else i for i in index), cupy.asnumpy(values)
            )
            target[...] = cupy.asarray(host)

    def _address(self, array: Any) -> int:  # pragma: no cover - needs a GPU
        return array.data.ptr

    def manual_seed(self, seed: int) -> None:
        if self.is_available():  # pragma: no cover - needs a GPU
            cupy.random.seed(seed)

    # Random numbers from CuPy's generator on the device (seeded by manual_seed): drawing on the host
    # and copying would synchronise every step. The host generator ``rng`` is not consulted.
    def uniform(self, rng: np.random.Generator, shape: tuple, low: float, high: float) -> Any:  # pragma: no cover
        return cupy.random.uniform(low, high, size=shape, dtype=np.float64)

    def normal(self, rng: np.random.Generator, shape: tuple) -> Any:  # pragma: no cover - needs a GPU
        return cupy.random.standard_normal(size=shape, dtype=np.float64)

    def integers(self, rng: np.random.Generator, shape: tuple, low: int, high: int) -> Any:  # pragma: no cover
        return cupy.random.randint(low, high, size=shape, dtype=np.int64)


CUDA = CudaBackend()
