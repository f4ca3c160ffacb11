"""The two-layer ReLU net of 'Learning PyTorch with Examples', as an ``nn.Module``."""

from __future__ import annotations

from types import ModuleType
from typing import Any


def define(lib: ModuleType) -> type:
    """The ``TwoLayerNet`` class written with ``lib.nn`` (``lib`` is minitorch or torch)."""
    nn: Any = lib.nn  # minitorch.nn or torch.nn: a base class the checker cannot name

    class TwoLayerNet(nn.Module):
        """Linear -> ReLU (``clamp(min=0)``) -> Linear; image batches are flattened first.

        Args:
            D_in: input features (C*H*W for images).
            H: hidden units.
            D_out: outputs (classes).
        """

        def __init__(self, D_in: int = 1000, H: int = 100, D_out: int = 10) -> None:
            super().__init__()
            self.linear1 = nn.Linear(D_in, H)
            self.linear2 = nn.Linear(H, D_out)

        def forward(self, x: Any) -> Any:
            h_relu = self.linear1(x.flatten(1)).clamp(min=0)
            return self.linear2(h_relu)

    return TwoLayerNet
