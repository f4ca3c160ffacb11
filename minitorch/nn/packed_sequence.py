"""``PackedSequence``, the packed batch the recurrent modules run (re-exported by ``nn.utils.rnn``, where
torch has it, and where the functions that make and unmake it live).

It sits directly under ``nn`` so that ``nn.modules`` can import it without running ``nn.utils``'s
package, whose parametrizations and fusion import ``nn.modules`` in turn.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import dtypes
from ..creation import tensor as _tensor
from ..tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation"]


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """A packed batch of sequences: ``data`` (rows, *), ``batch_sizes`` (int64, on the CPU, one per
    time step), and the permutation that sorted the sequences by length (``sorted_indices``, None when
    they came sorted) with its inverse (``unsorted_indices``). Made by ``pack_padded_sequence`` and
    ``pack_sequence``; accepted by ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU``.
    """

    def __new__(
        cls,
        data: Tensor,
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # torch's legacy form: PackedSequence((data, batch_sizes))
            data, batch_sizes = data
        elif batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never be created "
                "manually. They should be instantiated by functions like pack_sequence and "
                "pack_padded_sequences in nn.utils.rnn. https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence"
            )
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data`` converted as ``Tensor.to`` does; the permutations follow it to its device, batch_sizes stays."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def move(t: Tensor | None) -> Tensor | None:
            return None if t is None else t.to(data.device)

        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cuda(self, device: Any = None) -> PackedSequence:
        return self.to(self.data.cuda(device).device)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def double(self) -> PackedSequence:
        return self.to(dtype=dtypes.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=dtypes.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=dtypes.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=dtypes.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=dtypes.int32)

    def short(self) -> PackedSequence:
        return self.to(dtype=dtypes.int16)

    def char(self) -> PackedSequence:
        return self.to(dtype=dtypes.int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=dtypes.uint8)

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` lives on a GPU."""
        return self.data.is_cuda


def _host_ints(values: Any) -> np.ndarray:
    """A list or tensor of integers as a host int64 array (what index bookkeeping runs on)."""
    if isinstance(values, Tensor):
        return np.asarray(values.tolist(), dtype=np.int64).reshape(-1)
    return np.asarray(values, dtype=np.float64).astype(np.int64).reshape(-1)


def _index_on(like: Tensor, index: np.ndarray) -> Tensor:
    return _tensor(index.astype(np.int64), device=like.device)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of 0..n-1 (None stays None)."""
    if permutation is None:
        return None
    perm = _host_ints(permutation)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size)
    return _index_on(permutation, inverse)
