"""Losses: fused cross-entropy, NLL, binary cross-entropy (on probabilities and on logits), MSE, L1.

Cross-entropy is one Function: log-softmax (shifted by the row max) and the
negative log-likelihood share a single forward and a single backward,
``grad * (softmax * sum(q) - q)``, where ``q`` holds each class's coefficient in the
loss (weights, label smoothing and ignored entries folded in).
"""
from __future__ import annotations

import warnings
from typing import Any, Optional

from .. import backend, dtypes
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import _LEGACY_NAMES, Tensor
from .activation import log_softmax_array
from .base import Op, to_dtype

REDUCTIONS = ("none", "mean", "sum")


def reduction_string(size_average: Optional[bool], reduce: Optional[bool], reduction: str) -> str:
    """The reduction to use, honouring the deprecated ``size_average``/``reduce`` pair as torch does."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if size_average and reduce else ("sum" if reduce else "none")
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                      "instead.", stacklevel=3)
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Any, reduction: str, count: Any) -> Any:
    """Per-element losses reduced: kept (none), summed, or summed and divided by ``count`` (mean)."""
    xp = backend.array_module(loss)
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return xp.asarray(total)
    with backend.quiet(xp):
        return xp.asarray(total / count).astype(loss.dtype)


def _upstream(grad: Any, reduction: str, count: Any) -> Any:
    """The gradient reaching each element's loss."""
    if reduction != "mean":
        return grad
    with backend.quiet(backend.array_module(grad)):
        return (grad / count).astype(grad.dtype, copy=False)


def _per_class(a: Any) -> Any:
    """A per-row array (N, d1, ...) given a class axis to broadcast against (N, C, d1, ...)."""
    return backend.array_module(a).expand_dims(a, 1) if a.ndim else a


def _class_axis(weight: Any, ndim: int) -> Any:
    return weight.reshape((1, -1) + (1,) * (ndim - 2))


def class_weights(target: Any, classes: int, weight: Optional[Any], ignore_index: int, np_dtype: Any) -> tuple:
    """For class-index targets: indices safe to gather with, the not-ignored mask, and each row's weight.

    Raises torch's IndexError for a target outside ``[0, classes)`` that is not ``ignore_index``.
    """
    xp = backend.array_module(target)
    valid = target != ignore_index
    bad = valid & ((target < 0) | (target >= classes))
    if bad.any():
        raise IndexError(f"Target {int(target[bad].ravel()[0])} is out of bounds.")
    safe = xp.where(valid, target, 0).astype(xp.int64)
    wy = valid.astype(np_dtype) if weight is None else weight[safe] * valid
    return safe, valid, wy


def _pick(a: Any, index: Any) -> Any:
    """``a[n, index[n, ...], ...]`` along the class axis."""
    xp = backend.array_module(a)
    return xp.take_along_axis(a, xp.expand_dims(index, 1), axis=1).squeeze(1)


def _one_hot(index: Any, classes: int, ndim: int, np_dtype: Any) -> Any:
    xp = backend.array_module(index)
    return (xp.arange(classes).reshape((1, -1) + (1,) * (ndim - 2)) == xp.expand_dims(index, 1)).astype(np_dtype)


def _plain_rows(x: Any, target: Any, weight: Optional[Any], ignore_index: int, smoothing: float,
                reduction: str) -> bool:
    """Whether cross-entropy can take its fast path: (N, C) logits and class indices, all in range."""
    if x.ndim != 2 or weight is not None or smoothing or reduction == "none" or target.dtype.kind not in "iu":
        return False
    if target.size == 0 or 0 <= ignore_index < x.shape[1]:
        return False
    if target.dtype.kind == "i":  # negatives read as unsigned are huge: one reduction checks both ends
        target = target.view(target.dtype.str.replace("i", "u"))
    return bool(target.max() < x.shape[1])


class CrossEntropyLoss(Op):
    """log_softmax along axis 1 fused with the negative log-likelihood (class indices or probabilities)."""

    @staticmethod
    def forward(ctx: Any, x: Any, target: Any, weight: Optional[Any], ignore_index: int, smoothing: float,
                reduction: str) -> Any:
        xp = backend.array_module(x)
        c = x.shape[1]
        logp = log_softmax_array(x, 1)
        if _plain_rows(x, target, weight, ignore_index, smoothing, reduction):
            # (N, C) logits, in-range class indices, no weights or smoothing: the general formulas below
            # reduce to these few calls, with the very same roundings.
            rows = xp.arange(x.shape[0])
            total = -logp[rows, target].sum()
            ctx.save_for_backward(logp, None, None)
            ctx.plain = (rows, target)
            ctx.conf = (smoothing, reduction, x.dtype.type(x.shape[0]))
            return xp.asarray(total if reduction == "sum" else total / ctx.conf[2]).astype(x.dtype, copy=False)
        ctx.plain = None
        wb = None if weight is None else _class_axis(weight, x.ndim)
        with backend.quiet(xp):
            if target.dtype.kind in "iub":
                safe, valid, wy = class_weights(target, c, weight, ignore_index, x.dtype)
                rows = -(1 - smoothing) * wy * xp.where(valid, _pick(logp, safe), 0)
                if smoothing:
                    every = logp if wb is None else logp * wb
                    rows = rows - (smoothing / c) * every.sum(axis=1) * valid
                count = wy.sum()
                ctx.classes = (safe, valid, wy)
            else:
                soft = target * (1 - smoothing) + smoothing / c if smoothing else target
                rows = -((soft if wb is None else soft * wb) * logp).sum(axis=1)
                count = rows.size
                ctx.classes = None
        ctx.save_for_backward(logp, target if ctx.classes is None else None, weight)
        ctx.conf = (smoothing, reduction, count)
        return _reduce(rows.astype(x.dtype, copy=False), reduction, count)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        logp, target, weight = ctx.saved_tensors
        smoothing, reduction, count = ctx.conf
        xp = backend.array_module(logp)
        if ctx.plain is not None:
            gx = xp.exp(logp)
            gx[ctx.plain] -= 1
            gx *= grad if reduction == "sum" else (grad / count).astype(grad.dtype, copy=False)
            return gx, None, None, None, None, None
        c, ndim = logp.shape[1], logp.ndim
        up = _upstream(grad, reduction, count)
        wb = 1 if weight is None else _class_axis(weight, ndim)
        gt = gw = None
        if ctx.classes is not None:
            safe, valid, wy = ctx.classes
            a = _per_class(xp.where(valid, up, 0))  # ignored rows get exactly 0, as in torch
            q = _one_hot(safe, c, ndim, logp.dtype) * _per_class((1 - smoothing) * wy)
            q_sum = (1 - smoothing) * wy
            if smoothing:
                q = q + (smoothing / c) * wb * _per_class(valid)
                q_sum = q_sum + (smoothing / c) * (c if weight is None else weight.sum()) * valid
            q_sum = _per_class(q_sum)
        else:
            a = _per_class(up)
            soft = target * (1 - smoothing) + smoothing / c if smoothing else target
            q = soft * wb
            q_sum = q.sum(axis=1, keepdims=True)
            if ctx.needs_input_grad[1]:
                gt = -a * logp * (wb * (1 - smoothing))
            if ctx.needs_input_grad[2]:
                gw = -(a * soft * logp).sum(axis=tuple(i for i in range(ndim) if i != 1))
        with backend.quiet(xp):
            gx = a * (xp.exp(logp) * q_sum - q)
        return gx.astype(logp.dtype, copy=False), gt, gw, None, None, None


class NllLoss(Op):
    """Negative log-likelihood of class indices given log-probabilities along axis 1."""

    @staticmethod
    def forward(ctx: Any, x: Any, target: Any, weight: Optional[Any], ignore_index: int, reduction: str) -> Any:
        xp = backend.array_module(x)
        safe, valid, wy = class_weights(target, x.shape[1], weight, ignore_index, x.dtype)
        rows = -wy * xp.where(valid, _pick(x, safe), 0)
        count = wy.sum()
        ctx.conf = (safe, valid, wy, x.shape, reduction, count)
        return _reduce(rows.astype(x.dtype, copy=False), reduction, count)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        safe, valid, wy, shape, reduction, count = ctx.conf
        xp = backend.array_module(grad)
        a = xp.where(valid, _upstream(grad, reduction, count), 0)  # ignored rows: exactly 0, as torch
        with backend.quiet(xp):
            gx = -_one_hot(safe, shape[1], len(shape), grad.dtype) * _per_class(a * wy)
        return gx, None, None, None, None


class BinaryCrossEntropy(Op):
    """-w (t log x + (1 - t) log(1 - x)) on probabilities, each log clamped at -100 as torch does."""

    @staticmethod
    def forward(ctx: Any, x: Any, t: Any, w: Optional[Any], reduction: str) -> Any:
        xp = backend.array_module(x)
        if not ((x >= 0) & (x <= 1)).all():
            raise RuntimeError("all elements of input should be between 0 and 1")
        with backend.quiet(xp):
            log_x, log_1mx = xp.maximum(xp.log(x), -100), xp.maximum(xp.log1p(-x), -100)
        loss = -(t * log_x + (1 - t) * log_1mx)
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, t)
        ctx.conf = (w, reduction, loss.size)
        return _reduce(loss, reduction, loss.size)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        x, t = ctx.saved_tensors
        w, reduction, count = ctx.conf
        xp = backend.array_module(x)
        a = _upstream(grad, reduction, count)
        if w is not None:
            a = a * w
        gx = a * (x - t) / xp.maximum((1 - x) * x, 1e-12)
        gt = None
        if ctx.needs_input_grad[1]:  # torch does not clamp here: -logit(x), infinite at 0 and 1
            with backend.quiet(xp):
                gt = a * (xp.log1p(-x) - xp.log(x))
        return gx.astype(x.dtype, copy=False), gt, None, None


class BinaryCrossEntropyWithLogits(Op):
    """Binary cross-entropy of sigmoid(x), computed from the logits: (1 - t) x + (1 + (pw - 1) t) softplus(-x)."""

    @staticmethod
    def forward(ctx: Any, x: Any, t: Any, w: Optional[Any], pos_weight: Optional[Any], reduction: str) -> Any:
        xp = backend.array_module(x)
        softplus_neg = xp.logaddexp(0, -x)  # -log(sigmoid(x)), finite for every x
        log_weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
        loss = (1 - t) * x + log_weight * softplus_neg
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, t)
        ctx.conf = (w, pos_weight, softplus_neg, reduction, loss.size)
        return _reduce(loss, reduction, loss.size)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        x, t = ctx.saved_tensors
        w, pos_weight, softplus_neg, reduction, count = ctx.conf
        xp = backend.array_module(x)
        a = _upstream(grad, reduction, count)
        if w is not None:
            a = a * w
        sigmoid = xp.exp(-softplus_neg)
        if pos_weight is None:
            gx = a * (sigmoid - t)
            gt = -a * x if ctx.needs_input_grad[1] else None
        else:
            gx = a * ((1 + (pos_weight - 1) * t) * sigmoid - pos_weight * t)
            gt = a * ((pos_weight - 1) * softplus_neg - x) if ctx.needs_input_grad[1] else None
        return gx, gt, None, None, None


class MseLoss(Op):
    """Squared differences, reduced; the two operands may broadcast (torch broadcasts them first)."""

    @staticmethod
    def forward(ctx: Any, x: Any, t: Any, reduction: str) -> Any:
        diff = x - t
        ctx.diff, ctx.conf = diff, (reduction, diff.size)
        return _reduce(diff * diff, reduction, diff.size)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        g = 2 * ctx.diff * _upstream(grad, *ctx.conf)
        return g, -g, None


# ------------------------------------------------------------------ public functions

def _not_differentiable(fn: str, name: str, t: Optional[Tensor]) -> None:
    if t is not None and t.requires_grad and is_grad_enabled():
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument '{name}'. "
                           "This input cannot have requires_grad True.")


def _type_name(t: Tensor) -> str:
    return _LEGACY_NAMES[t.dtype][6:-6]


def _check_class_target(input: Tensor, target: Tensor, weight: Optional[Tensor], prefix: str = "") -> None:
    if input.ndim == 0:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if target.dtype not in (dtypes.int64, dtypes.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_type_name(target)}")
    if input.ndim == 1:
        if target.ndim > 1 or target.numel() != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif target.ndim == 0 or input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.ndim else 1}).")
    elif tuple(target.shape) != (input.shape[0],) + tuple(input.shape[2:]):
        if input.ndim == 2:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        raise RuntimeError(f"Expected target size {[input.shape[0]] + list(input.shape[2:])}, "
                           f"got {list(target.shape)}")
    _check_weight(input, weight, prefix)


def _check_weight(input: Tensor, weight: Optional[Tensor], prefix: str = "") -> None:
    if weight is None:
        return
    c = input.shape[0 if input.ndim == 1 else 1]
    if weight.ndim != 1 or weight.shape[0] != c:
        raise RuntimeError(f"{prefix}weight tensor should be defined either for all {c} classes or no classes "
                           f"but got weight tensor of shape: {list(weight.shape)}")
    if weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(input)} but found {_type_name(weight)}")


def _batched(input: Tensor, target: Tensor, reduction: str, run: Any) -> Tensor:
    """Run a class-axis loss on a 1-D (C) input as a batch of one, giving back torch's result shape."""
    if input.ndim != 1:
        return run(input, target)
    out = run(input.unsqueeze(0), target.unsqueeze(0) if target.ndim == 1 and target.dtype.is_floating_point
              else target.reshape(1))
    return out.reshape(()) if reduction == "none" else out


def cross_entropy(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                  size_average: Optional[bool] = None, ignore_index: int = -100, reduce: Optional[bool] = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits and class indices or class probabilities, as one stable fused op.

    Args:
        input: logits (C), (N, C) or (N, C, d1, ...); classes on dim 1 (dim 0 for 1-D input).
        target: int64 class indices (), (N) or (N, d1, ...), or class probabilities shaped like ``input``.
        weight: (C) rescaling per class, or None.
        ignore_index: a target index that contributes nothing (indices only).
        reduction: 'none', 'mean' (weighted mean over non-ignored targets; per row for probabilities)
            or 'sum'. ``size_average`` and ``reduce`` are the deprecated spellings.
        label_smoothing: mix the target with the uniform distribution by this amount, in [0, 1].
    """
    xd, td = input._data, target._data
    if (xd.ndim == 2 and td.ndim == 1 and td.shape[0] == xd.shape[0] and weight is None and size_average is None
            and reduce is None and label_smoothing == 0.0 and (reduction == "mean" or reduction == "sum")
            and ((td.dtype.kind == "i" and td.dtype.itemsize == 8) or (td.dtype.kind == "u" and td.dtype.itemsize == 1))):
        # The common call (a batch of logits, int64 class indices, defaults): every check below passes.
        return CrossEntropyLoss.apply(input, td, None, ignore_index, 0.0, reduction)
    reduction = reduction_string(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if tuple(input.shape) == tuple(target.shape):
        if not target.dtype.is_floating_point:
            raise RuntimeError("Expected floating point type for target with class probabilities, got "
                               f"{_type_name(target)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        _check_weight(input, weight, "cross_entropy: ")
        dt = dtypes.promote_types(input.dtype, target.dtype)
        input, target = to_dtype(input, dt), to_dtype(target, dt)
        return _batched(input, target, reduction, lambda x, t: CrossEntropyLoss.apply(
            x, t, weight, ignore_index, label_smoothing, reduction))
    _check_class_target(input, target, weight)
    _not_differentiable("nll_loss_forward", "weight", weight)
    raw_weight = None if weight is None else weight._data
    return _batched(input, target, reduction, lambda x, t: CrossEntropyLoss.apply(
        x, t._data, raw_weight, ignore_index, label_smoothing, reduction))


def nll_loss(input: Tensor, target: Tensor, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
             ignore_index: int = -100, reduce: Optional[bool] = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices under log-probabilities.

    Args:
        input: log-probabilities (C), (N, C) or (N, C, d1, ...).
        target: int64 class indices (), (N) or (N, d1, ...).
        weight: (C) rescaling per class, or None.
        ignore_index: a target index that contributes nothing.
        reduction: 'none', 'mean' (divided by the summed weight of non-ignored targets) or 'sum'.
    """
    reduction = reduction_string(size_average, reduce, reduction)
    _check_class_target(input, target, weight)
    _not_differentiable("nll_loss_forward", "weight", weight)
    raw_weight = None if weight is None else weight._data
    return _batched(input, target, reduction,
                    lambda x, t: NllLoss.apply(x, t._data, raw_weight, ignore_index, reduction))


def _size_warning(input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def _pointwise_loss(loss: Tensor, input: Tensor, weight: Optional[Tensor], reduction: str) -> Tensor:
    if weight is None:
        if reduction == "none":
            return loss
        return loss.sum() if reduction == "sum" else loss.mean()
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / weight.sum()


def mse_loss(input: Tensor, target: Tensor, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
             reduction: str = "mean", weight: Optional[Tensor] = None) -> Tensor:
    """Squared error, reduced; warns when ``target``'s shape differs from ``input``'s (they broadcast).

    Args:
        reduction: 'none', 'mean' or 'sum'.
        weight: per-element weights shaped like ``input``; 'mean' then divides by their sum.
    """
    _size_warning(input, target)
    reduction = reduction_string(size_average, reduce, reduction)
    if weight is None:
        dt = dtypes.promote_types(input.dtype, target.dtype)
        return MseLoss.apply(to_dtype(input, dt), to_dtype(target, dt), reduction)
    diff = input - target
    return _pointwise_loss(diff * diff, input, weight, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
            reduction: str = "mean", weight: Optional[Tensor] = None) -> Tensor:
    """Absolute error, reduced; warns when ``target``'s shape differs from ``input``'s (they broadcast).

    Args:
        reduction: 'none', 'mean' or 'sum'.
        weight: per-element weights shaped like ``input``; 'mean' then divides by their sum.
    """
    _size_warning(input, target)
    reduction = reduction_string(size_average, reduce, reduction)
    return _pointwise_loss((input - target).abs(), input, weight, reduction)


def _raw_like(t: Optional[Tensor], like: Tensor) -> Optional[Any]:
    """A non-differentiable weight as a raw array of ``like``'s dtype."""
    if t is None:
        return None
    return t._data.astype(like._data.dtype, copy=False)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                         size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy between probabilities, each log clamped at -100 as torch does.

    Args:
        input: probabilities in [0, 1] (RuntimeError otherwise).
        target: same shape and dtype as ``input``.
        weight: rescaling broadcast to ``input``'s shape, or None.
        reduction: 'none', 'mean' or 'sum'.
    """
    reduction = reduction_string(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {_type_name(target)} but expected {_type_name(input)}")
    _not_differentiable("binary_cross_entropy", "weight", weight)
    return BinaryCrossEntropy.apply(input, target, _raw_like(weight, input), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                                     size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                                     reduction: str = "mean", pos_weight: Optional[Tensor] = None) -> Tensor:
    """Binary cross-entropy of sigmoid(``input``), computed stably from the logits.

    Args:
        input: logits.
        target: same shape as ``input``, values in [0, 1].
        weight: rescaling broadcast to ``input``'s shape, or None.
        reduction: 'none', 'mean' or 'sum'.
        pos_weight: weight of the positive term, broadcast along the last dims (e.g. one per class), or None.
    """
    reduction = reduction_string(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _not_differentiable("binary_cross_entropy_with_logits", "weight", weight)
    _not_differentiable("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    dt = dtypes.promote_types(input.dtype, target.dtype)
    input, target = to_dtype(input, dt), to_dtype(target, dt)
    return BinaryCrossEntropyWithLogits.apply(input, target, _raw_like(weight, input), _raw_like(pos_weight, input),
                                              reduction)
