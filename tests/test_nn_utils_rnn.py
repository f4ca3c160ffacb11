"""nn.utils.rnn against torch's: pad_sequence, packing and unpacking (sorted and not), PackedSequence through the
recurrent modules, values and gradients, float64 and float32, and torch's errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests.parity import TOL, assert_close, check_both, check_parity, raises_like
from tests.test_nn_rnn import KINDS, make_recurrent

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections:UserWarning")
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])


@given(
    lengths=st.lists(st.integers(0, 4), min_size=1, max_size=4),
    trailing=st.sampled_from([(), (2,), (1, 3)]),
    batch_first=st.booleans(),
    padding_value=st.sampled_from([0.0, -1.5]),
    padding_side=st.sampled_from(["right", "left"]),
    seed=st.integers(0, 2**16),
)
def test_pad_sequence_matches_torch(
    lengths: list, trailing: tuple, batch_first: bool, padding_value: float, padding_side: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    seqs = [rng.uniform(-1, 1, (n,) + trailing) for n in lengths]

    def fn(lib: Any, *seqs: Any) -> Any:
        return lib.nn.utils.rnn.pad_sequence(list(seqs), batch_first, padding_value, padding_side)

    check_both(fn, *seqs, gradcheck=seed % 4 == 0)


def test_pad_sequence_promotes_dtypes_and_keeps_integers() -> None:
    for lib_seqs in ([np.array([1, 2]), np.array([3])], [np.ones((2, 2)), np.ones((1, 2), np.float32)]):
        got = minitorch.nn.utils.rnn.pad_sequence([minitorch.tensor(a) for a in lib_seqs], padding_value=-1.5)
        want = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in lib_seqs], padding_value=-1.5)
        assert_close(got, want, 0, 0, "padded")
    stacked = np.arange(6.0).reshape(2, 3)  # a tensor is taken as its rows
    assert_close(
        minitorch.nn.utils.rnn.pad_sequence(minitorch.tensor(stacked)),
        torch.nn.utils.rnn.pad_sequence(torch.tensor(stacked)),
        0,
        0,
        "padded",
    )


@st.composite
def packing_cases(draw: Any) -> dict:
    batch = draw(st.integers(1, 4))
    lengths = draw(st.lists(st.integers(1, 4), min_size=batch, max_size=batch))
    enforce_sorted = draw(st.booleans())
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    longest = max(lengths) + draw(st.integers(0, 1))  # padded input may be longer than every sequence
    batch_first = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    shape = (batch, longest, 2) if batch_first else (longest, batch, 2)
    return dict(
        x=rng.uniform(-1, 1, shape),
        lengths=lengths,
        enforce_sorted=enforce_sorted,
        batch_first=batch_first,
        total_length=draw(st.sampled_from([None, longest + 1])),
        lengths_as_tensor=draw(st.booleans()),
    )


@given(case=packing_cases())
def test_pack_and_pad_round_trip_matches_torch(case: dict) -> None:
    def fn(lib: Any, x: Any) -> Any:
        lengths = lib.tensor(case["lengths"]) if case["lengths_as_tensor"] else case["lengths"]
        packed = lib.nn.utils.rnn.pack_padded_sequence(x, lengths, case["batch_first"], case["enforce_sorted"])
        padded, out_lengths = lib.nn.utils.rnn.pad_packed_sequence(
            packed, case["batch_first"], -2.0, case["total_length"]
        )
        return packed.data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices, padded, out_lengths

    check_parity(fn, case["x"], dtype=np.float64)
    check_parity(fn, case["x"], dtype=np.float32)


@DTYPES
@given(case=packing_cases(), kind=st.sampled_from(KINDS), with_hx=st.booleans(), seed=st.integers(0, 2**16))
def test_recurrent_modules_run_packed_sequences_like_torch(
    dtype: Any, case: dict, kind: str, with_hx: bool, seed: int
) -> None:
    """A packed batch through a 2-layer bidirectional module: outputs, final states and every gradient."""
    rtol, atol = TOL[np.dtype(dtype).type]
    make = make_recurrent(kind, 2, 3, 2, bidirectional=True, batch_first=case["batch_first"])
    theirs, ours = make(torch), make(minitorch)
    ours.load_state_dict(theirs.state_dict())
    rng = np.random.default_rng(seed)
    states = [rng.uniform(-1, 1, (4, len(case["lengths"]), 3)) for _ in range(2 if kind == "LSTM" else 1)]
    results = []
    for lib, module in ((torch, theirs), (minitorch, ours)):
        module.double() if dtype == np.float64 else module.float()
        x = lib.tensor(case["x"].astype(dtype)).requires_grad_(True)
        hx = [lib.tensor(s.astype(dtype)).requires_grad_(True) for s in states] if with_hx else []
        packed = lib.nn.utils.rnn.pack_padded_sequence(x, case["lengths"], case["batch_first"], case["enforce_sorted"])
        out, hidden = module(packed, (tuple(hx) if kind == "LSTM" else hx[0]) if hx else None)
        assert isinstance(out, lib.nn.utils.rnn.PackedSequence)
        padded, _ = lib.nn.utils.rnn.pad_packed_sequence(out, case["batch_first"])
        outs = [padded] + (list(hidden) if kind == "LSTM" else [hidden])
        grads = [np.random.default_rng(seed).uniform(-1, 1, tuple(o.shape)).astype(dtype) for o in outs]
        lib.autograd.backward(outs, [lib.tensor(g) for g in grads])
        results.append([*outs, x.grad, *(h.grad for h in hx), *(p.grad for p in module.parameters())])
    for i, (m, t) in enumerate(zip(results[1], results[0])):
        assert_close(m, t, rtol, atol, f"result {i}")


def test_pack_sequence_unpack_and_unpad_match_torch() -> None:
    rng = np.random.default_rng(0)
    seqs = [rng.uniform(-1, 1, (n, 3)) for n in (2, 4, 1)]

    def fn(lib: Any, *seqs: Any) -> Any:
        packed = lib.nn.utils.rnn.pack_sequence(list(seqs), enforce_sorted=False)
        back = lib.nn.utils.rnn.unpack_sequence(packed)
        padded = lib.nn.utils.rnn.pad_sequence(list(seqs), batch_first=True)
        unpadded = lib.nn.utils.rnn.unpad_sequence(padded, lib.tensor([2, 4, 1]), True)
        return packed.data, back, unpadded, lib.nn.utils.rnn.invert_permutation(lib.tensor([2, 0, 1]))

    check_both(fn, *seqs)
    assert minitorch.nn.utils.rnn.invert_permutation(None) is None


def test_packed_sequence_is_torchs_named_tuple() -> None:
    x = np.arange(12.0).reshape(3, 2, 2)
    ours = minitorch.nn.utils.rnn.pack_padded_sequence(minitorch.tensor(x), [2, 3], enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), [2, 3], enforce_sorted=False)
    assert repr(ours) == repr(theirs)
    assert ours._fields == theirs._fields
    data, batch_sizes, sorted_indices, unsorted_indices = ours  # unpacks like a tuple
    assert batch_sizes.dtype == minitorch.int64 and batch_sizes.device.type == "cpu"
    assert ours.float().data.dtype == minitorch.float32 and ours.double() is ours
    assert ours.to(minitorch.float16).batch_sizes is batch_sizes
    assert not ours.is_cuda
    legacy = minitorch.nn.utils.rnn.PackedSequence((data, batch_sizes))
    assert legacy.sorted_indices is None and legacy.data is data


PACK_ERRORS = {
    "unsorted lengths": (
        lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(4, 3, 2), [4, 2, 3]),
        "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True",
    ),
    "zero length": (
        lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(4, 3, 2), [4, 3, 0]),
        "Length of all samples has to be greater than 0",
    ),
    "lengths count": (
        lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(4, 3, 2), [4, 3]),
        "Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)",
    ),
    "total_length": (
        lambda lib: lib.nn.utils.rnn.pad_packed_sequence(
            lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(4, 3, 2), [4, 3, 2]), total_length=2
        ),
        "Expected total_length to be at least the length of the longest sequence in input",
    ),
    "padding_side": (
        lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2)], padding_side="middle"),
        "Expected padding_side to be one of left or right, but got middle.",
    ),
    "no sequences": (lambda lib: lib.nn.utils.rnn.pad_sequence([]), "received an empty list of sequences"),
    "trailing dims": (
        lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2, 3), lib.ones(3, 2)]),
        "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1",
    ),
    "packed hx size": (
        lambda lib: lib.nn.GRU(2, 3)(
            lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(4, 3, 2), [4, 3, 2]), lib.zeros(1, 2, 3)
        ),
        "Expected hidden size (1, 3, 3), got [1, 2, 3]",
    ),
}


@pytest.mark.parametrize("call, gist", PACK_ERRORS.values(), ids=list(PACK_ERRORS))
def test_errors_match_torch(call: Any, gist: str) -> None:
    raises_like(call, gist)


def test_lengths_beyond_the_padded_input_are_refused() -> None:
    # torch reads past the input here; minitorch says what is wrong.
    with pytest.raises(RuntimeError, match="a length of 5 exceeds the padded input's 4 steps"):
        minitorch.nn.utils.rnn.pack_padded_sequence(minitorch.zeros(4, 3, 2), [5, 3, 1])
