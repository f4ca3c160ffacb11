"""Device plumbing on a CPU, through a host-backed second device (tests/fake_device.py).

Results must stay on their inputs' device through every op, gradients must come back on each
leaf's device, mixing devices must fail naming both, and the numbers must be the host's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import minitorch
from minitorch import nn
from minitorch.nn import functional as F

from .fake_device import FAKE, FakeArray, fake_device

# The fake device runs the plain kernels; the host does too here, so the two agree bit for bit (the host's
# fast variants are checked against their plain twins in test_ops_numba.py and test_ops_threads.py).
pytestmark = pytest.mark.usefixtures("plain_host_kernels")


@pytest.fixture(autouse=True)
def fake() -> Iterator[Any]:
    with fake_device() as backend:
        yield backend


def on(device: str, array: np.ndarray, requires_grad: bool = False) -> minitorch.Tensor:
    return minitorch.tensor(array, device=device, requires_grad=requires_grad)


def host(t: minitorch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 8, 8)).astype(np.float32)
M = RNG.standard_normal((4, 5))
LABELS = np.array([1, 0, 3, 2])

OPS: dict = {
    "add_scalar": lambda t: t + 1.5,
    "mul": lambda t: t * t,
    "div": lambda t: t / (t.abs() + 1),
    "pow": lambda t: t**2,
    "exp_log": lambda t: (t.exp() + 1).log(),
    "sigmoid_tanh": lambda t: t.sigmoid() + t.tanh(),
    "relu": F.relu,
    "clamp": lambda t: t.clamp(-0.5, 0.5),
    "where": lambda t: minitorch.where(t > 0, t, t * 0.1),
    "sum": lambda t: t.sum(),
    "mean_dim": lambda t: t.mean(dim=1),
    "max_all": lambda t: t.max(),
    "max_dim": lambda t: t.max(dim=-1)[0],
    "argmax_all": lambda t: t.argmax(),
    "var": lambda t: t.var(dim=0),
    "reshape_t": lambda t: t.reshape(-1, 8).t(),
    "permute": lambda t: t.permute(3, 2, 1, 0) * 1,
    "index": lambda t: t[0, 1:, ::2],
    "index_tensor": lambda t: t[minitorch.tensor([1, 0])],
    "cat": lambda t: minitorch.cat([t, t * 2], dim=1),
    "split": lambda t: t.split(1, dim=1)[2],
    "softmax": lambda t: F.softmax(t, dim=1),
    "log_softmax": lambda t: F.log_softmax(t, dim=-1),
    "conv2d": lambda t: F.conv2d(t, t[:2, :, :3, :3] * 1, padding=1),
    "conv2d_strided": lambda t: F.conv2d(t, t[:2, :, :3, :3] * 1, stride=2),
    "max_pool_tiled": lambda t: F.max_pool2d(t, 2),
    "max_pool_general": lambda t: F.max_pool2d(t, 3, 2, 1),
    "avg_pool": lambda t: F.avg_pool2d(t, 2),
    "pad": lambda t: F.pad(t, (1, 2, 2, 1), mode="reflect"),
    "dropout_eval": lambda t: F.dropout(t, 0.5, training=False),
    "eq": lambda t: t == t,
    "scatter_reduce": lambda t: t.scatter_reduce(1, (t[:, :2] > 0).long(), t[:, :2], "prod", include_self=False),
    "index_add": lambda t: t.index_add(1, minitorch.tensor([2, 0], device=t.device), t[:, :2], alpha=2),
    "masked_scatter": lambda t: t.masked_scatter(t > 0, t.flip(0)),
    "sort": lambda t: t.sort(dim=1, descending=True),
    "topk_median": lambda t: t.topk(3).values + t.median(-1, keepdim=True).values + t.median(),
    "searchsorted": lambda t: minitorch.searchsorted(t.sort().values, t[..., :3]),
    "cumprod_cummax": lambda t: t.cumprod(2) + t.cummax(-1).values + t.logcumsumexp(0),
    "diagonal": lambda t: minitorch.cat(
        [t.diagonal(1, -2, -1).flatten(), t.diagonal(-2, 2, 3).flatten(), t.diagonal().flatten()]
    ),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_an_op_keeps_its_result_on_the_fake_device_with_the_host_s_values(name: str) -> None:
    op: Callable = OPS[name]
    want = op(on("cpu", X))
    got = op(on("fake", X))
    for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
        assert g.device == minitorch.device("fake") and type(g._data) is FakeArray, name
        np.testing.assert_array_equal(host(g), host(w))


@pytest.mark.parametrize(
    "name",
    [
        "mul",
        "div",
        "exp_log",
        "relu",
        "clamp",
        "where",
        "mean_dim",
        "max_dim",
        "var",
        "reshape_t",
        "index",
        "index_tensor",
        "scatter_reduce",
        "index_add",
        "masked_scatter",
        "topk_median",
        "cumprod_cummax",
        "cat",
        "softmax",
        "conv2d",
        "conv2d_strided",
        "max_pool_tiled",
        "max_pool_general",
        "avg_pool",
        "pad",
    ],
)
def test_gradients_come_back_on_the_fake_device(name: str) -> None:
    grads = []
    for device in ("cpu", "fake"):
        x = on(device, X.astype(np.float64), requires_grad=True)
        out = OPS[name](x)
        out.backward(minitorch.ones_like(out))
        assert x.grad.device == x.device and type(x.grad._data) is type(x._data)
        grads.append(host(x.grad))
    np.testing.assert_array_equal(*grads)


def _lenet() -> nn.Module:
    minitorch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 4))


def test_a_training_step_runs_on_the_fake_device_as_on_the_host() -> None:
    losses, params = [], []
    for device in ("cpu", "fake"):
        model = _lenet().to(device)
        opt = minitorch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        images, labels = on(device, X[:, :, :, :].repeat(2, axis=0)), on(device, LABELS)
        for _ in range(2):
            opt.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            opt.step()
        for p in model.parameters():
            assert p.device == minitorch.device(device) and p.grad.device == p.device
            assert type(opt.state[p]["momentum_buffer"]._data) is type(p._data)
        losses.append(loss.item())
        params.append([host(p) for p in model.parameters()])
    assert losses[0] == losses[1]
    for a, b in zip(*params):
        np.testing.assert_array_equal(a, b)


def test_mixing_devices_in_one_op_names_both() -> None:
    a, b = on("fake", M), on("cpu", M)
    with pytest.raises(RuntimeError, match="found at least two devices, fake and cpu"):
        a + b
    with pytest.raises(RuntimeError, match="found at least two devices, cpu and fake"):
        minitorch.matmul(b, a.t())


def test_moving_between_devices_is_differentiable() -> None:
    x = on("cpu", M, requires_grad=True)
    y = (x.to("fake") * 3).sum()
    assert y.device.type == "fake"
    y.backward()
    assert x.grad.device.type == "cpu" and np.all(x.grad.numpy() == 3)


def test_host_only_conversions_refuse_a_fake_tensor_like_torch_does_a_cuda_one() -> None:
    t = on("fake", M)
    with pytest.raises(TypeError, match="can't convert fake device type tensor to numpy. Use Tensor.cpu()"):
        t.numpy()
    assert t.cpu().numpy().tolist() == M.tolist()
    assert "device='fake'" in repr(t)


def test_creation_functions_and_in_place_fills_place_data_on_the_device() -> None:
    made = [
        minitorch.zeros(2, 3, device="fake"),
        minitorch.ones(2, device="fake"),
        minitorch.full((2,), 7.0, device="fake"),
        minitorch.rand(3, device="fake"),
        minitorch.randn(3, device="fake"),
        minitorch.arange(4, device="fake"),
        minitorch.zeros_like(on("fake", M)),
        minitorch.empty(2, device="fake").uniform_(),
        minitorch.empty(4, device="fake").normal_(),
        minitorch.empty(3, device="fake").bernoulli_(0.5),
    ]
    for t in made:
        assert t.device.type == "fake" and type(t._data) is FakeArray


def test_the_fake_device_is_a_registered_backend_only_while_the_fixture_holds() -> None:
    assert minitorch.backend.backend_for(minitorch.device("fake")) is FAKE
    assert minitorch.backend.backend_of(FAKE.from_host(M, minitorch.device("fake"))) is FAKE
