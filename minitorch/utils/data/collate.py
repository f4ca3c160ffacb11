"""default_collate and default_convert: samples to batches, with torch's rules.

Tensors and numpy arrays are stacked along a new first dimension; Python floats become
a float64 tensor, ints an int64 tensor, bools a bool tensor; strings stay a list; dicts,
namedtuples, tuples and lists are collated field by field (a tuple of fields becomes a
list, as in torch).
"""

from __future__ import annotations

import collections.abc
from typing import Any

import numpy as np

from ... import dtypes
from ...creation import from_numpy, tensor
from ...ops import stack
from ...tensor import Tensor

_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _numeric_array(arr: np.ndarray) -> bool:
    return arr.dtype.kind in "biuf" and arr.dtype.itemsize <= 8


def default_collate(batch: list[Any]) -> Any:
    """Merge a list of samples into a batch (see the module docstring for the rules).

    Args:
        batch: the samples, all of the same structure.
    """
    elem = batch[0]
    kind: Any = type(elem)  # a Mapping or Sequence is rebuilt as its own class, whose constructor is the user's
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        if not _numeric_array(np.asarray(elem)):
            raise TypeError(_ERR.format(np.asarray(elem).dtype))
        return from_numpy(np.stack([np.asarray(b) for b in batch]))
    if isinstance(elem, float):
        return tensor(batch, dtype=dtypes.float64)
    if isinstance(elem, bool):
        return tensor(batch, dtype=dtypes.bool_)
    if isinstance(elem, int):
        return tensor(batch, dtype=dtypes.int64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return kind(collated)
        except TypeError:  # a Mapping whose constructor does not take a dict
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(list(s)) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        try:
            return kind(fields)
        except TypeError:
            return fields
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Turn numpy arrays (also inside dicts/lists/tuples) into tensors; other values pass through.

    Args:
        data: one sample, as the DataLoader passes it when automatic batching is off.
    """
    kind: Any = type(data)  # as in default_collate
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        arr = np.asarray(data)
        return from_numpy(arr) if _numeric_array(arr) else data
    if isinstance(data, collections.abc.Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        try:
            return kind(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return kind([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def pin_memory(data: Any) -> Any:
    """Every tensor of a batch copied into page-locked memory (``Tensor.pin_memory``), the structure kept."""
    if isinstance(data, Tensor):
        return data.pin_memory()
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a namedtuple
        return type(data)(*(pin_memory(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(pin_memory(d) for d in data)
    if isinstance(data, collections.abc.Mapping):
        return {k: pin_memory(v) for k, v in data.items()}
    return data
