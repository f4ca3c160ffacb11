"""Image data sets with torchvision's constructors: MNIST, FashionMNIST, KMNIST, CIFAR10, CIFAR100, ImageFolder,
DatasetFolder and FakeData."""

from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .files import DatasetError
from .folder import IMG_EXTENSIONS, DatasetFolder, ImageFolder, default_loader, has_file_allowed_extension
from .mnist import KMNIST, MNIST, FashionMNIST
from .vision import VisionDataset

__all__ = [
    "CIFAR10",
    "CIFAR100",
    "DatasetError",
    "DatasetFolder",
    "FakeData",
    "FashionMNIST",
    "IMG_EXTENSIONS",
    "ImageFolder",
    "KMNIST",
    "MNIST",
    "VisionDataset",
    "default_loader",
    "has_file_allowed_extension",
]
