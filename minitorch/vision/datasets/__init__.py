"""Image data sets with torchvision's constructors: MNIST, FashionMNIST, CIFAR10."""

from .cifar import CIFAR10
from .files import DatasetError
from .mnist import MNIST, FashionMNIST
from .vision import VisionDataset

__all__ = ["CIFAR10", "DatasetError", "FashionMNIST", "MNIST", "VisionDataset"]
