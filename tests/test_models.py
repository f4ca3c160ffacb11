"""minitorch_app.models: shapes, parameter counts and printing, each against the torch twin built from the same source."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from minitorch_app.reference.twin import copy_weights

import minitorch
from minitorch_app import models

# Parameter counts worked out by hand (LeNet-5's 61,706 and the CIFAR tutorial's 62,006 are the known figures).
PARAMETERS = {
    "twolayer": 1000 * 100 + 100 + 100 * 10 + 10,
    "lenet": 61706,
    "lenet-cifar": 62006,
    "lenet-blitz3": 81194,
    "cifar-cnn": 268650,
    "bn-cnn": 24058,
}


def _count(model) -> int:
    return sum(int(p.numel()) for p in model.parameters())


@pytest.mark.parametrize("name", models.names())
def test_output_shape_and_parameters_match_the_torch_twin(name):
    minitorch.manual_seed(0)
    ours, theirs = models.build(name), models.build(name, torch)
    shape = models.MODELS[name].input_shape
    assert tuple(ours(minitorch.randn(3, *shape)).shape) == (3, 10)
    assert _count(ours) == _count(theirs) == PARAMETERS[name]
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", models.names())
def test_forward_matches_torch_from_the_same_weights(name):
    ours = models.build(name).double().eval()  # eval: cifar-cnn's dropout is off
    theirs = models.build(name, torch).double().eval()
    copy_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((4, *models.MODELS[name].input_shape))
    with minitorch.no_grad(), torch.no_grad():
        np.testing.assert_allclose(
            ours(minitorch.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-10, atol=1e-12
        )


def test_lenet_prints_like_torch():
    assert repr(models.build("lenet")) == (
        "LeNet5(\n"
        "  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))\n"
        "  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))\n"
        "  (fc1): Linear(in_features=400, out_features=120, bias=True)\n"
        "  (fc2): Linear(in_features=120, out_features=84, bias=True)\n"
        "  (fc3): Linear(in_features=84, out_features=10, bias=True)\n"
        ")"
    )


def test_input_shape_sets_channels_and_features():
    lenet = models.build("lenet", input_shape=(3, 32, 32), num_classes=7)
    assert lenet.conv1.in_channels == 3 and lenet.fc3.out_features == 7
    assert tuple(lenet(minitorch.randn(2, 3, 32, 32)).shape) == (2, 7)
    two = models.build("twolayer", input_shape=(1, 28, 28))
    assert two.linear1.in_features == 784
    assert tuple(two(minitorch.randn(5, 1, 28, 28)).shape) == (5, 10)


def test_bad_names_and_shapes_are_refused():
    with pytest.raises(ValueError, match="unknown model 'resnet'; expected one of twolayer, lenet"):
        models.build("resnet")
    with pytest.raises(ValueError, match=r"takes \(C, 32, 32\) images, got input shape \(1, 28, 28\)"):
        models.build("lenet", input_shape=(1, 28, 28))


def test_classes_are_module_attributes_and_one_set_per_library():
    assert isinstance(models.build("lenet"), models.LeNet5)
    assert models.LeNet5.__qualname__ == "LeNet5"
    assert issubclass(models.classes(torch)["LeNet5"], torch.nn.Module)
    assert models.classes(torch)["LeNet5"] is not models.LeNet5
    with pytest.raises(AttributeError, match="no attribute 'ResNet'"):
        models.ResNet  # noqa: B018


def test_seeded_builds_are_reproducible():
    minitorch.manual_seed(3)
    a = models.build("lenet")
    minitorch.manual_seed(3)
    b = models.build("lenet")
    for (k, p), q in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(p.numpy(), q.numpy(), err_msg=k)


def test_the_tutorial_two_layer_net_trains_like_torch():
    """'Learning PyTorch with Examples', nn.Module version: the registry's TwoLayerNet, sum-of-squares, SGD."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 1000)), rng.standard_normal((64, 10))
    ours = models.TwoLayerNet(1000, 100, 10).double()
    theirs = models.classes(torch)["TwoLayerNet"](1000, 100, 10).double()
    copy_weights(ours, theirs)
    losses = {}
    for lib, model in ((minitorch, ours), (torch, theirs)):
        criterion = lib.nn.MSELoss(reduction="sum")
        optimizer = lib.optim.SGD(model.parameters(), lr=1e-4)
        xs, ys = lib.tensor(x), lib.tensor(y)
        losses[lib.__name__] = []
        for _ in range(50):
            loss = criterion(model(xs), ys)
            losses[lib.__name__].append(loss.item())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    np.testing.assert_allclose(losses["minitorch"], losses["torch"], rtol=1e-10)
    assert losses["minitorch"][-1] < 0.1 * losses["minitorch"][0]


def test_nn_does_not_import_models():
    code = "import sys, minitorch, minitorch.nn; print('minitorch_app.models' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
