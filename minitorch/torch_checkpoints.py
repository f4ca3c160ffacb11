"""Checkpoints written by ``torch.save``: read by torch's weights-only loader, their tensors made minitorch's."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from . import backend, dtypes
from .checkpoint_base import MAGIC, CheckpointError, target_device
from .tensor import Tensor


def load_foreign(source: Any, name: str, head: bytes, map_location: Any) -> Any:
    """A file that is not ours: torch's weights-only loader reads it, and its tensors become ours."""
    not_ours = f"{name} is not a minitorch checkpoint (expected magic {MAGIC!r}, found {head!r})"
    try:
        import torch
    except ImportError:
        raise CheckpointError(
            f"{not_ours}. If it was written by torch.save, reading it needs PyTorch installed "
            "(pip install torch); minitorch never unpickles files itself."
        ) from None
    try:
        obj = torch.load(source, map_location="cpu", weights_only=True)
    except Exception as e:
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        # torch's weights-only refusal explains itself in the 'WeightsUnpickler error' line
        reason = next((ln for ln in lines if ln.startswith("WeightsUnpickler error")), lines[0] if lines else "")
        raise CheckpointError(
            f"{not_ours}, and torch.load(weights_only=True) refused it "
            f"({type(e).__name__}: {reason}); minitorch never runs code stored in a file"
        ) from None
    try:
        return _from_torch(obj, torch, map_location, name, {})
    except RecursionError:
        raise CheckpointError(f"{name}: nested too deeply to convert") from None


def _from_torch(obj: Any, torch: Any, map_location: Any, where: str, memo: dict[int, Any]) -> Any:
    """``obj`` with torch's tensors, dtypes and devices made minitorch's.

    ``memo`` maps each container and tensor already converted to its result, so an object the file shares
    between places (pickle keeps sharing, and cycles) is converted once and stays shared: a file of 40 nested
    pairs of the same list is 40 conversions, not 2**40.
    """
    key = id(obj)
    if key in memo:
        return memo[key]
    if isinstance(obj, torch.Tensor):
        try:
            dt = dtypes._BY_NAME[str(obj.dtype).replace("torch.", "")]
        except KeyError:
            raise CheckpointError(f"{where}: dtype {obj.dtype} has no minitorch equivalent") from None
        arr = obj.detach().cpu().numpy()
        memo[key] = Tensor._wrap(
            backend.to_device(arr, target_device("cpu", map_location)).astype(dt.np_dtype, copy=False)
        )
        return memo[key]
    if isinstance(obj, torch.dtype):
        return dtypes._BY_NAME[str(obj).replace("torch.", "")]
    if isinstance(obj, torch.device):
        return backend.device(obj.type, obj.index)
    if isinstance(obj, dict):
        out: Any = OrderedDict() if isinstance(obj, OrderedDict) else {}
        memo[key] = out  # before the values: a dict may hold itself
        for k, v in obj.items():
            out[k] = _from_torch(v, torch, map_location, f"{where}[{k!r}]", memo)
        if isinstance(obj, OrderedDict) and hasattr(obj, "_metadata"):
            out._metadata = obj._metadata
        return out
    if isinstance(obj, list):
        out = memo[key] = []
        out.extend(_from_torch(v, torch, map_location, f"{where}[{i}]", memo) for i, v in enumerate(obj))
        return out
    if isinstance(obj, tuple):
        memo[key] = tuple(_from_torch(v, torch, map_location, f"{where}[{i}]", memo) for i, v in enumerate(obj))
        return memo[key]
    return obj
