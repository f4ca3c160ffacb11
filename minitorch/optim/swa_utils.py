"""Averages of a model's weights over training (SWA, EMA) and the schedule that goes with them, as
``torch.optim.swa_utils``: ``AveragedModel``, ``update_bn``, ``SWALR`` and the averaging functions.

The arithmetic follows torch's, path for path, so that averaged weights are the same floats: on the
CPU the default average is ``avg + (p - avg) / (n + 1)`` parameter by parameter (torch's fallback
where it has no fused multi-tensor kernel), on a GPU, or with a multi-tensor function, a ``lerp`` whose
weight ``1 / (n + 1)`` is computed in the default dtype (float32 unless changed) before it is used.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from copy import deepcopy
from typing import Any, Literal

from .. import creation, dtypes
from ..autograd.grad_mode import no_grad
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.module import Module
from ..tensor import Tensor
from .lr_scheduler.base import LRScheduler, _format_param
from .optimizer import Optimizer

__all__ = [
    "AveragedModel",
    "update_bn",
    "SWALR",
    "get_ema_multi_avg_fn",
    "get_swa_multi_avg_fn",
    "get_ema_avg_fn",
    "get_swa_avg_fn",
]

# A function averaging one tensor: (average so far, current value, how many averaged) -> new average.
AvgFn = Callable[[Tensor, Tensor, Any], Tensor]
# A function averaging lists of tensors of one device and dtype in place.
MultiAvgFn = Callable[[Sequence[Tensor], Sequence[Tensor], Any], None]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def _lerps(tensor: Tensor) -> bool:
    """Whether the in-place lerp applies (floating tensors; torch's multi-tensor lerp takes no integers)."""
    return tensor.dtype.is_floating_point


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """The exponential moving average over lists of tensors, in place: ``ema = decay * ema + (1 - decay) * p``.

    Args:
        decay: weight of the average so far, in [0, 1].
    """
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_params: Sequence[Tensor], current_params: Sequence[Tensor], _num_averaged: Any) -> None:
        if _lerps(ema_params[0]):
            for p_ema, p in zip(ema_params, current_params):
                p_ema.lerp_(p, 1 - decay)
        else:
            for p_ema, p in zip(ema_params, current_params):
                p_ema.copy_(p_ema * decay + p * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """The running mean over lists of tensors, in place: ``avg += (p - avg) / (n + 1)`` (a lerp for floats)."""

    @no_grad()
    def swa_update(averaged_params: Sequence[Tensor], current_params: Sequence[Tensor], num_averaged: Any) -> None:
        if _lerps(averaged_params[0]):
            # torch computes the weight as a tensor of the default dtype and then uses its value
            weight = 1 / (num_averaged + 1)
            value = weight.item() if isinstance(weight, Tensor) else weight
            for p_avg, p in zip(averaged_params, current_params):
                p_avg.lerp_(p, value)
        else:
            for p_avg, p in zip(averaged_params, current_params):
                diff = p - p_avg
                if isinstance(num_averaged, Tensor):
                    p_avg.addcdiv_(diff, num_averaged + 1)
                else:
                    p_avg.add_(diff, alpha=1.0 / (num_averaged + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """The exponential moving average of one tensor: returns ``decay * ema + (1 - decay) * p``.

    Args:
        decay: weight of the average so far, in [0, 1].
    """
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> AvgFn:
    """The running mean of one tensor: returns ``avg + (p - avg) / (n + 1)``."""

    @no_grad()
    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _by_device_and_dtype(averaged: list[Tensor], current: list[Tensor]) -> dict:
    """{(device, dtype): ([averaged], [current])}, in the order the pairs first appear."""
    groups: dict = {}
    for a, c in zip(averaged, current):
        lists = groups.setdefault((a.device, a.dtype), ([], []))
        lists[0].append(a)
        lists[1].append(c)
    return groups


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and, with ``use_buffers``, buffers) hold an average of the
    values ``update_parameters`` is given: stochastic weight averaging by default, or any ``avg_fn`` /
    ``multi_avg_fn`` (``get_ema_multi_avg_fn()`` for an exponential moving average).

    Args:
        model: the module to average (deep-copied; the copy is ``self.module``).
        device: where the average lives, if not on ``model``'s device.
        avg_fn: averages one tensor: (average, current, number averaged) -> new average.
        multi_avg_fn: averages lists of tensors of one device and dtype in place.
        use_buffers: average the buffers too (else they are copied from ``model`` at each update).
    """

    n_averaged: Tensor

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: AvgFn | None = None,
        multi_avg_fn: MultiAvgFn | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", creation.tensor(0, dtype=dtypes.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The averaged module's forward."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current values into the average (the first call copies them).

        Args:
            model: a module of the same structure as the averaged one.
        """
        mine: Iterable[Tensor]
        theirs: Iterable[Tensor]
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        averaged, current = [], []
        first = bool(self.n_averaged == 0)
        for p_avg, p_model in zip(mine, theirs):
            value = p_model.detach().to(p_avg.device)
            averaged.append(p_avg.detach())
            current.append(value)
            if first:
                p_avg.detach().copy_(value)
        if self.n_averaged > 0:
            self._average(averaged, current)
        if not self.use_buffers:  # the buffers follow the source model
            for b_avg, b_model in zip(self.module.buffers(), model.buffers()):
                b_avg.detach().copy_(b_model.detach().to(b_avg.device))
        self.n_averaged += 1

    def _average(self, averaged: list[Tensor], current: list[Tensor]) -> None:
        """One averaging step over the (detached) pairs, by the function torch would use for them."""
        if self.avg_fn is not None and self.multi_avg_fn is None:
            for p_avg, p in zip(averaged, current):
                p_avg.copy_(self.avg_fn(p_avg, p, self.n_averaged.to(p_avg.device)))
            return
        for (device, _), (group_avg, group_cur) in _by_device_and_dtype(averaged, current).items():
            n = self.n_averaged.to(device)
            if self.multi_avg_fn is not None:
                self.multi_avg_fn(group_avg, group_cur, n)
            elif device.type == "cuda":  # where torch has its multi-tensor kernels
                get_swa_multi_avg_fn()(group_avg, group_cur, n)
            else:
                swa = get_swa_avg_fn()
                for p_avg, p in zip(group_avg, group_cur):
                    p_avg.copy_(swa(p_avg, p, n))


@no_grad()
def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of every batch-norm layer of ``model`` with one pass over ``loader``
    (a cumulative average: momentum None for the pass), as after weight averaging.

    Args:
        loader: batches: tensors, or lists/tuples whose first element is the model's input.
        model: the module whose batch-norm layers are updated (left in the mode it was in).
        device: where to move each batch before the forward, if given.
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` epochs (cosine or linear), then
    hold it, as ``torch.optim.swa_utils.SWALR``.

    Args:
        optimizer: the wrapped optimizer.
        swa_lr: the rate to reach, one for all groups or one per group.
        anneal_epochs: epochs of the annealing phase (0: at once).
        anneal_strategy: "cos" or "linear".
        last_epoch: index of the last epoch (-1 to start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | list[float],
        anneal_epochs: int = 10,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        last_epoch: int = -1,
    ) -> None:
        for value, group in zip(_format_param("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: Any, swa_lr: Any, alpha: float) -> Any:
        """The rate the annealing started from, given the current rate at fraction ``alpha`` of it."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list[Any]:
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                UserWarning,
                stacklevel=2,
            )
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        # The rate before this step tells where the annealing started (chainable: outside changes carry on).
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer and the annealing function (restored from its name)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned.

        Args:
            state_dict: a dict from ``state_dict()``.
        """
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
