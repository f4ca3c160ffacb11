"""print(model) gives exactly torch's text, for the tutorials' models and for each layer's options."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pytest
import torch

import minitorch
from tests.nn_models import MODELS, build


@pytest.mark.parametrize("name", MODELS)
def test_model_repr_matches_torch(name: str) -> None:
    assert str(build(minitorch, name)) == str(build(torch, name))


def test_blitz_net_text() -> None:
    # Pinned as well, so a change on both sides (a torch upgrade) is noticed.
    assert (
        str(build(minitorch, "blitz_net5"))
        == """Net(
  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (fc1): Linear(in_features=400, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)"""
    )


LAYERS: dict = {
    "Linear no bias": lambda nn: nn.Linear(3, 4, bias=False),
    "Conv2d tuple kernel": lambda nn: nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=(1, 2)),
    "Conv2d same": lambda nn: nn.Conv2d(3, 8, 3, padding="same", dilation=2),
    "Conv2d valid": lambda nn: nn.Conv2d(3, 8, 3, padding="valid"),
    "Conv2d groups": lambda nn: nn.Conv2d(4, 8, 3, groups=2, bias=False),
    "Conv2d reflect": lambda nn: nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect"),
    "MaxPool2d": lambda nn: nn.MaxPool2d(3, stride=2, padding=1, dilation=1, ceil_mode=True),
    "MaxPool2d tuple": lambda nn: nn.MaxPool2d((2, 3)),
    "AvgPool2d": lambda nn: nn.AvgPool2d(3, 1, 1, count_include_pad=False),
    "ReLU inplace": lambda nn: nn.ReLU(inplace=True),
    "Softmax": lambda nn: nn.Softmax(dim=-1),
    "LogSoftmax no dim": lambda nn: nn.LogSoftmax(),
    "Dropout": lambda nn: nn.Dropout(0.2, inplace=True),
    "Flatten": lambda nn: nn.Flatten(0, 2),
    "Unflatten": lambda nn: nn.Unflatten(1, (2, 5)),
    "Identity": lambda nn: nn.Identity(54, unused="x"),
    "losses": lambda nn: nn.Sequential(
        nn.CrossEntropyLoss(label_smoothing=0.1),
        nn.NLLLoss(),
        nn.MSELoss(),
        nn.BCELoss(),
        nn.BCEWithLogitsLoss(),
        nn.L1Loss(),
    ),
    "empty Sequential": lambda nn: nn.Sequential(),
    "nested Sequential": lambda nn: nn.Sequential(
        OrderedDict(
            [("block", nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Tanh()))), ("out", nn.Sigmoid())]
        )
    ),
    "ModuleList runs": lambda nn: nn.ModuleList(
        [nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2), nn.ReLU(), nn.ReLU(), nn.ReLU()]
    ),
    "ModuleList nested": lambda nn: nn.ModuleList([nn.Sequential(nn.Linear(1, 1), nn.ReLU())] * 2),
    "empty ModuleList": lambda nn: nn.ModuleList(),
    "ModuleDict": lambda nn: nn.ModuleDict({"act": nn.ReLU(), "lin": nn.Linear(1, 2)}),
}


@pytest.mark.parametrize("make", LAYERS.values(), ids=list(LAYERS))
def test_layer_repr_matches_torch(make: Callable[[Any], Any]) -> None:
    assert repr(make(minitorch.nn)) == repr(make(torch.nn))


def test_extra_repr_lines_are_indented_like_torch() -> None:
    def make(lib: Any) -> Any:
        class Scaled(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = lib.nn.Linear(1, 1)

            def extra_repr(self):
                return "scale=2\nshift=1"

        return lib.nn.Sequential(Scaled(), lib.nn.ReLU())

    assert repr(make(minitorch)) == repr(make(torch))


def test_parameter_repr_matches_torch() -> None:
    values = [[0.5, -1.25], [3.0, 4.0]]
    assert repr(minitorch.nn.Parameter(minitorch.tensor(values))) == repr(torch.nn.Parameter(torch.tensor(values)))
    assert repr(minitorch.nn.Parameter(minitorch.tensor([1.0]), requires_grad=False)) == repr(
        torch.nn.Parameter(torch.tensor([1.0]), requires_grad=False)
    )
