"""DataParallel, as ``torch.nn.parallel.DataParallel``, on the devices one process has.

With no GPU it runs the module as it is and holds no device ids; with one, it moves the module
there and runs it (torch does the same for one device id). Splitting a batch over several GPUs
of one process is not here: minitorch's multi-GPU training is ``DistributedDataParallel`` (one
process per GPU, the form torch itself recommends), and asking for more than one device id says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

from ... import cuda
from ...backend import as_device
from ...tensor import Tensor
from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


def _index(device: Any) -> int:
    """A device id: an int, or the index of a device (``"cuda:1"``, ``minitorch.device("cuda", 1)``)."""
    if isinstance(device, int):
        return device
    index = as_device(device).index
    return cuda.current_device() if index is None else index


def _moved(value: Any, device: Any) -> Any:
    """``value`` with every tensor in it (in tuples, lists and dicts) moved to ``device``, as torch's scatter does
    for one device."""
    if isinstance(value, Tensor):
        return value.to(device)
    if isinstance(value, (tuple, list)):
        return type(value)(_moved(v, device) for v in value)
    if isinstance(value, dict):
        return {k: _moved(v, device) for k, v in value.items()}
    return value


class DataParallel(Module):
    """Runs ``module`` on this process's GPU (or as it is, without one); ``state_dict`` keys carry torch's
    ``module.`` prefix.

    Args:
        module: the model.
        device_ids: the GPUs to use (default: all of them); minitorch runs on one.
        output_device: where outputs go (default ``device_ids[0]``).
        dim: the dimension a batch would be split along.
    """

    def __init__(
        self, module: Module, device_ids: Sequence[Any] | None = None, output_device: Any = None, dim: int = 0
    ) -> None:
        super().__init__()
        if not cuda.is_available():
            self.module = module
            self.device_ids: list[int] = []
            return
        ids = list(range(cuda.device_count())) if device_ids is None else [_index(d) for d in device_ids]
        if len(ids) > 1:
            raise NotImplementedError(
                f"DataParallel over {len(ids)} GPUs in one process is not implemented in minitorch: use "
                "DistributedDataParallel with one process per GPU (torch's recommendation too), or DataParallel "
                "with device_ids=[i] for one GPU"
            )
        self.dim = dim
        self.module = module
        self.device_ids = ids
        self.output_device = _index(ids[0] if output_device is None else output_device)
        self.src_device_obj = as_device(f"cuda:{ids[0]}")
        self.module.to(self.src_device_obj)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in chain(self.module.parameters(), self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError(
                    f"module must have its parameters and buffers on device {self.src_device_obj} (device_ids[0]) "
                    f"but found one of them on device: {t.device}"
                )
        return self.module(*_moved(inputs, self.src_device_obj), **_moved(kwargs, self.src_device_obj))


def data_parallel(
    module: Module,
    inputs: Any,
    device_ids: Sequence[Any] | None = None,
    output_device: Any = None,
    dim: int = 0,
    module_kwargs: dict | None = None,
) -> Any:
    """``module(*inputs)`` as ``DataParallel`` runs it, without keeping a wrapper.

    Args:
        module: the model.
        inputs: its positional inputs (one tensor, or a tuple).
        device_ids: the GPUs to use; minitorch runs on one.
        output_device: where outputs go.
        dim: the dimension a batch would be split along.
        module_kwargs: its keyword inputs.
    """
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    return DataParallel(module, device_ids, output_device, dim)(*inputs, **(module_kwargs or {}))
