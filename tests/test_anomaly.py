"""detect_anomaly: a NaN or inf gradient raises, naming the backward Function and the forward call site."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import minitorch
from minitorch.autograd import detect_anomaly, is_anomaly_enabled, set_detect_anomaly

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy warns on the NaNs we make on purpose


def _line() -> int:
    return inspect.currentframe().f_back.f_lineno


def test_sqrt_of_a_negative_names_the_op_and_the_call_site():
    x = minitorch.tensor([-1.0, 4.0], requires_grad=True)
    with detect_anomaly():
        y = (minitorch.sqrt(x) * 2).sum()
        line = _line() - 1  # the call site is the line above
        with pytest.raises(RuntimeError) as err:
            y.backward()
    msg = str(err.value)
    assert msg.startswith("Function 'SqrtBackward0' returned nan values in its 0th output.")
    assert f"test_anomaly.py:{line}, in test_sqrt_of_a_negative_names_the_op_and_the_call_site" in msg
    assert "minitorch.sqrt(x)" in msg


def test_log_of_zero_times_zero():
    x = minitorch.tensor([0.0, 1.0], requires_grad=True)
    with detect_anomaly():
        loss = (x.log() * 0).sum()
        with pytest.raises(RuntimeError, match=r"Function 'LogBackward0' returned nan values in its 0th output"):
            loss.backward()


def test_inf_is_reported_as_inf():
    x = minitorch.tensor([0.0, 1.0], requires_grad=True)
    with detect_anomaly():
        with pytest.raises(RuntimeError, match=r"'SqrtBackward0' returned inf values"):
            x.sqrt().sum().backward()


def test_off_by_default_records_nothing_and_lets_nan_through():
    assert not is_anomaly_enabled()
    x = minitorch.tensor([-1.0, 4.0], requires_grad=True)
    y = minitorch.sqrt(x)
    assert not hasattr(y.grad_fn._ctx, "_anomaly_stack")
    y.sum().backward()
    assert np.isnan(x.grad.numpy()[0])


def test_forward_outside_the_context_says_the_site_was_not_recorded():
    x = minitorch.tensor([-1.0], requires_grad=True)
    y = x.sqrt().sum()
    with detect_anomaly(), pytest.raises(RuntimeError, match="call site was not recorded"):
        y.backward()


def test_set_detect_anomaly_as_call_and_context_manager_and_decorator():
    set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
        with set_detect_anomaly(False):
            assert not is_anomaly_enabled()
        assert is_anomaly_enabled()
    finally:
        set_detect_anomaly(False)
    assert not is_anomaly_enabled()

    @detect_anomaly()
    def step():
        assert is_anomaly_enabled()
        x = minitorch.tensor([2.0], requires_grad=True)
        (x * x).sum().backward()
        return x.grad

    assert step().tolist() == [4.0] and not is_anomaly_enabled()


def test_a_clean_backward_passes_under_anomaly_mode():
    x = minitorch.tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        (x.log() * x.exp()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]) * (1 / np.array([1.0, 2.0]) + np.log([1.0, 2.0])))
