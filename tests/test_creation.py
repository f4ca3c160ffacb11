"""Tensors made from Python numbers against torch, bit for bit: every dtype, scalars, nested lists,
numpy scalars and bools, and the errors torch raises for numbers that do not fit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests.parity import assert_same_as_torch

DTYPES = [None, "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
NUMPY_TYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32, np.float64]

# Python numbers from every region that matters: small ints, the edges of each integer type, ints
# beyond int64 and uint64, every double (subnormals, huge, inf, NaN), and bools.
_EDGES = [2**k + d for k in (7, 8, 15, 16, 31, 32, 53, 63, 64) for d in (-1, 0, 1)]
PY_INTS = st.one_of(
    st.integers(-300, 300), st.sampled_from(_EDGES + [-e for e in _EDGES]), st.integers(-(2**66), 2**66)
)
PY_FLOATS = st.one_of(
    st.floats(width=64),
    st.floats(-300, 300),
    st.floats(-1, 1),
    st.sampled_from([0.7363953285123457, 1 / 3, 1.0 + 2**-11 + 2**-40, 65519.0, 2.0**63, -0.5]),
)
PY_NUMBERS = st.one_of(PY_INTS, PY_FLOATS, st.booleans())


@st.composite
def numpy_scalars(draw: Any) -> Any:
    kind = draw(st.sampled_from(NUMPY_TYPES))
    if kind is np.bool_:
        return np.bool_(draw(st.booleans()))
    if np.issubdtype(kind, np.integer):
        info = np.iinfo(kind)
        return kind(draw(st.integers(int(info.min), int(info.max))))
    with np.errstate(over="ignore"):
        return kind(draw(PY_FLOATS))


LEAVES = st.one_of(PY_NUMBERS, numpy_scalars())


@st.composite
def nested(draw: Any, leaves: st.SearchStrategy = LEAVES) -> Any:
    """A number, or a rectangular nested list of them (up to 3 levels, sides 1 to 3; or ``[]``, ``[[]]``)."""
    shape = draw(st.lists(st.integers(1, 3), max_size=3))
    if not shape:
        return draw(st.one_of(leaves, st.sampled_from([[], [[]]])))
    flat = draw(st.lists(leaves, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    for n in reversed(shape[1:]):
        flat = [flat[i : i + n] for i in range(0, len(flat), n)]
    return flat


def _dtype(lib: Any, name: Any) -> Any:
    return None if name is None else getattr(lib, name)


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=nested())
def test_tensor_from_python_data_matches_torch_bit_for_bit(dtype: Any, data: Any) -> None:
    assert_same_as_torch(lambda lib: lib.tensor(data, dtype=_dtype(lib, dtype)))


@pytest.mark.parametrize("dtype", DTYPES)
@given(value=LEAVES)
def test_tensor_from_one_number_matches_torch_bit_for_bit(dtype: Any, value: Any) -> None:
    assert_same_as_torch(lambda lib: lib.tensor(value, dtype=_dtype(lib, dtype)))
    assert_same_as_torch(lambda lib: lib.tensor([value, value], dtype=_dtype(lib, dtype)))


@pytest.mark.parametrize(
    "make",
    [
        lambda lib, data, dt: lib.as_tensor(data, dtype=dt),
        lambda lib, data, dt: lib.zeros(1, dtype=dt or lib.float64).new_tensor(data),
        lambda lib, data, dt: lib.zeros(1).new_tensor(data, dtype=dt),
    ],
    ids=["as_tensor", "new_tensor", "new_tensor_dtype"],
)
@pytest.mark.parametrize("dtype", ["uint8", "int32", "float16", "float64", None])
@given(data=nested(PY_NUMBERS))
def test_other_creation_paths_convert_as_tensor_does(make: Any, dtype: Any, data: Any) -> None:
    assert_same_as_torch(lambda lib: make(lib, data, _dtype(lib, dtype)))


@pytest.mark.parametrize(
    "name",
    [
        "FloatTensor",
        "DoubleTensor",
        "HalfTensor",
        "LongTensor",
        "IntTensor",
        "ByteTensor",
        "CharTensor",
        "BoolTensor",
        "Tensor",
    ],
)
@given(data=st.lists(PY_NUMBERS, min_size=1, max_size=3))
def test_legacy_constructors_convert_as_torch(name: str, data: Any) -> None:
    assert_same_as_torch(lambda lib: getattr(lib, name)(data))


@pytest.mark.parametrize(
    "code, error, gist",
    [
        ("lib.tensor(0.7363953285123457, dtype=lib.float64).item() == 0.7363953285123457", None, None),
        ("lib.tensor(300, dtype=lib.uint8)", RuntimeError, "value cannot be converted to type uint8 without overflow"),
        ("lib.tensor(200, dtype=lib.int8)", RuntimeError, "value cannot be converted to type int8 without overflow"),
        ("lib.tensor(-1.5, dtype=lib.uint8)", RuntimeError, "without overflow"),
        ("lib.tensor(float('nan'), dtype=lib.int64)", RuntimeError, "without overflow"),
        ("lib.tensor([2**63])", ValueError, "Overflow when unpacking long long"),
        ("lib.tensor([2**63, 1])", ValueError, "Overflow when unpacking long long"),
        ("lib.tensor([2**64])", ValueError, "Overflow when unpacking long long"),
        ("lib.tensor([2**64], dtype=lib.uint8)", ValueError, "Overflow when unpacking long long"),
        ("lib.tensor([10**400], dtype=lib.float64)", OverflowError, "int too large to convert to float"),
        ("lib.tensor(['a'])", ValueError, "too many dimensions 'str'"),
        ("lib.tensor('a')", TypeError, "new(): invalid data type 'str'"),
        ("lib.tensor([1, 'a'])", TypeError, "new(): invalid data type 'str'"),
        ("lib.tensor(None)", RuntimeError, "Could not infer dtype of NoneType"),
        ("lib.tensor([{}])", RuntimeError, "Could not infer dtype of dict"),
        ("lib.tensor([None], dtype=lib.float32)", TypeError, "must be real number, not NoneType"),
        ("lib.tensor([np.float32(1.5)], dtype=lib.int64)", TypeError, "cannot be interpreted as an integer"),
        ("lib.tensor([lib.ones(2), lib.ones(2)])", ValueError, "only one element tensors"),
        ("lib.tensor([[1], [2, 3]])", ValueError, "expected sequence of length 1 at dim 1 (got 2)"),
    ],
)
def test_creation_errors_match_torch(code: str, error: Any, gist: Any) -> None:
    for lib in (torch, minitorch):
        env = {"lib": lib, "np": np}
        if error is None:
            assert eval(code, env)
            continue
        with pytest.raises(error) as info:
            eval(code, env)
        assert gist in str(info.value), (lib.__name__, info.value)


def test_tensors_inside_a_list_keep_their_dtype() -> None:
    for make in [
        lambda lib: lib.tensor([lib.tensor(1 / 3, dtype=lib.float64), 1]),
        lambda lib: lib.tensor([lib.tensor(2, dtype=lib.int32), lib.tensor(1, dtype=lib.int8)]),
        lambda lib: lib.tensor([np.array([1.5]), np.array([1])]),
    ]:
        assert_same_as_torch(make)


def test_a_strided_array_keeps_its_layout_as_in_torch() -> None:
    a = np.arange(6.0).reshape(2, 3)
    for x in (a.T, a[:, ::2], a):
        assert minitorch.tensor(x).stride() == torch.tensor(x).stride()
        assert minitorch.tensor(x, dtype=minitorch.float32).stride() == torch.tensor(x, dtype=torch.float32).stride()
