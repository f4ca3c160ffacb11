"""Comparing an array with torch's: tolerances per dtype, and a mismatch report with the error figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# torch.testing.assert_close's defaults, by dtype: (rtol, atol).
DEFAULT_TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def default_tolerances(dtype: Any) -> tuple:
    """(rtol, atol) for comparing values of ``dtype`` (0, 0 for integer and bool dtypes)."""
    name = np.dtype(getattr(dtype, "name", dtype) if not isinstance(dtype, np.dtype) else dtype).name
    return DEFAULT_TOLERANCES.get(name, (0.0, 0.0))


def import_torch() -> Any:
    """torch, imported on first use, with a clear error when it is not installed."""
    try:
        import torch
    except ImportError as e:
        raise ImportError(
            "minitorch.testing compares minitorch with PyTorch, which is not installed: "
            "pip install torch (the CPU wheel is enough)"
        ) from e
    return torch


def to_numpy(x: Any) -> np.ndarray:
    """A numpy array from a minitorch tensor, a torch tensor, an array or a Python number."""
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        x = x.detach()
        if hasattr(x, "cpu"):
            x = x.cpu()
        return np.asarray(x.numpy())
    return np.asarray(x)


def _index(flat: int, shape: tuple) -> tuple:
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


@dataclass
class Mismatch:
    """How an array differs from torch's: the worst absolute and relative errors and where they are."""

    what: str
    reason: str = "values"
    max_abs: float = 0.0
    abs_index: tuple = ()
    max_rel: float = 0.0
    rel_index: tuple = ()
    n_bad: int = 0
    n_total: int = 0
    ours: float = 0.0
    theirs: float = 0.0
    rtol: float = 0.0
    atol: float = 0.0

    def figures(self) -> str:
        """The error figures on one line (no name)."""
        if self.reason != "values":
            return self.reason
        return (
            f"{self.n_bad} of {self.n_total} elements differ; largest absolute error {self.max_abs:.3g} "
            f"at index {list(self.abs_index)} (minitorch {self.ours:.8g}, torch {self.theirs:.8g}), largest "
            f"relative error {self.max_rel:.3g} at index {list(self.rel_index)} "
            f"(rtol {self.rtol:g}, atol {self.atol:g})"
        )

    def __str__(self) -> str:
        return f"{self.what}: {self.figures()}"


def compare(
    ours: Any,
    theirs: Any,
    rtol: float | None = None,
    atol: float | None = None,
    what: str = "value",
    check_dtype: bool = True,
) -> Mismatch | None:
    """None when ``ours`` matches ``theirs`` (torch's) within tolerance, else the Mismatch.

    An element passes when ``|ours - theirs| <= atol + rtol * |theirs|``, as in
    ``torch.testing.assert_close``; NaNs in the same places count as equal.

    Args:
        ours: minitorch's value (tensor, array or number).
        theirs: torch's value.
        rtol, atol: tolerances; None takes the default for torch's dtype.
        what: the name used in the report (``output 0``, ``grad of input 1``).
        check_dtype: also require the same dtype.
    """
    a, b = to_numpy(ours), to_numpy(theirs)
    if a.shape != b.shape:
        return Mismatch(what, f"shape {list(a.shape)} differs from torch's {list(b.shape)}")
    if check_dtype and a.dtype != b.dtype:
        return Mismatch(what, f"dtype {a.dtype} differs from torch's {b.dtype}")
    dr, da = default_tolerances(b.dtype)
    rtol = dr if rtol is None else rtol
    atol = da if atol is None else atol
    if b.dtype.kind in "biu" and a.dtype.kind in "biu":
        rtol = atol = 0.0
    a64 = a.astype(np.float64) if a.dtype.kind != "c" else a
    b64 = b.astype(np.float64) if b.dtype.kind != "c" else b
    ok = np.isclose(a64, b64, rtol=rtol, atol=atol, equal_nan=True)
    if a.size == 0 or bool(ok.all()):
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.abs(a64 - b64)
        diff = np.where(np.isnan(a64) & np.isnan(b64), 0.0, diff)
        diff = np.where(np.isnan(diff), np.inf, diff)  # NaN on one side only, or inf - inf
        rel = np.where(diff == 0, 0.0, diff / np.abs(b64))
        rel = np.where(np.isnan(rel), np.inf, rel)
    i_abs, i_rel = int(np.argmax(diff)), int(np.argmax(rel))
    return Mismatch(
        what,
        "values",
        float(diff.flat[i_abs]),
        _index(i_abs, a.shape),
        float(rel.flat[i_rel]),
        _index(i_rel, a.shape),
        int((~ok).sum()),
        int(a.size),
        float(a64.flat[i_abs]),
        float(b64.flat[i_abs]),
        rtol,
        atol,
    )
