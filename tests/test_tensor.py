"""The Tensor API against torch: creation, dtypes, metadata, conversions, printing, in-place ops and out=."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitorch

LIBS = pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])


def _same(got, want, rtol=0.0):
    """Same dtype name, shape and values (NaNs equal; floats within ``rtol``)."""
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(np.asarray(got.tolist()), np.asarray(want.tolist()), rtol=rtol, atol=0)


def _both(expr, **env):
    """Evaluate ``expr`` with ``lib`` bound to torch and to minitorch."""
    return eval(expr, {"lib": minitorch, "np": np, **env}), eval(expr, {"lib": torch, "np": np, **env})


# ---------------------------------------------------------------- creation

CREATION = [
    "lib.tensor(3.5)",
    "lib.tensor(3)",
    "lib.tensor(True)",
    "lib.tensor([1, 2.5])",
    "lib.tensor([True, 1])",
    "lib.tensor([[1, 2], [3, 4]])",
    "lib.tensor([])",
    "lib.tensor([1.5, 2], dtype=lib.int64)",
    "lib.tensor([1, 2], dtype=lib.float64)",
    "lib.tensor([lib.tensor(1.0), lib.tensor(2.0)])",
    "lib.tensor(np.array([1, 2], dtype=np.int32))",
    "lib.tensor(np.array([1.0, 2.0]))",
    "lib.tensor(np.float64(2.0))",
    "lib.tensor(np.array([1.5], dtype=np.float16))",
    "lib.Tensor([1, 2, 3])",
    "lib.Tensor([[1, 2], [3, 4]])",
    "lib.Tensor()",
    "lib.FloatTensor([1, 2])",
    "lib.LongTensor([1.7, 2])",
    "lib.DoubleTensor([1])",
    "lib.BoolTensor([1, 0])",
    "lib.IntTensor([3])",
    "lib.zeros(2, 3)",
    "lib.zeros((2, 3))",
    "lib.zeros([2, 3], dtype=lib.int32)",
    "lib.zeros(lib.Size([2]))",
    "lib.zeros(())",
    "lib.ones(3, dtype=lib.long)",
    "lib.ones(2, 2, dtype=lib.bool)",
    "lib.full((2, 2), 7)",
    "lib.full((2,), 7.0)",
    "lib.full((2,), True)",
    "lib.full([2], 3, dtype=lib.float)",
    "lib.arange(5)",
    "lib.arange(1, 4)",
    "lib.arange(0, 1, 0.25)",
    "lib.arange(5.0)",
    "lib.arange(1, 2.5, 0.5)",
    "lib.arange(0, 10, 3)",
    "lib.arange(10, 0, -3)",
    "lib.arange(5, dtype=lib.float32)",
    "lib.arange(-1, 1, 0.3)",
    "lib.linspace(0, 1, 5)",
    "lib.linspace(-1, 1, 1)",
    "lib.linspace(3, 10, steps=5)",
    "lib.linspace(0, 1, 0)",
    "lib.linspace(0, 10, 5, dtype=lib.int64)",
    "lib.eye(3)",
    "lib.eye(2, 3)",
    "lib.eye(2, dtype=lib.int64)",
    "lib.zeros_like(lib.ones(2, dtype=lib.int32))",
    "lib.ones_like(lib.ones(2), dtype=lib.float64)",
    "lib.full_like(lib.ones(2), 5)",
    "lib.full_like(lib.ones(2, dtype=lib.int64), 2.7)",
    "lib.ones(2, 3).new_zeros(2, 3)",
    "lib.ones(2, dtype=lib.int32).new_tensor([1.5])",
    "lib.ones(2, dtype=lib.int32).new_full((2,), 1.5)",
    "lib.ones(2, dtype=lib.float64).new_ones(3)",
]


@pytest.mark.parametrize("expr", CREATION)
def test_creation_matches_torch(expr):
    _same(*_both(expr))


@pytest.mark.parametrize(
    "expr",
    [
        "lib.empty(2, 3)",
        "lib.empty((2, 3))",
        "lib.empty([4], dtype=lib.int64)",
        "lib.Tensor(2, 3)",
        "lib.LongTensor(2, 3)",
        "lib.Tensor(lib.Size([2, 3]))",
        "lib.IntTensor(lib.Size([4]))",
        "lib.rand(2, 3)",
        "lib.rand((2, 3))",
        "lib.randn(4)",
        "lib.randn(2, 2, dtype=lib.float64)",
        "lib.randint(0, 10, (3,))",
        "lib.randint(5, (2, 2))",
        "lib.randint(3, 10, size=(4,))",
        "lib.empty_like(lib.ones(2, 3, dtype=lib.int32))",
        "lib.rand_like(lib.ones(2, 3))",
        "lib.randn_like(lib.ones(2), dtype=lib.float64)",
        "lib.rand_like(lib.ones(2, dtype=lib.int64), dtype=lib.float)",
        "lib.ones(1).new_empty((2,))",
        "lib.randperm(5)",
    ],
)
def test_uninitialised_and_random_creation_shape_and_dtype(expr):
    got, want = _both(expr)
    assert tuple(got.shape) == tuple(want.shape)
    assert repr(got.dtype) == repr(want.dtype)


def test_random_values_in_range():
    minitorch.manual_seed(1)
    r = minitorch.rand(1000)
    assert 0.0 <= r.min().item() and r.max().item() < 1.0 and abs(r.mean().item() - 0.5) < 0.05
    n = minitorch.randn(4000)
    assert abs(n.mean().item()) < 0.1 and abs(n.std().item() - 1.0) < 0.1
    i = minitorch.randint(3, 7, (1000,))
    assert set(i.tolist()) == {3, 4, 5, 6}
    assert sorted(minitorch.randperm(6).tolist()) == list(range(6))


def test_manual_seed_reproducibility():
    minitorch.manual_seed(42)
    a = (minitorch.rand(3), minitorch.randn(2, 2), minitorch.randint(0, 100, (5,)))
    minitorch.manual_seed(42)
    b = (minitorch.rand(3), minitorch.randn(2, 2), minitorch.randint(0, 100, (5,)))
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    assert minitorch.rand(3).tolist() != a[0].tolist()
    minitorch.manual_seed(43)
    assert minitorch.rand(3).tolist() != a[0].tolist()


def test_generator_argument_and_rng_state():
    g = minitorch.Generator().manual_seed(7)
    first = minitorch.rand(3, generator=g).tolist()
    assert minitorch.rand(3, generator=minitorch.Generator().manual_seed(7)).tolist() == first
    state = minitorch.get_rng_state()
    x = minitorch.randn(4).tolist()
    minitorch.set_rng_state(state)
    assert minitorch.randn(4).tolist() == x


@pytest.mark.parametrize(
    "code,exc,match",
    [
        ("lib.rand_like(lib.ones(2, dtype=lib.int64))", NotImplementedError, "not implemented for 'Long'"),
        ("lib.randn(2, dtype=lib.int32)", NotImplementedError, "not implemented for 'Int'"),
        ("lib.tensor([[1, 2], [3]])", ValueError, r"expected sequence of length 2 at dim 1 \(got 1\)"),
        ("lib.tensor([[1, 2], 3])", TypeError, "not a sequence"),
        ("lib.zeros(2, 2.5)", TypeError, "argument 'size'"),
        ("lib.arange(0, 5, 0)", RuntimeError, "step must be nonzero"),
        ("lib.from_numpy([1, 2])", TypeError, "expected np.ndarray"),
    ],
)
def test_creation_errors_like_torch(code, exc, match):
    for lib in (torch, minitorch):
        with pytest.raises(exc, match=match):
            eval(code, {"lib": lib, "np": np})


@LIBS
def test_from_numpy_shares_memory(lib):
    n = np.arange(3.0)
    t = lib.from_numpy(n)
    assert t.dtype == lib.float64
    n[0] = 10
    t[1] = 20
    assert t.tolist() == [10.0, 20.0, 2.0]
    assert n.tolist() == [10.0, 20.0, 2.0]
    assert lib.from_numpy(np.zeros(2, dtype=np.int32)).dtype == lib.int32


@LIBS
def test_tensor_copies_numpy_data(lib):
    n = np.ones(2)
    t = lib.tensor(n)
    n[0] = 5
    assert t.tolist() == [1.0, 1.0]


@LIBS
def test_python_floats_keep_double_precision_for_an_explicit_float64(lib):
    # not rounded through the default float32 on the way: 0.1 stays 0.1
    assert lib.tensor([0.1, -0.2], dtype=lib.float64).tolist() == [0.1, -0.2]
    assert lib.tensor(0.1, dtype=lib.float64).item() == 0.1
    assert lib.tensor([0.1]).double().tolist() == [float(np.float32(0.1))]


@LIBS
def test_as_tensor_shares_numpy_memory(lib):
    n = np.ones(2)
    t = lib.as_tensor(n)
    n[0] = 5
    assert t.tolist() == [5.0, 1.0]


# ---------------------------------------------------------------- dtypes


def test_dtype_inference_like_torch():
    for data in (
        1.5,
        2,
        True,
        [1, 2],
        [1.0, 2],
        [True, False],
        [[1, 2.5]],
        np.array([1, 2], dtype=np.int16),
        np.array([1.0], dtype=np.float64),
        np.array([1.0], dtype=np.float32),
        np.uint8(3),
        np.array([True]),
    ):
        got, want = minitorch.tensor(data).dtype, torch.tensor(data).dtype
        assert repr(got) == repr(want), data


def test_dtype_aliases():
    m = minitorch
    assert m.float is m.float32 and m.double is m.float64 and m.long is m.int64
    assert m.int is m.int32 and m.half is m.float16 and m.short is m.int16
    for name in ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"):
        assert repr(getattr(m, name)) == repr(getattr(torch, name)) == f"torch.{name}"
        assert str(getattr(m, name)) == str(getattr(torch, name))
    assert m.float32.is_floating_point and not m.int64.is_floating_point
    assert m.get_default_dtype() is m.float32


TYPE_CASES = [
    ("lib.tensor([1.5])", None),
    ("lib.tensor([1])", None),
    ("lib.tensor([True])", None),
    ("lib.tensor([1.0]).double()", None),
    ("lib.tensor([1]).int()", None),
    ("lib.tensor([1.7, -2.7])", "lib.LongTensor"),
    ("lib.tensor([1, 2])", "lib.FloatTensor"),
    ("lib.tensor([1.5])", "'torch.DoubleTensor'"),
    ("lib.tensor([1.5])", "lib.float64"),
    ("lib.tensor([0.0, 2.0])", "lib.BoolTensor"),
]


@pytest.mark.parametrize("expr,to", TYPE_CASES)
def test_type_method(expr, to):
    got, want = _both(f"({expr}).type({'' if to is None else to})")
    if to is None:
        assert got == want
    else:
        _same(got, want)


def test_legacy_classes_isinstance():
    for lib in (torch, minitorch):
        assert isinstance(lib.ones(2), lib.FloatTensor)
        assert isinstance(lib.FloatTensor([1]), lib.Tensor)
        assert not isinstance(lib.ones(2), lib.LongTensor)
        assert isinstance(lib.tensor([1]), lib.LongTensor)


CONVERSIONS = [
    "x.float()",
    "x.double()",
    "x.long()",
    "x.int()",
    "x.bool()",
    "x.half()",
    "x.short()",
    "x.byte()",
    "x.to(lib.float64)",
    "x.to(lib.int32)",
    "x.to('cpu')",
    "x.to(lib.device('cpu'))",
    "x.to('cpu', lib.float64)",
    "x.to(dtype=lib.int64)",
    "x.to(lib.tensor([1]))",
]


@pytest.mark.parametrize("conv", CONVERSIONS)
def test_dtype_conversions(conv):
    _same(*[eval(conv, {"lib": lib, "x": lib.tensor([1.7, -2.7, 0.0, 3.0])}) for lib in (minitorch, torch)])


@LIBS
def test_conversion_to_same_dtype_returns_self(lib):
    x = lib.tensor([1.0, 2.0])
    assert x.float() is x and x.to(lib.float32) is x and x.contiguous() is x and x.to("cpu") is x
    assert x.double() is not x


# ---------------------------------------------------------------- metadata


@LIBS
def test_shape_and_size(lib):
    x = lib.zeros(4, 4)
    assert isinstance(x.shape, lib.Size) and isinstance(x.size(), lib.Size) and isinstance(x.shape, tuple)
    assert str(x.size()) == repr(x.shape) == "torch.Size([4, 4])"
    assert str(lib.zeros(()).shape) == "torch.Size([])"
    assert x.size(1) == 4 and x.size(-1) == 4 and x.shape[0] == 4
    assert lib.zeros(2, 3).shape == (2, 3) and lib.Size([2, 3]).numel() == 6
    assert repr(lib.zeros(2, 3, 4).shape[1:]) == "torch.Size([3, 4])"
    assert list(x.size()) == [4, 4]
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.size(2)


@LIBS
def test_metadata(lib):
    x = lib.ones(2, 3)
    assert x.dim() == x.ndim == 2 and x.numel() == 6 and lib.numel(x) == 6
    assert x.dtype == lib.float32 and x.device == lib.device("cpu") and str(x.device) == "cpu"
    assert x.device.type == "cpu" and not x.is_cuda
    assert x.T.shape == (3, 2) and x.t().shape == (3, 2)
    assert x.is_floating_point() and not lib.tensor([1]).is_floating_point()
    assert lib.is_tensor(x) and not lib.is_tensor([1])
    assert x.stride() == (3, 1) and x.T.stride() == (1, 3)
    assert x.is_contiguous() and not x.T.is_contiguous() and x.T.contiguous().is_contiguous()
    assert lib.tensor([1, 2]).element_size() == 8 and x.element_size() == 4


@LIBS
def test_item_and_tolist(lib):
    assert lib.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert lib.tensor(3.5).tolist() == 3.5 and lib.tensor(3.5).item() == 3.5
    assert lib.tensor([7]).item() == 7 and isinstance(lib.tensor([7]).item(), int)
    assert lib.tensor(True).item() is True
    assert isinstance(lib.tensor([[2.5]]).item(), float)
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        lib.tensor([1, 2]).item()


@LIBS
def test_numpy_shares_memory(lib):
    t = lib.ones(3)
    n = t.numpy()
    t.add_(1)
    assert n.tolist() == [2.0, 2.0, 2.0]
    n[0] = 7
    assert t[0].item() == 7.0
    assert lib.ones(2, 3).T.numpy().shape == (3, 2)
    assert lib.ones(2, dtype=lib.int32).numpy().dtype == np.int32


@LIBS
def test_numpy_refuses_tensor_requiring_grad(lib):
    x = lib.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]


@LIBS
def test_python_number_protocols(lib):
    assert int(lib.tensor(3.7)) == 3 and float(lib.tensor(2)) == 2.0
    assert not bool(lib.tensor(0.0)) and bool(lib.tensor([1]))
    assert [10, 20, 30][lib.tensor(1)] == 20 and range(lib.tensor(3)) == range(3)
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [10, 20][lib.tensor(1.0)]
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(lib.tensor([1, 2]))
    with pytest.raises(ValueError, match="only one element tensors can be converted to Python scalars"):
        int(lib.tensor([1, 2]))
    assert f"{lib.tensor(2.5):.2f}" == "2.50"


@LIBS
def test_len_and_iteration(lib):
    assert len(lib.zeros(3, 2)) == 3 and len(lib.zeros(0)) == 0
    rows = [r.tolist() for r in lib.tensor([[1, 2], [3, 4]])]
    assert rows == [[1, 2], [3, 4]]
    a, b = lib.tensor([5.0, 6.0])
    assert a.item() == 5.0 and b.dim() == 0
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(lib.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(lib.tensor(1.0))


# ---------------------------------------------------------------- printing

REPRS = [
    "lib.tensor(3.5)",
    "lib.tensor(3)",
    "lib.tensor(-2.5)",
    "lib.tensor(True)",
    "lib.tensor([1, 2, 3])",
    "lib.tensor([True, False])",
    "lib.tensor([1.5, 2.25, -3.0])",
    "lib.tensor([1.0, 2.0, 3.0])",
    "lib.tensor([-1.0, 2.0, -3.0])",
    "lib.tensor([1e-5, 1.0])",
    "lib.tensor([1e10, 1.0])",
    "lib.tensor([123456789.0])",
    "lib.tensor([0.0001, 0.5])",
    "lib.tensor([1e-8])",
    "lib.tensor([1e-3, 1e3])",
    "lib.tensor([-1e-5, 3.0])",
    "lib.tensor([-1234567.0, 3.0])",
    "lib.tensor([12345.678])",
    "lib.tensor(1e20)",
    "lib.tensor([[1.0, 2.0], [3.0, 4.0]])",
    "lib.arange(24.0).reshape(2, 3, 4)",
    "lib.arange(24).reshape(2, 3, 4)",
    "lib.arange(2000.0).reshape(40, 50)",
    "lib.arange(2000)",
    "lib.arange(5000.0).reshape(10, 10, 50)",
    "lib.arange(-5000, 5000, 7)",
    "lib.linspace(0, 1, 100)",
    "lib.linspace(-10, 10, 30, dtype=lib.float64)",
    "lib.tensor([1.0, 2.0], dtype=lib.float64)",
    "lib.tensor([1, 2], dtype=lib.int32)",
    "lib.tensor([1, 2, 3], dtype=lib.uint8)",
    "lib.tensor([1.0, 2.0], dtype=lib.float16)",
    "lib.tensor([1.5, 2.0], requires_grad=True)",
    "lib.tensor([1.5, 2.0], requires_grad=True) * 2",
    "lib.tensor([0.1, 0.2], dtype=lib.float64, requires_grad=True)",
    "lib.ones(2, 2, dtype=lib.float64, requires_grad=True).sum(0)",
    "lib.tensor(2.0, requires_grad=True).sum()",
    "lib.ones(2, 2, requires_grad=True).mean()",
    "lib.ones(3, 30, requires_grad=True) @ lib.ones(30, 12)",
    "lib.ones(1, 1, 20, dtype=lib.float64) / 3",
    "lib.tensor([])",
    "lib.zeros(0, 3)",
    "lib.zeros(0, dtype=lib.int64)",
    "lib.zeros(2, 0, dtype=lib.float64)",
    "lib.tensor([float('nan'), float('inf'), 1.5])",
    "lib.tensor([float('nan'), float('inf'), 1.0])",
    "lib.tensor([-float('inf'), 2.0])",
    "lib.tensor([0.0, 0.0])",
    "lib.tensor([-0.0])",
    "lib.tensor([[1e-5, 2.5], [100.0, 1000.0]])",
    "lib.full((3,), 7)",
    "lib.full((2,), 1.5)",
    "lib.tensor([[1.0] * 30] * 2)",
    "lib.tensor([1.0 / 3] * 30)",
    "lib.tensor([1e9, 2.0])",
    "lib.tensor([1e8])",
    "lib.tensor([[True, False], [False, True]])",
    "lib.eye(4)[:, 1:]",
    "lib.arange(12.0).reshape(3, 4).T",
]


@pytest.mark.parametrize("expr", REPRS)
def test_repr_matches_torch(expr):
    got, want = _both(expr)
    assert repr(got) == repr(want)
    assert str(got) == str(want)


@st.composite
def _printable(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=12))
    kind = draw(st.sampled_from(["float", "intfloat", "int", "bool", "scaled"]))
    if kind == "bool":
        return draw(hnp.arrays(np.bool_, shape))
    if kind == "int":
        return draw(hnp.arrays(np.int64, shape, elements=st.integers(-(10**6), 10**6)))
    if kind == "intfloat":
        return draw(hnp.arrays(np.float32, shape, elements=st.integers(-2000, 2000).map(float)))
    base = draw(hnp.arrays(np.float32, shape, elements=st.floats(-10, 10, width=32)))
    if kind == "scaled":
        base = base * np.float32(10.0 ** draw(st.integers(-6, 9)))
    return base


@given(_printable(), st.booleans(), st.sampled_from([None, "float64", "float16"]))
def test_repr_matches_torch_on_random_tensors(arr, grad, dtype):
    if dtype is not None and arr.dtype.kind == "f":
        with np.errstate(over="ignore"):
            arr = arr.astype(dtype)
    grad = grad and arr.dtype.kind == "f"
    got = minitorch.tensor(arr, requires_grad=grad)
    want = torch.tensor(arr, requires_grad=grad)
    assert repr(got) == repr(want)


def test_size_and_dtype_printing():
    assert str(minitorch.ones(2, 3).shape) == str(torch.ones(2, 3).shape)
    assert repr(minitorch.float64) == repr(torch.float64)
    assert repr(minitorch.device("cpu")) == repr(torch.device("cpu"))


# ---------------------------------------------------------------- clone, detach, data


@LIBS
def test_clone_is_independent_and_differentiable(lib):
    x = lib.ones(2, requires_grad=True)
    y = x.clone()
    assert type(y.grad_fn).__name__ == "CloneBackward0"
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    z = lib.ones(2)
    w = z.clone()
    w.add_(1)
    assert z.tolist() == [1.0, 1.0]


@LIBS
def test_data_is_detached_alias(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    d = x.data
    assert not d.requires_grad and d.is_leaf
    d[0] = 5.0
    assert x[0].item() == 5.0


@LIBS
def test_manual_sgd_through_data(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    w.data.sub_(w.grad.data * 0.1)
    assert np.allclose(w.detach().numpy(), [0.8, 1.6])
    assert w.requires_grad and w.is_leaf
    w.data = lib.tensor([5.0, 6.0])
    assert w.tolist() == [5.0, 6.0] and w.requires_grad


@LIBS
def test_contiguous(lib):
    x = lib.arange(6.0).reshape(2, 3).T
    c = x.contiguous()
    assert c.is_contiguous() and c.tolist() == x.tolist()
    assert c.view(6).tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view(6)


# ---------------------------------------------------------------- in-place ops and out=

INPLACE = [
    "x.add_(1)",
    "x.add_(y)",
    "x.add_(y, alpha=2)",
    "x.sub_(0.5)",
    "x.sub_(y)",
    "x.mul_(2)",
    "x.mul_(y)",
    "x.div_(4)",
    "x.div_(y)",
    "x.zero_()",
    "x.fill_(3)",
    "x.fill_(lib.tensor(2.5))",
    "x.copy_(y)",
    "x.copy_(lib.tensor([5, 6, 7]))",
    "x.clamp_(0.8, 2.5)",
    "x.clamp_(min=1.5)",
    "x.clamp_(max=1.5)",
    "x.pow_(2)",
    "x.neg_()",
    "x.abs_()",
    "x.exp_()",
    "x.sqrt_()",
    "x.masked_fill_(x > 1.5, 0.0)",
    "x[1:].mul_(10)",
    "x.view(3, 1).T.add_(1)",
    # operands the direct (no temporary) path must hand to the general one: other dtype, broadcast, 0-d
    "x.add_(y.double())",
    "x.sub_(y[:1])",
    "x.mul_(lib.tensor(2.0))",
    "x.div_(lib.tensor([2, 4, 8]))",
]


@pytest.mark.parametrize("code", INPLACE)
def test_inplace_ops_match_torch(code):
    results = {}
    for lib in (torch, minitorch):
        x = lib.tensor([1.0, 2.0, 3.0])
        keep = x
        y = lib.tensor([0.5, -1.0, 2.0])
        out = eval(code, {"lib": lib, "x": x, "y": y})
        results[lib] = x
        assert out is keep or code.startswith("x[") or code.startswith("x.view")
    _same(results[minitorch], results[torch], rtol=1e-6)


# torch refuses an in-place op whose operand partly overlaps the written tensor, judged for dense tensors
# by their memory ranges; the same view is fine, and strided views it cannot judge go through.
OVERLAP = [
    ("a.add_(a[0])", True),
    ("b[1:].add_(b[:-1])", True),
    ("a.clamp_(min=a[0, 0])", True),
    ("s.mul_(s.t())", True),
    ("a.add_(a)", False),
    ("a.mul_(a.view(2, 3))", False),
    ("a[0].add_(a[1])", False),
    ("a.addcmul_(a, a)", False),
    ("a.masked_fill_(a > 2, a[0, 0])", False),
    ("a[:, :2].mul_(a[:, 1:])", False),
]


@pytest.mark.parametrize("code,refused", OVERLAP, ids=[c for c, _ in OVERLAP])
def test_inplace_with_overlapping_operand_like_torch(code, refused):
    outcome = {}
    for lib in (torch, minitorch):
        env = {"a": lib.arange(6.0).reshape(2, 3), "b": lib.arange(5.0), "s": lib.arange(4.0).reshape(2, 2)}
        if refused:
            with pytest.raises(RuntimeError, match="refer to a single memory location"):
                eval(code, env)
        else:
            eval(code, env)
        outcome[lib] = (env["a"].tolist(), env["b"].tolist(), env["s"].tolist())
    assert outcome[minitorch] == outcome[torch]


@LIBS
def test_inplace_returns_self(lib):
    x = lib.tensor([1.0, 2.0])
    for op in (
        lambda t: t.add_(1),
        lambda t: t.mul_(2),
        lambda t: t.zero_(),
        lambda t: t.fill_(1),
        lambda t: t.clamp_(0, 1),
        lambda t: t.copy_(lib.ones(2)),
    ):
        assert op(x) is x


@pytest.mark.parametrize("code", ["x += 1", "x -= 0.5", "x *= 4", "x /= 2", "x += y", "x *= y"])
def test_augmented_assignment_is_in_place(code):
    for lib in (torch, minitorch):
        x = lib.tensor([1.0, 2.0])
        y = lib.tensor([3.0, 4.0])
        env = {"x": x, "y": y}
        exec(code, env)
        assert env["x"] is x
    got = {"x": minitorch.tensor([1.0, 2.0]), "y": minitorch.tensor([3.0, 4.0])}
    want = {"x": torch.tensor([1.0, 2.0]), "y": torch.tensor([3.0, 4.0])}
    exec(code, got)
    exec(code, want)
    _same(got["x"], want["x"])


def test_inplace_bumps_version_shared_with_views():
    x = minitorch.ones(3)
    v = x[1:]
    v0 = x._version
    v.add_(1)
    assert x.tolist() == [1.0, 2.0, 2.0]
    assert x._version > v0 and v._version == x._version
    x.zero_()
    assert v.tolist() == [0.0, 0.0] and v._version == x._version


@pytest.mark.parametrize(
    "code,match",
    [
        ("x = lib.tensor([1, 2]); x.add_(1.5)", "result type Float can't be cast to the desired output type Long"),
        ("x = lib.tensor([1, 2]); x /= 2", "result type Float can't be cast to the desired output type Long"),
        (
            "x = lib.zeros(2, 2); x.copy_(lib.ones(3))",
            "The size of tensor a \\(2\\) must match the size of tensor b \\(3\\)",
        ),
    ],
)
def test_inplace_errors_like_torch(code, match):
    for lib in (torch, minitorch):
        with pytest.raises(RuntimeError, match=match):
            exec(code, {"lib": lib})


# Every in-place op whose operands broadcast beyond the written tensor, recorded or not.
_TOO_BIG = [
    "a.add_(b)",
    "a.sub_(b)",
    "a.mul_(b)",
    "a.div_(b)",
    "a.pow_(b)",
    "a.clamp_(b)",
    "a.clamp_(max=b)",
    "a.masked_fill_(b > 0, 1.)",
    "a += b",
    "a -= b",
    "a *= b",
    "a /= b",
    "a **= b",
    "a.addcmul_(b, a)",
    "a.addcdiv_(a, b)",
    "a.lerp_(b, 0.5)",
    "a.lerp_(a, b)",
    "a.copy_(b)",
]


@pytest.mark.parametrize("op", _TOO_BIG)
@pytest.mark.parametrize("shapes", [((3,), (2, 3)), ((1,), (3,)), ((), (3,)), ((3, 1), (1, 3))])
@pytest.mark.parametrize("recorded", [False, True])
def test_inplace_with_operands_that_broadcast_beyond_self_raises_as_torch(op, shapes, recorded):
    messages = []
    for lib in (torch, minitorch):
        a = lib.ones(shapes[0], requires_grad=recorded).clone()
        b = lib.ones(shapes[1]) * 2
        with pytest.raises(RuntimeError) as info:
            exec(op, {"a": a, "b": b})
        messages.append(str(info.value))
    assert messages[1] == messages[0]


@pytest.mark.parametrize(
    "code",
    [
        "lib.ones(3).add_(None)",
        "lib.ones(3).add_([1, 2, 3])",
        "lib.ones(3).mul_('a')",
        "lib.ones(3).pow_([2])",
        "lib.ones(3).uniform_(2, 1)",
        "lib.ones(3).normal_(0, -1)",
        "lib.ones(3).random_(5, 2)",
        "lib.ones(3).bernoulli_(1.5)",
    ],
)
def test_inplace_bad_arguments_raise_as_torch(code):
    errors = []
    for lib in (torch, minitorch):
        with pytest.raises((TypeError, RuntimeError)) as info:
            eval(code, {"lib": lib})
        errors.append((type(info.value), str(info.value).split("(")[0]))  # torch lists overloads at length
    assert errors[1] == errors[0]


OUT_CASES = [
    "lib.add(x, y, out=r)",
    "lib.sub(x, y, out=r)",
    "lib.mul(x, 3, out=r)",
    "lib.div(x, y, out=r)",
    "lib.matmul(m, m, out=r)",
    "lib.pow(x, 2, out=r)",
    "lib.clamp(x, 0, 1.5, out=r)",
]


@pytest.mark.parametrize("code", OUT_CASES)
def test_out_argument(code):
    results = {}
    for lib in (torch, minitorch):
        env = {
            "lib": lib,
            "x": lib.tensor([[1.0, 2.0], [3.0, 4.0]]),
            "y": lib.tensor([[0.5, 4.0], [-1.0, 2.0]]),
            "m": lib.tensor([[1.0, 2.0], [3.0, 4.0]]),
            "r": lib.empty(2, 2),
        }
        res = eval(code, env)
        assert res is env["r"]
        results[lib] = env["r"]
    _same(results[minitorch], results[torch])


def test_out_argument_refuses_grad_and_bad_cast():
    for lib in (torch, minitorch):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.add(x, x, out=lib.empty(2))
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
            lib.add(lib.ones(2), lib.ones(2), out=lib.zeros(2, dtype=lib.int64))


@LIBS
def test_indexed_assignment(lib):
    t = lib.ones(4, 4)
    t[:, 1] = 0
    t[0] = lib.tensor([5.0, 6.0, 7.0, 8.0])
    t[3, 3] = 9
    t[t > 6] = -1
    assert t.tolist() == [[5.0, 6.0, -1.0, -1.0], [1.0, 0.0, 1.0, 1.0], [1.0, 0.0, 1.0, 1.0], [1.0, 0.0, 1.0, -1.0]]


@pytest.mark.parametrize(
    "expr",
    [
        "lib.randn(())",
        "lib.ones(3).sum()",
        "lib.tensor(2.0) * 3",
        "lib.ones(2, 2).mean()",
        "lib.tensor([1.0, 2.0]).max()",
        "lib.tensor(5).sum()",
    ],
)
def test_zero_dim_results_support_inplace_ops(expr):
    for lib in (torch, minitorch):
        s = eval(expr, {"lib": lib})
        before = s.item()
        s += 1
        s.mul_(2)
        assert s.item() == pytest.approx((before + 1) * 2)


@LIBS
def test_element_view_writes_through(lib):
    t = lib.ones(3)
    v = t[0]
    v.add_(1)
    assert t.tolist() == [2.0, 1.0, 1.0] and v.item() == 2.0
    m = lib.ones(2, 2)
    m[1][0] = 5
    m[0, 1].mul_(3)
    assert m.tolist() == [[1.0, 3.0], [5.0, 1.0]]
    t.fill_(7)
    assert v.item() == 7.0


def test_version_is_an_int_counted_as_torch_counts() -> None:
    """``t._version`` is torch's int: bumped by each in-place write, shared with views, kept by detach."""
    seen = []
    for lib in (minitorch, torch):
        x = lib.ones(3)
        v, d = x[1:], x.detach()
        counts = [x._version]
        v.add_(1)
        x.mul_(2)
        d.zero_()
        counts += [x._version, v._version, d._version, lib.ones(2)._version]
        seen.append(counts)
        assert all(type(c) is int for c in counts)
    assert seen[0] == seen[1]


@pytest.mark.parametrize(
    "code",
    [
        "lib.ones(2, 3).flip(0, 0)",
        "lib.ones(2, 3).flip()",
        "lib.ones(2).type('torch.BadTensor')",
        "lib.arange(0, float('inf'))",
        "lib.arange(float('-inf'), 0)",
        "lib.arange(0, float('nan'))",
        "lib.arange(0, 5, float('nan'))",
        "lib.eye(-1)",
        "lib.eye(2, -1)",
        "lib.randperm(-1)",
        "lib.ones(2, requires_grad=True).sum().backward(inputs=[])",
        "lib.autograd.grad(lib.ones(2, requires_grad=True).sum(), [])",
        "lib.clamp(lib.ones(2), min=lib.ones(2), max=1)",
        "lib.Generator().manual_seed(1.5)",
        "lib.manual_seed(2**64)",
        # numbers out of the range of the dtype they go into
        "lib.randint(0, 300, (3,), dtype=lib.uint8)",
        "lib.randint(-1, 5, (3,), dtype=lib.uint8)",
        "lib.randint(0, 200, (3,), dtype=lib.int8)",
        "lib.randint(0, 2**63, (3,))",
        "lib.randint(0, 3, (3,), dtype=lib.bool)",
        "lib.ones(3, dtype=lib.int16).random_(0, 2**40)",
        "lib.ones(3, dtype=lib.int8).random_(300)",
        "lib.ones(3).uniform_(0, 1e39)",
        "lib.ones(3, dtype=lib.float16).uniform_(-1e10, 0)",
        "lib.ones(3, dtype=lib.float64).uniform_(0, float('inf'))",
        "lib.ones(3).uniform_(-3e38, 3e38)",
        "lib.ones(3, dtype=lib.int8).uniform_()",
        "lib.ones(3, dtype=lib.bool).normal_()",
        "lib.linspace(-1, 300, 3, dtype=lib.uint8)",
        "lib.linspace(0, 1e300, 3)",
        "lib.linspace(0, 2**70, 3)",
        "lib.arange(0, 2**63, 2**62)",
        "lib.arange(0, 3, 0.5, dtype=lib.int64)",
        "lib.ones(3, dtype=lib.int8).masked_fill(lib.ones(3, dtype=lib.bool), lib.tensor(200))",
        "lib.ones(3, dtype=lib.int8) % lib.zeros(3, dtype=lib.int8)",
        "lib.ones(3, dtype=lib.int64).remainder(0)",
        "2 % lib.zeros(3, dtype=lib.int64)",
    ],
)
def test_bad_arguments_raise_as_torch(code):
    errors = []
    for lib in (torch, minitorch):
        with pytest.raises(Exception) as info:
            eval(code, {"lib": lib})
        errors.append((type(info.value), str(info.value).split("\n")[0][:60]))
    assert errors[1] == errors[0]


def test_flip_takes_dims_as_arguments_and_seeds_wrap_as_in_torch():
    states = torch.get_rng_state(), minitorch.get_rng_state()
    try:
        for lib in (torch, minitorch):
            assert lib.arange(6).reshape(2, 3).flip(0, 1).tolist() == [[5, 4, 3], [2, 1, 0]]
            assert lib.manual_seed(-1).initial_seed() == 2**64 - 1
            assert lib.manual_seed(1.7).initial_seed() == 1
    finally:
        torch.set_rng_state(states[0])
        minitorch.set_rng_state(states[1])


@pytest.mark.parametrize(
    "code",
    [
        "lib.arange(0.5, 3.7, 1, dtype=lib.int64)",
        "lib.arange(0, 300, 100, dtype=lib.int8)",
        "lib.ones(3, dtype=lib.int8).masked_fill(lib.ones(3, dtype=lib.bool), lib.tensor(2.7))",
        "lib.ones(3, dtype=lib.uint8).masked_fill(lib.ones(3, dtype=lib.bool), lib.tensor(-1))",
        "lib.linspace(0, 1e300, 3, dtype=lib.float64)",
    ],
)
def test_numbers_at_the_edge_of_a_dtype_convert_as_torch(code):
    got, want = (eval(code, {"lib": lib}) for lib in (minitorch, torch))
    assert str(got.dtype) == str(want.dtype) and got.tolist() == want.tolist()


@pytest.mark.parametrize("shape", [(0,), (0, 0), (0, 3), (3, 0), (2, 0, 4), ()])
def test_empty_tensors_report_torch_s_contiguous_strides(shape: tuple) -> None:
    assert minitorch.empty(shape).stride() == torch.empty(shape).stride()


def test_broadcast_tensors_of_one_tensor_or_none_like_torch() -> None:
    (one,) = minitorch.broadcast_tensors(minitorch.ones(2, 1))
    assert tuple(one.shape) == (2, 1) and minitorch.broadcast_tensors() == ()
