"""DistributedDataParallel: one model replica per rank, gradients averaged across ranks during backward."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ... import distributed as dist
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ...backend import array_module
from ...tensor import Tensor
from ..modules.module import Module
from .reducer import Reducer

_MIB = 1024 * 1024
_DEFAULT_BUCKET_CAP_MB = 25
_DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024  # torch's dist._DEFAULT_FIRST_BUCKET_BYTES


class DistributedDataParallel(Module):
    """Data parallelism across the ranks of the default process group, as torch's DDP.

    At construction every rank takes rank 0's parameters and buffers. In each synchronising
    forward/backward, gradients are averaged across ranks bucket by bucket while backward is still
    running (see ``reducer.py``), so after ``loss.backward()`` every rank holds the same gradients
    and the same optimizer step keeps the replicas identical. ``state_dict`` keys carry torch's
    ``module.`` prefix.

    Args:
        module: the model to replicate (already on this rank's device).
        device_ids: accepted for torch's signature (the module's device is used).
        output_device: accepted, unused.
        dim: accepted, unused (inputs are not scattered; each rank feeds its own batch).
        broadcast_buffers: before each forward that follows a synchronising one, copy rank 0's buffers
            to every rank (as torch does, e.g. BatchNorm's running statistics).
        init_sync: take rank 0's parameters and buffers at construction.
        process_group: the default group (None).
        bucket_cap_mb: bucket size limit in MiB (default 25, with a 1 MiB first bucket, as torch).
        find_unused_parameters: find, after each forward, the parameters its output does not depend on
            and reduce them as zero gradients, so backward need not reach every parameter.
        check_reduction: accepted, unused (deprecated in torch).
        gradient_as_bucket_view: accepted; gradients are always copied out of the buckets.
        static_graph: accepted, unused.
    """

    def __init__(
        self,
        module: Module,
        device_ids: list[Any] | None = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        init_sync: bool = True,
        process_group: Any = None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
    ) -> None:
        super().__init__()
        if process_group is not None and process_group is not dist.group.WORLD:
            raise ValueError("minitorch's DistributedDataParallel works on the default process group only")
        dist.get_world_size()  # raises torch's ValueError when the default group does not exist
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        params: list[Tensor] = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError(
                "DistributedDataParallel is not needed when a module doesn't have any parameter "
                "that requires a gradient."
            )
        self._module_buffers = list(module.buffers())
        _verify_same_model(params)
        if init_sync:
            _broadcast_coalesced(list(module.parameters()) + self._module_buffers)
        if bucket_cap_mb is None:
            limits = [_DEFAULT_FIRST_BUCKET_BYTES, _DEFAULT_BUCKET_CAP_MB * _MIB]
        else:
            limits = [int(bucket_cap_mb * _MIB)]
        self.bucket_bytes_cap = limits[-1]
        self.reducer = Reducer(params, limits, find_unused_parameters)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        sync = is_grad_enabled() and self.require_backward_grad_sync
        if sync:
            self.reducer.rebuild_buckets()
        if self.require_forward_param_sync and self.broadcast_buffers and self._module_buffers:
            _broadcast_coalesced(self._module_buffers)
        output = self.module(*inputs, **kwargs)
        if sync:
            self.require_forward_param_sync = True
            self.reducer.prepare_for_backward(output)
        else:
            self.require_forward_param_sync = False
        return output

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Within this context, backward accumulates gradients locally; the first synchronising
        forward/backward after it averages the accumulated gradients (the forward must run inside)."""
        before = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = before


def _verify_same_model(params: list[Tensor]) -> None:
    """Fail on every rank, with each rank's figures, unless all ranks hold parameters of the same shapes."""
    xp = array_module(params[0]._data)
    # Hashes of ints and tuples of ints do not depend on PYTHONHASHSEED, so every rank computes the same.
    shapes = hash(tuple(tuple(p.shape) for p in params)) % (2**62)
    mine = Tensor._wrap(xp.asarray([len(params), sum(p.numel() for p in params), shapes], dtype="int64"))
    everyone = [Tensor._wrap(xp.zeros(3, dtype="int64")) for _ in range(dist.get_world_size())]
    dist.all_gather(everyone, mine)
    rows = [t._data.tolist() for t in everyone]
    if any(r != rows[0] for r in rows):
        detail = "; ".join(f"rank {i}: {r[0]} parameters, {r[1]} elements" for i, r in enumerate(rows))
        raise RuntimeError(
            f"DDP expects same model across all ranks, but the ranks differ ({detail}, or parameter shapes differ)"
        )


def _broadcast_coalesced(tensors: list[Tensor]) -> None:
    """Copy rank 0's values of ``tensors`` to every rank, one broadcast per dtype and device."""
    groups: dict = {}
    for t in tensors:
        groups.setdefault((str(t.dtype), str(t.device)), []).append(t)
    with no_grad():
        for group in groups.values():
            xp = array_module(group[0]._data)
            flat = xp.concatenate([t._data.reshape(-1) for t in group])
            dist.broadcast(Tensor._wrap(flat), src=0)
            start = 0
            for t in group:
                n = t.numel()
                t._data[...] = flat[start : start + n].reshape(t._data.shape)
                start += n
