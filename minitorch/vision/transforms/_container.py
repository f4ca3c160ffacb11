"""Random containers: RandomApply, RandomChoice, RandomOrder.

torchvision draws RandomChoice's and RandomOrder's choices from Python's ``random`` module; here every draw comes
from minitorch's generator, so one ``manual_seed`` replays a whole pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._utils import rand, randperm, uniform


class RandomTransforms:
    """Base class of the containers that pick among ``transforms`` at random.

    Args:
        transforms: the transforms.
    """

    def __init__(self, transforms: Sequence[Callable]) -> None:
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence")
        self.transforms = transforms

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError()

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class RandomApply:
    """Apply all of ``transforms``, in order, with probability ``p`` (else none).

    Args:
        transforms: the transforms.
        p: the probability of applying them.
    """

    def __init__(self, transforms: Sequence[Callable], p: float = 0.5) -> None:
        self.transforms, self.p = transforms, p

    def __call__(self, img: Any) -> Any:
        if self.p < rand():
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}(\n    p={self.p}{body}\n)"


class RandomOrder(RandomTransforms):
    """Apply ``transforms`` in a random order."""

    def __call__(self, img: Any) -> Any:
        for i in randperm(len(self.transforms)):
            img = self.transforms[i](img)
        return img


class RandomChoice(RandomTransforms):
    """Apply one of ``transforms``, picked with weights ``p`` (default: equally likely).

    Args:
        transforms: the transforms.
        p: their relative weights.
    """

    def __init__(self, transforms: Sequence[Callable], p: Sequence[float] | None = None) -> None:
        super().__init__(transforms)
        if p is not None and not isinstance(p, Sequence):
            raise TypeError("Argument p should be a sequence")
        self.p = p

    def __call__(self, *args: Any) -> Any:
        weights = np.ones(len(self.transforms)) if self.p is None else np.asarray(self.p, dtype=np.float64)
        cumulative = np.cumsum(weights)
        pick = int(np.searchsorted(cumulative, uniform(0.0, 1.0) * cumulative[-1], side="right"))
        return self.transforms[min(pick, len(self.transforms) - 1)](*args)

    def __repr__(self) -> str:
        return f"{super().__repr__()}(p={self.p})"
