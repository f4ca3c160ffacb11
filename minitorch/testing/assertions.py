"""``torch.testing.assert_close``: tensors, arrays, Python numbers and nested containers of them, with torch's
pairing rules, default tolerances and failure messages (no torch needed)."""

from __future__ import annotations

import cmath
import collections.abc
import contextlib
from collections.abc import Callable
from typing import Any, NoReturn, Union

import numpy as np

from ..creation import as_tensor
from ..dtypes import get_default_dtype, promote_types
from ..tensor import Tensor
from .comparison import default_tolerances, to_numpy

Msg = Union[str, Callable[[str], str], None]

# The dtype whose default tolerances a Python number takes (complex128 has float64's; minitorch has no complex).
_SCALAR_DTYPE = {int: "int64", float: "float64", complex: "float64"}
_REPORT = (
    "resulted in the unexpected exception above. If you are a user and see this message during normal operation "
    "please file an issue at https://github.com/pytorch/pytorch/issues. If you are a developer and working on the "
    "comparison functions, please except the previous error and raise an expressive `ErrorMeta` instead."
)


def _item_path(path: tuple) -> str:
    return "".join(str([key]) for key in path)


class _Failure(Exception):
    """A failed comparison on its way to the user: the error type to raise, its message and the item's path."""

    def __init__(self, kind: type[Exception], message: str, path: tuple = ()) -> None:
        super().__init__(message)
        self.kind, self.message, self.path = kind, message, path

    def to_error(self, msg: Msg = None) -> Exception:
        if isinstance(msg, str):  # a string replaces the whole message, path included
            return self.kind(msg)
        text = self.message
        if self.path:
            text += f"\n\nThe failure occurred for item {_item_path(self.path)}"
        return self.kind(msg(text) if callable(msg) else text)


class _Unsupported(Exception):
    """Raised while pairing: this pair type does not take these inputs; the next one is tried."""


def _tolerances(dtypes: list, rtol: float | None, atol: float | None, path: tuple) -> tuple:
    """The user's (rtol, atol), or the loosest defaults of ``dtypes``; only one of them given is an error."""
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise _Failure(
            ValueError, f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.", path
        )
    if rtol is not None:
        return rtol, atol
    rtols, atols = zip(*(default_tolerances(d) for d in dtypes))
    return max(rtols), max(atols)


def _mismatch_text(
    what: str,
    rtol: float,
    atol: float,
    extra: str,
    abs_diff: Any,
    rel_diff: Any,
    abs_at: Any = None,
    rel_at: Any = None,
) -> str:
    """torch's report: header, ``extra``, then the absolute and relative differences (with indices for tensors)."""
    equality = rtol == 0 and atol == 0
    lines = [f"{what} are not {'equal' if equality else 'close'}!", "", extra]
    for kind, diff, at, tol in (("absolute", abs_diff, abs_at, atol), ("relative", rel_diff, rel_at, rtol)):
        line = (
            f"{kind.title()} difference: {diff}" if at is None else f"Greatest {kind} difference: {diff} at index {at}"
        )
        lines.append(line if equality else f"{line} (up to {tol} allowed)")
    return "\n".join(lines)


def _scalar_text(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_text("Scalars", rtol, atol, f"Expected {expected} but got {actual}.", abs_diff, rel_diff)


def _isclose(a: np.ndarray, e: np.ndarray, rtol: float, atol: float, equal_nan: bool) -> np.ndarray:
    """torch.isclose on host arrays of one dtype, rounding where torch rounds (integers and bools are first
    converted to the default float dtype)."""
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if tol < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {tol:g}")
    close = a == e
    if equal_nan and a.dtype.kind == "f":
        close |= np.isnan(a) & np.isnan(e)
    if rtol == 0 and atol == 0:
        return close
    if a.dtype.kind != "f":
        a, e = a.astype(get_default_dtype().np_dtype), e.astype(get_default_dtype().np_dtype)
    # float16 as torch's CPU kernels do it: the product in float32 with rtol unrounded, the sum with atol in float16
    work = np.dtype(np.float32) if a.dtype == np.float16 else a.dtype
    with np.errstate(all="ignore"):
        scaled = (e.astype(work) * work.type(rtol)).astype(a.dtype)
        allowed = np.abs(scaled) + a.dtype.type(atol)
        error = np.abs(a - e)
        return close | (np.isfinite(error) & (error <= allowed))


def _tensor_text(a: np.ndarray, e: np.ndarray, close: np.ndarray, rtol: float, atol: float) -> str:
    """The report for arrays of one or more dimensions: mismatch count, then the worst differences among them."""
    total = close.size
    bad = total - int(close.sum())
    extra = f"Mismatched elements: {bad} / {total} ({bad / total:.1%})"
    ratio = a.dtype if a.dtype.kind == "f" else get_default_dtype().np_dtype
    if a.dtype.kind != "f":  # integers and bools: differences in int64, their ratio in the default float dtype
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(all="ignore"):
        diff = np.abs(a - e).ravel()
        diff[close.ravel()] = 0
        rel = diff.astype(ratio) / np.abs(e).ravel().astype(ratio)
    rel[close.ravel()] = 0
    # argmax takes the first NaN, else the first maximum: where torch.max(dim=0) points
    i, j = int(np.argmax(diff)), int(np.argmax(rel))
    shape = close.shape
    at_abs = tuple(int(k) for k in np.unravel_index(i, shape))
    at_rel = tuple(int(k) for k in np.unravel_index(j, shape))
    return _mismatch_text("Tensor-likes", rtol, atol, extra, diff[i].item(), rel[j].item(), at_abs, at_rel)


class _Pair:
    """Two inputs to compare; a subclass's ``__init__`` raises _Unsupported when they are not its kind."""

    name = "Pair"
    options: tuple = ()

    def __init__(self, actual: Any, expected: Any, path: tuple) -> None:
        self.actual, self.expected, self.path = actual, expected, path

    def fail(self, message: str) -> NoReturn:
        raise _Failure(AssertionError, message, self.path)

    def compare(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = [("id", self.path), ("actual", self.actual), ("expected", self.expected)]
        fields += [(name, getattr(self, name)) for name in self.options]
        return "\n".join([f"{self.name}(", *(f"    {k}={v!s}," for k, v in fields), ")"])


class _NonePair(_Pair):
    name = "NonePair"

    def __init__(self, actual: Any, expected: Any, path: tuple, **_: Any) -> None:
        if actual is not None and expected is not None:
            raise _Unsupported
        super().__init__(actual, expected, path)

    def compare(self) -> None:
        if self.actual is not None or self.expected is not None:
            self.fail(f"None mismatch: {self.actual} is not {self.expected}")


class _BoolPair(_Pair):
    name = "BooleanPair"

    def __init__(self, actual: Any, expected: Any, path: tuple, **_: Any) -> None:
        if not all(isinstance(x, (bool, np.bool_)) for x in (actual, expected)):
            raise _Unsupported
        super().__init__(bool(actual), bool(expected), path)

    def compare(self) -> None:
        if self.actual is not self.expected:
            self.fail(f"Booleans mismatch: {self.actual} is not {self.expected}")


class _NumberPair(_Pair):
    name = "NumberPair"
    options = ("rtol", "atol", "equal_nan", "check_dtype")

    def __init__(
        self,
        actual: Any,
        expected: Any,
        path: tuple,
        *,
        rtol: Any,
        atol: Any,
        equal_nan: bool,
        check_dtype: bool,
        **_: Any,
    ) -> None:
        if not all(isinstance(x, (int, float, complex, np.number)) for x in (actual, expected)):
            raise _Unsupported
        actual, expected = (x.item() if isinstance(x, np.number) else x for x in (actual, expected))
        super().__init__(actual, expected, path)
        # A bool beside a number has no entry here: torch's lookup fails the same way (a RuntimeError for the user).
        dtypes = [_SCALAR_DTYPE[type(x)] for x in (actual, expected)]
        self.rtol, self.atol = _tolerances(dtypes, rtol, atol, path)
        self.equal_nan, self.check_dtype = equal_nan, check_dtype

    def compare(self) -> None:
        a, e = self.actual, self.expected
        if self.check_dtype and type(a) is not type(e):
            self.fail(f"The (d)types do not match: {type(a)} != {type(e)}.")
        if a == e or (self.equal_nan and cmath.isnan(a) and cmath.isnan(e)):
            return
        diff = abs(a - e)
        if cmath.isfinite(diff) and diff <= self.atol + self.rtol * abs(e):
            return
        self.fail(_scalar_text(a, e, self.rtol, self.atol))


class _TensorPair(_Pair):
    name = "TensorLikePair"
    options = ("rtol", "atol", "equal_nan", "check_device", "check_dtype", "check_layout", "check_stride")

    def __init__(self, actual: Any, expected: Any, path: tuple, *, allow_subclasses: bool, **opts: Any) -> None:
        related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
        if not related or (not allow_subclasses and type(actual) is not type(expected)):
            raise _Unsupported
        a, e = (x if isinstance(x, Tensor) else _as_tensor(x) for x in (actual, expected))
        super().__init__(a, e, path)
        self.rtol, self.atol = _tolerances([a.dtype, e.dtype], opts["rtol"], opts["atol"], path)
        self.equal_nan: bool = opts["equal_nan"]
        self.check_device: bool = opts["check_device"]
        self.check_dtype: bool = opts["check_dtype"]
        self.check_layout: bool = opts["check_layout"]
        self.check_stride: bool = opts["check_stride"]

    def compare(self) -> None:
        a, e = self.actual, self.expected
        if a.shape != e.shape:
            self._differs("shape", a.shape, e.shape)
        # every minitorch tensor is strided: layouts always agree, and the stride is compared on request
        if self.check_stride and a.stride() != e.stride():
            self._differs("stride()", a.stride(), e.stride())
        if self.check_device and a.device != e.device:
            self._differs("device", a.device, e.device)
        if self.check_dtype and a.dtype != e.dtype:
            self._differs("dtype", a.dtype, e.dtype)
        common = promote_types(a.dtype, e.dtype).np_dtype
        x, y = to_numpy(a).astype(common, copy=False), to_numpy(e).astype(common, copy=False)
        close = _isclose(x, y, self.rtol, self.atol, self.equal_nan)
        if bool(close.all()):
            return
        if x.ndim == 0:
            self.fail(_scalar_text(x.item(), y.item(), self.rtol, self.atol))
        self.fail(_tensor_text(x, y, close, self.rtol, self.atol))

    def _differs(self, attribute: str, ours: Any, theirs: Any) -> NoReturn:
        self.fail(f"The values for attribute '{attribute}' do not match: {ours} != {theirs}.")


def _as_tensor(x: Any) -> Tensor:
    try:
        return as_tensor(x)
    except Exception as err:  # anything as_tensor refuses is simply not a tensor-like
        raise _Unsupported from err


_PAIR_TYPES = (_NonePair, _BoolPair, _NumberPair, _TensorPair)


def _pairs(actual: Any, expected: Any, path: tuple, options: dict) -> list:
    """Pairs of leaves: sequences (not strings) element by element, mappings key by key, else the first pair type
    that takes the two inputs."""
    seq = collections.abc.Sequence
    if all(isinstance(x, seq) and not isinstance(x, str) for x in (actual, expected)):
        if len(actual) != len(expected):
            raise _Failure(
                AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", path
            )
        return [p for i in range(len(actual)) for p in _pairs(actual[i], expected[i], (*path, i), options)]
    if all(isinstance(x, collections.abc.Mapping) for x in (actual, expected)):
        ours, theirs = set(actual.keys()), set(expected.keys())
        if ours != theirs:
            raise _Failure(
                AssertionError,
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {sorted(theirs - ours)}\n"
                f"Additional keys in the actual mapping: {sorted(ours - theirs)}",
                path,
            )
        keys: Any = ours
        with contextlib.suppress(Exception):  # a sorted order when the keys have one: the first failure is stable
            keys = sorted(keys)
        return [p for k in keys for p in _pairs(actual[k], expected[k], (*path, k), options)]
    for pair_type in _PAIR_TYPES:
        try:
            return [pair_type(actual, expected, path, **options)]
        except _Unsupported:
            continue
        except _Failure:
            raise
        except Exception as err:
            raise RuntimeError(
                f"Originating a {pair_type.name}() at item {_item_path(path)} with\n\n"
                f"{type(actual).__name__}(): {actual}\n\nand\n\n{type(expected).__name__}(): {expected}\n\n{_REPORT}"
            ) from err
    raise _Failure(
        TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.", path
    )


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: Msg = None,
) -> None:
    """Raise AssertionError unless ``actual`` and ``expected`` are close, as ``torch.testing.assert_close``.

    Elements pass when ``|actual - expected| <= atol + rtol * |expected|`` (infinities only when equal, NaNs only
    with ``equal_nan``). Tensors, anything ``as_tensor`` takes (numpy arrays) and Python numbers are compared;
    lists and tuples element by element, mappings key by key. Except for Python numbers, the two inputs' types must
    be directly related.

    Args:
        actual: the value under test.
        expected: the reference value.
        allow_subclasses: accept a subclass beside its base class (a Parameter beside a Tensor).
        rtol, atol: tolerances, both or neither; by default the loosest of the two dtypes' defaults
            (float16 1e-3/1e-5, float32 1.3e-6/1e-5, float64 1e-7/1e-7, integers and bool 0/0).
        equal_nan: NaNs in the same places count as equal.
        check_device, check_dtype: require the same device and dtype; otherwise values are compared on the host
            in the promoted dtype.
        check_layout: accepted for torch's signature; every minitorch tensor is strided.
        check_stride: require the same strides.
        msg: a message replacing the generated one, or a callable that receives the generated one.
    """
    options = dict(
        allow_subclasses=allow_subclasses,
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_device=check_device,
        check_dtype=check_dtype,
        check_layout=check_layout,
        check_stride=check_stride,
    )
    try:
        pairs = _pairs(actual, expected, (), options)
    except _Failure as failure:  # torch words a structural failure its own way, whatever msg says
        raise failure.to_error() from None
    failures = []
    for pair in pairs:
        try:
            pair.compare()
        except _Failure as failure:
            failures.append(failure)
        except Exception as err:
            raise RuntimeError(f"Comparing\n\n{pair!r}\n\n{_REPORT}") from err
    if failures:
        raise failures[0].to_error(msg)
