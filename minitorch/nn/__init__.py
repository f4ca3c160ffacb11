"""``minitorch.nn``: modules, parameters, layers, losses, ``functional`` and ``init``, as in ``torch.nn``."""
from . import functional, init, parallel, utils
from .modules import (AvgPool2d, BCELoss, BCEWithLogitsLoss, Conv2d, CrossEntropyLoss, Dropout, Flatten,
                      Identity, L1Loss, Linear, LogSoftmax, MaxPool2d, Module, ModuleDict, ModuleList, MSELoss,
                      NLLLoss, ReLU, Sequential, Sigmoid, Softmax, Tanh, Unflatten)
from .parameter import Parameter

__all__ = ["AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "Conv2d", "CrossEntropyLoss", "Dropout", "Flatten",
           "Identity", "L1Loss", "Linear", "LogSoftmax", "MSELoss", "MaxPool2d", "Module", "ModuleDict",
           "ModuleList", "NLLLoss", "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh", "Unflatten",
           "functional", "init", "parallel", "utils"]
