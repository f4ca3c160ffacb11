"""The models of PyTorch's beginner tutorials, written once and built with either library.

``build(lib, name)`` defines the classes with ``lib.nn`` (torch or minitorch), so the
torch model and its minitorch twin come from the very same source text.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any


def blitz_net(lib: Any, k: int = 5) -> Any:
    """The 60-minute blitz 'Neural Networks' LeNet (1x32x32 input); k=3 is the tutorial's older variant."""
    nn, F = lib.nn, lib.nn.functional
    side = {5: 5, 3: 6}[k]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, k)
            self.conv2 = nn.Conv2d(6, 16, k)
            self.fc1 = nn.Linear(16 * side * side, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, input):
            c1 = F.relu(self.conv1(input))
            s2 = F.max_pool2d(c1, (2, 2))
            c3 = F.relu(self.conv2(s2))
            s4 = F.max_pool2d(c3, 2)
            s4 = lib.flatten(s4, 1)
            f5 = F.relu(self.fc1(s4))
            f6 = F.relu(self.fc2(f5))
            return self.fc3(f6)

    return Net()


def cifar_lenet(lib: Any) -> Any:
    """The 'Training a Classifier' (CIFAR-10) LeNet: 3 channels, 5x5 kernels, MaxPool2d(2, 2)."""
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return Net()


def lenet(lib: Any) -> Any:
    """LeNet-5 for 1x32x32 images, seeded: the GPU tests' model."""
    nn = lib.nn
    lib.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def mlp(lib: Any) -> Any:
    """A Sequential binary classifier ending with Sigmoid."""
    nn = lib.nn
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())


def cifar_cnn(lib: Any) -> Any:
    """A CIFAR CNN with 'same' padding, Dropout and Flatten, split into features and classifier."""
    nn = lib.nn

    class CifarCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 8, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
                nn.Conv2d(8, 16, kernel_size=3, padding="same", bias=False),
                nn.ReLU(),
                nn.AvgPool2d(2, 2),
            )
            self.classifier = nn.Sequential(
                nn.Flatten(),
                nn.Dropout(0.25),
                nn.Linear(16 * 8 * 8, 32),
                nn.ReLU(),
                nn.Dropout(p=0.5),
                nn.Linear(32, 10),
                nn.LogSoftmax(dim=1),
            )

        def forward(self, x):
            return self.classifier(self.features(x))

    return CifarCNN()


def quickstart(lib: Any) -> Any:
    """The 'Quickstart' / 'Build the Neural Network' FashionMNIST model."""
    nn = lib.nn

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 64),
                nn.ReLU(),
                nn.Linear(64, 64),
                nn.ReLU(),
                nn.Linear(64, 10),
            )

        def forward(self, x):
            return self.linear_relu_stack(self.flatten(x))

    return NeuralNetwork()


def composite(lib: Any) -> Any:
    """Every registration path at once: buffers (persistent or not, int), a shared module, a
    ModuleList of blocks, an OrderedDict Sequential, a None child, a bias-free layer, and a
    parameter registered after the submodules."""
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.lin = nn.Linear(n, n, bias=False)
            self.register_buffer("scale", lib.ones(n))
            self.register_buffer("steps", lib.zeros(1, dtype=lib.int64))
            self.register_buffer("cache", lib.zeros(n), persistent=False)
            self.gain = nn.Parameter(lib.full((n,), 0.5))  # after the buffers, yet listed before them

        def forward(self, x):
            return F.relu(self.lin(x)) * self.scale * self.gain

    class Composite(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Linear(4, 6)
            self.blocks = nn.ModuleList([Block(6) for _ in range(2)])
            self.tied = self.stem
            self.add_module("aux", None)
            self.head = nn.Sequential(OrderedDict([("drop", nn.Dropout(0.1)), ("out", nn.Linear(6, 3))]))
            self.temperature = nn.Parameter(lib.ones(1) * 2)

        def forward(self, x):
            x = self.stem(x)
            for block in self.blocks:
                x = block(x)
            return self.head(x) / self.temperature

    return Composite()


# name -> (builder, input shape)
MODELS = {
    "blitz_net5": (blitz_net, (2, 1, 32, 32)),
    "blitz_net3": (lambda lib: blitz_net(lib, 3), (2, 1, 32, 32)),
    "cifar_lenet": (cifar_lenet, (2, 3, 32, 32)),
    "mlp": (mlp, (5, 8)),
    "cifar_cnn": (cifar_cnn, (2, 3, 32, 32)),
    "quickstart": (quickstart, (3, 28, 28)),
    "composite": (composite, (5, 4)),
}


def build(lib: Any, name: str) -> Any:
    return MODELS[name][0](lib)
