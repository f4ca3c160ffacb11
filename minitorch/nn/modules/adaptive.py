"""AdaptiveLogSoftmaxWithLoss: the adaptive softmax of Grave et al. (2016) for large vocabularies.

The frequent classes (the shortlist, below the first cutoff) get a column of the head each; every later band of
classes between two cutoffs (a cluster) gets one head column more, and its own small two-layer projection whose
log_softmax spreads that column's probability over the cluster's classes. A class's log-probability is its head
column's, plus its log-probability within its cluster when it lies in one.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from ...ops.activation import log_softmax
from ...ops.join import cat
from ...tensor import Tensor
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

# what forward returns, under torch's name: each sample's log-probability of its target, and their mean negated
_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax: log-probabilities over ``n_classes`` classes, cheap for the rare ones.

    Args:
        in_features: size of each input sample.
        n_classes: number of classes.
        cutoffs: increasing, unique class indices in [1, n_classes - 1] where the shortlist and then each cluster
            ends (the last cluster ends at ``n_classes``).
        div_value: cluster i's projection has ``in_features // div_value ** (i + 1)`` hidden features.
        head_bias: whether the head has a bias.
    """

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        cutoffs: Sequence[int],
        div_value: float = 4.0,
        head_bias: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if not cutoffs:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        ordered = cutoffs == sorted(cutoffs) and len(set(cutoffs)) == len(cutoffs)
        if not ordered or cutoffs[0] <= 0 or cutoffs[-1] > n_classes - 1 or any(int(c) != c for c in cutoffs):
            raise ValueError(
                "cutoffs should be a sequence of unique, positive integers sorted in an increasing order, "
                "where each value is between 1 and n_classes-1"
            )
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(
                Sequential(
                    Linear(in_features, hidden, bias=False, device=device, dtype=dtype),
                    Linear(hidden, size, bias=False, device=device, dtype=dtype),
                )
            )

    def reset_parameters(self) -> None:
        """Draw every weight (and the head's bias) again, as a fresh module would."""
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection.children():
                layer.reset_parameters()

    def forward(self, input: Tensor, target: Tensor) -> _ASMoutput:
        """Each sample's log-probability of its target class, and the loss (their mean, negated).

        Args:
            input: (N, in_features), or (in_features) for one sample.
            target: (N) class indices (int64), or () for one sample.
        """
        if target.ndim == 1:
            if input.shape[0] != target.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input.ndim != 2:
                raise RuntimeError(
                    f"1D target tensor expects 2D input tensors, but found inputs with size {input.size()}"
                )
        elif target.ndim == 0:
            if input.ndim != 1:
                raise RuntimeError(
                    f"0D target tensor expects 1D input tensors, but found inputs with size {input.size()}"
                )
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = target.ndim == 1
        x = input if batched else input.unsqueeze(0)
        y = target if batched else target.unsqueeze(0)
        if y.numel() and bool(((y < 0) | (y >= self.n_classes)).any()):
            raise RuntimeError(
                f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                f"[{y.min().item()}, {y.max().item()}] were found. "
            )
        # the head column each sample reads: its own class in the shortlist, else its cluster's column
        column = y.clone()
        output = x.new_zeros(y.shape[0])
        for i in range(self.n_clusters):
            low, high = self.cutoffs[i], self.cutoffs[i + 1]
            rows = ((y >= low) & (y < high)).nonzero().reshape(-1)
            if rows.numel() == 0:
                continue
            column = column.index_fill(0, rows, self.shortlist_size + i)
            within = log_softmax(self.tail[i](x.index_select(0, rows)), dim=1)
            picked = within.gather(1, (y.index_select(0, rows) - low).unsqueeze(1)).squeeze(1)
            output = output.index_copy(0, rows, picked)
        head = log_softmax(self.head(x), dim=1)
        output = output + head.gather(1, column.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        """(N, n_classes) log-probabilities from the input and the head's output for it."""
        head = log_softmax(head_output, dim=1)
        parts = [head[:, : self.shortlist_size]]
        for i, projection in enumerate(self.tail):
            cluster = head[:, self.shortlist_size + i].unsqueeze(1)
            parts.append(log_softmax(projection(input), dim=1) + cluster)
        return cat(parts, dim=1)

    def log_prob(self, input: Tensor) -> Tensor:
        """(N, n_classes) log-probabilities of every class for an (N, in_features) input."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """(N) the most probable class of each sample of an (N, in_features) input: ``log_prob(input).argmax(1)``,
        with the clusters computed only for the samples whose best head column is a cluster's."""
        head_output = self.head(input)
        best = head_output.argmax(dim=1)
        # a shortlist class that beats every head column beats every clustered class too (a clustered class's
        # log-probability is at most its cluster's column's)
        rows = (best >= self.shortlist_size).nonzero().reshape(-1)
        if rows.numel() == 0:
            return best
        full = self._full_log_prob(input.index_select(0, rows), head_output.index_select(0, rows))
        return best.index_copy(0, rows, full.argmax(dim=1))
