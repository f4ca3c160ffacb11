"""Indexing against torch: reading, differentiable writing, in-place through views, gather, index_select, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitorch
from tests import strategies as S
from tests.parity import check_both, check_parity, raises_like


# An index is described by a tuple of items and built per library by ``build``:
# ("int", i), ("slice", s), ("none",), ("ellipsis",), ("ints", array, form), ("mask", array, form)
# where form says how the array is passed: a tensor, a numpy array or a Python list.
def build(lib: Any, spec: tuple) -> tuple:
    out = []
    for item in spec:
        kind = item[0]
        if kind in ("int", "slice"):
            out.append(item[1])
        elif kind == "none":
            out.append(None)
        elif kind == "ellipsis":
            out.append(Ellipsis)
        else:
            arr, form = item[1], item[2]
            out.append(
                lib.tensor(arr)
                if form == "tensor"
                else arr
                if form == "array"
                else _as_tuples(arr.tolist())
                if form == "tuple"
                else range(len(arr))
                if form == "range"
                else arr.tolist()
            )
    return tuple(out)


def _as_tuples(x: Any) -> Any:
    return tuple(_as_tuples(i) for i in x) if isinstance(x, list) else x


@st.composite
def basic_item(draw: Any, size: int) -> tuple:
    if size and draw(st.booleans()):
        return ("int", draw(st.integers(-size, size - 1)))
    ends = st.none() | st.integers(-size - 2, size + 2)
    return ("slice", slice(draw(ends), draw(ends), draw(st.none() | st.integers(1, 3))))


@st.composite
def index_for(draw: Any, shape: tuple, advanced: int = 2, unique: bool = False) -> tuple:
    """An index of ``shape``: ints, stepped slices, None and ``...``, and up to ``advanced`` integer
    arrays (repeated entries unless ``unique``) or boolean masks, in any combination torch accepts.

    Items index the leading dims, then (after ``...``, when present) the trailing ones.
    """
    n_adv = 0

    def items(dim: int, stop: int) -> list:
        nonlocal n_adv
        out = []
        while dim < stop:
            size = shape[dim]
            choice = draw(st.sampled_from(["basic", "basic", "ints", "mask"])) if n_adv < advanced else "basic"
            form = draw(st.sampled_from(["tensor", "array", "list", "tuple"]))
            if choice == "ints" and size and draw(st.integers(0, 4)) == 0:
                arr = np.arange(draw(st.integers(1, size)))  # a Python range, as in -x[range(n), target]
                out.append(("ints", arr, "range"))
                n_adv, dim = n_adv + 1, dim + 1
            elif choice == "ints" and size:
                if unique:
                    vals = draw(st.permutations(range(size)))[: draw(st.integers(1, 4))]
                    arr = np.array([v - size if draw(st.booleans()) else v for v in vals], dtype=np.int64)
                else:
                    arr = np.array(draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=4)), np.int64)
                out.append(("ints", arr, form))
                n_adv, dim = n_adv + 1, dim + 1
            elif choice == "mask":
                k = draw(st.integers(1, min(2, stop - dim)))
                mask = draw(hnp.arrays(np.bool_, shape[dim : dim + k]))
                # A multi-dim mask goes as a tensor: torch miscounts a numpy one's dims next to ``...``.
                out.append(("mask", mask, form if k == 1 else "tensor"))
                n_adv, dim = n_adv + 1, dim + k
            else:
                out.append(draw(basic_item(size)))
                dim += 1
            if draw(st.integers(0, 4)) == 0:
                out.append(("none",))
        return out

    front = draw(st.integers(0, len(shape)))
    if not draw(st.booleans()):
        return tuple(items(0, front))
    back = draw(st.integers(0, len(shape) - front))
    return tuple(items(0, front) + [("ellipsis",)] + items(len(shape) - back, len(shape)))


SHAPES = S.shapes(0, 3, 0, 4)


def indexed(shapes: st.SearchStrategy = SHAPES, **kw: Any) -> st.SearchStrategy:
    return shapes.flatmap(lambda s: st.tuples(S.arrays(s), index_for(tuple(s), **kw)))


@given(indexed())
def test_getitem_parity(c: tuple) -> None:
    """Reading matches torch, or fails as torch does (advanced indices that do not broadcast together)."""
    x, spec = c
    try:
        torch.tensor(x)[build(torch, spec)]
    except IndexError as err:
        raises_like(lambda lib: lib.tensor(x)[build(lib, spec)], str(err))
        return
    check_both(lambda lib, t: t[build(lib, spec)], x, gradcheck=x.size <= 24)


@given(indexed(S.shapes(1, 3, 1, 4), advanced=0))
def test_basic_getitem_is_a_view(c: tuple) -> None:
    """Ints, slices, None and ... give a view: writes show in the base, and they share a version counter."""
    x, spec = c
    for lib in (torch, minitorch):
        t = lib.tensor(x)
        v = t[build(lib, spec)]
        before = t._version
        v.add_(1.0)
        got_version = t._version - before
        if lib is torch:
            want, want_version = t.numpy().copy(), got_version
        else:
            np.testing.assert_array_equal(t.numpy(), want)
            assert got_version == want_version


# Each kind of index at least once, whatever hypothesis draws: (name, index(lib)) on a (3, 4, 5) tensor.
MASK = np.array([True, False, True, True])
FIXED = [
    ("int", lambda lib: 1),
    ("negative_int", lambda lib: (-1, -2)),
    ("step_slice", lambda lib: (slice(None, None, 2), slice(1, None, 3))),
    ("none", lambda lib: (None, 0, None)),
    ("ellipsis", lambda lib: (Ellipsis, 1)),
    ("ellipsis_none", lambda lib: (0, ..., None)),
    ("tensor", lambda lib: lib.tensor([2, 0, 2])),
    ("list", lambda lib: [0, 0, -1]),
    ("array", lambda lib: np.array([1, 2])),
    ("two_arrays", lambda lib: ([0, 2, 2], [3, 3, 0])),
    ("arrays_split_by_slice", lambda lib: ([0, 2], slice(None), [4, 4])),
    ("int_then_array", lambda lib: (0, slice(None), [1, 4])),  # torch selects first: no move to the front
    ("array_then_int", lambda lib: ([2, 1, 1], 0)),
    ("int_array_int", lambda lib: (1, [3, 0], 2)),
    ("mask", lambda lib: (slice(None), lib.tensor(MASK))),
    ("mask_2d", lambda lib: lib.tensor(np.arange(12).reshape(3, 4) % 3 == 0)),
    ("int_and_mask", lambda lib: (2, lib.tensor(MASK))),
    ("mask_and_array", lambda lib: (slice(1, None), lib.tensor(MASK), [0, 4, 4])),
    ("broadcast_arrays", lambda lib: ([[0], [2]], [1, 3])),
]


@pytest.mark.parametrize("name,index", FIXED, ids=[c[0] for c in FIXED])
def test_fixed_index_kinds(name: str, index: Callable, device: str) -> None:
    x = np.linspace(-1, 1, 60).reshape(3, 4, 5)
    check_both(lambda lib, t: t[index(lib)], x, gradcheck=False, device=device)

    def write(lib: Any, t: Any, v: Any) -> Any:
        y = t * 1
        y[index(lib)] = v
        return y

    region = torch.zeros(3, 4, 5)[index(torch)].shape
    if name not in ("tensor", "list", "two_arrays", "array_then_int", "broadcast_arrays"):  # no repeats in writes
        check_both(
            write,
            x,
            np.linspace(-0.5, 0.5, max(int(np.prod(region)), 1))[: int(np.prod(region))].reshape(region),
            gradcheck=False,
            device=device,
        )


# How torch reads Python sequences in an index (a list or range is one index tensor; a short list holding a
# sequence, slice, None, ... or tensor is a tuple of indices, with a deprecation warning; bools stay masks,
# floats are truncated), on a (2, 3, 4) tensor. Each: (name, index(lib)).
SEQUENCES = [
    ("range", lambda lib: range(2)),
    ("range_and_tensor", lambda lib: (range(2), lib.tensor([2, 0]))),  # -input[range(n), target]
    ("negative_range", lambda lib: range(-1, -3, -1)),
    ("empty_range", lambda lib: range(0)),
    ("ranges_by_slice", lambda lib: (range(2), slice(None), range(3, 0, -1))),
    ("step_range", lambda lib: (slice(None), range(0, 3, 2))),
    ("none_range_none", lambda lib: (None, range(2), None)),
    ("list_of_lists", lambda lib: [[0, 1], [1, 2]]),
    ("list_of_tuples", lambda lib: [(0, 1), (1, 2)]),
    ("tuple_of_tuples", lambda lib: ((0, 1), (1, 2))),
    ("list_of_ranges", lambda lib: [range(2), range(2)]),
    ("ragged_list_of_lists", lambda lib: [[0, 1], [1]]),
    ("list_with_slice", lambda lib: [0, slice(None)]),
    ("list_with_none", lambda lib: [0, None]),
    ("list_with_ellipsis", lambda lib: [1, Ellipsis]),
    ("list_of_one_tensor", lambda lib: [lib.tensor([0, 1])]),
    ("list_of_zero_dim_tensors", lambda lib: [lib.tensor(0), lib.tensor(1)]),
    ("list_zero_dim_tensor_and_list", lambda lib: [lib.tensor(1), [0, 1]]),
    ("deeper_list", lambda lib: [[[0, 1]]]),
    ("list_of_bools", lambda lib: [True, False]),
    ("bools_after_int", lambda lib: (0, [True, False, True])),
    ("bools_and_ints", lambda lib: ([True, False], [0, 2])),
    ("bool_and_int_is_int", lambda lib: [True, 1]),
    ("bool_and_none", lambda lib: [True, None]),
    ("floats_truncate", lambda lib: [1.7, 0.2]),
    ("float_array", lambda lib: (np.array([1.0, 0.0]), 0)),
    ("uint8_array_is_a_mask", lambda lib: np.array([1, 0], dtype=np.uint8)),
    ("numpy_ints_in_list", lambda lib: [np.int64(1), np.int64(0)]),
    ("zero_dim_array_selects", lambda lib: np.array(1)),
    ("zero_dim_array_then_list", lambda lib: (np.array(1), slice(None), [1, 2])),
    ("zero_dim_tensor_selects", lambda lib: lib.tensor(1)),
    ("zero_dim_tensor_then_list", lambda lib: (lib.tensor(0), slice(None), [1, 2])),
    ("int32_tensor", lambda lib: lib.tensor([1, 0], dtype=lib.int32)),
    ("long_list_is_one_index", lambda lib: [[0, 1]] * 32),
    ("long_ragged_list", lambda lib: [[0]] + [0] * 31),
    ("ragged_deeper", lambda lib: [[[0], [1, 0]]]),
    ("bool_lists_wrong_shape", lambda lib: [[True, False, True], [False, False, True]]),
    ("list_past_end", lambda lib: [2**40]),
    ("string", lambda lib: "a"),
    ("float_in_tuple", lambda lib: (1.0,)),
]


@pytest.mark.filterwarnings("ignore:Using a non-tuple sequence:UserWarning")
@pytest.mark.filterwarnings("ignore:indexing with dtype torch.uint8:UserWarning")
@pytest.mark.parametrize("name,index", SEQUENCES, ids=[c[0] for c in SEQUENCES])
def test_sequence_indices_read_and_write_as_torch(name: str, index: Callable) -> None:
    """Values, gradients, view or copy, and writes, or the same error as torch."""
    x = np.linspace(-1, 1, 24).reshape(2, 3, 4)
    try:
        region = torch.zeros(2, 3, 4)[index(torch)]
    except Exception as err:
        raises_like(lambda lib: lib.zeros(2, 3, 4)[index(lib)], str(err)[:40])
        return
    check_both(lambda lib, t: t[index(lib)], x, gradcheck=False)
    views = [lib.zeros(2, 3, 4)[index(lib)]._base is not None for lib in (torch, minitorch)]
    assert views[0] == views[1], f"view: torch {views[0]}, minitorch {views[1]}"

    def write(lib: Any, t: Any, v: Any) -> Any:
        y = t * 1
        y[index(lib)] = v
        return y

    value = np.linspace(-0.5, 0.5, region.numel()).reshape(region.shape)
    check_both(write, x, value, gradcheck=False)


def test_non_tuple_sequence_warns_as_torch() -> None:
    for lib in (torch, minitorch):
        with pytest.warns(UserWarning, match="Using a non-tuple sequence for multidimensional indexing") as rec:
            lib.zeros(2, 3)[[0, slice(None)]]
        assert rec[0].filename == __file__  # pointing at the indexing line


def test_nn_tutorial_loss_with_a_range() -> None:
    """The first loss of "What is torch.nn really?": ``-input[range(target.shape[0]), target].mean()``."""
    rng = np.random.default_rng(0)

    def nll(lib: Any, x: Any, target: Any) -> Any:
        input = x.log_softmax(-1)
        return -input[range(target.shape[0]), target].mean()

    check_both(nll, rng.standard_normal((6, 10)), rng.integers(0, 10, 6))


def test_repeated_indices_accumulate_gradient() -> None:
    x = np.linspace(-1, 1, 12).reshape(3, 4)
    idx = np.array([0, 2, 0, 0, 1])
    check_both(
        lambda lib, t: (t[lib.tensor(idx)], t[:, [3, 3, 1]], t[idx, (idx + 1) % 4], t.index_select(1, lib.tensor(idx))),
        x,
    )


@st.composite
def set_case(draw: Any) -> tuple:
    """(target, index, value) with the value broadcastable to ``target[index]`` (sometimes a Python float)."""
    shape = tuple(draw(SHAPES))
    spec = draw(index_for(shape, unique=True))
    try:
        region = tuple(torch.zeros(shape)[build(torch, spec)].shape)
    except IndexError:  # advanced indices that do not broadcast together
        assume(False)
    drop = draw(st.integers(0, len(region)))
    vshape = tuple(1 if draw(st.integers(0, 3)) == 0 else s for s in region[drop:])
    value = draw(st.floats(-1, 1)) if draw(st.integers(0, 5)) == 0 else draw(S.arrays(vshape))
    return draw(S.arrays(shape)), spec, value


@given(set_case())
def test_setitem_grads_reach_target_and_value(c: tuple) -> None:
    a, spec, value = c

    def fn(lib: Any, t: Any, *v: Any) -> Any:
        x = t.clone()
        x[build(lib, spec)] = v[0] if v else value
        return x * t

    args = (a,) if isinstance(value, float) else (a, value)
    check_both(fn, *args, gradcheck=a.size <= 24)


@given(set_case())
def test_setitem_on_nonleaf_with_value_as_zero_dim_tensor(c: tuple) -> None:
    a, spec, value = c
    v = np.asarray(value if isinstance(value, float) else value.reshape(-1)[:1].sum())

    def fn(lib: Any, t: Any, s: Any) -> Any:
        x = t * 2
        x[build(lib, spec)] = s
        return x

    check_both(fn, a, v, gradcheck=a.size <= 24)


# in-place ops through views of a non-leaf: the base's gradient sees them
INPLACE_ON_VIEW = [
    ("select_mul", lambda lib, y, w: y[0].mul_(2)),
    ("slice_add_tensor", lambda lib, y, w: y[:, 1:].add_(w[:, 1:])),
    ("step_slice_mul_tensor", lambda lib, y, w: y[::2, ::2].mul_(w[::2, ::2])),
    ("view_of_view", lambda lib, y, w: y[1:][0].div_(w[0, 0] + 2)),
    ("transpose_sub", lambda lib, y, w: y.t()[1].sub_(w[:, 1])),
    ("setitem_on_view", lambda lib, y, w: y[1].__setitem__(slice(0, 2), w[0, :2])),
    ("setitem_mask_on_view", lambda lib, y, w: y[:, :2].__setitem__(w[:, :2] > 0, 0.5)),
    ("two_writes", lambda lib, y, w: (y[0].mul_(w[0]), y[:, 0].add_(1))),
    ("fill_view", lambda lib, y, w: y[1].fill_(w[1, 1])),
    ("copy_into_view", lambda lib, y, w: y[0].copy_(w[1])),
    ("zero_view", lambda lib, y, w: y[:, 2].zero_()),
    ("exp_view", lambda lib, y, w: y[1:, 1:].exp_()),
]


@pytest.mark.parametrize("name,write", INPLACE_ON_VIEW, ids=[c[0] for c in INPLACE_ON_VIEW])
def test_inplace_through_view_of_nonleaf(name: str, write: Callable, device: str) -> None:
    def fn(lib: Any, a: Any, w: Any) -> Any:
        y = a * 1
        write(lib, y, w)
        return y * a

    rng = np.random.default_rng(1)
    check_both(fn, rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 3)), device=device)


def test_view_of_leaf_inplace_errors_like_torch() -> None:
    raises_like(
        lambda lib: lib.ones(2, 3, requires_grad=True)[0].mul_(2),
        "a view of a leaf Variable that requires grad is being used in an in-place operation.",
    )
    raises_like(
        lambda lib: lib.ones(2, 3, requires_grad=True).__setitem__(0, 1.0),
        "a leaf Variable that requires grad is being used in an in-place operation.",
    )


@st.composite
def gather_case(draw: Any) -> tuple:
    shape = tuple(draw(S.shapes(1, 3, 1, 4)))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    ishape = tuple(
        draw(st.integers(0, s + 1)) if i == dim % len(shape) else draw(st.integers(0, s)) for i, s in enumerate(shape)
    )
    index = draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, shape[dim] - 1)))
    return draw(S.arrays(shape)), dim, index


@given(gather_case(), st.sampled_from([np.int64, np.int32]))
def test_gather_parity(c: tuple, itype: Any) -> None:
    x, dim, index = c
    index = index.astype(itype) if itype is np.int64 else index
    check_both(lambda lib, t, i: (t.gather(dim, i), lib.gather(t, dim, i)), x, index, gradcheck=x.size <= 24)


@st.composite
def select_case(draw: Any) -> tuple:
    shape = tuple(draw(S.shapes(1, 3, 1, 4)))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    index = draw(
        hnp.arrays(
            np.int64, draw(st.sampled_from([(), (draw(st.integers(0, 5)),)])), elements=st.integers(0, shape[dim] - 1)
        )
    )
    return draw(S.arrays(shape)), dim, index


@given(select_case())
def test_index_select_parity(c: tuple) -> None:
    x, dim, index = c
    check_both(
        lambda lib, t, i: (t.index_select(dim, i), lib.index_select(t, dim, i)), x, index, gradcheck=x.size <= 24
    )


def _set(lib: Any, index: Any, value: Any) -> None:
    x = lib.ones(3, 4)
    x[index] = value


x34 = lambda lib: lib.ones(3, 4)  # noqa: E731
ERRORS = [
    ("int_past_end", lambda lib: x34(lib)[5], "index 5 is out of bounds for dimension 0 with size 3"),
    ("negative_past_start", lambda lib: x34(lib)[-4], "index -4 is out of bounds for dimension 0 with size 3"),
    ("second_dim", lambda lib: x34(lib)[:, 4], "index 4 is out of bounds for dimension 1 with size 4"),
    ("too_many", lambda lib: x34(lib)[0, 0, 0], "too many indices for tensor of dimension 2"),
    (
        "tensor_past_end",
        lambda lib: x34(lib)[lib.tensor([0, 5])],
        "index 5 is out of bounds for dimension 0 with size 3",
    ),
    ("list_past_end", lambda lib: x34(lib)[[0, 5]], "index 5 is out of bounds for dimension 0 with size 3"),
    ("float_index", lambda lib: x34(lib)[1.5], "only integers, slices (`:`), ellipsis (`...`), None"),
    (
        "float_tensor_index",
        lambda lib: x34(lib)[lib.tensor([0.0])],
        "tensors used as indices must be long, int, byte or bool",
    ),
    (
        "mask_shape",
        lambda lib: x34(lib)[lib.tensor([True, False])],
        "The shape of the mask [2] at index 0 does not match",
    ),
    ("negative_step", lambda lib: x34(lib)[::-1], "step must be greater than zero"),
    ("zero_dim", lambda lib: lib.tensor(1.0)[0], "invalid index of a 0-dim tensor"),
    (
        "set_shape",
        lambda lib: _set(lib, [0, 1], lib.ones(3, 4)),
        "shape mismatch: value tensor of shape [3, 4] cannot be broadcast to indexing result of shape [2, 4]",
    ),
    ("set_past_end", lambda lib: _set(lib, 3, 1.0), "index 3 is out of bounds for dimension 0 with size 3"),
    (
        "gather_range",
        lambda lib: x34(lib).gather(1, lib.tensor([[0, 5]])),
        "index 5 is out of bounds for dimension 1 with size 4",
    ),
    (
        "gather_ndim",
        lambda lib: x34(lib).gather(1, lib.tensor([0, 1])),
        "Index tensor must have the same number of dimensions as input tensor",
    ),
    ("gather_dim", lambda lib: x34(lib).gather(2, lib.tensor([[0, 1]])), "Dimension out of range"),
    (
        "gather_size",
        lambda lib: x34(lib).gather(1, lib.tensor([[0, 1]] * 4)),
        "Size does not match at dimension 0 expected index [4, 2] to be no larger than self [3, 4] apart from dimension 1",
    ),
    ("gather_dtype", lambda lib: x34(lib).gather(1, lib.tensor([[0.0]])), "gather(): Expected dtype int"),
    (
        "masked_fill_value_dims",
        lambda lib: x34(lib).masked_fill(x34(lib) > 0, lib.tensor([1.0, 2.0])),
        "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension",
    ),
    (
        "index_select_2d",
        lambda lib: x34(lib).index_select(0, lib.tensor([[0, 1]])),
        "index_select(): Index is supposed to be a vector",
    ),
    ("index_select_range", lambda lib: x34(lib).index_select(0, lib.tensor([0, 5])), "index out of range in self"),
    (
        "index_select_dtype",
        lambda lib: x34(lib).index_select(0, lib.tensor([0.0, 1.0])),
        "index_select(): Expected dtype int32 or int64 for index",
    ),
    (
        "index_select_dim",
        lambda lib: x34(lib).index_select(2, lib.tensor([0])),
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
    ),
]


@pytest.mark.parametrize("name,fn,gist", ERRORS, ids=[e[0] for e in ERRORS])
def test_index_errors(name: str, fn: Callable, gist: str) -> None:
    raises_like(fn, gist)


@pytest.mark.parametrize("recorded", [False, True])
@pytest.mark.parametrize(
    "code", ["x[0] = lib.ones(3)", "x[..., 0] = lib.ones(2, 3)", "x[lib.tensor([0, 1])] = lib.ones(3)"]
)
def test_setitem_with_a_value_that_does_not_fit_raises_runtime_error(recorded, code):
    """Recorded or not, a value that cannot broadcast to the indexed region is torch's RuntimeError."""
    for lib in (torch, minitorch):
        x = lib.ones(3, 2, requires_grad=recorded).clone()
        with pytest.raises(RuntimeError):
            exec(code, {"x": x, "lib": lib})
        assert x.tolist() == [[1.0, 1.0]] * 3


BASIC_INDICES = [
    "x[:]",
    "x[...]",
    "x[None]",
    "x[0, None]",
    "x[:, None]",
    "x[1:2, 0]",
    "x[0, 1:2]",
    "x[:, 1]",
    "x[..., 1]",
    "x[0, ::1]",
    "x[0:10]",
    "x[-1]",
    "x[:, :, ::2]",
    "x[:, :]",
    "x[(slice(None),)]",
    "x[..., 0:5, None]",
    "x[1, lib.tensor(2)]",
    "x[None, 1, None]",
]


@pytest.mark.parametrize("expr", BASIC_INDICES)
def test_a_basic_index_records_torch_s_last_step(expr):
    """torch names a view by its last step (Select, Slice, Unsqueeze; Alias where no step changes anything: full
    slices in a tuple, an Ellipsis); a lone slice is always a Slice. Values and gradients as torch's too."""
    names = []
    for lib in (torch, minitorch):
        x = lib.arange(60.0).reshape(3, 4, 5).requires_grad_()
        out = eval(expr, {"x": x, "lib": lib})
        names.append(type(out.grad_fn).__name__)
        (out * out).sum().backward()
        names.append(x.grad.sum().item())
    assert names[0:2] == names[2:4]


@pytest.mark.parametrize(
    "index",
    [
        (slice(None), [0], Ellipsis, [0]),
        (slice(None, 1), None, [0], Ellipsis, [1]),
        (slice(None), [0], Ellipsis, [1], None),
        ([1], Ellipsis, [0], slice(None)),
    ],
)
def test_an_ellipsis_standing_for_no_dimension_keeps_advanced_indices_in_place_as_torch(index: tuple) -> None:
    """Advanced indices parted only by an ellipsis that covers no dimension count as adjacent for torch (numpy
    moves them to the front): the shape of the read, and the write of a value of that shape."""
    x = np.arange(24.0).reshape(2, 3, 4)
    check_parity(lambda lib, t: t[index] * 2, x)

    def write(lib: Any, t: Any) -> Any:
        out = t * 1
        out[index] = t[index] * 3
        return out

    check_parity(write, x)
