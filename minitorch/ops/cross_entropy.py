"""Cross-entropy and NLL: the losses over a class axis (class indices or class probabilities).

Cross-entropy is one Function: log-softmax (shifted by the row max) and the
negative log-likelihood share a single forward and a single backward,
``grad * (softmax * sum(q) - q)``, where ``q`` holds each class's coefficient in the
loss (weights, label smoothing and ignored entries folded in).
"""

from __future__ import annotations

from typing import Any

from .. import backend, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array, backend_of
from ..tensor import Tensor
from .activation import LogSoftmax, log_softmax_array
from .base import Op, array_of, astype_like, namespace_of, to_dtype
from .loss import not_differentiable, reduce_loss, reduction_string, upstream_grad

__all__ = ["cross_entropy", "nll_loss"]


def _per_class(a: Any) -> Any:
    """A per-row array (N, d1, ...) given a class axis to broadcast against (N, C, d1, ...)."""
    return namespace_of(a).expand_dims(a, 1) if a.ndim else a


def _class_axis(weight: Any, ndim: int) -> Any:
    return weight.reshape((1, -1) + (1,) * (ndim - 2))


def class_weights(target: Any, classes: int, weight: Any | None, ignore_index: int, np_dtype: Any) -> tuple:
    """For class-index targets: indices safe to gather with, the not-ignored mask, and each row's weight.

    Raises torch's IndexError for a target outside ``[0, classes)`` that is not ``ignore_index``.
    """
    xp = backend.array_module(target)
    valid = target != ignore_index
    bad = valid & ((target < 0) | (target >= classes))
    backend_of(target).check_later(
        bad.any(), lambda: IndexError(f"Target {int(target[bad].ravel()[0])} is out of bounds.")
    )
    safe = xp.where(valid, target, 0).astype(xp.int64)
    wy = valid.astype(np_dtype) if weight is None else weight[safe] * valid
    return safe, valid, wy


def _pick(a: Any, index: Any) -> Any:
    """``a[n, index[n, ...], ...]`` along the class axis."""
    xp = backend.array_module(a)
    return xp.take_along_axis(a, xp.expand_dims(index, 1), axis=1).squeeze(1)


def _one_hot(index: Any, classes: int, ndim: int, np_dtype: Any) -> Any:
    xp = backend.array_module(index)
    return (xp.arange(classes).reshape((1, -1) + (1,) * (ndim - 2)) == index[:, None]).astype(np_dtype)


def _plain_rows(x: Any, target: Any, weight: Any | None, ignore_index: int, smoothing: float, reduction: str) -> bool:
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
    def forward(
        ctx: Context, x: Array, target: Array, weight: Array | None, ignore_index: int, smoothing: float, reduction: str
    ) -> Array:
        xp = backend.array_module(x)
        c = x.shape[1]
        logp = log_softmax_array(x, 1)
        if _plain_rows(x, target, weight, ignore_index, smoothing, reduction):
            # (N, C) logits, in-range class indices, no weights or smoothing: the general formulas below
            # reduce to these few calls, with the very same roundings.
            rows = xp.arange(x.shape[0])
            total = -logp[rows, target].sum()
            ctx.save_for_backward(logp, x, None, None)
            ctx.plain = target
            ctx.conf = (smoothing, reduction, x.dtype.type(x.shape[0]))
            return xp.asarray(total if reduction == "sum" else total / ctx.conf[2]).astype(x.dtype, copy=False)
        ctx.plain = None
        wb = None if weight is None else _class_axis(weight, x.ndim)
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
        ctx.save_for_backward(logp, x, target if ctx.classes is None else None, weight)
        ctx.conf = (smoothing, reduction, count)
        return reduce_loss(rows.astype(x.dtype, copy=False), reduction, count)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        logp, x, target, weight = ctx.saved_tensors
        if logp is None:  # under create_graph: the log-probabilities again, on the graph
            logp = LogSoftmax.call(x, 1)
        smoothing, reduction, count = ctx.conf
        xp = namespace_of(logp, grad)
        if ctx.plain is not None:  # (N, C) logits, class indices: softmax minus the one-hot targets
            onehot = backend.array_module(ctx.plain).arange(logp.shape[1]) == ctx.plain[:, None]  # bool: no cast
            gx = (xp.exp(logp) - onehot) * (grad if reduction == "sum" else grad / count)
            return gx, None, None, None, None, None
        c, ndim = logp.shape[1], logp.ndim
        up = upstream_grad(grad, reduction, count)
        wb = 1 if weight is None else _class_axis(weight, ndim)
        gt = gw = None
        if ctx.classes is not None:
            safe, valid, wy = ctx.classes
            a = _per_class(xp.where(valid, up, 0))  # ignored rows get exactly 0, as in torch
            q = _one_hot(safe, c, ndim, array_of(logp).dtype) * _per_class((1 - smoothing) * wy)
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
                gw = -xp.sum(a * soft * logp, axis=tuple(i for i in range(ndim) if i != 1))
        gx = a * (xp.exp(logp) * q_sum - q)
        return astype_like(gx, logp), gt, gw, None, None, None


class NllLoss(Op):
    """Negative log-likelihood of class indices given log-probabilities along axis 1."""

    @staticmethod
    def forward(
        ctx: Context, x: Array, target: Array, weight: Array | None, ignore_index: int, reduction: str
    ) -> Array:
        xp = backend.array_module(x)
        safe, valid, wy = class_weights(target, x.shape[1], weight, ignore_index, x.dtype)
        rows = -wy * xp.where(valid, _pick(x, safe), 0)
        count = wy.sum()
        ctx.conf = (safe, valid, wy, x.shape, reduction, count)
        return reduce_loss(rows.astype(x.dtype, copy=False), reduction, count)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        safe, valid, wy, shape, reduction, count = ctx.conf
        xp = namespace_of(grad)
        a = xp.where(valid, upstream_grad(grad, reduction, count), 0)  # ignored rows: exactly 0, as torch
        gx = -_one_hot(safe, shape[1], len(shape), array_of(grad).dtype) * _per_class(a * wy)
        return gx, None, None, None, None


def _check_class_target(input: Tensor, target: Tensor, weight: Tensor | None, prefix: str = "") -> None:
    """torch's checks of class-index targets, in torch's order (shapes before the target's dtype)."""
    if input.ndim == 0:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim > 1 and (target.ndim == 0 or input.shape[0] != target.shape[0]):
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0] if target.ndim else 1})."
        )
    if input.ndim == 1:
        if target.ndim > 1 or target.numel() != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif tuple(target.shape) != (input.shape[0],) + tuple(input.shape[2:]):
        if input.ndim == 2:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        raise RuntimeError(f"Expected target size {[input.shape[0]] + list(input.shape[2:])}, got {list(target.shape)}")
    if target.dtype not in (dtypes.int64, dtypes.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype._scalar_name}")
    _check_weight(input, weight, prefix)


def _check_floating(input: Tensor, kernel: str) -> None:
    """torch's NotImplementedError for integer logits (no integer kernel behind the loss)."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype._scalar_name}'")


def _check_weight(input: Tensor, weight: Tensor | None, prefix: str = "") -> None:
    if weight is None:
        return
    c = input.shape[0 if input.ndim == 1 else 1]
    if weight.ndim != 1 or weight.shape[0] != c:
        raise RuntimeError(
            f"{prefix}weight tensor should be defined either for all {c} classes or no classes "
            f"but got weight tensor of shape: {list(weight.shape)}"
        )
    if weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._scalar_name} but found {weight.dtype._scalar_name}")


def _batched(input: Tensor, target: Tensor, reduction: str, run: Any) -> Tensor:
    """Run a class-axis loss on a 1-D (C) input as a batch of one, giving back torch's result shape."""
    if input.ndim != 1:
        return run(input, target)
    out = run(
        input.unsqueeze(0),
        target.unsqueeze(0) if target.ndim == 1 and target.dtype.is_floating_point else target.reshape(1),
    )
    return out.reshape(()) if reduction == "none" else out


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
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
    if autocast_mode.enabled_threads and autocast_mode.wants(cross_entropy):
        return autocast_mode.run(
            "cross_entropy",
            cross_entropy,
            input,
            target,
            weight,
            size_average,
            ignore_index,
            reduce,
            reduction,
            label_smoothing,
        )
    xd, td = input._data, target._data
    if (
        xd.ndim == 2
        and td.ndim == 1
        and td.shape[0] == xd.shape[0]
        and xd.dtype.kind == "f"
        and weight is None
        and size_average is None
        and reduce is None
        and label_smoothing == 0.0
        and (reduction == "mean" or reduction == "sum")
        and ((td.dtype.kind == "i" and td.dtype.itemsize == 8) or (td.dtype.kind == "u" and td.dtype.itemsize == 1))
    ):
        # The common call (a batch of logits, int64 class indices, defaults): every check below passes.
        return backend_of(xd).kernel(CrossEntropyLoss).apply(input, td, None, ignore_index, 0.0, reduction)
    reduction = reduction_string(size_average, reduce, reduction)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    label_smoothing = max(label_smoothing, 0.0)  # torch lets a negative value through and smooths nothing
    kernel = "log_softmax_lastdim_kernel_impl" if input.ndim <= 2 else "log_softmax_kernel_impl"
    if tuple(input.shape) == tuple(target.shape):
        if not target.dtype.is_floating_point:
            raise RuntimeError(
                f"Expected floating point type for target with class probabilities, got {target.dtype._scalar_name}"
            )
        _check_floating(input, kernel)
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        _check_weight(input, weight, "cross_entropy: ")
        dt = dtypes.promote_types(input.dtype, target.dtype)
        input, target = to_dtype(input, dt), to_dtype(target, dt)
        return _batched(
            input,
            target,
            reduction,
            lambda x, t: CrossEntropyLoss.apply(x, t, weight, ignore_index, label_smoothing, reduction),
        )
    _check_floating(input, kernel)  # torch takes the log-softmax before it looks at the target
    _check_class_target(input, target, weight)
    not_differentiable("nll_loss_forward", "weight", weight)
    raw_weight = None if weight is None else weight._data
    return _batched(
        input,
        target,
        reduction,
        lambda x, t: (
            backend_of(xd)
            .kernel(CrossEntropyLoss)
            .apply(x, t._data, raw_weight, ignore_index, label_smoothing, reduction)
        ),
    )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices under log-probabilities.

    Args:
        input: log-probabilities (C), (N, C) or (N, C, d1, ...).
        target: int64 class indices (), (N) or (N, d1, ...).
        weight: (C) rescaling per class, or None.
        ignore_index: a target index that contributes nothing.
        reduction: 'none', 'mean' (divided by the summed weight of non-ignored targets) or 'sum'.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(nll_loss):
        return autocast_mode.run(
            "nll_loss", nll_loss, input, target, weight, size_average, ignore_index, reduce, reduction
        )
    reduction = reduction_string(size_average, reduce, reduction)
    _check_class_target(input, target, weight)
    _check_floating(input, "nll_loss_out_frame" if input.ndim <= 2 else "nll_loss2d_forward_out_frame")
    not_differentiable("nll_loss_forward", "weight", weight)
    raw_weight = None if weight is None else weight._data
    return _batched(
        input, target, reduction, lambda x, t: NllLoss.apply(x, t._data, raw_weight, ignore_index, reduction)
    )
