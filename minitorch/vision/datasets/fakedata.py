"""FakeData: random images and labels that are the same every time a given index is read, as torchvision's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...creation import randint, randn
from ...random import Generator
from ..transforms import functional as F
from .vision import VisionDataset


class FakeData(VisionDataset):
    """``size`` samples: a standard-normal image of ``image_size`` (C, H, W) as a PIL image, and a label.

    Sample ``i`` is drawn from a generator seeded with ``i + random_offset`` (what ``manual_seed`` then
    ``randn`` and ``randint`` give), so it never changes, and reading it leaves the global generator alone.

    Args:
        size: the number of samples.
        image_size: (channels, height, width).
        num_classes: labels are drawn from 0..num_classes - 1.
        transform: applied to each PIL image.
        target_transform: applied to each label (a one-element tensor; the sample holds its ``.item()``).
        random_offset: added to the index to seed each sample.
    """

    def __init__(
        self,
        size: int = 1000,
        image_size: Sequence[int] = (3, 224, 224),
        num_classes: int = 10,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        random_offset: int = 0,
    ) -> None:
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        if index >= len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        gen = Generator().manual_seed(index + self.random_offset)
        img = randn(*self.image_size, generator=gen)
        target: Any = randint(0, self.num_classes, (1,), generator=gen)[0]
        # floats in [0, 1] become bytes; the normal's tails wrap around, as torchvision's ToPILImage lets them
        sample: Any = F.to_pil_image(img)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target.item()

    def __len__(self) -> int:
        return self.size

    def _batchable(self) -> bool:
        return False

    def extra_repr(self) -> str:
        return ""
