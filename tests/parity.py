"""Run the same function in torch and in minitorch; compare outputs and every input's gradient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import minitorch
from minitorch.testing import assert_parity, compare
from minitorch.testing.parity import flatten as _flat  # noqa: F401 (_flat: used by test_nn_layers)
from minitorch.testing.parity import make_input

# The suite's tolerances, tighter in float64 and looser in float32 than minitorch.testing's defaults.
TOL = {np.float64: (1e-7, 1e-9), np.float32: (1e-4, 1e-5)}


def assert_close(got: Any, want: Any, rtol: float, atol: float, what: str) -> None:
    """Same shape, dtype and (within tolerance, NaNs equal) values as torch's; integers exactly."""
    problem = compare(got, want, rtol, atol, what)
    assert problem is None, str(problem)


def check_parity(
    fn: Callable[..., Any],
    *inputs: Any,
    dtype: Any = np.float64,
    grad: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    device: str = "cpu",
    seed: int = 0,
    order: int = 1,
) -> None:
    """``fn(lib, *tensors)`` gives the same outputs and input gradients in torch and in minitorch.

    Float arrays among ``inputs`` become tensors of ``dtype`` that require grad; integer
    and bool arrays become plain tensors; anything else is passed through unchanged.
    This is ``minitorch.testing.assert_parity`` at the suite's tolerances (``TOL``).
    """
    dr, da = TOL[np.dtype(dtype).type]
    assert_parity(
        fn,
        *inputs,
        rtol=dr if rtol is None else rtol,
        atol=da if atol is None else atol,
        grad=grad,
        dtype=dtype,
        device=device,
        seed=seed,
        order=order,
    )


def check_gradcheck(
    fn: Callable[..., Any], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3
) -> None:
    """minitorch's analytical gradients of ``fn(minitorch, *tensors)`` match central differences (float64)."""
    m_in = [make_input(minitorch, a, np.float64, True, "cpu") for a in inputs]
    assert minitorch.autograd.gradcheck(lambda *xs: fn(minitorch, *xs), tuple(m_in), eps=eps, atol=atol, rtol=rtol)


def check_both(fn: Callable[..., Any], *inputs: Any, gradcheck: bool = True, **kw: Any) -> None:
    """Parity in float64 and float32 (values expected in [-1, 1]) plus gradcheck."""
    check_parity(fn, *inputs, dtype=np.float64, **kw)
    check_parity(fn, *inputs, dtype=np.float32, **kw)
    if gradcheck and kw.get("grad", True):
        check_gradcheck(fn, *inputs)


def raises_like(fn: Callable[[Any], Any], gist: str = "", exact: bool = False) -> None:
    """``fn(lib)`` raises the same exception type in torch and minitorch.

    Both messages must contain ``gist`` (or, with ``exact``, be identical).
    """
    import pytest

    with pytest.raises(Exception) as want:
        fn(torch)
    with pytest.raises(type(want.value)) as got:
        fn(minitorch)
    if exact:
        assert str(got.value) == str(want.value)
        return
    assert gist in str(want.value), f"test is stale: torch says {want.value}"
    assert gist in str(got.value), f"minitorch says {got.value!r}, torch says {want.value!r}"


def outcome(make: Callable[[Any], Any], lib: Any) -> tuple:
    """What ``make(lib)`` gives: (error type, message) or (dtype name, values as bits)."""
    try:
        t = make(lib)
    except Exception as err:  # noqa: BLE001 - the error itself is what is compared
        return type(err), str(err)
    a = np.asarray(t.detach().numpy())
    bits = a.view(f"u{a.itemsize}") if a.dtype.kind == "f" else a
    # NaN payloads are not part of the contract: compare NaN positions, bits elsewhere.
    nan = np.isnan(a) if a.dtype.kind == "f" else np.zeros(a.shape, bool)
    return str(t.dtype), a.shape, nan.tolist(), np.where(nan, 0, bits).tolist()


def assert_same_as_torch(make: Callable[[Any], Any]) -> None:
    """``make(lib)`` gives torch's dtype, shape and bits (NaN where torch has NaN), or raises torch's
    exception type (with torch's very message for an overflow)."""
    want, got = outcome(make, torch), outcome(make, minitorch)
    if isinstance(want[0], type) and issubclass(want[0], Exception):
        assert isinstance(got[0], type) and issubclass(got[0], want[0]), (want, got)
        if "overflow" in want[1] or "Overflow" in want[1]:
            assert got[1] == want[1], (want, got)
        return
    assert got == want
