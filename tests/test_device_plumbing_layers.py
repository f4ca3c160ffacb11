"""The next tier's ops and layers on the host-backed second device (tests/fake_device.py): results and
gradients stay on the device with the host's values, and a BatchNorm CNN trains there as on the host."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import minitorch
from minitorch.nn import functional as F
from minitorch_app import models

from .fake_device import FakeArray, fake_device

# The fake device runs the plain kernels; the host does too here, so the two agree bit for bit (the host's
# fast variants are checked against their plain twins in test_ops_numba.py and test_ops_threads.py).
pytestmark = pytest.mark.usefixtures("plain_host_kernels")


@pytest.fixture(autouse=True)
def fake() -> Iterator[Any]:
    with fake_device() as backend:
        yield backend


X = np.random.default_rng(0).standard_normal((2, 4, 6, 6))


def _w(t: minitorch.Tensor, *shape: int) -> minitorch.Tensor:
    """Parameters on ``t``'s device, made from ``t`` so that they are differentiable through it."""
    return t.flatten()[: int(np.prod(shape))].reshape(*shape) * 0.5 + 1


OPS: dict[str, Callable] = {
    "leaky_relu": lambda t: F.leaky_relu(t, 0.1),
    "gelu": F.gelu,
    "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
    "elu_silu_mish": lambda t: F.elu(t) + F.silu(t) + F.mish(t),
    "softplus_logsigmoid": lambda t: F.softplus(t) + F.logsigmoid(t),
    "hardswish_hardtanh": lambda t: F.hardswish(t) + F.hardtanh(t),
    "prelu": lambda t: F.prelu(t, _w(t, 4)),
    "batch_norm_train": lambda t: F.batch_norm(t, None, None, _w(t, 4), _w(t, 4), training=True),
    "batch_norm_eval": lambda t: F.batch_norm(
        t, minitorch.zeros(4, device=t.device), minitorch.ones(4, device=t.device)
    ),
    "layer_norm": lambda t: F.layer_norm(t, (6, 6), _w(t, 6, 6)),
    "group_norm": lambda t: F.group_norm(t, 2, _w(t, 4), _w(t, 4)),
    "conv1d": lambda t: F.conv1d(t[0], _w(t, 3, 6, 2), padding=1),
    "conv_transpose2d": lambda t: F.conv_transpose2d(t, _w(t, 4, 2, 3, 3), stride=2, padding=1, output_padding=1),
    "adaptive_avg": lambda t: F.adaptive_avg_pool2d(t, (4, 5)),
    "adaptive_max": lambda t: F.adaptive_max_pool2d(t, 4),
    "max_pool1d": lambda t: F.max_pool1d(t[0], 3, 2, 1),
    # the volumetric layers, on X as one unbatched (C, D, H, W) volume or a batch of one
    "conv3d": lambda t: F.conv3d(t[None], _w(t, 3, 2, 2, 3, 2), stride=(1, 2, 1), padding=1),
    "conv_transpose3d": lambda t: F.conv_transpose3d(t, _w(t, 2, 3, 2, 2, 2), stride=2, padding=1, output_padding=1),
    "max_pool3d": lambda t: F.max_pool3d(t, 2, 1, 1, ceil_mode=True),
    "avg_pool3d": lambda t: F.avg_pool3d(t[None], (2, 3, 3), 2, 1, ceil_mode=True, count_include_pad=False),
    "adaptive_pool3d": lambda t: F.adaptive_avg_pool3d(t[None], (3, 4, 5)) + F.adaptive_max_pool3d(t[None], (3, 4, 5)),
    "lp_pool3d": lambda t: F.lp_pool3d(t[None] * t[None] + 0.1, 2, 2, 1),
    "max_unpool3d": lambda t: F.max_unpool3d(*F.max_pool3d(t[None], 2, return_indices=True), 2),
    "interpolate": lambda t: F.interpolate(t, scale_factor=1.5, mode="bilinear") + F.interpolate(t, size=9),
    "smooth_l1_huber": lambda t: F.smooth_l1_loss(t, t * 0.5) + F.huber_loss(t, -t, delta=0.5),
    "kl_div": lambda t: F.kl_div(F.log_softmax(t, 1), F.softmax(t * 2, 1), reduction="batchmean"),
    "cosine_similarity": lambda t: F.cosine_similarity(t, t.flip(0)),
    "normalize": lambda t: F.normalize(t, dim=2),
    "soft_margin": lambda t: F.soft_margin_loss(t, minitorch.ones_like(t)),
    "scaled_dot_product_attention": lambda t: F.scaled_dot_product_attention(t, t * 0.5, t.flip(-1), is_causal=True),
    "attention_masks": lambda t: F.scaled_dot_product_attention(
        t, t, t, attn_mask=minitorch.ones(6, 6, dtype=minitorch.bool, device=t.device).tril()
    ),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_results_and_gradients_stay_on_the_device_with_the_host_s_values(name: str) -> None:
    results = []
    for device in ("cpu", "fake"):
        x = minitorch.tensor(X, device=device, requires_grad=True)
        out = OPS[name](x)
        assert out.device == x.device and type(out._data) is type(x._data), name
        out.backward(minitorch.ones_like(out))
        assert x.grad.device == x.device and type(x.grad._data) is type(x._data)
        results.append((out.detach().cpu().numpy(), x.grad.cpu().numpy()))
    for got, want in zip(*results):
        np.testing.assert_array_equal(got, want)


def test_a_batch_norm_cnn_trains_on_the_device_as_on_the_host() -> None:
    images = np.random.default_rng(1).standard_normal((4, 1, 28, 28)).astype(np.float32)
    labels = np.array([1, 0, 3, 2])
    states = []
    for device in ("cpu", "fake"):
        minitorch.manual_seed(0)
        model = models.build("bn-cnn").to(device)
        opt = minitorch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x, y = minitorch.tensor(images, device=device), minitorch.tensor(labels, device=device)
        for _ in range(2):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        state = model.state_dict()
        for value in state.values():
            assert value.device == minitorch.device(device)
        assert type(model.features[1].num_batches_tracked._data) is (FakeArray if device == "fake" else np.ndarray)
        states.append({k: v.cpu().numpy() for k, v in state.items()})
    for k in states[0]:
        np.testing.assert_array_equal(states[0][k], states[1][k], err_msg=k)


def test_a_transformer_trains_on_the_device_as_on_the_host() -> None:
    """Two SGD steps of a small Transformer with a causal mask and padding masks made on the device."""
    rng = np.random.default_rng(2)
    src, tgt = rng.standard_normal((5, 2, 8)), rng.standard_normal((4, 2, 8))
    padding = np.zeros((2, 5), bool)
    padding[1, 4:] = True
    states = []
    for device in ("cpu", "fake"):
        minitorch.manual_seed(0)
        model = minitorch.nn.Transformer(8, 2, 1, 1, 16, dropout=0.0).double().to(device)
        opt = minitorch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        mask = minitorch.nn.Transformer.generate_square_subsequent_mask(4, device=device, dtype=minitorch.float64)
        assert mask.device == minitorch.device(device)
        s, t = minitorch.tensor(src, device=device), minitorch.tensor(tgt, device=device)
        p = minitorch.tensor(padding, device=device)
        for _ in range(2):
            opt.zero_grad()
            out = model(s, t, tgt_mask=mask, src_key_padding_mask=p, memory_key_padding_mask=p)
            assert out.device == minitorch.device(device)
            F.mse_loss(out, t).backward()
            opt.step()
        states.append({k: v.cpu().numpy() for k, v in model.state_dict().items()})
    for k in states[0]:
        np.testing.assert_array_equal(states[0][k], states[1][k], err_msg=k)
