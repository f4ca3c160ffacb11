"""Built-in ops compute inf and NaN silently, as torch does, and leave the user's numpy error state alone
(``minitorch/backend/fp_errors.py``). The suite also turns any RuntimeWarning raised in minitorch's code into
an error (pyproject.toml), so every parity test checks the first half."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minitorch
from minitorch.backend import HOST, fp_errors


def _overflowing_step(lib):
    """Ops whose forward and backward overflow or meet inf * 0 and inf - inf: values and gradients."""
    x = lib.tensor([3e38, -3e38, 0.0, 1.0], dtype=lib.float32, requires_grad=True)
    y = (x * 10).exp() + (x - x * 2) ** 2 + x / 0.0
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()


def test_ops_raise_no_numpy_warning_and_match_torch() -> None:
    want = _overflowing_step(torch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning at all fails
        got = _overflowing_step(minitorch)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_the_users_numpy_error_state_is_kept() -> None:
    """Inside an op numpy's warnings are off; outside, the state the user set holds, even after an error."""
    with np.errstate(over="raise", invalid="raise"):
        minitorch.tensor([3e38], dtype=minitorch.float32) * 10  # silent inside the op
        with pytest.raises(RuntimeError):
            minitorch.ones(2) @ minitorch.ones(3)  # an op that fails part way
        assert np.geterr()["over"] == "raise" and np.geterr()["invalid"] == "raise"
        with pytest.raises(FloatingPointError):
            np.float32(3e38) * np.float32(10)


def test_in_place_updates_and_accumulation_are_silent() -> None:
    w = minitorch.full((40000,), 3e38)  # large enough for the device's own kernel too
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w.add_(minitorch.full((40000,), 3e38))
        small = minitorch.full((3,), 3e38)
        small.mul_(10)
        leaf = minitorch.full((3,), 1.0, requires_grad=True)
        (leaf * 3e38).sum().backward()
        (leaf * 3e38).sum().backward()  # the second gradient accumulates: 3e38 + 3e38 overflows
    assert np.isinf(w.numpy()).all() and np.isinf(small.numpy()).all() and np.isinf(leaf.grad.numpy()).all()


def test_a_users_function_is_not_silenced() -> None:
    """A user's autograd.Function runs as written: its own numpy code warns as it would beside torch."""

    class Exp(minitorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return minitorch.tensor(np.exp(x.detach().numpy()))

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.warns(RuntimeWarning, match="overflow"):
        Exp.apply(minitorch.tensor([1000.0], requires_grad=True))


def test_quiet_silences_and_restores() -> None:
    with np.errstate(over="raise"):
        with HOST.quiet():
            assert np.geterr()["over"] == "ignore"
            np.float32(3e38) * np.float32(10)
        assert np.geterr()["over"] == "raise"
        token = fp_errors.silence()
        assert np.geterr()["divide"] == "ignore"
        fp_errors.restore(token)
        assert np.geterr()["over"] == "raise"
