"""Connectionist temporal classification (CTC) loss: the negative log-likelihood of a label sequence summed over
every alignment of it to the time steps of the log-probabilities.

The alignments run through the extended sequence (blank, l1, blank, l2, ..., lL, blank): a step keeps its
position, moves one on, or skips the blank between two different labels. The forward runs the alpha recursion
(log-probability of the alignments' prefixes) over the time steps; the backward runs the beta recursion (their
suffixes) and gives torch's gradient with respect to the log-probabilities, ``exp(lp) - posterior``, where
``posterior[t, c]`` is the share of the alignments that emit class c at step t. That is the derivative of the
loss through a log_softmax in front of it (the ``exp(lp)`` term is what log_softmax's backward removes again),
torch's formula, kept for unnormalised inputs too. Both recursions loop over time only, vectorised over the
batch and the positions, with torch's log-sum-exp of up to three terms at each step.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import creation, dtypes
from ..autograd.function import Context
from ..backend import Array, array_module, backend_of
from ..tensor import Tensor
from .base import Op
from .selection import where

__all__ = ["ctc_loss"]

_CHECKING = " (while checking arguments for ctc_loss_allocate_outputs)"
_REDUCTIONS = {1: "mean", 2: "sum"}  # torch's enum; every other number means 'none'
Lengths = Tensor | Sequence[int]


@dataclass(frozen=True)
class _Labels:
    """The extended label sequence of each sample and its masks, (N, 2 * max target length + 1) each: constants
    of the op, on the log-probabilities' device."""

    classes: Any  # the class at each position: blank at even positions, the labels at odd ones (blank past the end)
    valid: Any  # the position lies within the sample's extended sequence (2 * its target length + 1)
    skip: Any  # an alignment may reach the position from two before (a label unlike the label before it)
    final: Any  # an alignment may end there: the last blank, or the last label
    shadowed: Any  # the last blank, when the last label is the blank too (torch's gradient leaves it out: below)
    input_lengths: Any  # (N,) int64
    starts: Any  # (N,) the last time step of each sample, clipped at 0 (for gathers)


def _logsumexp3(a: Array, b: Array, c: Array) -> Array:
    """log(exp(a) + exp(b) + exp(c)) as torch's kernel computes it: shifted by the largest, or not at all when
    all three are -inf (the result is then -inf, without a NaN)."""
    xp = array_module(a)
    top = xp.maximum(xp.maximum(a, b), c)
    top = xp.where(top == -xp.inf, 0, top)
    return xp.log(xp.exp(a - top) + xp.exp(b - top) + xp.exp(c - top)) + top


def _emissions(lp: Array, labels: _Labels) -> Array:
    """(T, N, S): the log-probability of each position's class at each time step."""
    xp = array_module(lp)
    return xp.take_along_axis(lp, xp.broadcast_to(labels.classes, lp.shape[:1] + labels.classes.shape), axis=2)


def _alpha(lpe: Array, labels: _Labels) -> Array:
    """(T, N, S): log-probability of the alignments of each prefix that end at each position at each step."""
    xp = array_module(lpe)
    steps, n, s = lpe.shape
    # two columns of -inf in front: the positions one and two before read them, with no special case
    alpha = xp.full((steps, n, s + 2), -xp.inf, dtype=lpe.dtype)
    head = min(2, s)
    alpha[0, :, 2 : 2 + head] = xp.where(labels.valid[:, :head], lpe[0, :, :head], -xp.inf)
    for t in range(1, steps):
        prev = alpha[t - 1]
        two_back = xp.where(labels.skip, prev[:, :-2], -xp.inf)
        step = _logsumexp3(prev[:, 2:], prev[:, 1:-1], two_back) + lpe[t]
        alpha[t, :, 2:] = xp.where(labels.valid, step, -xp.inf)
    return alpha[:, :, 2:]


def _beta(lpe: Array, labels: _Labels) -> Array:
    """(T, N, S): log-probability of the alignments of each suffix that start at each position at each step (the
    step's own emission included, as in torch)."""
    xp = array_module(lpe)
    steps, n, s = lpe.shape
    beta = xp.full((steps + 1, n, s + 2), -xp.inf, dtype=lpe.dtype)  # a row and two columns of -inf past the ends
    skip = xp.zeros_like(labels.skip)
    skip[:, :-2] = labels.skip[:, 2:]  # a position may reach the one two after it when that one may be skipped to
    last = labels.input_lengths - 1
    for t in range(steps - 1, -1, -1):
        nxt = beta[t + 1]
        two_on = xp.where(skip, nxt[:, 2:], -xp.inf)
        step = _logsumexp3(nxt[:, :-2], nxt[:, 1:-1], two_on) + lpe[t]
        start = xp.where(labels.final, lpe[t], -xp.inf)  # a sample's last step starts the recursion
        step = xp.where((last == t)[:, None], start, step)
        beta[t, :, :-2] = xp.where(labels.valid, step, -xp.inf)
    return beta[:-1, :, :-2]


def _log_likelihood(alpha: Array, labels: _Labels, target_lengths: Any) -> Array:
    """(N,) the log-likelihood of each sample: its alignments ending in the last blank or the last label at its
    last step; 0 (an empty target) or -inf without input."""
    xp = array_module(alpha)
    n = alpha.shape[1]
    rows = xp.arange(n)
    at_end = alpha[labels.starts, rows]  # (N, S)
    ends = xp.where(labels.final, at_end, -xp.inf)
    last_blank = ends[rows, 2 * target_lengths]
    last_label = ends[rows, xp.maximum(2 * target_lengths - 1, 0)]
    last_label = xp.where(target_lengths > 0, last_label, -xp.inf)
    top = xp.maximum(last_blank, last_label)
    top = xp.where(top == -xp.inf, 0, top)
    ll = xp.log(xp.exp(last_blank - top) + xp.exp(last_label - top)) + top
    empty = xp.where(target_lengths == 0, 0, -xp.inf).astype(alpha.dtype)
    return xp.where(labels.input_lengths == 0, empty, ll)


class CtcLoss(Op):
    """Negative log-likelihood (N,) of each sample's targets under (T, N, C) log-probabilities."""

    @staticmethod
    def forward(ctx: Context, lp: Array, labels: _Labels, target_lengths: Any, zero_infinity: bool) -> Array:
        lpe = _emissions(lp, labels)
        alpha = _alpha(lpe, labels)
        nll = -_log_likelihood(alpha, labels, target_lengths)
        ctx.save_for_backward(lp, nll, alpha)
        ctx.conf = (labels, zero_infinity)
        return nll

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        lp, nll, alpha = ctx.saved_tensors  # alpha: None under create_graph (recomputed by the piece)
        labels, zero_infinity = ctx.conf
        return CtcLossBackward.call(grad, lp, nll, labels, zero_infinity, alpha), None, None, None


class CtcLossBackward(Op):
    """torch's gradient of the CTC loss with respect to the log-probabilities: a piece torch records but does not
    differentiate (its graph holds a NotImplemented node; differentiating through it raises), and neither does
    this."""

    node_name = "NotImplemented"

    @staticmethod
    def forward(
        ctx: Context, grad: Array, lp: Array, nll: Array, labels: _Labels, zero_infinity: bool, alpha: Array | None
    ) -> Array:
        xp = array_module(lp)
        steps, n, classes = lp.shape
        lpe = _emissions(lp, labels)
        if alpha is None:
            alpha = _alpha(lpe, labels)
        beta = _beta(lpe, labels)
        # each position's share of the alignments at each step, alpha * beta / (emission * likelihood): in [0, 1]
        share = xp.where(labels.valid, xp.exp(alpha + beta - lpe + nll[:, None]), 0)
        # torch's kernel starts each class's sum at a sample's last step by assignment, the last blank's first and
        # then the last label's: a target that ends in the blank (a target torch does not allow, but takes) loses
        # the last blank's share there. So does this, to give torch's values.
        at_last = xp.arange(steps)[:, None, None] == labels.starts[:, None]
        share = xp.where(at_last & labels.shadowed & (labels.input_lengths > 0)[:, None], 0, share)
        posterior = xp.zeros((steps, n, classes), dtype=lp.dtype)
        t_idx, n_idx = backend_of(lp).open_grid((steps, n, 1))[:2]
        backend_of(lp).scatter_add(posterior, (t_idx, n_idx, labels.classes[None]), share)
        out = xp.exp(lp) - posterior
        # torch's formula, exp(lp) - exp(log(alpha * beta) + nll - lp), is NaN where lp is -inf or the loss is
        # not finite (an impossible alignment)
        out = xp.where((lp == -xp.inf) | ~xp.isfinite(nll)[:, None], xp.nan, out) * grad[:, None]
        keep = xp.arange(steps)[:, None] < labels.input_lengths  # steps past a sample's input: 0
        if zero_infinity:
            keep = keep & (nll != xp.inf)
        return xp.where(keep[:, :, None], out, 0).astype(lp.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, gg: Array) -> tuple:
        raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


# ------------------------------------------------------------------ arguments


def _length_list(name: str, lengths: Any) -> list[int]:
    """Lengths given as a tensor (any integral dtype, any shape: read flat) or as a sequence of ints."""
    if isinstance(lengths, Tensor):
        if lengths.dtype.is_floating_point or lengths.dtype is dtypes.bool_:
            raise RuntimeError(f"{name} must be integral")
        return [int(v) for v in lengths.reshape(-1).tolist()]
    return [operator.index(v) for v in lengths]


def _lengths(input_lengths: Lengths, target_lengths: Lengths) -> tuple[list[int], list[int]]:
    """torch's two overloads: both lengths tensors, or both sequences of ints; anything else is a TypeError."""
    tensors = isinstance(input_lengths, Tensor), isinstance(target_lengths, Tensor)
    sequences = all(isinstance(v, (list, tuple)) for v in (input_lengths, target_lengths))
    if tensors == (True, True) or sequences:
        try:
            return _length_list("input_lengths", input_lengths), _length_list("target_lengths", target_lengths)
        except TypeError:
            pass
    got = ", ".join(type(v).__name__ for v in (input_lengths, target_lengths))
    raise TypeError(
        f"ctc_loss() received an invalid combination of arguments - got (Tensor, Tensor, {got}, ...), but expected "
        "input_lengths and target_lengths both as Tensors or both as tuples of ints"
    )


def _check(lp: Tensor, targets: Tensor, il: list[int], tl: list[int], blank: int) -> None:
    """torch's checks of the (batched) arguments, in torch's order."""
    if lp.ndim != 3:
        raise RuntimeError(
            f"Expected 3-dimensional tensor, but got {lp.ndim}-dimensional tensor for argument #1 'log_probs'"
            + _CHECKING
        )
    if not 1 <= targets.ndim <= 2:
        raise RuntimeError(
            f"Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional tensor for argument #2 'targets'"
            + _CHECKING
        )
    steps, batch, classes = lp.shape
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    if len(il) != batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tl) != batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    for v in tl:
        if v < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got value {v}" + _CHECKING)
    size = f" for argument #2 'targets'{_CHECKING}"
    if targets.ndim == 1 and targets.shape[0] != sum(tl):
        raise RuntimeError(
            f"Expected tensor to have size {sum(tl)} at dimension 0, but got size {targets.shape[0]}" + size
        )
    if targets.ndim == 2:
        if targets.shape[0] != batch:
            raise RuntimeError(
                f"Expected tensor to have size {batch} at dimension 0, but got size {targets.shape[0]}" + size
            )
        if tl and targets.shape[1] < max(tl):
            raise RuntimeError(
                f"Expected tensor to have size at least {max(tl)} at dimension 1, but got size {targets.shape[1]}"
                + size
            )
    for v in il:
        if v < 0:
            raise RuntimeError(f"Expected input_lengths to have value at least 0, but got value {v}" + _CHECKING)
        if v > steps:
            raise RuntimeError(f"Expected input_lengths to have value at most {steps}, but got value {v}" + _CHECKING)


def _labels(lp: Array, targets: Array, il: list[int], tl: list[int], blank: int) -> tuple[_Labels, Any]:
    """The extended label sequences of the batch, from padded (N, S) or concatenated targets."""
    xp = array_module(lp)
    lengths = xp.asarray(tl, dtype=xp.int64)
    width = max(tl, default=0)
    j = xp.arange(width)
    in_target = j < lengths[:, None]  # (N, L): the label slots each sample uses
    if targets.ndim == 2:
        picked = targets[:, :width]
    else:  # concatenated: sample n's labels start after those of the samples before it
        offsets = xp.cumsum(lengths) - lengths
        picked = targets[xp.where(in_target, offsets[:, None] + j, 0)]
    picked = xp.where(in_target, picked.astype(xp.int64), blank)
    bad = in_target & ((picked < 0) | (picked >= lp.shape[2]))
    # torch reads past the end of its log-probabilities here; an error says what is wrong instead
    backend_of(lp).check_later(bad.any(), lambda: IndexError(f"Target {int(picked[bad].ravel()[0])} is out of bounds."))
    n, s = len(tl), 2 * width + 1
    classes = xp.full((n, s), blank, dtype=xp.int64)
    classes[:, 1::2] = picked
    pos = xp.arange(s)
    valid = pos < (2 * lengths + 1)[:, None]
    skip = xp.zeros((n, s), dtype=bool)
    skip[:, 3::2] = classes[:, 3::2] != classes[:, 1:-2:2]
    skip &= valid
    final = (pos == 2 * lengths[:, None]) | ((pos == 2 * lengths[:, None] - 1) & (lengths > 0)[:, None])
    last_label = classes[xp.arange(n), xp.maximum(2 * lengths - 1, 0)]
    shadowed = (pos == 2 * lengths[:, None]) & ((lengths > 0) & (last_label == blank))[:, None]
    input_lengths = xp.asarray(il, dtype=xp.int64)
    starts = xp.maximum(input_lengths - 1, 0)
    return _Labels(classes, valid, skip, final, shadowed, input_lengths, starts), lengths


def _ctc(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Lengths,
    target_lengths: Lengths,
    blank: int,
    reduction: str,
    zero_infinity: bool,
) -> Tensor:
    """The CTC loss with the reduction given by name (both public spellings end here)."""
    il, tl = _lengths(input_lengths, target_lengths)
    if log_probs.dtype not in (dtypes.float32, dtypes.float64):
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{log_probs.dtype._scalar_name}'")
    if log_probs.numel() == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    batched = log_probs.ndim == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    _check(lp, targets, il, tl, blank)
    if targets.device != lp.device:  # targets are often kept on the host: read them where the work is
        targets = targets.to(lp.device)
    labels, lengths = _labels(lp._data, targets._data, il, tl, blank)
    nll = CtcLoss.apply(lp, labels, lengths, zero_infinity)
    if zero_infinity:
        nll = where(nll == float("inf"), nll.new_zeros(()), nll)
    if reduction == "mean":
        divisor = creation.tensor([max(v, 1) for v in tl], dtype=nll.dtype, device=nll.device)
        return (nll / divisor).mean()
    if reduction == "sum":
        return nll.sum()
    return nll if batched else nll.squeeze(0)


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Lengths,
    target_lengths: Lengths,
    blank: int = 0,
    reduction: int = 0,
    zero_infinity: bool = False,
) -> Tensor:
    """``torch.ctc_loss``: the CTC loss with the reduction as torch's enum number (``nn.functional.ctc_loss`` takes
    its name).

    Args:
        log_probs: (T, N, C) or unbatched (T, C) log-probabilities (a log_softmax over C).
        targets: padded (N, S) class indices, or the targets of the batch concatenated (sum of target lengths,);
            any numeric dtype (read as integers).
        input_lengths: (N,) steps of each sample, a tensor or a sequence of ints.
        target_lengths: (N,) labels of each sample, given the same way as ``input_lengths``.
        blank: the class index of the blank.
        reduction: 1 mean (each loss divided by its target length, at least 1, then averaged), 2 sum, any other
            number none. torch documents Mean as the default but gives per-sample losses when it is left out:
            so does this.
        zero_infinity: an infinite loss (no alignment fits) and its gradient become 0.
    """
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError(f"ctc_loss(): argument 'reduction' must be int, not {type(reduction).__name__}")
    return _ctc(
        log_probs, targets, input_lengths, target_lengths, blank, _REDUCTIONS.get(reduction, "none"), zero_infinity
    )


def functional_ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Lengths,
    target_lengths: Lengths,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """``nn.functional.ctc_loss``: the CTC loss with the reduction by name.

    Args:
        log_probs: (T, N, C) or unbatched (T, C) log-probabilities (a log_softmax over C).
        targets: padded (N, S) class indices, or the targets of the batch concatenated (sum of target lengths,).
        input_lengths: (N,) steps of each sample, a tensor or a sequence of ints.
        target_lengths: (N,) labels of each sample, given the same way as ``input_lengths``.
        blank: the class index of the blank.
        reduction: 'none', 'mean' (each loss divided by its target length, at least 1, then averaged) or 'sum'.
        zero_infinity: an infinite loss (no alignment fits) and its gradient become 0.
    """
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.", stacklevel=2)
        reduction = "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _ctc(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)
