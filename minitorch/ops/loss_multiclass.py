"""Multi-class hinge losses: multi_margin_loss (one target class per sample) and multilabel_margin_loss (a list of
target classes per sample, ended by -1).

Both are compositions of recorded ops: the target classes' scores are gathered, each compared with every
other class's score through a hinge (``relu``: no gradient where the margin is met exactly, as torch's
kernels, which count only a strictly positive term), masked and summed over classes, divided by the
number of classes. A sample's target list in multilabel_margin_loss is kept as torch's kernel reads
it, position by position up to the first -1, so a class listed twice counts twice.
"""

from __future__ import annotations

from .. import dtypes
from ..amp import autocast_mode
from ..creation import arange
from ..tensor import Tensor
from .loss import not_differentiable, reduction_string
from .loss_regression import reduce_tensor
from .unary import relu

__all__ = ["multi_margin_loss", "multilabel_margin_loss"]


def _check_samples(input: Tensor) -> None:
    """torch's check of the input: a vector of class scores, or a batch of them (the batch may be empty)."""
    if not (input.ndim == 1 and input.shape[0] > 0) and not (input.ndim == 2 and input.shape[1] > 0):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {list(input.shape)}"
        )


def _check_long(target: Tensor) -> None:
    if target.dtype is not dtypes.int64:
        raise RuntimeError(f"expected scalar type Long but found {target.dtype._scalar_name}")


def _check_reduction(reduction: str) -> None:
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Per sample, the mean over the other classes of ``max(0, margin - x[y] + x[i]) ** p`` (times ``weight[y]``).

    Args:
        input: (N, C) or (C,) class scores.
        target: (N,) or () class index per sample (int64).
        p: 1 or 2, the hinge's power.
        margin: the gap the target's score should keep above the others.
        weight: (C,) per-class weights, applied by each sample's target class.
        reduction: 'none' (one loss per sample), 'mean' or 'sum'.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(multi_margin_loss):
        return autocast_mode.run(
            "multi_margin_loss", multi_margin_loss, input, target, p, margin, weight, size_average, reduce, reduction
        )
    if size_average is not None or reduce is not None:
        reduction = reduction_string(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    _check_samples(input)
    classes = input.shape[-1]
    samples = input.shape[0] if input.ndim == 2 else 1
    if target.numel() != samples or target.ndim > 1:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples "
            f"(batch size). Expected target size [{samples}], but got {list(target.shape)}. "
            f"Input has shape {list(input.shape)}."
        )
    _check_long(target)
    if weight is not None and weight.shape[0] != classes:
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got {list(weight.shape)}")
    _check_reduction(reduction)
    not_differentiable("multi_margin_loss", "weight", weight)
    rows = input.reshape(samples, classes)
    labels = target.reshape(samples, 1)
    if labels.numel() and bool(((labels < 0) | (labels >= classes)).any()):
        raise RuntimeError("target out of range")
    scores = rows.gather(1, labels)
    hinge = relu(margin - scores + rows)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight[labels]
    # the target's own column (margin ** p) is no loss: left out of the sum, as torch's kernel skips it
    others = arange(classes, device=input.device) != labels
    loss = hinge.where(others, hinge.new_zeros(())).sum(dim=1) / classes
    return reduce_tensor(loss if input.ndim == 2 else loss.reshape(()), reduction)


def multilabel_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Per sample, the sum over its target classes j and non-target classes i of ``max(0, 1 - (x[j] - x[i]))``,
    divided by the number of classes.

    Args:
        input: (N, C) or (C,) class scores.
        target: class indices shaped like ``input`` (int64), each sample's list ended by the first -1.
        reduction: 'none' (one loss per sample), 'mean' or 'sum'.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(multilabel_margin_loss):
        return autocast_mode.run(
            "multilabel_margin_loss", multilabel_margin_loss, input, target, size_average, reduce, reduction
        )
    if size_average is not None or reduce is not None:
        reduction = reduction_string(size_average, reduce, reduction)
    _check_samples(input)
    if target.shape != input.shape:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    _check_long(target)
    _check_reduction(reduction)
    classes = input.shape[-1]
    rows = input.reshape(-1, classes)
    labels = target.reshape(-1, classes)
    # a sample's list runs up to its first -1: the positions before it (a running product of "not -1")
    listed = (labels != -1).to(dtypes.int64).cumprod(dim=1).to(dtypes.bool_)
    if bool((listed & ((labels < 0) | (labels >= classes))).any()):
        raise RuntimeError("argument #2 'target' is out of range")
    index = labels.where(listed, labels.new_zeros(()))
    # whether each class is listed (before the -1): (N, position, class) matches, any over the positions
    is_target = ((index.unsqueeze(2) == arange(classes, device=input.device)) & listed.unsqueeze(2)).any(dim=1)
    target_scores = rows.gather(1, index)  # (N, C): the score of the class at each list position
    pairs = relu(1 - target_scores.unsqueeze(2) + rows.unsqueeze(1))  # (N, position, class)
    keep = listed.unsqueeze(2) & ~is_target.unsqueeze(1)
    loss = pairs.where(keep, pairs.new_zeros(())).sum(dim=(1, 2)) / classes
    return reduce_tensor(loss if input.ndim == 2 else loss.reshape(()), reduction)
