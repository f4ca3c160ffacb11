"""The tutorials' training sections under minitorch, step for step against torch.

Each twin starts from the same weights (copied through the state dict) and sees the
same batches; after every optimizer step the parameters must still agree.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch
from tests.nn_models import build


def _twins(name: str, dtype: str) -> tuple:
    theirs = build(torch, name).to(getattr(torch, dtype))
    ours = build(minitorch, name).to(getattr(minitorch, dtype))
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def _batches(shape: tuple, n: int, classes: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(shape), rng.integers(0, classes, shape[0])) for _ in range(n)]


def _train(lib, net, batches, make_opt, criterion, dtype: str) -> list:
    optimizer = make_opt(lib, net)
    loss_fn = criterion(lib)
    losses = []
    for inputs, labels in batches:
        inputs = lib.tensor(inputs, dtype=getattr(lib, dtype))
        labels = lib.tensor(labels)
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = loss_fn(outputs, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


OPTIMIZERS = {
    "sgd-momentum": lambda lib, net: lib.optim.SGD(net.parameters(), lr=0.01, momentum=0.9),
    "adam": lambda lib, net: lib.optim.Adam(net.parameters(), lr=1e-3),
    "sgd-nesterov-wd": lambda lib, net: lib.optim.SGD(
        net.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4
    ),
}
TOL = {"float64": (1e-9, 1e-11), "float32": (2e-4, 2e-5)}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("model,shape", [("cifar_lenet", (4, 3, 32, 32)), ("blitz_net5", (4, 1, 32, 32))])
def test_classifier_training_matches_torch(model, shape, optimizer, dtype):
    ours, theirs = _twins(model, dtype)
    batches = _batches(shape, 6, 10)
    crit = lambda lib: lib.nn.CrossEntropyLoss()  # noqa: E731
    our_losses = _train(minitorch, ours, batches, OPTIMIZERS[optimizer], crit, dtype)
    their_losses = _train(torch, theirs, batches, OPTIMIZERS[optimizer], crit, dtype)
    rtol, atol = TOL[dtype]
    np.testing.assert_allclose(our_losses, their_losses, rtol=rtol, atol=atol)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=rtol * 10, atol=atol * 10, err_msg=name)


def test_blitz_update_loop_with_mse_and_sgd():
    """The blitz's 'Update the weights' section: optimizer.zero_grad(); loss.backward(); optimizer.step()."""
    torch_ = minitorch
    net, twin = _twins("blitz_net5", "float64")
    rng = np.random.default_rng(3)
    x, target = rng.standard_normal((1, 1, 32, 32)), rng.standard_normal((1, 10))
    for lib, model in ((torch_, net), (torch, twin)):
        optimizer = lib.optim.SGD(model.parameters(), lr=0.01)
        criterion = lib.nn.MSELoss()
        for _ in range(3):
            optimizer.zero_grad()
            output = model(lib.tensor(x))
            loss = criterion(output, lib.tensor(target))
            loss.backward()
            optimizer.step()
    for p, q in zip(net.parameters(), twin.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_training_lowers_the_loss():
    torch_ = minitorch
    torch_.manual_seed(0)
    net = build(torch_, "cifar_lenet")
    rng = np.random.default_rng(0)
    inputs = torch_.tensor(rng.standard_normal((16, 3, 32, 32)), dtype=torch_.float32)
    labels = torch_.tensor(rng.integers(0, 10, 16))
    criterion = torch_.nn.CrossEntropyLoss()
    optimizer = torch_.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    first = None
    for _ in range(100):
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels)
        loss.backward()
        optimizer.step()
        first = loss.item() if first is None else first
    assert loss.item() < 0.5 * first


def test_save_state_dict_then_load_into_a_fresh_net(tmp_path):
    """torch.save(net.state_dict(), PATH); net = Net(); net.load_state_dict(torch.load(PATH))."""
    torch_ = minitorch
    PATH = tmp_path / "cifar_net.pth"
    net = build(torch_, "cifar_lenet")
    torch_.save(net.state_dict(), PATH)
    fresh = build(torch_, "cifar_lenet")
    result = fresh.load_state_dict(torch_.load(PATH, weights_only=True))
    assert not result.missing_keys and not result.unexpected_keys
    images = torch_.randn(4, 3, 32, 32)
    with torch_.no_grad():
        np.testing.assert_array_equal(net(images).numpy(), fresh(images).numpy())
    _, predicted = torch_.max(fresh(images), 1)
    assert predicted.shape == (4,) and predicted.dtype is torch_.int64


def test_optimizer_checkpoint_resumes_identically(tmp_path):
    torch_ = minitorch
    batches = _batches((4, 3, 32, 32), 6, 10, seed=5)
    crit = lambda lib: lib.nn.CrossEntropyLoss()  # noqa: E731

    def run(steps, net, opt):
        for inputs, labels in steps:
            opt.zero_grad()
            crit(torch_)(net(torch_.tensor(inputs, dtype=torch_.float64)), torch_.tensor(labels)).backward()
            opt.step()

    straight, _ = _twins("cifar_lenet", "float64")
    resumed = build(torch_, "cifar_lenet").double()
    resumed.load_state_dict(straight.state_dict())
    opt_a = torch_.optim.Adam(straight.parameters(), lr=1e-3)
    opt_b = torch_.optim.Adam(resumed.parameters(), lr=1e-3)
    run(batches, straight, opt_a)
    run(batches[:3], resumed, opt_b)
    torch_.save({"model": resumed.state_dict(), "optimizer": opt_b.state_dict()}, tmp_path / "ckpt.pt")
    ckpt = torch_.load(tmp_path / "ckpt.pt")
    again = build(torch_, "cifar_lenet").double()
    again.load_state_dict(ckpt["model"])
    opt_c = torch_.optim.Adam(again.parameters(), lr=1e-3)
    opt_c.load_state_dict(ckpt["optimizer"])
    run(batches[3:], again, opt_c)
    for p, q in zip(straight.parameters(), again.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
