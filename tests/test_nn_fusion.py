"""nn.utils.fusion against torch's: a batch norm folded into the convolution or linear layer before it gives torch's
fused weights, the two layers' outputs, and torch's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import raises_like

TOL = {np.float64: (1e-13, 1e-15), np.float32: (2e-6, 1e-7)}


def twin_layers(make: Callable, dtype: Any, seed: int = 0) -> tuple:
    """(minitorch's layers, torch's) with the same weights and random running statistics, in eval mode."""
    minitorch.manual_seed(seed)
    ours = [m.to(getattr(minitorch, np.dtype(dtype).name)) for m in make(minitorch)]
    theirs = [m.to(getattr(torch, np.dtype(dtype).name)) for m in make(torch)]
    rng = np.random.default_rng(seed)
    for a, b in zip(ours, theirs):
        state = {}
        for k, v in a.state_dict().items():
            value = v.numpy()
            if k == "running_mean":
                value = rng.standard_normal(value.shape).astype(dtype)
            elif k == "running_var":
                value = rng.uniform(0.2, 3.0, value.shape).astype(dtype)
            elif k in ("weight", "bias") and isinstance(a, minitorch.nn.modules.batchnorm._BatchNorm):
                value = rng.standard_normal(value.shape).astype(dtype)
            state[k] = value
        a.load_state_dict({k: minitorch.tensor(v) for k, v in state.items()})
        b.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
        a.eval(), b.eval()
    return ours, theirs


CONV_CASES = {
    "conv2d": (lambda lib: [lib.nn.Conv2d(3, 4, 3), lib.nn.BatchNorm2d(4)], (2, 3, 6, 6), False),
    "conv2d-no-bias": (lambda lib: [lib.nn.Conv2d(3, 4, 3, bias=False), lib.nn.BatchNorm2d(4)], (2, 3, 6, 6), False),
    "conv2d-bn-not-affine": (
        lambda lib: [lib.nn.Conv2d(2, 5, 3, padding=1), lib.nn.BatchNorm2d(5, affine=False)],
        (2, 2, 5, 5),
        False,
    ),
    "conv1d": (lambda lib: [lib.nn.Conv1d(3, 4, 3), lib.nn.BatchNorm1d(4)], (2, 3, 9), False),
    "conv-transpose2d": (
        lambda lib: [lib.nn.ConvTranspose2d(3, 4, 3, stride=2), lib.nn.BatchNorm2d(4)],
        (2, 3, 4, 4),
        True,
    ),
}
LINEAR_CASES = {
    "linear": lambda lib: [lib.nn.Linear(6, 4), lib.nn.BatchNorm1d(4)],
    "linear-no-bias": lambda lib: [lib.nn.Linear(6, 4, bias=False), lib.nn.BatchNorm1d(4)],
    "linear-one-feature": lambda lib: [lib.nn.Linear(6, 4), lib.nn.BatchNorm1d(1)],
}


def _check(got: Any, want: Any, dtype: Any) -> None:
    rtol, atol = TOL[dtype]
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(CONV_CASES))
def test_conv_bn_fusion_matches_torch(name: str, dtype: Any) -> None:
    make, shape, transpose = CONV_CASES[name]
    (conv, bn), (tconv, tbn) = twin_layers(make, dtype)
    fused = minitorch.nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    tfused = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn, transpose=transpose)
    assert type(fused) is type(conv) and fused is not conv
    assert isinstance(fused.weight, minitorch.nn.Parameter) and isinstance(fused.bias, minitorch.nn.Parameter)
    _check(fused.weight, tfused.weight, dtype)
    _check(fused.bias, tfused.bias, dtype)
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    _check(fused(minitorch.tensor(x)), tbn(tconv(torch.tensor(x))), dtype)
    # the layers given are left as they were
    np.testing.assert_array_equal(conv.weight.detach().numpy(), tconv.weight.detach().numpy())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(LINEAR_CASES))
def test_linear_bn_fusion_matches_torch(name: str, dtype: Any) -> None:
    (linear, bn), (tlinear, tbn) = twin_layers(LINEAR_CASES[name], dtype)
    fused = minitorch.nn.utils.fuse_linear_bn_eval(linear, bn)
    tfused = torch.nn.utils.fuse_linear_bn_eval(tlinear, tbn)
    _check(fused.weight, tfused.weight, dtype)
    _check(fused.bias, tfused.bias, dtype)
    x = np.random.default_rng(2).standard_normal((5, 6)).astype(dtype)
    _check(fused(minitorch.tensor(x)), tfused(torch.tensor(x)), dtype)


def test_fused_weights_keep_requires_grad_like_torch() -> None:
    (conv, bn), (tconv, tbn) = twin_layers(CONV_CASES["conv2d"][0], np.float64)
    conv.weight.requires_grad_(False)
    tconv.weight.requires_grad_(False)
    w, b = minitorch.nn.utils.fuse_conv_bn_weights(
        conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    tw, tb = torch.nn.utils.fuse_conv_bn_weights(
        tconv.weight, tconv.bias, tbn.running_mean, tbn.running_var, tbn.eps, tbn.weight, tbn.bias
    )
    assert (w.requires_grad, b.requires_grad) == (tw.requires_grad, tb.requires_grad) == (False, True)
    _check(w, tw, np.float64)


def _fuse_in_training(lib: Any) -> Any:
    return lib.nn.utils.fuse_conv_bn_eval(lib.nn.Conv2d(1, 2, 3), lib.nn.BatchNorm2d(2))


def _fuse_without_statistics(lib: Any) -> Any:
    conv, bn = lib.nn.Conv2d(1, 2, 3).eval(), lib.nn.BatchNorm2d(2, track_running_stats=False).eval()
    return lib.nn.utils.fuse_conv_bn_eval(conv, bn)


def _fuse_mismatched_linear(lib: Any) -> Any:
    return lib.nn.utils.fuse_linear_bn_eval(lib.nn.Linear(3, 4).eval(), lib.nn.BatchNorm1d(3).eval())


def _fuse_linear_in_training(lib: Any) -> Any:
    return lib.nn.utils.fuse_linear_bn_eval(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4).eval())


@pytest.mark.parametrize(
    "build", [_fuse_in_training, _fuse_without_statistics, _fuse_mismatched_linear, _fuse_linear_in_training]
)
def test_errors_match_torch(build: Callable) -> None:
    raises_like(build)
