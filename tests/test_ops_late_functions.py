"""gradient and frombuffer against torch: values, gradients, memory sharing and errors."""

from __future__ import annotations

import array
import warnings

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import check_both, raises_like

RNG = np.random.default_rng(0)
X = RNG.uniform(-1, 1, (4, 5))
COORDS0 = np.array([0.0, 0.3, 0.7, 1.6])
COORDS1 = np.array([-1.0, -0.5, 0.25, 0.5, 2.0])


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize(
    "kw",
    [{}, {"spacing": 0.5}, {"spacing": [2.0, 0.25]}, {"dim": 1}, {"dim": -2, "spacing": 3.0}, {"dim": [1, 0]}],
)
def test_gradient_uniform_spacing(edge_order: int, kw: dict) -> None:
    check_both(lambda lib, x: lib.gradient(x, edge_order=edge_order, **kw), X)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_coordinates(edge_order: int) -> None:
    # coordinates as plain (non-grad) tensors: the derivative of the samples only
    def fn(lib, x):  # type: ignore[no-untyped-def]
        c0, c1 = lib.tensor(COORDS0, dtype=x.dtype), lib.tensor(COORDS1, dtype=x.dtype)
        return lib.gradient(x, spacing=[c0, c1], edge_order=edge_order)

    check_both(fn, X)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_coordinates_differentiable(edge_order: int) -> None:
    # the coordinates require grad too: the stencil weights are differentiable
    check_both(lambda lib, x, c: lib.gradient(x, spacing=(c,), dim=1, edge_order=edge_order), X, COORDS1)


def test_gradient_integer_input_and_0d() -> None:
    for kw in ({}, {"spacing": 2}, {"edge_order": 2}):
        want = torch.gradient(torch.arange(6) ** 2, **kw)[0]
        got = minitorch.gradient(minitorch.arange(6) ** 2, **kw)[0]
        assert got.dtype.name == str(want.dtype).removeprefix("torch.")
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    assert minitorch.gradient(minitorch.tensor(1.0)) == ()
    # a 0-d tensor as spacing is a number
    want = torch.gradient(torch.tensor(X), spacing=torch.tensor(2.0))
    got = minitorch.gradient(minitorch.tensor(X), spacing=minitorch.tensor(2.0))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12)


def test_gradient_checks_only_the_given_dims() -> None:
    got = minitorch.gradient(minitorch.ones(1, 5), dim=1)
    assert len(got) == 1 and tuple(got[0].shape) == (1, 5)


@pytest.mark.parametrize(
    ("call", "gist"),
    [
        (lambda lib: lib.gradient(lib.ones(3, 4), edge_order=3), "only supports edge_order=1 and edge_order=2"),
        (lambda lib: lib.gradient(lib.ones(2), edge_order=2), "at least edge_order+1"),
        (lambda lib: lib.gradient(lib.ones(1)), "at least edge_order+1"),
        (lambda lib: lib.gradient(lib.zeros(0)), "at least edge_order+1"),
        (lambda lib: lib.gradient(lib.ones(3, 4), spacing=[1.0, 2.0, 3.0]), "but got a list of length 3"),
        (lambda lib: lib.gradient(lib.ones(3, 4), spacing=[1.0]), "'self.dim() = 2'"),
        (
            lambda lib: lib.gradient(lib.ones(3, 4), spacing=[1.0], dim=[0, 1]),
            "spacing argument of length 1 and a dim argument of length 2",
        ),
        (lambda lib: lib.gradient(lib.ones(3, 4), dim=[0, 0]), "dim 0 appears multiple times"),
        (lambda lib: lib.gradient(lib.ones(3, 4), dim=2), "Dimension out of range"),
        (
            lambda lib: lib.gradient(lib.ones(3, 4), spacing=[lib.tensor(2.0), lib.tensor(3.0)]),
            "an element with 0 dimensions",
        ),
        (
            lambda lib: lib.gradient(lib.ones(3, 4), spacing=[lib.ones(2, 2), lib.arange(4.0)]),
            "an element with 2 dimensions",
        ),
        (lambda lib: lib.gradient(lib.ones(3, 4), spacing=[lib.arange(3.0), 2.0]), "element 1"),
    ],
)
def test_gradient_errors(call, gist) -> None:  # type: ignore[no-untyped-def]
    raises_like(call, gist)


def test_frombuffer_shares_memory() -> None:
    buf = bytearray(np.arange(6, dtype=np.float32).tobytes())
    for kw in ({}, {"count": 3}, {"offset": 8}, {"offset": 4, "count": 2}, {"count": -2}):
        want, got = (
            torch.frombuffer(buf, dtype=torch.float32, **kw),
            minitorch.frombuffer(buf, dtype=minitorch.float32, **kw),
        )
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    got = minitorch.frombuffer(buf, dtype=minitorch.float32, offset=4)
    got[0] = 42.0
    assert np.frombuffer(buf, dtype=np.float32)[1] == 42.0
    buf[0:4] = np.float32(7.0).tobytes()
    assert minitorch.frombuffer(buf, dtype=minitorch.float32)[0].item() == 7.0


def test_frombuffer_dtypes_and_requires_grad() -> None:
    buf = array.array("i", [1, -2, 3, 4])
    for name in ("int32", "int16", "uint8", "bool", "int64"):
        want = torch.frombuffer(buf, dtype=getattr(torch, name))
        got = minitorch.frombuffer(buf, dtype=getattr(minitorch, name))
        assert got.dtype.name == name
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    t = minitorch.frombuffer(bytearray(8), dtype=minitorch.float64, requires_grad=True)
    assert t.requires_grad and t.is_leaf and tuple(t.shape) == (1,)


def test_frombuffer_warns_on_read_only_buffers() -> None:
    for lib in (torch, minitorch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t = lib.frombuffer(bytes(8), dtype=lib.float32)
        assert tuple(t.shape) == (2,)
        assert any("The given buffer is not writable" in str(w.message) for w in caught), lib
        assert all(w.category is UserWarning for w in caught)


@pytest.mark.parametrize(
    ("call", "gist"),
    [
        (lambda lib: lib.frombuffer(bytearray(16), dtype=lib.float32, count=5), "requested buffer length (5 * 4"),
        (lambda lib: lib.frombuffer(bytearray(16), dtype=lib.float32, count=0), "count (0) must not be 0"),
        (lambda lib: lib.frombuffer(bytearray(), dtype=lib.float32), "both buffer length (0) and count (-1)"),
        (lambda lib: lib.frombuffer(bytearray(16), dtype=lib.float32, offset=16), "offset (16 bytes) must be"),
        (lambda lib: lib.frombuffer(bytearray(16), dtype=lib.float32, offset=-1), "offset (-1 bytes) must be"),
        (lambda lib: lib.frombuffer(bytearray(16), dtype=lib.float32, offset=2), "must be a multiple of element"),
        (lambda lib: lib.frombuffer(bytearray(15), dtype=lib.float32), "buffer length (15 bytes) after offset"),
        (lambda lib: lib.frombuffer([1, 2], dtype=lib.float32), "does not implement Python buffer protocol"),
        (lambda lib: lib.frombuffer(bytearray(8), dtype=lib.int32, requires_grad=True), "floating point"),
        (lambda lib: lib.frombuffer(bytearray(8)), "dtype"),
    ],
)
def test_frombuffer_errors(call, gist) -> None:  # type: ignore[no-untyped-def]
    raises_like(call, gist)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "kw",
    [
        {"bins": 3},
        {"bins": [3, 4]},
        {"bins": [2, 5], "range": [0.0, 1.0, -0.5, 2.0]},
        {"bins": 4, "density": True},
        {"bins": [3, 2], "weight": True},
        {"bins": [3, 2], "weight": True, "density": True},
        {"bins": "tensors"},
    ],
)
def test_histogramdd(dtype: str, kw: dict) -> None:
    pts = RNG.uniform(-1, 1.5, (5, 7, 2)).astype(dtype)
    wts = RNG.uniform(0, 1, (5, 7)).astype(dtype)
    results = []
    for lib in (torch, minitorch):
        args = dict(kw)
        if args.get("weight"):
            args["weight"] = lib.tensor(wts)
        if args["bins"] == "tensors":
            args["bins"] = [lib.tensor(np.array(e, dtype=dtype)) for e in ([-1.0, 0.0, 0.2, 1.0], [-0.5, 0.5, 1.5])]
        results.append(lib.histogramdd(lib.tensor(pts), **args))
    want, got = results
    assert type(got).__name__ == "histogramdd" and got._fields == ("hist", "bin_edges")
    assert got.hist.dtype.name == dtype
    rtol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(got.hist.numpy(), want.hist.numpy(), rtol=rtol)
    assert len(got.bin_edges) == len(want.bin_edges)
    for g, w in zip(got.bin_edges, want.bin_edges, strict=True):
        np.testing.assert_array_equal(g.numpy(), w.numpy())


def test_histogramdd_errors() -> None:
    raises_like(lambda lib: lib.histogramdd(lib.rand(10, 2), bins=[3]), "size of bins must be equal to the innermost")
