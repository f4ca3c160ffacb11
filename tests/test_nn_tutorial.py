"""The 60-minute blitz 'Neural Networks' section, run unchanged after ``import minitorch as torch``."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.nn_models import blitz_net
from tests.parity import assert_close

# The tutorial's code, in its order; only the import lines differ from the original.
BLITZ = """
import minitorch as torch
import minitorch.nn as nn
import minitorch.nn.functional as F


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution
        # kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 from image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        # Convolution layer C1: 1 input image channel, 6 output channels,
        # 5x5 square convolution, it uses RELU activation function, and
        # outputs a Tensor with size (N, 6, 28, 28), where N is the size of the batch
        c1 = F.relu(self.conv1(input))
        # Subsampling layer S2: 2x2 grid, purely functional,
        # this layer does not have any parameter, and outputs a (N, 6, 14, 14) Tensor
        s2 = F.max_pool2d(c1, (2, 2))
        # Convolution layer C3: 6 input channels, 16 output channels,
        # 5x5 square convolution, it uses RELU activation function, and
        # outputs a (N, 16, 10, 10) Tensor
        c3 = F.relu(self.conv2(s2))
        # Subsampling layer S4: 2x2 grid, purely functional,
        # this layer does not have any parameter, and outputs a (N, 16, 5, 5) Tensor
        s4 = F.max_pool2d(c3, 2)
        # Flatten operation: purely functional, outputs a (N, 400) Tensor
        s4 = torch.flatten(s4, 1)
        # Fully connected layer F5: (N, 400) Tensor input,
        # and outputs a (N, 120) Tensor, it uses RELU activation function
        f5 = F.relu(self.fc1(s4))
        # Fully connected layer F6: (N, 120) Tensor input,
        # and outputs a (N, 84) Tensor, it uses RELU activation function
        f6 = F.relu(self.fc2(f5))
        # Gaussian layer OUTPUT: (N, 84) Tensor input, and
        # outputs a (N, 10) Tensor
        output = self.fc3(f6)
        return output


net = Net()
print(net)

params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's .weight

input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)

net.zero_grad()
out.backward(torch.randn(1, 10))

output = net(input)
target = torch.randn(10)  # a dummy target, for example
target = target.view(1, -1)  # make it the same shape as output
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)

print(loss.grad_fn)  # MSELoss
print(loss.grad_fn.next_functions[0][0])  # Linear
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU

net.zero_grad()     # zeroes the gradient buffers of all parameters

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)

learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
"""


def _printed(source: str, capsys: pytest.CaptureFixture) -> tuple:
    """Run the tutorial; return its variables (and the parameters just before the manual update) and
    what it printed, with object addresses blanked."""
    setup, update = source.split("learning_rate = 0.01")
    namespace: dict = {}
    exec(compile(setup, "<blitz>", "exec"), namespace)
    namespace["before"] = [f.detach().clone() for f in namespace["net"].parameters()]
    exec(compile("learning_rate = 0.01" + update, "<blitz>", "exec"), namespace)
    return namespace, re.sub(r" at 0x[0-9a-f]+", " at 0x", capsys.readouterr().out)


def test_blitz_runs_under_minitorch_and_prints_what_torch_prints(capsys: pytest.CaptureFixture) -> None:
    ns, ours = _printed(BLITZ, capsys)
    _, theirs = _printed(BLITZ.replace("minitorch", "torch"), capsys)
    net = ns["net"]
    assert isinstance(net, minitorch.nn.Module) and isinstance(ns["loss"], minitorch.Tensor)
    assert len(ns["params"]) == 10 and ns["params"][0].size() == (6, 1, 5, 5)
    assert ns["out"].shape == (1, 10) and ns["loss"].shape == ()
    # print(net), the parameter count and size, None before backward; not the values (nor the graph
    # nodes, whose names test_blitz_graph_nodes_are_named_like_torch checks)
    skip = r"^\s*(tensor\(|\[?-?[0-9]+\.|<\w+ object at 0x>$)"
    keep = lambda text: [ln for ln in text.splitlines() if not re.match(skip, ln)]  # noqa: E731
    assert keep(ours) == keep(theirs)
    assert "\n10\n" in ours and "\ntorch.Size([6, 1, 5, 5])\n" in ours
    assert len(re.findall(r"^<\w+ object at 0x>$", ours, re.M)) == 3
    assert ours.split("conv1.bias.grad before backward\n")[1].startswith("None\n")
    after = ours.split("conv1.bias.grad after backward\n")[1]
    assert after.startswith("tensor([") and "requires_grad" not in after  # a plain 6-vector
    for f, old in zip(net.parameters(), ns["before"]):
        np.testing.assert_allclose(f.detach().numpy(), (old - f.grad * 0.01).numpy(), rtol=1e-6, atol=1e-8)


def _tutorial_steps(lib: Any, net: Any, arrays: dict) -> dict:
    """The tutorial's computations on given data; returns everything it computes."""
    nn = lib.nn
    input = lib.tensor(arrays["input"])
    out = net(input)
    net.zero_grad()
    out.backward(lib.tensor(arrays["out_grad"]))
    first_grads = {n: p.grad.numpy().copy() for n, p in net.named_parameters()}
    output = net(input)
    target = lib.tensor(arrays["target"]).view(1, -1)
    loss = nn.MSELoss()(output, target)
    net.zero_grad()
    loss.backward()
    grads = {n: p.grad.numpy().copy() for n, p in net.named_parameters()}
    for f in net.parameters():
        f.data.sub_(f.grad.data * 0.01)
    return {
        "out": out.detach().numpy(),
        "first_grads": first_grads,
        "loss": loss.item(),
        "grads": grads,
        "updated": {n: p.detach().numpy().copy() for n, p in net.named_parameters()},
    }


def test_blitz_numbers_match_torch_with_the_same_weights() -> None:
    rng = np.random.default_rng(0)
    arrays = {
        "input": rng.standard_normal((1, 1, 32, 32)).astype(np.float32),
        "out_grad": rng.standard_normal((1, 10)).astype(np.float32),
        "target": rng.standard_normal(10).astype(np.float32),
    }
    theirs, ours = blitz_net(torch), blitz_net(minitorch)
    ours.load_state_dict(theirs.state_dict())
    want, got = _tutorial_steps(torch, theirs, arrays), _tutorial_steps(minitorch, ours, arrays)
    assert_close(got["out"], want["out"], 1e-4, 1e-5, "out")
    assert abs(got["loss"] - want["loss"]) <= 1e-5 * abs(want["loss"])
    for key in ("first_grads", "grads", "updated"):
        assert list(got[key]) == list(want[key])
        for name in want[key]:
            assert_close(got[key][name], want[key][name], 1e-4, 1e-5, f"{key} {name}")


def test_blitz_graph_nodes_are_named_like_torch() -> None:
    """What the tutorial prints for loss.grad_fn and the two nodes below it (MSELoss, Linear, ...)."""

    def names(lib: Any) -> list:
        net = blitz_net(lib)
        loss = lib.nn.MSELoss()(net(lib.randn(1, 1, 32, 32)), lib.randn(1, 10))
        node = loss.grad_fn
        first = node.next_functions[0][0]
        return [type(n).__name__ for n in (node, first, first.next_functions[0][0])]

    assert names(minitorch) == names(torch)
