"""A small CNN with batch normalisation and global average pooling (the BatchNorm example's model)."""

from __future__ import annotations

from types import ModuleType
from typing import Any


def define(lib: ModuleType) -> type:
    """The ``BatchNormCNN`` class written with ``lib.nn`` (``lib`` is minitorch or torch)."""
    nn: Any = lib.nn  # minitorch.nn or torch.nn: a base class the checker cannot name

    class BatchNormCNN(nn.Module):
        """Three 3x3 conv blocks (conv, BatchNorm2d, ReLU; max-pooling after the first two) of 16, 32 and 64
        channels, AdaptiveAvgPool2d(1) and one linear layer: about 24k parameters, any image size.

        Args:
            in_channels: image channels.
            num_classes: outputs.
        """

        def __init__(self, in_channels: int = 1, num_classes: int = 10) -> None:
            super().__init__()

            def block(cin: int, cout: int) -> list:
                return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

            self.features = nn.Sequential(
                *block(in_channels, 16),
                nn.MaxPool2d(2),
                *block(16, 32),
                nn.MaxPool2d(2),
                *block(32, 64),
                nn.AdaptiveAvgPool2d(1),
            )
            self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(64, num_classes))

        def forward(self, x: Any) -> Any:
            return self.classifier(self.features(x))

    return BatchNormCNN
