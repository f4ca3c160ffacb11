"""The image data sets ``minitorch train`` reads, prepared once for the whole run."""

from __future__ import annotations

import numpy as np

from minitorch.utils.data import Subset
from minitorch.vision import datasets, transforms

# Dataset name -> (minitorch.vision.datasets class, per-channel mean and std of the training images).
DATASETS: dict[str, tuple] = {
    "fashion-mnist": ("FashionMNIST", (0.2860,), (0.3530,)),
    "mnist": ("MNIST", (0.1307,), (0.3081,)),
    "cifar10": ("CIFAR10", (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),  # as 'Training a Classifier' normalises
}


class DataUnavailable(Exception):
    """The data set is not where the run looks for it (and was not to be downloaded), or cannot be read."""


def load_data(config: dict, image_size: int | None) -> tuple:
    """(train set, test set, class names, one sample's shape) for ``config``'s data set.

    Images are normalised per channel; 28x28 digits are padded to 32x32 (zeros before
    normalising, as ``Pad(2)`` before ``ToTensor()`` would) when the model needs 32x32.
    The padding is applied to the whole uint8 array once, so batches are still gathered
    and converted in one step each.

    Args:
        config: ``dataset``, ``data_dir``, ``download``, ``limit_train`` and ``limit_test`` as
            ``minitorch train`` names them.
        image_size: the side length the model needs (None: any).

    Raises:
        DataUnavailable: the data set is missing or unreadable (the message says which and where).
    """
    cls_name, mean, std = DATASETS[config["dataset"]]
    cls = getattr(datasets, cls_name)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])
    root = config["data_dir"]
    try:
        train_set = cls(root, train=True, transform=transform, download=bool(config["download"]))
        test_set = cls(root, train=False, transform=transform, download=False)
    except (datasets.DatasetError, OSError) as e:
        raise DataUnavailable(f"{config['dataset']}: {e}") from None
    side = None
    for ds in (train_set, test_set):
        pixels = ds.data.numpy() if hasattr(ds.data, "numpy") else np.asarray(ds.data)
        side = pixels.shape[1]
        if image_size is not None and side < image_size:
            before = (image_size - side) // 2
            widths = [(0, 0), (before, image_size - side - before), (before, image_size - side - before)]
            pixels = np.pad(pixels, widths + [(0, 0)] * (pixels.ndim - 3))
            ds.data = pixels  # VisionDataset serves .data whether a tensor or an array
            side = image_size
    channels = len(mean)
    shape = (channels, side, side)
    limited = []
    for ds, limit in ((train_set, config["limit_train"]), (test_set, config["limit_test"])):
        limited.append(Subset(ds, range(min(limit, len(ds)))) if limit else ds)
    return limited[0], limited[1], list(train_set.classes), shape
