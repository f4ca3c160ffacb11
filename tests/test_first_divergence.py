"""first_divergence and lockstep on LeNet pairs: faithful, a perturbed weight, a wrong backward, a bad step."""

from __future__ import annotations

import numpy as np
import torch

import minitorch
from minitorch.testing import first_divergence, lockstep
from tests.nn_models import blitz_net

DATA = np.random.default_rng(0).standard_normal((2, 1, 32, 32))
LABELS = np.array([3, 7])


def pair(make=blitz_net):
    torch.manual_seed(0)
    return make(minitorch).double(), make(torch).double()


def test_a_faithful_pair_has_no_divergence():
    ours, theirs = pair()
    report = first_divergence(ours, theirs, DATA, LABELS)
    assert not report.diverged and report.forward is None and report.backward is None
    assert "no divergence" in str(report)
    assert [name for name, _ in report.calls] == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    np.testing.assert_allclose(ours.fc2.weight.grad.numpy(), theirs.fc2.weight.grad.numpy(), rtol=1e-9)


def test_a_perturbed_conv2_weight_is_named():
    ours, theirs = pair()
    ours.load_state_dict(theirs.state_dict())
    with minitorch.no_grad():
        ours.conv2.weight[3, 1, 2, 2] += 1e-3
    report = first_divergence(ours, theirs, DATA, LABELS, copy_weights=False)
    assert report.weights.module == "conv2.weight" and report.weights.mismatch.abs_index == (3, 1, 2, 2)
    assert (report.forward.module, report.forward.tensor) == ("conv2", "output")
    assert report.forward.mismatch.abs_index[1] == 3  # the perturbed filter's output channel
    assert report.backward is not None and "forward:  conv2 (Conv2d), output:" in str(report)


def with_custom_layer(wrong: bool):
    """LeNet with a custom 'Double' layer after fc1; in minitorch its backward may be wrong."""

    def make(lib):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad * (3 if wrong and lib is minitorch else 2)

        class Layer(lib.nn.Module):
            def forward(self, x):
                return Double.apply(x)

        F = lib.nn.functional

        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1, self.conv2 = lib.nn.Conv2d(1, 6, 5), lib.nn.Conv2d(6, 16, 5)
                self.fc1, self.act, self.fc2 = lib.nn.Linear(400, 120), Layer(), lib.nn.Linear(120, 10)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.conv1(x)), 2)
                x = F.max_pool2d(F.relu(self.conv2(x)), 2)
                return self.fc2(self.act(F.relu(self.fc1(lib.flatten(x, 1)))))

        return Net()

    return make


def test_a_wrong_backward_in_a_custom_layer_is_named():
    ours, theirs = pair(with_custom_layer(wrong=True))
    report = first_divergence(ours, theirs, DATA, LABELS)
    assert report.forward is None
    assert (report.backward.module, report.backward.kind, report.backward.tensor) == ("act", "Layer", "grad of input")
    assert "backward: act (Layer), grad of input:" in str(report)
    assert not first_divergence(*pair(with_custom_layer(wrong=False)), DATA, LABELS).diverged


def test_functional_code_between_modules_is_pointed_at():
    def make(lib):
        net = blitz_net(lib)
        if lib is minitorch:  # a bug in the 'functional' part: conv2's input is off, conv1's output is not
            net.conv2.register_forward_pre_hook(lambda mod, args: (args[0] * 1.001,))
        return net

    report = first_divergence(*pair(make), DATA)
    assert (report.forward.module, report.forward.tensor) == ("conv2", "input 0")
    assert "conv1's output agreed" in report.forward.note


BATCHES = [(np.random.default_rng(i).standard_normal((2, 1, 32, 32)), np.array([i, 9 - i])) for i in range(3)]


def sgd(lib, params):
    return lib.optim.SGD(params, lr=0.05, momentum=0.9)


def test_lockstep_faithful_pair():
    report = lockstep(*pair(), BATCHES, sgd, steps=4)
    assert not report.diverged and "no divergence in 4 steps" in str(report)
    assert len(report.losses) == 4 and abs(report.losses[-1][0] - report.losses[-1][1]) < 1e-12


def test_lockstep_names_the_step_and_tensor():
    ours, theirs = pair()
    calls = []

    def make_optimizer(lib, params):
        opt = sgd(lib, params)
        if lib is minitorch:
            step = opt.step

            def bad_step():
                step()
                calls.append(1)
                if len(calls) == 3:
                    with minitorch.no_grad():
                        ours.fc2.bias[5] += 1e-4

            opt.step = bad_step
        return opt

    report = lockstep(ours, theirs, BATCHES, make_optimizer, steps=5)
    assert (report.step, report.tensor, report.phase) == (3, "fc2.bias", "parameter after the optimizer step")
    assert report.mismatch.abs_index == (5,)
    assert "separate at step 3 (of 5), parameter after the optimizer step, fc2.bias" in str(report)
