"""minitorch.testing.assert_close and make_tensor against torch.testing's: the same outcome on twin inputs (a pass,
or the same error type with the same message, numbers and indices included), and make_tensor's ranges and flags."""

from __future__ import annotations

import sys
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import raises_like

NAN, INF = float("nan"), float("inf")


def outcome(make: Callable[[Any], Any], lib: Any, **kw: Any) -> Any:
    """'pass', or (error type, message) of ``lib.testing.assert_close(*make(lib), **kw)``, with minitorch's class
    names spelled as torch's (the messages name the inputs' types)."""
    actual, expected = make(lib)
    try:
        lib.testing.assert_close(actual, expected, **kw)
    except Exception as err:  # noqa: BLE001 - the error itself is what is compared
        text = str(err).replace("minitorch.nn.parameter.Parameter", "torch.nn.parameter.Parameter")
        return type(err), text.replace("minitorch.tensor.Tensor", "torch.Tensor")
    return "pass"


def same_as_torch(make: Callable[[Any], Any], **kw: Any) -> Any:
    want, got = outcome(make, torch, **kw), outcome(make, minitorch, **kw)
    assert got == want
    return want


def pair(a: Any, e: Any, dtype: str | None = None) -> Callable[[Any], Any]:
    """Twin tensors of ``a`` and ``e`` in either library."""
    return lambda lib: (
        lib.tensor(a, dtype=getattr(lib, dtype) if dtype else None),
        lib.tensor(e, dtype=getattr(lib, dtype) if dtype else None),
    )


# (id, inputs, keyword arguments, what torch does: "pass" or the error type) - the last column keeps each case honest
CASES = [
    ("f32-equal", pair([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]), {}, "pass"),
    ("f32-within-default", pair([1.0, 2.0, 3.0], [1.0, 2.0, 3.000001]), {}, "pass"),
    ("f32-one-off", pair([1.0, 2.0, 3.0], [1.0, 2.0, 3.001]), {}, AssertionError),
    ("f32-two-off-2d", pair([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.5], [3.0, 7.0]]), {}, AssertionError),
    ("f32-ties-first", pair([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]), {}, AssertionError),
    ("f32-zero-expected", pair([0.0, 2.0, 3.0], [1.0, 0.0, 3.0]), {}, AssertionError),
    ("f64-default", pair([1.0, 2.0], [1.0, 2.0 + 1e-6], "float64"), {}, AssertionError),
    ("f64-within", pair([1.0, 2.0], [1.0, 2.0 + 1e-8], "float64"), {}, "pass"),
    ("f16-default", pair([1.0, 2.0, 300.0], [1.0, 2.001, 300.5], "float16"), {}, AssertionError),
    ("f16-within", pair([1.0, 2.0, 300.0], [1.0, 2.0, 300.25], "float16"), {}, "pass"),
    # float16 as torch's CPU kernels round it: rtol * expected in float32 (rtol not rounded to float16 first) ...
    (
        "f16-product",
        pair([-334.25, 10.4453125], [-333.25, 10.4140625], "float16"),
        dict(rtol=3e-3, atol=0.0),
        AssertionError,
    ),
    # ... then atol added in float16
    ("f16-sum", pair([1.931640625], [1.9287109375], "float16"), dict(rtol=1e-3, atol=1e-3), "pass"),
    ("user-tolerances", pair([1.0, 2.0], [1.0, 2.5]), dict(rtol=0.1, atol=0.3), "pass"),
    ("user-tolerances-fail", pair([1.0, 2.0], [1.0, 2.5]), dict(rtol=0.1, atol=0.1), AssertionError),
    ("zero-tolerances", pair([1e-9, 1.0], [0.0, 1.0]), dict(rtol=0, atol=0), AssertionError),
    ("int-unequal", pair([1, 2, 3], [1, 5, 5]), {}, AssertionError),
    ("int-with-tolerance", pair([1, 2, 3], [1, 2, 5]), dict(rtol=0.5, atol=0.0), "pass"),
    ("int8-no-wrap", pair([-77, 97, 1], [126, -120, 1], "int8"), dict(rtol=0.5, atol=1e-5), AssertionError),
    ("uint8-extremes", pair([[1, 2], [3, 4]], [[0, 2], [3, 255]], "uint8"), {}, AssertionError),
    ("int64-beyond-float32", pair([2**24 + 1], [2**24]), dict(rtol=0.0, atol=0.5), "pass"),
    ("bool-unequal", pair([True, False], [True, True]), {}, AssertionError),
    ("bool-tolerance", pair([True, False], [True, True]), dict(rtol=1.0, atol=1.0), "pass"),
    ("nan-default", pair([1.0, NAN, 3.0, 4.0], [1.0, NAN, 5.0, NAN]), {}, AssertionError),
    ("nan-equal", pair([1.0, NAN], [1.0, NAN]), dict(equal_nan=True), "pass"),
    ("nan-equal-one-side", pair([1.0, NAN], [NAN, 2.0]), dict(equal_nan=True), AssertionError),
    ("inf-equal", pair([INF, -INF, 1.0], [INF, -INF, 1.0]), {}, "pass"),
    ("inf-opposite", pair([INF, 1.0], [-INF, 1.0]), {}, AssertionError),
    ("inf-vs-finite", pair([INF, 1.0], [1e38, 1.0]), dict(rtol=1.0, atol=1.0), AssertionError),
    ("0d-float", pair(3.0, 5.0), {}, AssertionError),
    ("0d-int", pair(3, 5), {}, AssertionError),
    ("0d-bool", pair(True, False), {}, AssertionError),
    ("0d-nan", pair(NAN, NAN), {}, AssertionError),
    ("empty", lambda lib: (lib.zeros(0, 3), lib.zeros(0, 3)), {}, "pass"),
    ("shape", pair([3.0], [5.0, 1.0]), {}, AssertionError),
    ("shape-0d-1d", pair(3.0, [3.0]), {}, AssertionError),
    ("dtype", lambda lib: (lib.ones(2), lib.ones(2, dtype=lib.float64)), {}, AssertionError),
    ("dtype-int", lambda lib: (lib.ones(2, dtype=lib.int32), lib.ones(2, dtype=lib.int64)), {}, AssertionError),
    (
        "promoted-0d",
        lambda lib: (lib.tensor(3.0), lib.tensor(5.0, dtype=lib.float64)),
        dict(check_dtype=False),
        AssertionError,
    ),
    (
        "promoted-f16-int",
        lambda lib: (lib.ones(2, dtype=lib.float16), 2 * lib.ones(2, dtype=lib.int32)),
        dict(check_dtype=False),
        AssertionError,
    ),
    (
        "promoted-loosest",
        lambda lib: (lib.tensor([1.0]), lib.tensor([1.000004], dtype=lib.float64)),
        dict(check_dtype=False),
        "pass",
    ),
    ("stride", lambda lib: (lib.ones(2, 3).t(), lib.ones(3, 2)), dict(check_stride=True), AssertionError),
    ("stride-unchecked", lambda lib: (lib.ones(2, 3).t(), lib.ones(3, 2)), {}, "pass"),
    ("grad-and-detached", lambda lib: (lib.ones(2, requires_grad=True), lib.ones(2)), {}, "pass"),
    ("parameter", lambda lib: (lib.nn.Parameter(lib.ones(2)), lib.ones(2)), {}, "pass"),
    (
        "parameter-strict",
        lambda lib: (lib.nn.Parameter(lib.ones(2)), lib.ones(2)),
        dict(allow_subclasses=False),
        TypeError,
    ),
    ("tensor-vs-float", lambda lib: (lib.tensor([1.0]), 1.0), {}, TypeError),
    ("array-vs-tensor", lambda lib: (np.array([1.0, 2.0]), lib.tensor([1.0, 2.0])), {}, TypeError),
    ("arrays", lambda lib: (np.array([1.0, 2.0]), np.array([1.0, 2.5])), {}, AssertionError),
    ("arrays-close", lambda lib: (np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9])), {}, "pass"),
    ("arrays-0d", lambda lib: (np.array(1.0), np.array(1.5)), {}, AssertionError),
    ("arrays-dtype", lambda lib: (np.array([1, 2], dtype=np.int32), np.array([1, 2])), {}, AssertionError),
    ("strings", lambda lib: ("a", "a"), {}, TypeError),
    ("objects", lambda lib: (object(), object()), {}, TypeError),
    ("floats", lambda lib: (1.0, 1.0 + 1e-9), {}, "pass"),
    ("floats-far", lambda lib: (1.0, 1.1), {}, AssertionError),
    ("float-int", lambda lib: (1.0, 1), {}, AssertionError),
    ("float-int-unchecked", lambda lib: (1.0, 1), dict(check_dtype=False), "pass"),
    ("ints", lambda lib: (3, 4), {}, AssertionError),
    ("complex", lambda lib: (1 + 1j, 1 + 2j), {}, AssertionError),
    ("float-nan", lambda lib: (NAN, NAN), {}, AssertionError),
    ("float-nan-equal", lambda lib: (NAN, NAN), dict(equal_nan=True), "pass"),
    ("float-inf", lambda lib: (INF, INF), {}, "pass"),
    ("scalar-negative-rtol", lambda lib: (1.0, 2.0), dict(rtol=-1.0, atol=0.0), AssertionError),
    ("numpy-scalars", lambda lib: (np.float32(1.0), np.float32(1.01)), {}, AssertionError),
    ("numpy-scalar-int", lambda lib: (np.int64(3), 3), {}, "pass"),
    ("bools", lambda lib: (True, False), {}, AssertionError),
    ("numpy-bool", lambda lib: (np.bool_(True), True), {}, "pass"),
    ("bool-vs-int", lambda lib: (True, 1), {}, RuntimeError),
    ("nones", lambda lib: (None, None), dict(rtol=1.0), "pass"),
    ("none-vs-int", lambda lib: (None, 1), {}, AssertionError),
    ("none-vs-tensor", lambda lib: (None, lib.tensor([1.0, 2.0])), {}, AssertionError),
    (
        "list-tuple",
        lambda lib: ([lib.tensor([1.0]), 2.0, np.array(3.0)], (lib.tensor([1.0]), 2.0, np.array(3.0))),
        {},
        "pass",
    ),
    ("list-length", lambda lib: ([1, 2], [1, 2, 3]), {}, AssertionError),
    ("list-length-msg-ignored", lambda lib: ([1, 2], [1, 2, 3]), dict(msg="custom"), AssertionError),
    ("list-item", lambda lib: ((lib.tensor([1.0, 2.0]), 1.0), [lib.tensor([1.0, 3.0]), 2.0]), {}, AssertionError),
    ("list-string-item", lambda lib: (["a"], ["a"]), {}, TypeError),
    ("list-vs-dict", lambda lib: ([1], {0: 1}), {}, TypeError),
    ("size", lambda lib: (lib.Size([2, 3]), (2, 4)), {}, AssertionError),
    ("dict-keys", lambda lib: ({"a": 1, "b": 2}, {"a": 1, "c": 2}), {}, AssertionError),
    (
        "dict-order",
        lambda lib: (OrderedDict([("x", 1.0), ("y", lib.ones(1))]), {"y": lib.ones(1), "x": 1.0}),
        {},
        "pass",
    ),
    ("dict-nested", lambda lib: ([{"a": lib.tensor([1.0, 2.0])}], [{"a": lib.tensor([1.0, 3.0])}]), {}, AssertionError),
    ("dict-sorted-first", lambda lib: ({"b": 1, "a": 2}, {"b": 3, "a": 4}), {}, AssertionError),
    ("dict-unsortable", lambda lib: ({"x": 1, (1, 2): 2}, {"x": 1, (1, 2): 3}), {}, AssertionError),
    ("msg-string", pair([1.0, 2.0], [1.0, 3.0]), dict(msg="Argh"), AssertionError),
    ("msg-callable", pair([1.0, 2.0], [1.0, 3.0]), dict(msg=lambda m: f"Header\n\n{m}\n\nFooter"), AssertionError),
    ("msg-nested", lambda lib: ([1.0], [2.0]), dict(msg=lambda m: m.upper()), AssertionError),
    ("rtol-alone", pair([1.0], [1.0]), dict(rtol=1.0), ValueError),
    ("atol-alone", pair([1.0], [1.0]), dict(atol=1.0), ValueError),
    ("atol-alone-nested", lambda lib: ([1.0], [1.0]), dict(atol=1.0), ValueError),
    ("atol-alone-msg-ignored", lambda lib: (1.0, 1.0), dict(atol=1.0, msg="custom"), ValueError),
]


@pytest.mark.parametrize("make, kw, expect", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_assert_close_matches_torch(make: Callable[[Any], Any], kw: dict, expect: Any) -> None:
    want = same_as_torch(make, **kw)
    assert want == expect if expect == "pass" else want[0] is expect


def test_messages_read_as_torch_documents_them() -> None:
    """A few full messages, spelled out: the parity table would pass if both libraries went wrong together."""
    with pytest.raises(AssertionError) as err:
        minitorch.testing.assert_close(minitorch.tensor([1.0, 2.0, 3.0]), minitorch.tensor([1.0, 2.0, 3.5]))
    assert str(err.value) == (
        "Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)\n"
        "Greatest absolute difference: 0.5 at index (2,) (up to 1e-05 allowed)\n"
        "Greatest relative difference: 0.1428571492433548 at index (2,) (up to 1.3e-06 allowed)"  # 0.5 / 3.5 in float32
    )
    with pytest.raises(AssertionError, match=r"^Tensor-likes are not equal!\n\nMismatched elements: 1 / 2 \(50.0%\)\n"):
        minitorch.testing.assert_close(minitorch.tensor([1, 2]), minitorch.tensor([1, 3]))
    with pytest.raises(AssertionError, match=r"\n\nThe failure occurred for item \[1\]\['k'\]$"):
        minitorch.testing.assert_close([0, {"k": 1.0}], [0, {"k": 2.0}])


def test_negative_tolerance_for_tensors() -> None:
    """torch's isclose refuses a negative tolerance, which assert_close reports as an unexpected RuntimeError."""
    for lib in (torch, minitorch):
        with pytest.raises(RuntimeError, match="resulted in the unexpected exception above") as err:
            lib.testing.assert_close(lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0]), rtol=-1.0, atol=0.0)
        assert str(err.value.__cause__) == "rtol must be greater than or equal to zero, but got -1"
        assert "    rtol=-1.0,\n    atol=0.0,\n    equal_nan=False," in str(err.value)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "uint8", "int32", "int64", "bool"])
def test_random_pairs_near_the_tolerance(dtype: str) -> None:
    """Arrays whose differences sit around the allowed error (NaNs, infinities, wide integers among them) pass or
    fail as in torch, with the same counts, greatest differences and indices: float16's rounding included."""
    rng = np.random.default_rng(sum(map(ord, dtype)))
    outcomes = set()
    for _ in range(40):
        shape = tuple(int(n) for n in rng.integers(1, 5, size=rng.integers(1, 3)))
        kw: dict = {}
        if rng.random() < 0.4:
            kw = dict(rtol=float(rng.choice([0.0, 1e-3, 0.5])), atol=float(rng.choice([0.0, 1e-5, 1.0])))
        kw["equal_nan"] = bool(rng.random() < 0.3)
        if dtype == "bool":
            a = rng.random(shape) < 0.5
            e = np.where(rng.random(shape) < 0.3, ~a, a)
        elif dtype.startswith("int") or dtype == "uint8":
            info = np.iinfo(dtype)
            a = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
            e = np.where(rng.random(shape) < 0.3, rng.integers(info.min, info.max, size=shape).astype(dtype), a)
        else:
            rtol, atol = minitorch.testing.default_tolerances(dtype)
            a = rng.normal(size=shape).astype(dtype) * rng.choice([1.0, 300.0, 1e-6])
            steps = rng.choice([0.0, 0.5, 0.99, 1.0, 1.01, 2.0], size=shape) * rng.choice([-1, 1], size=shape)
            e = (a + (np.abs(a) * rtol + atol) * steps).astype(dtype)
            if rng.random() < 0.3:
                specials = rng.choice([0.0, NAN, INF], size=shape, p=[0.5, 0.4, 0.1])
                e = np.where(specials != 0, specials, e).astype(dtype)
                a = np.where(rng.random(shape) < 0.5, specials, a).astype(dtype)
        result = same_as_torch(lambda lib, a=a, e=e: (lib.as_tensor(a), lib.as_tensor(e)), **kw)
        outcomes.add("pass" if result == "pass" else result[0])
    assert outcomes == {"pass", AssertionError}  # both passes and failures were compared


def test_default_dtype_measures_integers() -> None:
    """Integers are compared in the default float dtype: 2**24 + 1 and 2**24 meet in float32, not in float64."""
    ints = (minitorch.tensor([2**24 + 1]), minitorch.tensor([2**24]))
    minitorch.testing.assert_close(*ints, rtol=0.0, atol=0.5)
    minitorch.set_default_dtype(minitorch.float64)
    try:
        with pytest.raises(AssertionError, match="Greatest absolute difference: 1 at index"):
            minitorch.testing.assert_close(*ints, rtol=0.0, atol=0.5)
    finally:
        minitorch.set_default_dtype(minitorch.float32)


def test_devices(device: str) -> None:
    """Tensors on any device compare as on the host; a device mismatch is named unless check_device=False."""
    on = minitorch.tensor([1.0, 2.0, 3.0], device=device)
    minitorch.testing.assert_close(on, minitorch.tensor([1.0, 2.0, 3.0], device=device))
    with pytest.raises(AssertionError) as err:
        minitorch.testing.assert_close(on, minitorch.tensor([1.0, 2.0, 4.0], device=device))
    assert str(err.value).startswith("Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)\n")
    if device != "cpu":
        with pytest.raises(
            AssertionError, match=f"^The values for attribute 'device' do not match: {on.device} != cpu.$"
        ):
            minitorch.testing.assert_close(on, minitorch.tensor([1.0, 2.0, 3.0]))
        minitorch.testing.assert_close(on, minitorch.tensor([1.0, 2.0, 3.0]), check_device=False)


def test_assert_close_needs_no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    minitorch.testing.assert_close({"w": minitorch.ones(2)}, {"w": minitorch.ones(2)})
    with pytest.raises(AssertionError, match="Scalars are not close"):
        minitorch.testing.assert_close(1.0, 2.0)


def test_testing_is_an_attribute_and_keeps_its_exports() -> None:
    """``torch.testing.assert_close`` spelled with minitorch works after a plain ``import minitorch``."""
    assert minitorch.testing.assert_close is minitorch.testing.assertions.assert_close
    for name in ("assert_parity", "compare", "Mismatch", "DEFAULT_TOLERANCES", "default_tolerances", "gradcheck"):
        assert name in minitorch.testing.__all__ and hasattr(minitorch.testing, name)
    assert minitorch.testing.default_tolerances(minitorch.int64) == (0.0, 0.0)


# --- make_tensor ------------------------------------------------------------------------------------------------

RANGES = {  # dtype: (smallest, largest) a default draw may take, torch's table
    "bool": (0, 1),
    "uint8": (0, 9),
    "int8": (-9, 9),
    "int16": (-9, 9),
    "int32": (-9, 9),
    "int64": (-9, 9),
    "float16": (-9, 9),
    "float32": (-9, 9),
    "float64": (-9, 9),
}


@pytest.mark.parametrize("dtype", list(RANGES))
def test_make_tensor_default_ranges(dtype: str) -> None:
    low, high = RANGES[dtype]
    for lib in (torch, minitorch):
        t = lib.testing.make_tensor(4000, dtype=getattr(lib, dtype), device="cpu")
        values = t.numpy()
        assert str(t.dtype) == f"torch.{dtype}" and tuple(t.shape) == (4000,) and not t.requires_grad
        assert values.min() >= low and values.max() <= high
        # the draws spread over the range: both ends' neighbourhoods are reached
        assert values.min() <= low + (high - low) / 10 and values.max() >= high - (high - low) / 10
        if dtype != "bool" and not dtype.startswith("float"):
            assert set(np.unique(values).tolist()) == set(range(low, high + 1))


@pytest.mark.parametrize(
    "dtype, low, high, smallest, largest",
    [
        ("float32", -1, 1, -1, 1),
        ("float64", 0.5, 0.75, 0.5, 0.75),
        ("float16", 100, 1e6, 100, 65504),  # clamped to float16's largest finite value
        ("float32", -1e39, 1e39, -3.4028234663852886e38, 3.4028234663852886e38),  # too wide: drawn by halves
        ("int8", -100, 300, -100, 127),  # clamped to [-100, 128)
        ("int32", -0.5, 2.5, 0, 2),  # both bounds rounded up: [0, 3)
        ("uint8", -5, 3, 0, 2),
        ("int64", -(2**70), 2**70, -(2**63), 2**63 - 2),  # randint cannot reach int64's maximum
        ("bool", 1, 2, 1, 1),
    ],
)
def test_make_tensor_given_ranges(dtype: str, low: float, high: float, smallest: float, largest: float) -> None:
    """Draws stay within the clamped (for integers, rounded-up) range and cover it, in torch as in minitorch."""
    for lib in (torch, minitorch):
        t = lib.testing.make_tensor(3000, dtype=getattr(lib, dtype), device="cpu", low=low, high=high)
        values = t.numpy()
        assert str(t.dtype) == f"torch.{dtype}"
        assert values.min() >= smallest and values.max() <= largest
        if dtype.startswith("float"):
            assert float(values.max()) - float(values.min()) >= 0.9 * (largest - smallest)
        elif largest - smallest < 300:
            assert set(np.unique(values).tolist()) == set(range(int(smallest), int(largest) + 1))
        else:
            assert float(values.min()) < smallest / 2 and float(values.max()) > largest / 2


@pytest.mark.parametrize(
    "shape, kw",
    [
        ((2, 3), {}),
        (((2, 3),), {}),
        ((torch.Size([4, 1]),), {}),
        ((), {}),
        ((5, 0), {}),
        ((2, 6), dict(noncontiguous=True)),
        ((3, 2, 5), dict(noncontiguous=True)),
        ((1, 1), dict(noncontiguous=True)),  # one element: contiguous after all
        ((2, 3), dict(requires_grad=True)),
        ((2, 3), dict(requires_grad=True, noncontiguous=True)),
    ],
)
def test_make_tensor_shapes_and_flags(shape: tuple, kw: dict) -> None:
    got = minitorch.testing.make_tensor(*shape, dtype=minitorch.float32, device="cpu", **kw)
    want = torch.testing.make_tensor(*shape, dtype=torch.float32, device="cpu", **kw)
    assert tuple(got.shape) == tuple(want.shape)
    assert got.requires_grad == want.requires_grad and got.is_leaf
    assert got.is_contiguous() == want.is_contiguous()
    if want.numel():
        assert got.stride() == want.stride()


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int64", "float16", "float32"])
def test_make_tensor_exclude_zero(dtype: str) -> None:
    """Zeros become 1 (bool, integers) or the dtype's tiny (floats); a range of only zero shows it."""
    lib_dtype = getattr(minitorch, dtype)
    t = minitorch.testing.make_tensor(200, dtype=lib_dtype, device="cpu", low=0, high=2, exclude_zero=True)
    assert (t.numpy() != 0).all() and str(t.dtype) == f"torch.{dtype}"
    if dtype.startswith("float"):
        with pytest.warns(FutureWarning, match="low==high"):
            zero = minitorch.testing.make_tensor(5, dtype=lib_dtype, device="cpu", low=0, high=0, exclude_zero=True)
        assert (zero.numpy() == minitorch.finfo(lib_dtype).tiny).all()


def test_make_tensor_on_device(device: str) -> None:
    t = minitorch.testing.make_tensor(
        2, 4, dtype=minitorch.float64, device=device, noncontiguous=True, exclude_zero=True
    )
    assert t.device.type == minitorch.device(device).type and tuple(t.shape) == (2, 4)
    i = minitorch.testing.make_tensor(3, dtype=minitorch.int16, device=device)
    assert i.device.type == minitorch.device(device).type and i.dtype == minitorch.int16


@pytest.mark.parametrize(
    "kw",
    [
        dict(dtype="int64", requires_grad=True),
        dict(dtype="bool", requires_grad=True),
        dict(dtype="float32", low=2, high=1),
        dict(dtype="int32", low=1, high=1),
        dict(dtype="float32", low=NAN),
        dict(dtype="float64", high=NAN),
        dict(dtype="uint8", low=-20, high=-10),
        dict(dtype="int8", low=200, high=300),
        dict(dtype="float16", low=1e6, high=2e6),
        dict(dtype="bool", low=2, high=4),
        dict(dtype="float32", noncontiguous=True, memory_format="any"),
        dict(dtype="not a dtype"),
    ],
)
def test_make_tensor_errors(kw: dict) -> None:
    def make(lib: Any) -> Any:
        args = dict(kw, dtype=getattr(lib, kw["dtype"], kw["dtype"]))
        return lib.testing.make_tensor(3, device="cpu", **args)

    raises_like(make, exact=True)


def test_make_tensor_low_equal_high_warns_for_floats() -> None:
    for lib in (torch, minitorch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t = lib.testing.make_tensor(4, dtype=lib.float64, device="cpu", low=1.5, high=1.5)
        assert [w.category for w in caught] == [FutureWarning] and "torch.full" in str(caught[0].message)
        assert (t.numpy() == 1.5).all()
