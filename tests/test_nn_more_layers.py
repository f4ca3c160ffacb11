"""More of torch.nn against torch: padding layers, PixelShuffle/PixelUnshuffle, GLU, Softmax2d, RMSNorm,
InstanceNorm1d/2d/3d (and their functions), ParameterList and ParameterDict, and torch.finfo/iinfo.

Layers are compared as in ``test_nn_layers.py`` (torch's weights loaded, outputs, input and parameter gradients
in float64 and float32); the functions through hypothesis-drawn shapes with gradcheck; containers by what they
register, save, print and raise.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import minitorch
from tests import parity
from tests import strategies as S
from tests.test_nn_layers import DTYPES, check_layer

rng = np.random.default_rng(0)


def _x(*shape: int) -> np.ndarray:
    return rng.uniform(-1, 1, shape)


PADDING = [
    ("ZeroPad1d", lambda lib: lib.nn.ZeroPad1d((1, 2)), _x(2, 3, 4)),
    ("ZeroPad2d", lambda lib: lib.nn.ZeroPad2d(1), _x(2, 3, 4, 5)),
    ("ZeroPad3d", lambda lib: lib.nn.ZeroPad3d((1, 0, 2, 1, 0, 1)), _x(1, 2, 3, 4, 3)),
    ("ConstantPad1d", lambda lib: lib.nn.ConstantPad1d(2, 0.5), _x(3, 4)),
    ("ConstantPad2d", lambda lib: lib.nn.ConstantPad2d((1, 2, 0, 1), -1.5), _x(2, 3, 4, 5)),
    ("ConstantPad3d", lambda lib: lib.nn.ConstantPad3d(1, 2.0), _x(1, 2, 3, 3, 3)),
    ("ReflectionPad1d", lambda lib: lib.nn.ReflectionPad1d((2, 1)), _x(2, 3, 4)),
    ("ReflectionPad2d", lambda lib: lib.nn.ReflectionPad2d(2), _x(2, 3, 4, 5)),
    ("ReflectionPad3d", lambda lib: lib.nn.ReflectionPad3d((1, 1, 2, 0, 1, 2)), _x(1, 2, 3, 4, 3)),
    ("ReplicationPad1d", lambda lib: lib.nn.ReplicationPad1d(3), _x(2, 3, 4)),
    ("ReplicationPad2d", lambda lib: lib.nn.ReplicationPad2d((0, 2, 3, 1)), _x(2, 3, 4, 5)),
    ("ReplicationPad3d", lambda lib: lib.nn.ReplicationPad3d(1), _x(1, 2, 3, 4, 3)),
    ("CircularPad1d", lambda lib: lib.nn.CircularPad1d((1, 3)), _x(2, 3, 4)),
    ("CircularPad2d", lambda lib: lib.nn.CircularPad2d(1), _x(2, 3, 4, 5)),
    ("CircularPad3d", lambda lib: lib.nn.CircularPad3d((1, 0, 1, 2, 0, 1)), _x(1, 2, 3, 4, 3)),
    ("PixelShuffle", lambda lib: lib.nn.PixelShuffle(2), _x(2, 8, 3, 2)),
    ("PixelShuffle_unbatched", lambda lib: lib.nn.PixelShuffle(3), _x(9, 2, 2)),
    ("PixelUnshuffle", lambda lib: lib.nn.PixelUnshuffle(2), _x(2, 3, 4, 6)),
    ("GLU", lambda lib: lib.nn.GLU(), _x(3, 4, 6)),
    ("GLU_dim", lambda lib: lib.nn.GLU(dim=1), _x(3, 4, 5)),
    ("Softmax2d", lambda lib: lib.nn.Softmax2d(), _x(2, 3, 4, 4)),
    ("RMSNorm", lambda lib: lib.nn.RMSNorm(5), _x(3, 4, 5)),
    ("RMSNorm_shape_eps", lambda lib: lib.nn.RMSNorm([4, 5], eps=1e-3), _x(3, 4, 5)),
    ("RMSNorm_no_affine", lambda lib: lib.nn.RMSNorm(5, elementwise_affine=False), _x(2, 5)),
    ("InstanceNorm1d", lambda lib: lib.nn.InstanceNorm1d(3), _x(2, 3, 6)),
    ("InstanceNorm1d_unbatched", lambda lib: lib.nn.InstanceNorm1d(3, affine=True), _x(3, 6)),
    ("InstanceNorm2d_affine", lambda lib: lib.nn.InstanceNorm2d(3, affine=True), _x(2, 3, 4, 5)),
    ("InstanceNorm2d_no_bias", lambda lib: lib.nn.InstanceNorm2d(3, affine=True, bias=False), _x(2, 3, 4, 5)),
    ("InstanceNorm3d", lambda lib: lib.nn.InstanceNorm3d(2, affine=True), _x(2, 2, 3, 3, 4)),
    ("LocalResponseNorm", lambda lib: lib.nn.LocalResponseNorm(3, alpha=0.1, beta=0.8, k=2.0), _x(2, 5, 4, 3)),
    ("LocalResponseNorm_3d", lambda lib: lib.nn.LocalResponseNorm(2), _x(2, 4, 6) * 30),
    ("LocalResponseNorm_5d", lambda lib: lib.nn.LocalResponseNorm(4, alpha=0.5), _x(1, 5, 2, 3, 2)),
]


@DTYPES
@pytest.mark.parametrize("name,make,x", PADDING, ids=[r[0] for r in PADDING])
def test_layers_match_torch(dtype: Any, name: str, make: Any, x: np.ndarray) -> None:
    check_layer(make, [x], dtype)
    assert repr(make(minitorch)) == repr(make(torch))


@DTYPES
@pytest.mark.parametrize("train", [True, False])
def test_instance_norm_running_statistics(dtype: Any, train: bool) -> None:
    """track_running_stats: training updates the running statistics with the batch's average of the instances'
    statistics; evaluation normalises by them."""
    x = _x(4, 3, 5, 5) * 3 + 1
    for lib in (torch, minitorch):
        layer = lib.nn.InstanceNorm2d(3, affine=True, track_running_stats=True, momentum=0.3)
        layer.double() if dtype == np.float64 else layer.float()
        layer.train(True)
        layer(lib.tensor(x.astype(dtype)))  # one update of the running statistics
        layer.train(train)
        out = layer(lib.tensor((x * 0.5).astype(dtype)))
        if lib is torch:
            want = (out, layer.running_mean, layer.running_var)
        else:
            got = (out, layer.running_mean, layer.running_var)
    rtol, atol = parity.TOL[np.dtype(dtype).type]
    for g, w, what in zip(got, want, ("output", "running_mean", "running_var")):
        parity.assert_close(g, w, rtol, atol, what)


@given(data=st.data())
def test_functions_match_torch(data: st.DataObject) -> None:
    """F.pixel_shuffle/pixel_unshuffle, F.glu, F.rms_norm and F.instance_norm on drawn shapes, with gradcheck."""
    r = data.draw(st.integers(1, 3), label="r")
    lead = tuple(data.draw(st.lists(st.integers(1, 2), max_size=2), label="lead"))
    c, h, w = (data.draw(st.integers(1, 3), label=n) for n in "chw")
    x = np.asarray(data.draw(S.arrays(lead + (c * r * r, h, w)), label="x"))
    parity.check_both(lambda lib, x: lib.nn.functional.pixel_shuffle(x, r), x)
    parity.check_both(lambda lib, x: lib.pixel_unshuffle(lib.pixel_shuffle(x, r) * 2, r), x)
    parity.check_both(lambda lib, x: lib.nn.functional.glu(lib.cat([x, x * 0.5], -1), -1), x)
    parity.check_both(lambda lib, x: lib.rms_norm(x, x.shape[-2:], eps=0.1), x)
    y = S.away_from(np.asarray(data.draw(S.arrays((2, 3, 4)), label="y")), (0.0,), 0.05)
    parity.check_both(lambda lib, y: lib.nn.functional.rms_norm(y, (4,), weight=y[0, 0]), y)
    parity.check_both(lambda lib, y: lib.nn.functional.instance_norm(y, weight=y[0, :, 0], bias=y[1, :, 1]), y)


def test_functions_errors_as_torch() -> None:
    parity.raises_like(lambda lib: lib.pixel_shuffle(lib.ones(1, 3, 2, 2), 2), "divisible by the square of upscale")
    parity.raises_like(lambda lib: lib.pixel_unshuffle(lib.ones(1, 1, 3, 2), 2), "expects height to be divisible")
    parity.raises_like(lambda lib: lib.nn.functional.glu(lib.ones(3)), "Halving dimension must be even")
    parity.raises_like(lambda lib: lib.rms_norm(lib.ones(2, 3), (4,)), "Given normalized_shape=[4]")
    parity.raises_like(lambda lib: lib.nn.functional.instance_norm(lib.ones(2, 3, 1)), "more than 1 spatial element")
    parity.raises_like(lambda lib: lib.nn.Softmax2d()(lib.ones(2, 3)), "Softmax2d: expected input to be 3D or 4D")
    parity.raises_like(lambda lib: lib.nn.InstanceNorm2d(3)(lib.ones(2, 3)), "expected 3D or 4D input (got 2D input)")
    parity.raises_like(lambda lib: lib.nn.InstanceNorm2d(4, affine=True)(lib.ones(2, 3, 2, 2)), "to match num_features")


def test_parameter_list() -> None:
    """ParameterList registers tensors as Parameters under their index, keeps other objects, slices, prints and
    saves as torch's."""
    for lib in (torch, minitorch):
        params = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.zeros(3, dtype=lib.float64)])
        params.append(lib.ones(1))
        params += [lib.ones(2)]
        assert len(params) == 4 and isinstance(params[1], lib.nn.Parameter) and params[1].requires_grad
        assert isinstance(params[1:3], lib.nn.ParameterList) and len(params[1:3]) == 2
        assert params[-1] is params[3]
        params[0] = lib.full((2,), 3.0)
        assert isinstance(params[0], lib.nn.Parameter)

        class Model(lib.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.ps = params

        model = Model()
        names = [n for n, _ in model.named_parameters()]
        keys = list(model.state_dict())
        if lib is torch:
            want = (names, keys, repr(model), repr(params))
        else:
            got = (names, keys, repr(model), repr(params))
        with pytest.raises(IndexError):
            params[4]
    assert got == want
    mixed = minitorch.nn.ParameterList([1, "a"])
    assert mixed[0] == 1 and "Object of type: str" in repr(mixed)
    assert list(mixed.parameters()) == []


def test_parameter_dict() -> None:
    """ParameterDict: string keys, tensors made Parameters, a plain dict taken in sorted key order, the dict
    methods, saving and printing as torch's."""
    for lib in (torch, minitorch):
        params = lib.nn.ParameterDict({"b": lib.ones(1, 2), "a": lib.nn.Parameter(lib.ones(2))})
        params["c"] = lib.zeros(3)
        params.update(OrderedDict([("z", lib.ones(1)), ("d", lib.ones(1))]))
        assert isinstance(params["b"], lib.nn.Parameter) and "c" in params and len(params) == 5
        popped = params.pop("z")
        assert isinstance(popped, lib.nn.Parameter) and "z" not in params
        assert params.get("missing") is None and params.setdefault("e", lib.ones(2)) is params["e"]
        merged = params | lib.nn.ParameterDict({"f": lib.ones(1)})
        snapshot = (
            list(params.keys()),
            [tuple(v.shape) for v in params.values()],
            list(params.state_dict()),
            repr(params),
            list(merged.keys()),
            list(reversed(params)),
            params.popitem()[0],
        )
        if lib is torch:
            want = snapshot
        else:
            got = snapshot
        with pytest.raises(TypeError):
            params[1] = lib.ones(1)
        with pytest.raises(AttributeError):  # (torch's words for a missing key)
            params.pop("nope")
    assert got == want
    with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
        minitorch.nn.ParameterDict()()


def test_finfo_and_iinfo() -> None:
    for name in ("float16", "float32", "float64"):
        want, got = torch.finfo(getattr(torch, name)), minitorch.finfo(getattr(minitorch, name))
        for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
            assert getattr(got, attr) == getattr(want, attr), (name, attr)
        assert repr(got) == repr(want)
    for name in ("uint8", "int8", "int16", "int32", "int64"):
        want, got = torch.iinfo(getattr(torch, name)), minitorch.iinfo(getattr(minitorch, name))
        assert (got.bits, got.max, got.min, got.dtype) == (want.bits, want.max, want.min, want.dtype)
        assert repr(got) == repr(want)
    assert minitorch.finfo().dtype == torch.finfo().dtype
    parity.raises_like(lambda lib: lib.finfo(lib.int32), exact=True)
    parity.raises_like(lambda lib: lib.iinfo(lib.float32), exact=True)
    parity.raises_like(lambda lib: lib.iinfo(lib.bool), exact=True)


@st.composite
def block_case(draw: Any) -> tuple:
    """An image and unfold's arguments that give at least one block."""
    h, w = draw(st.integers(1, 5), label="h"), draw(st.integers(1, 5), label="w")
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    assume(all(n + 2 * p - d * (k - 1) - 1 >= 0 for n, k, d, p in zip((h, w), kernel, dilation, padding)))
    image = np.random.default_rng(draw(st.integers(0, 999))).uniform(-1, 1, (2, 2, h, w))
    return image, (kernel, dilation, padding, stride)


@given(case=block_case())
def test_unfold_and_fold_match_torch(case: tuple) -> None:
    image, args = case
    parity.check_both(lambda lib, x: lib.nn.functional.unfold(x, *args), image)
    size = image.shape[2:]
    parity.check_both(lambda lib, x: lib.nn.functional.fold(lib.nn.functional.unfold(x, *args) * 2, size, *args), image)
    parity.check_both(lambda lib, x: lib.nn.Unfold(*args)(x[0]), image)  # unbatched


@DTYPES
def test_fold_unfold_and_bilinear_modules(dtype: Any) -> None:
    check_layer(lambda lib: lib.nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), [_x(2, 3, 4, 5)], dtype)
    check_layer(lambda lib: lib.nn.Fold((4, 5), 2, padding=1), [_x(2, 8, 30)], dtype)
    check_layer(lambda lib: lib.nn.Bilinear(3, 4, 5), [_x(2, 3), _x(2, 4)], dtype, grad_args=(0, 1))
    check_layer(lambda lib: lib.nn.Bilinear(2, 3, 4, bias=False), [_x(3, 2, 2), _x(3, 2, 3)], dtype, grad_args=(0, 1))
    for make in (
        lambda lib: lib.nn.Fold((4, 5), 2),
        lambda lib: lib.nn.Unfold(3, 2, 1, 2),
        lambda lib: lib.nn.Bilinear(3, 4, 5),
    ):
        assert repr(make(minitorch)) == repr(make(torch))


def test_fold_unfold_and_bilinear_errors_as_torch() -> None:
    parity.raises_like(lambda lib: lib.nn.functional.fold(lib.ones(1, 5, 4), (3, 3), 2), "divisible by the product")
    parity.raises_like(lambda lib: lib.nn.functional.fold(lib.ones(1, 4, 3), (3, 3), 2), "calculated number of sliding")
    parity.raises_like(
        lambda lib: lib.bilinear(lib.ones(2, 3), lib.ones(2, 4), lib.ones(5, 3, 3)), "input2 size does not match"
    )
    parity.raises_like(
        lambda lib: lib.nn.functional.bilinear(lib.ones(2, 3), lib.ones(3, 4), lib.ones(5, 3, 4)),
        "input batch dimensions do not match at dim 0",
    )


@given(data=st.data())
def test_max_unpool_matches_torch(data: st.DataObject) -> None:
    """max_unpool1d/2d of max pooling's own indices (windows that do not overlap, so that each value has one
    place), back to the pooled input's size, gradients through both."""
    k, p = data.draw(st.sampled_from([(2, 0), (3, 1), (3, 0), (2, 1)]), label="kernel (= stride), padding")
    h, w = data.draw(st.integers(k, 6), label="h"), data.draw(st.integers(k, 6), label="w")
    x = distinct_values((2, 2, h, w), data.draw(st.integers(0, 99), label="seed"))
    pooled = [(n + 2 * p - k) // k + 1 for n in (h, w)]
    defaults = [(n - 1) * k - 2 * p + k for n in pooled]
    assume(all(d - k < n < d + k for d, n in zip(defaults, (h, w))))  # the input's size is one unpooling can give

    def unpool2d(lib: Any, x: Any) -> Any:
        out, idx = lib.nn.functional.max_pool2d(x, k, k, p, return_indices=True)
        return lib.nn.functional.max_unpool2d(out * 2, idx, k, k, p, output_size=x.shape[-2:])

    def unpool1d(lib: Any, x: Any) -> Any:
        out, idx = lib.nn.functional.max_pool1d(x[0], k, k, p, return_indices=True)
        return lib.nn.MaxUnpool1d(k, k, p)(out, idx, output_size=x.shape[-1:])

    parity.check_both(unpool2d, x)
    parity.check_both(unpool1d, x)


def distinct_values(shape: tuple, seed: int) -> np.ndarray:
    """Values without ties (max pooling's argmax is then the same in both libraries)."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) / n - 0.5).reshape(shape)


def test_max_unpool_and_local_response_norm_errors_as_torch() -> None:
    def pooled(lib: Any) -> tuple:
        return lib.nn.functional.max_pool2d(lib.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)

    parity.raises_like(lambda lib: lib.nn.functional.max_unpool2d(*pooled(lib), 2, output_size=(7, 7)), exact=True)
    parity.raises_like(
        lambda lib: lib.nn.functional.max_unpool2d(pooled(lib)[0], pooled(lib)[1].float(), 2), exact=True
    )
    parity.raises_like(
        lambda lib: lib.nn.functional.max_unpool2d(pooled(lib)[0], pooled(lib)[1][..., :1], 2), exact=True
    )
    parity.raises_like(lambda lib: lib.nn.functional.local_response_norm(lib.ones(2, 3), 2), "(got 2 dimensions)")
    assert repr(minitorch.nn.MaxUnpool2d(2)) == repr(torch.nn.MaxUnpool2d(2))
    assert repr(minitorch.nn.MaxUnpool1d(3, 2, 1)) == repr(torch.nn.MaxUnpool1d(3, 2, 1))
