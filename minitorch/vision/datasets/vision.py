"""VisionDataset: an image data set decoded once into a uint8 array, served as torchvision serves it."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ...creation import from_numpy
from ...tensor import Tensor
from ...utils.data import Dataset
from .. import transforms as T

try:
    from PIL import Image
except ImportError:  # pillow is optional: samples are then uint8 arrays
    Image = None  # type: ignore[assignment]  # the optional-import idiom: checked before use


class VisionDataset(Dataset):
    """Images in ``data`` (N x H x W or N x H x W x C, uint8) with integer ``targets``.

    ``ds[i]`` is ``(image, target)``: a PIL image when pillow is installed (a uint8 array
    otherwise) passed through ``transform``, and an int passed through ``target_transform``.
    When the transforms are ones that work on whole batches (``Pad``, ``ToTensor``,
    ``Normalize`` and ``Compose`` of them) and there is no ``target_transform``, the DataLoader gathers a
    batch with one fancy-index and transforms it at once; the result is the same.
    """

    def __init__(self, root: Any, transform: Callable | None = None, target_transform: Callable | None = None) -> None:
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else None
        self.transform = transform
        self.target_transform = target_transform
        self.train = True

    # data / targets are public, as in torchvision; subclasses set them.
    data: Any  # a uint8 Tensor or array, N x H x W (x C)
    targets: Any  # a Tensor, array or list of ints

    def _pixels(self) -> np.ndarray:
        data = self.data
        return data._cpu_array() if isinstance(data, Tensor) else np.asarray(data)

    def _target(self, index: int) -> int:
        targets = self.targets
        return int(targets._cpu_array()[index]) if isinstance(targets, Tensor) else int(targets[index])

    def _targets_at(self, indices: np.ndarray) -> np.ndarray:
        targets = self.targets
        if isinstance(targets, (Tensor, np.ndarray)):
            arr = targets._cpu_array() if isinstance(targets, Tensor) else targets
            return arr[indices].astype(np.int64)
        return np.array([int(targets[i]) for i in indices.tolist()], dtype=np.int64)

    def __getitem__(self, index: int) -> tuple:
        pixels = self._pixels()[index]
        img: Any = Image.fromarray(pixels) if Image is not None else pixels
        target: Any = self._target(index)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def _batchable(self) -> bool:
        return self.target_transform is None and (self.transform is None or T._can_batch(self.transform))

    def _get_batch(self, indices: np.ndarray) -> list:
        pixels = self._pixels()
        n = len(pixels)
        if indices.size and (indices.min() < -n or indices.max() >= n):
            raise IndexError(
                f"index {int(indices[(indices < -n) | (indices >= n)][0])} is out of bounds for "
                f"dimension 0 with size {n}"
            )
        images = pixels[indices]
        targets = self._targets_at(indices)
        batch = from_numpy(images) if self.transform is None else T._apply_batch(self.transform, images)
        return [batch, from_numpy(targets)]

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"

    def __repr__(self) -> str:
        lines = [f"Number of datapoints: {len(self)}"]
        lines += [f"Root location: {self.root}"] if self.root is not None else []
        lines += self.extra_repr().splitlines()
        if self.transform is not None:
            lines.append("Transform: " + repr(self.transform).replace("\n", "\n    "))
        if self.target_transform is not None:
            lines.append("Target transform: " + repr(self.target_transform).replace("\n", "\n    "))
        return "\n".join([f"Dataset {type(self).__name__}"] + ["    " + line for line in lines])
