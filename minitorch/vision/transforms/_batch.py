"""The DataLoader's batched path: a pipeline of Pads, one ToTensor, then Normalizes and Pads runs on a whole
uint8 batch at once, with results equal to running it per sample."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...tensor import Tensor
from ._convert import Compose, Normalize, ToTensor
from ._geometry import Pad


def _flat(transform: Any) -> list[Any]:
    if type(transform) is Compose:
        return [t for sub in transform.transforms for t in _flat(sub)]
    return [transform]


def _can_batch(transform: Any) -> bool:
    """True when ``transform`` can run on a whole uint8 batch with results equal to running it per sample:
    Pads, then exactly one ToTensor, then Normalizes and Pads (subclasses may change ``__call__``, so they
    do not count)."""
    kinds = [type(t) for t in _flat(transform)]
    if kinds.count(ToTensor) != 1:
        return False
    at = kinds.index(ToTensor)
    return all(k is Pad for k in kinds[:at]) and all(k in (Normalize, Pad) for k in kinds[at + 1 :])


def _apply_batch(transform: Any, images: np.ndarray) -> Tensor:
    out: Any = images
    for t in _flat(transform):
        out = t._apply_batch(out)
    return out
