"""Ready-made models: the PyTorch tutorials' nets, defined once for minitorch and for torch.

Each model file's ``define(lib)`` writes its classes against ``lib.nn``, so
``build("lenet", lib=torch)`` gives a real PyTorch twin from the very same source
text as ``build("lenet")``. The minitorch classes are also attributes here
(``minitorch_app.models.LeNet5``). Imports point one way: models use the library's
``nn``; the library never imports them.

========================  ==========================================================
name                      model
========================  ==========================================================
``twolayer``              TwoLayerNet: Linear -> ReLU -> Linear on flattened input
``lenet``                 LeNet5: 1x32x32 (digits padded to 32), 5x5 convs
``lenet-cifar``           CifarLeNet: 'Training a Classifier' net, 3x32x32
``lenet-blitz3``          LeNet5 with the blitz tutorial's 3x3 convs
``cifar-cnn``             CifarCNN: padded 3x3 convs, Dropout, Flatten
``bn-cnn``                BatchNormCNN: 3x3 convs with BatchNorm2d, AdaptiveAvgPool2d, 1x28x28
========================  ==========================================================

Not in the registry (``minitorch train`` classifies images): ``CharLSTM``, the character-level
LSTM language model of ``examples/char_lstm.py`` and the LSTM benchmark case.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Optional

from . import bncnn, charlm, cnn, lenet, twolayer


@functools.cache
def classes(lib: ModuleType) -> dict[str, type]:
    """Every model class written with ``lib.nn``, by class name (one set of classes per library)."""
    table = {
        "TwoLayerNet": twolayer.define(lib),
        **lenet.define(lib),
        "CifarCNN": cnn.define(lib),
        "CharLSTM": charlm.define(lib),
        "BatchNormCNN": bncnn.define(lib),
    }
    for name, cls in table.items():
        cls.__qualname__ = name  # not 'define.<locals>.LeNet5'
    return table


@dataclass(frozen=True)
class ModelSpec:
    """A registry entry: which class, with which fixed arguments, for which input.

    Attributes:
        cls: the class name in ``classes(lib)``.
        input_shape: the (C, H, W) or (features,) the model is built for by default.
        image_size: the side length the model requires (None: any, the input is flattened).
        kwargs: fixed constructor arguments.
        summary: a one-line description.
    """

    cls: str
    input_shape: tuple
    image_size: int | None
    summary: str
    kwargs: dict = field(default_factory=dict)


MODELS: dict[str, ModelSpec] = {
    "twolayer": ModelSpec("TwoLayerNet", (1000,), None, "two-layer ReLU net on flattened input"),
    "lenet": ModelSpec("LeNet5", (1, 32, 32), 32, "LeNet-5, 5x5 convs, 32x32 input"),
    "lenet-cifar": ModelSpec("CifarLeNet", (3, 32, 32), 32, "the 'Training a Classifier' CIFAR-10 net"),
    "lenet-blitz3": ModelSpec(
        "LeNet5", (1, 32, 32), 32, "LeNet with the blitz tutorial's 3x3 convs", {"kernel_size": 3}
    ),
    "cifar-cnn": ModelSpec("CifarCNN", (3, 32, 32), 32, "CNN with padding, Dropout and Flatten"),
    "bn-cnn": ModelSpec("BatchNormCNN", (1, 28, 28), 28, "CNN with BatchNorm2d and AdaptiveAvgPool2d, 28x28 input"),
}


def names() -> list:
    """The registered model names."""
    return list(MODELS)


def build(
    name: str, lib: ModuleType | None = None, input_shape: Sequence[int] | None = None, num_classes: int = 10
) -> Any:
    """A fresh model from the registry, initialised from ``lib``'s default generator.

    Args:
        name: a registered name (see ``names()``).
        lib: the library to build with: minitorch (default) or torch.
        input_shape: the shape of one sample, (C, H, W) or (features,); default: the model's own.
        num_classes: outputs.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODELS)}")
    if lib is None:
        import minitorch as lib
    spec = MODELS[name]
    shape = tuple(spec.input_shape if input_shape is None else input_shape)
    cls = classes(lib)[spec.cls]
    if spec.image_size is None:
        features = 1
        for s in shape:
            features *= int(s)
        return cls(features, 100, num_classes, **spec.kwargs)
    if len(shape) != 3 or shape[1:] != (spec.image_size, spec.image_size):
        raise ValueError(
            f"model {name!r} takes (C, {spec.image_size}, {spec.image_size}) images, got input shape {shape}"
        )
    return cls(in_channels=shape[0], num_classes=num_classes, **spec.kwargs)


def __getattr__(name: str) -> type:
    """``minitorch_app.models.LeNet5`` and the other classes, written with minitorch."""
    import minitorch

    table = classes(minitorch)
    if name in table:
        return table[name]
    raise AttributeError(f"module 'minitorch_app.models' has no attribute {name!r}")


__all__ = [
    "MODELS",
    "ModelSpec",
    "build",
    "classes",
    "names",
    "TwoLayerNet",
    "LeNet5",
    "CifarLeNet",
    "CifarCNN",
    "CharLSTM",
    "BatchNormCNN",
]
