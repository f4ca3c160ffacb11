"""Optimizers (SGD, the Adam family, RMSprop, Adagrad, Adadelta) and learning-rate schedules, with torch's API."""

from . import fused_cuda, lr_scheduler  # fused_cuda: the GPU's fused updates register themselves
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adadelta", "Adagrad", "Adam", "AdamW", "NAdam", "Optimizer", "RAdam", "RMSprop", "SGD", "lr_scheduler"]
