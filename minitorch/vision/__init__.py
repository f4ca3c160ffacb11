"""minitorch.vision: data sets, transforms and make_grid with torchvision's API (``import minitorch.vision as
torchvision``)."""

from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
