"""Batches of sequences of different lengths, as ``torch.nn.utils.rnn``: padding and packing.

A padded batch is one (T, B, *) tensor (or (B, T, *) with ``batch_first``) whose short sequences
are filled with a padding value. A packed one (``PackedSequence``) keeps only the real steps, time
step after time step, longest sequence first: ``data`` (rows, *) and ``batch_sizes`` (how many
sequences are still running at each step); the recurrent modules run it without touching the padding.

Every conversion here is one differentiable gather of rows (``index_select``, with a padding row
appended where padding is made), whose index is worked out on the host from the lengths: no loop
over sequences or steps touches the data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ... import dtypes
from ...creation import full
from ...creation import tensor as _tensor
from ...ops import cat, index_select
from ...tensor import Tensor
from ..packed_sequence import PackedSequence, _host_ints, _index_on, invert_permutation

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]


def _gather(rows: Tensor, index: np.ndarray, shape: tuple) -> Tensor:
    """``rows[index]`` (one differentiable gather) reshaped to ``shape``."""
    return index_select(rows, 0, _index_on(rows, index.reshape(-1))).reshape(shape)


def _with_padding_row(rows: Tensor, value: float) -> Tensor:
    """``rows`` with one more row of ``value`` at the end (what padded positions gather)."""
    pad = full((1,) + tuple(rows.shape[1:]), value, dtype=rows.dtype, device=rows.device)
    return cat([rows, pad])


def pad_sequence(
    sequences: Tensor | Sequence[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of different lengths into one tensor, filling the short ones.

    Args:
        sequences: tensors (L_i, *) with equal trailing dims (a tensor is taken as its slices along dim 0).
        batch_first: return (B, T, *) instead of (T, B, *); T is the longest length.
        padding_value: what the missing steps hold.
        padding_side: ``'right'`` (pad after each sequence) or ``'left'``.
    """
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    seqs = list(sequences.unbind(0) if isinstance(sequences, Tensor) else sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(seqs[0].shape[1:])
    for s in seqs:
        if s.ndim == 0:
            raise RuntimeError("pad_sequence: the sequences must have at least one dimension, got a 0-d tensor")
        if tuple(s.shape[1:]) != trailing:
            for d, (a, b) in enumerate(zip(trailing, s.shape[1:])):
                if a != b:
                    raise RuntimeError(
                        f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                        f"non-singleton dimension {d + 1}"
                    )
            raise RuntimeError(f"pad_sequence: sequences of shape {list(s.shape)} and [L, {trailing}] differ")
    lengths = np.array([s.shape[0] for s in seqs], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    longest = int(lengths.max())
    steps = np.arange(longest)[:, None]
    if padding_side == "left":
        steps = steps - (longest - lengths)[None, :]
    padding_row = int(lengths.sum())
    index = np.where((steps >= 0) & (steps < lengths[None, :]), starts[None, :] + steps, padding_row)
    dtype = dtypes.result_type(*seqs)
    rows = _with_padding_row(cat([s.to(dtype) for s in seqs]), padding_value)
    if batch_first:
        return _gather(rows, index.T, (len(seqs), longest) + trailing)
    return _gather(rows, index, (longest, len(seqs)) + trailing)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list:
    """The list of sequences a padded batch holds: sequence i is its first ``lengths[i]`` steps."""
    out = []
    for i, n in enumerate(_host_ints(lengths).tolist()):
        out.append(padded_sequences[i, :n] if batch_first else padded_sequences[:n, i])
    return out


def pack_padded_sequence(
    input: Tensor, lengths: Tensor | Sequence[int], batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch, keeping only the first ``lengths[i]`` steps of sequence i.

    Args:
        input: (T, B, *), or (B, T, *) with ``batch_first``.
        lengths: each sequence's length (a list or a CPU int64 tensor), all > 0.
        batch_first: the layout of ``input``.
        enforce_sorted: the lengths must come in decreasing order; with False they are sorted here
            (stably) and the permutation is kept in the result, to be undone on the way out.
    """
    lens = _host_ints(lengths)
    batch, length = (input.shape[0], input.shape[1]) if batch_first else (input.shape[1], input.shape[0])
    if lens.size != batch:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {lens.size} (batch_size={batch})"
        )
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
                "if you do not need ONNX exportability."
            )
        order, sorted_indices = np.arange(batch), None
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_indices = _index_on(input, order)
    ordered = lens[order]
    if batch and ordered[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"
        )
    if batch and ordered[0] > length:
        raise RuntimeError(f"pack_padded_sequence: a length of {ordered[0]} exceeds the padded input's {length} steps")
    steps = np.arange(ordered[0] if batch else 0)
    batch_sizes = (ordered[None, :] > steps[:, None]).sum(axis=1)
    running = np.arange(batch)[None, :] < batch_sizes[:, None]  # (step, sorted position) pairs kept, in order
    t, j = np.nonzero(running)
    index = order[j] * length + t if batch_first else t * batch + order[j]
    rows = input.reshape((batch * length,) + tuple(input.shape[2:]))
    data = _gather(rows, index, (index.size,) + tuple(input.shape[2:]))
    return PackedSequence(data, _tensor(batch_sizes.astype(np.int64)), sorted_indices, None)


def pad_packed_sequence(
    sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0, total_length: int | None = None
) -> tuple:
    """The padded batch a packed one holds, in the sequences' original order: (padded, lengths).

    Args:
        sequence: a ``PackedSequence``.
        batch_first: return (B, T, *) instead of (T, B, *).
        padding_value: what the missing steps hold.
        total_length: pad to this many steps (at least the longest sequence), e.g. to undo a packing
            of a batch whose longest sequence was padding.
    """
    data, batch_sizes = sequence.data, _host_ints(sequence.batch_sizes)
    longest = batch_sizes.size
    if total_length is not None:
        if total_length < longest:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {longest}"
            )
        length = total_length
    else:
        length = longest
    batch = int(batch_sizes[0]) if longest else 0
    sorted_lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)
    rank = (
        np.arange(batch) if sequence.unsorted_indices is None else _host_ints(sequence.unsorted_indices)
    )  # original sequence b is the rank[b]-th longest
    starts = np.zeros(length, np.int64)  # the first row of each step (steps past the longest: none)
    starts[:longest] = np.cumsum(batch_sizes) - batch_sizes
    valid = np.arange(length)[:, None] < sorted_lengths[rank][None, :]
    index = np.where(valid, starts[:, None] + rank[None, :], data.shape[0])
    rows = _with_padding_row(data, padding_value)
    trailing = tuple(data.shape[1:])
    if batch_first:
        padded = _gather(rows, index.T, (batch, length) + trailing)
    else:
        padded = _gather(rows, index, (length, batch) + trailing)
    return padded, _tensor(sorted_lengths[rank].astype(np.int64))


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *) directly (``pad_sequence`` then ``pack_padded_sequence``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences a packed batch holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
