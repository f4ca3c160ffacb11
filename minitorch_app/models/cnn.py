"""A small CIFAR-10 CNN that exercises padding, Dropout and Flatten."""

from __future__ import annotations

from types import ModuleType
from typing import Any


def define(lib: ModuleType) -> type:
    """The ``CifarCNN`` class written with ``lib.nn`` (``lib`` is minitorch or torch)."""
    nn: Any = lib.nn  # minitorch.nn or torch.nn: a base class the checker cannot name

    class CifarCNN(nn.Module):
        """Two padded 3x3 conv blocks (32x32 -> 16x16 -> 8x8), then a dropout-regularised classifier.

        Args:
            in_channels: image channels.
            num_classes: outputs.
            width: channels of the first conv block (the second has twice as many).
        """

        def __init__(self, in_channels: int = 3, num_classes: int = 10, width: int = 16) -> None:
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(in_channels, width, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
                nn.Conv2d(width, 2 * width, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            )
            self.classifier = nn.Sequential(
                nn.Flatten(),
                nn.Dropout(0.25),
                nn.Linear(2 * width * 8 * 8, 128),
                nn.ReLU(inplace=True),
                nn.Dropout(0.5),
                nn.Linear(128, num_classes),
            )

        def forward(self, x: Any) -> Any:
            return self.classifier(self.features(x))

    return CifarCNN
