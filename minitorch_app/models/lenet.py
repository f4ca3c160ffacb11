"""LeNet-5 as PyTorch's tutorials write it: the blitz's 1x32x32 net (5x5 or 3x3 kernels) and
the 3-channel net of 'Training a Classifier' (CIFAR-10)."""

from __future__ import annotations

from types import ModuleType
from typing import Any


def define(lib: ModuleType) -> dict:
    """The LeNet classes written with ``lib.nn`` (``lib`` is minitorch or torch), by class name."""
    nn: Any = lib.nn  # minitorch.nn or torch.nn: a base class the checker cannot name
    F = lib.nn.functional

    class LeNet5(nn.Module):
        """conv 6@k×k -> max-pool 2 -> conv 16@k×k -> max-pool 2 -> 120 -> 84 -> classes, on 32x32 images.

        Args:
            in_channels: image channels (1 for digits, 3 for CIFAR-10).
            num_classes: outputs.
            kernel_size: 5 (LeNet-5) or 3 (the blitz tutorial's older variant).
        """

        def __init__(self, in_channels: int = 1, num_classes: int = 10, kernel_size: int = 5) -> None:
            super().__init__()
            side = ((32 - kernel_size + 1) // 2 - kernel_size + 1) // 2  # 5 for 5x5 kernels, 6 for 3x3
            self.conv1 = nn.Conv2d(in_channels, 6, kernel_size)
            self.conv2 = nn.Conv2d(6, 16, kernel_size)
            self.fc1 = nn.Linear(16 * side * side, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, num_classes)

        def forward(self, x: Any) -> Any:
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    class CifarLeNet(nn.Module):
        """The 'Training a Classifier' net: LeNet-5 with an ``nn.MaxPool2d(2, 2)`` module, 3x32x32 input.

        Args:
            in_channels: image channels (3 in the tutorial).
            num_classes: outputs.
        """

        def __init__(self, in_channels: int = 3, num_classes: int = 10) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(in_channels, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, num_classes)

        def forward(self, x: Any) -> Any:
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return {"LeNet5": LeNet5, "CifarLeNet": CifarLeNet}
