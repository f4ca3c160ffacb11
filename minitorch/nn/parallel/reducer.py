"""DistributedDataParallel's gradient reducer: buckets, readiness hooks, asynchronous all-reduce.

Buckets follow torch. Parameters are grouped by torch's rule (``assign_buckets``: ``bucket_cap_mb``,
a 1 MiB first bucket by default, one dtype and device per bucket). The first synchronised
iteration puts every parameter in one bucket and records the order in which backward delivers
the gradients; before the next one the buckets are rebuilt, once, in that order as rank 0 saw
it (so that each bucket fills as early as backward allows; minitorch's engine, for instance,
delivers the fully connected layers' biases last). With ``find_unused_parameters`` the buckets
follow reverse registration order for good, as in torch.

Each parameter carries a post-accumulate-grad hook. During a backward that follows a
synchronising forward, the hook counts the parameter as ready; when every gradient of a bucket is
there, the bucket's gradients, divided by the world size, are copied into its flat buffer and an
``all_reduce(async_op=True)`` starts on it, while backward goes on with the layers below. Buckets
start strictly in bucket order on every rank (a ready bucket waits for the ones before it), since
all ranks must issue collectives in the same order. Every later hook also polls the collectives
in flight, which is what lets MPI make progress on them meanwhile (MPI advances a nonblocking
collective only inside MPI calls). When the last bucket has started, the reducer waits for all of
them and writes the averaged gradients back into ``.grad``: backward returns with gradients
already identical on every rank.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Sequence
from typing import Any

from ... import distributed as dist
from ...autograd.function import AccumulateGrad
from ...backend import array_module
from ...tensor import Tensor

_UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error "
    "indicates that your module has parameters that were not used in producing loss. You can enable "
    "unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
    "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
    "participate in calculating loss. (A forward with gradients enabled that is not followed by "
    "backward leaves the reduction unfinished too.)\nParameter indices which did not receive grad "
    "for rank {rank}: {missing}"
)


def assign_buckets(sizes: Sequence[int], keys: Sequence[Hashable], limits: Sequence[int]) -> list[list[int]]:
    """Group tensors into buckets as torch's ``_compute_bucket_assignment_by_size`` does.

    Tensors are taken in order; each kind (dtype, device) fills its own open bucket, which closes as soon
    as its byte size reaches the current limit (a kind's first bucket uses ``limits[0]``, later ones the
    next limits, the last repeating). Buckets come back ordered by the first tensor they hold.

    Args:
        sizes: each tensor's size in bytes.
        keys: each tensor's kind; tensors of different kinds never share a bucket.
        limits: bucket size limits in bytes.
    """
    closed: list[list[int]] = []
    open_: dict = {}
    limit_index: dict = {}
    for i, (size, key) in enumerate(zip(sizes, keys)):
        bucket = open_.setdefault(key, [[], 0])
        bucket[0].append(i)
        bucket[1] += size
        at = limit_index.setdefault(key, 0)
        if bucket[1] >= limits[at]:
            closed.append(bucket[0])
            del open_[key]
            limit_index[key] = min(at + 1, len(limits) - 1)
    closed.extend(b[0] for b in open_.values())
    return sorted(closed, key=lambda b: b[0])


class _Bucket:
    """Parameters whose gradients travel together in one flat buffer."""

    def __init__(self, params: list[Tensor], with_flags: bool) -> None:
        self.params = params
        self.offsets = []
        n = 0
        for p in params:
            self.offsets.append(n)
            n += p.numel()
        self.numel = n
        first = params[0]._data
        # With find_unused_parameters, one extra element per parameter counts the ranks that used it.
        self.buffer = array_module(first).zeros(n + (len(params) if with_flags else 0), dtype=first.dtype)
        self.pending = len(params)
        self.work: dist.Work | None = None


class Reducer:
    """Averages gradients across ranks during backward (see the module docstring).

    Args:
        params: the parameters that require gradients, in registration order.
        limits: bucket size limits in bytes (``assign_buckets``).
        find_unused_parameters: see DistributedDataParallel.
    """

    def __init__(self, params: list[Tensor], limits: list[int], find_unused_parameters: bool) -> None:
        self.params = params
        self.limits = limits
        self.find_unused = find_unused_parameters
        self.world_size = dist.get_world_size()
        self.rank = dist.get_rank()
        self.index = {id(p): i for i, p in enumerate(params)}
        # As torch: with find_unused_parameters, buckets in reverse registration order for good; otherwise
        # one bucket for the first iteration, which records the order gradients arrive in, then buckets
        # rebuilt once from rank 0's order (so that each bucket is ready as early as backward allows).
        self.ready_order: list[int] | None = None if find_unused_parameters else []
        self._build(list(range(len(params)))[::-1], limits if find_unused_parameters else [sys.maxsize])
        self.armed = False  # a synchronising forward ran and its backward has not finished reducing
        self.marked = [False] * len(params)
        self.next_bucket = 0
        for p in params:
            p.register_post_accumulate_grad_hook(self._on_grad_ready)

    def _build(self, order: list[int], limits: list[int]) -> None:
        """Bucket the parameters taken in ``order`` (indices into ``params``)."""
        ordered = [self.params[i] for i in order]
        groups = assign_buckets(
            [p.numel() * p.element_size() for p in ordered], [(p.dtype, str(p.device)) for p in ordered], limits
        )
        self.buckets = [_Bucket([ordered[i] for i in g], self.find_unused) for g in groups]
        self.slot = {}  # id(param) -> its bucket
        for b in self.buckets:
            for p in b.params:
                self.slot[id(p)] = b

    def rebuild_buckets(self) -> bool:
        """Once, after the first synchronised backward: rebuild the buckets in the order rank 0 saw
        gradients arrive (a broadcast, so every rank buckets alike). Returns whether it rebuilt."""
        if self.ready_order is None or len(self.ready_order) != len(self.params) or self.armed:
            return False
        xp = array_module(self.params[0]._data)
        order = Tensor._wrap(xp.asarray(self.ready_order, dtype="int64"))
        dist.broadcast(order, src=0)
        self._build([int(i) for i in order.tolist()], self.limits)
        self.ready_order = None
        return True

    def prepare_for_backward(self, output: Any) -> None:
        """Arm the hooks for the backward of ``output`` (called by each synchronising forward)."""
        if self.armed:
            missing = " ".join(str(i) for i, m in enumerate(self.marked) if not m)
            raise RuntimeError(_UNFINISHED.format(rank=self.rank, missing=missing))
        for b in self.buckets:
            b.pending, b.work = len(b.params), None
        self.marked = [False] * len(self.params)
        self.next_bucket = 0
        self.armed = True
        if self.find_unused:
            used = _reachable_leaves(output)
            for p in self.params:
                if id(p) not in used:
                    self._mark(p)

    def _on_grad_ready(self, param: Tensor) -> None:
        if self.armed:
            self._mark(param)

    def _mark(self, param: Tensor) -> None:
        bucket, index = self.slot[id(param)], self.index[id(param)]
        if self.marked[index]:
            raise RuntimeError(
                f"Expected to mark a variable ready only once (parameter index {index} on rank "
                f"{self.rank}): the same parameters went through backward twice in one iteration"
            )
        self.marked[index] = True
        if self.ready_order is not None:
            self.ready_order.append(index)
        bucket.pending -= 1
        while self.next_bucket < len(self.buckets) and self.buckets[self.next_bucket].pending == 0:
            self._launch(self.buckets[self.next_bucket])
            self.next_bucket += 1
        for b in self.buckets[: self.next_bucket]:
            assert b.work is not None  # launched
            b.work.is_completed()  # let the backend progress the collectives in flight
        if self.next_bucket == len(self.buckets):
            self._finalize()

    def _launch(self, bucket: _Bucket) -> None:
        buf, xp = bucket.buffer, array_module(bucket.buffer)
        for j, (p, start) in enumerate(zip(bucket.params, bucket.offsets)):
            view = buf[start : start + p.numel()]
            if p.grad is None:
                view[...] = 0
            else:
                xp.divide(p.grad._data.reshape(-1), self.world_size, out=view)
            if self.find_unused:
                buf[bucket.numel + j] = p.grad is not None
        bucket.work = dist.all_reduce(Tensor._wrap(buf), async_op=True)

    def _finalize(self) -> None:
        for bucket in self.buckets:
            assert bucket.work is not None  # all launched
            bucket.work.wait()
            buf = bucket.buffer
            for j, (p, start) in enumerate(zip(bucket.params, bucket.offsets)):
                if self.find_unused and buf[bucket.numel + j] == 0:
                    continue  # no rank computed a gradient for it: leave .grad as it is
                averaged = buf[start : start + p.numel()].reshape(p._data.shape)
                if p.grad is None:
                    p.grad = Tensor._wrap(averaged.copy())
                else:
                    p.grad._data[...] = averaged
            bucket.work = None
        self.armed = False


def _reachable_leaves(output: Any) -> set:
    """ids of the leaf tensors whose AccumulateGrad nodes the graph behind ``output`` reaches."""
    stack, seen, leaves = [], set(), set()
    for t in _tensors_in(output):
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
        elif t.requires_grad:
            leaves.add(id(t))
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            leaves.add(id(node.variable))
        stack.extend(child for child, _ in node.next_functions)
    return leaves


def _tensors_in(obj: Any) -> list:
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (list, tuple)):
        return [t for item in obj for t in _tensors_in(item)]
    return []
