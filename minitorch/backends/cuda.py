"""``minitorch.backends.cuda``: whether float32 matrix products may use TF32 (off by default, as in torch)."""

from __future__ import annotations

from ..backend import CUDA


class _MatmulSettings:
    """``minitorch.backends.cuda.matmul.allow_tf32``: TF32 tensor cores for float32 GEMMs (convolutions too,
    since they are GEMMs here). Off by default: full float32, torch's default, whatever ``CUPY_TF32`` says."""

    @property
    def allow_tf32(self) -> bool:
        return CUDA._allow_tf32

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        CUDA.set_allow_tf32(bool(value))


matmul = _MatmulSettings()


def is_built() -> bool:
    """Whether CUDA can be used at all (CuPy is installed)."""
    return CUDA.load()
