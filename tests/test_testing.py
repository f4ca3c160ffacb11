"""minitorch.testing: assert_parity's reports, tolerances, gradcheck re-exports and the strategies."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given

import minitorch
import minitorch.testing.strategies as MS
from minitorch.testing import DEFAULT_TOLERANCES, GradcheckError, assert_parity, compare, gradcheck, gradgradcheck
from tests import strategies as S


def make_square(lib, wrong: bool = False):
    """x * x as a custom Function; ``wrong`` forgets the factor 2 in backward."""

    class MySquare(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x if wrong else 2 * grad * x

    return MySquare


X = np.random.default_rng(0).uniform(-1, 1, (3, 4))
Y = np.random.default_rng(1).uniform(-1, 1, (4,))


@pytest.mark.parametrize("dtype", [None, np.float32])
def test_assert_parity_passes_on_a_faithful_function(dtype):
    squares = {torch: make_square(torch), minitorch: make_square(minitorch)}
    assert_parity(lambda lib, x, y: (squares[lib].apply(x.tanh()) * y).exp().sum(1), X, Y, dtype=dtype)


def test_assert_parity_names_a_wrong_custom_backward():
    squares = {torch: make_square(torch), minitorch: make_square(minitorch, wrong=True)}

    def fn(lib, x, y):
        return (squares[lib].apply(x.tanh()) * y).exp()

    with pytest.raises(AssertionError) as err:
        assert_parity(fn, X, Y)
    msg = str(err.value)
    assert "grad of input 0" in msg and "grad of input 1" not in msg
    assert "largest absolute error" in msg and "largest relative error" in msg and "at index [" in msg
    assert "first wrong backward: minitorch's MySquareBackward" in msg


def test_assert_parity_against_a_torch_builtin_names_the_custom_function():
    wrong = make_square(minitorch, wrong=True)
    with pytest.raises(AssertionError, match=r"at or below minitorch's MySquareBackward \(torch's MulBackward0\)"):
        assert_parity(lambda lib, x: (wrong.apply(x) if lib is minitorch else x * x) * 3, X)


def test_assert_parity_reports_the_output_and_index_of_a_forward_mismatch():
    def fn(lib, x):
        out = x.exp()
        if lib is minitorch:
            out = out + minitorch.tensor(np.where(np.arange(12).reshape(3, 4) == 6, 1e-3, 0.0))
        return x.sum(), out

    with pytest.raises(AssertionError) as err:
        assert_parity(fn, X)
    msg = str(err.value)
    assert "output 1: 1 of 12 elements differ" in msg and "at index [1, 2]" in msg and "output 0" not in msg
    assert "largest absolute error 0.001" in msg


def test_assert_parity_checks_dtypes_and_shapes():
    with pytest.raises(AssertionError, match="dtype float32 differs from torch's float64"):
        assert_parity(lambda lib, x: x.float() if lib is minitorch else x, X, grad=False)
    with pytest.raises(AssertionError, match=r"shape \[4, 3\] differs from torch's \[3, 4\]"):
        assert_parity(lambda lib, x: x.t() if lib is minitorch else x, X, grad=False)


def test_default_tolerances_follow_torch_assert_close():
    assert DEFAULT_TOLERANCES["float32"] == (1.3e-6, 1e-5)
    assert DEFAULT_TOLERANCES["float64"] == (1e-7, 1e-7)
    one = np.ones(3, np.float32)
    assert compare(one + np.float32(5e-6), one) is None
    assert compare(one + np.float32(3e-5), one) is not None
    assert compare(np.array([1.0]) + 1e-7, np.array([1.0])) is None
    assert compare(np.array([1.0]) + 1e-6, np.array([1.0])) is not None
    assert compare(np.array([np.nan, 1.0]), np.array([np.nan, 1.0])) is None
    m = compare(np.array([np.nan, 1.0]), np.array([0.0, 1.0]))
    assert m is not None and m.abs_index == (0,) and m.max_abs == np.inf


def test_gradcheck_and_gradgradcheck_are_reexported():
    x = minitorch.tensor(X, requires_grad=True)
    assert gradcheck(lambda t: make_square(minitorch).apply(t), (x,))
    with pytest.raises(GradcheckError):
        gradcheck(lambda t: make_square(minitorch, wrong=True).apply(t), (x,))
    assert gradgradcheck(lambda t: (t * t).sin(), (x.double(),))
    assert gradgradcheck is minitorch.autograd.gradgradcheck


def test_missing_torch_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match="pip install torch"):
        assert_parity(lambda lib, x: x, X)


def test_importing_minitorch_testing_needs_no_hypothesis():
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "import minitorch.testing\n"
        "try:\n    import minitorch.testing.strategies\nexcept ImportError as e:\n    print('ERR', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "ERR" in out and "hypothesis" in out


def test_the_suite_strategies_are_the_public_ones():
    for name in ("shapes", "broadcastable_shapes", "arrays", "away_from", "ints"):
        assert getattr(S, name) is getattr(MS, name)


@given(MS.arrays(MS.shapes(max_dims=3, max_side=4)))
def test_users_can_fuzz_a_custom_function_with_the_strategies(x):
    squares = {torch: make_square(torch), minitorch: make_square(minitorch)}
    assert_parity(lambda lib, t: squares[lib].apply(t), x)
