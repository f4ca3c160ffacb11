"""state_dict and load_state_dict: a module's tensors by dotted name, in torch's order and with its errors."""

from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ...autograd.grad_mode import no_grad
from ...creation import tensor as _tensor
from ...tensor import Tensor
from ..parameter import Parameter

if TYPE_CHECKING:
    pass


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it did not find and the keys it did not expect."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _checkpoint_tensor(value: Any) -> Tensor | None:
    """A minitorch tensor for a state-dict value: ours, a numpy array, or a real torch tensor."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        return _tensor(np.asarray(value))
    if callable(getattr(value, "detach", None)) and callable(getattr(value, "numpy", None)):
        return _tensor(value.detach().cpu().numpy())  # a torch.Tensor: go through numpy
    return None


class StateDictMixin:
    """Mixin of Module: saving and loading parameters and persistent buffers."""

    # Module's registries, made by Module.__init__.
    _parameters: OrderedDict[str, Parameter | None]
    _buffers: OrderedDict[str, Tensor | None]
    _non_persistent_buffers_set: set[str]
    _modules: OrderedDict[str, Any]  # Module, or None for a name registered empty

    def state_dict(
        self, destination: dict | None = None, prefix: str = "", keep_vars: bool = False
    ) -> dict[str, Tensor]:
        """Parameters and persistent buffers by dotted name ('conv1.weight'), detached unless ``keep_vars``."""
        if destination is None:
            destination = OrderedDict()
        for name, value in self._local_state().items():
            destination[prefix + name] = value if keep_vars else value.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _local_state(self) -> dict:
        buffers = ((k, v) for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set)
        return {k: v for k, v in itertools.chain(self._parameters.items(), buffers) if v is not None}

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` into this module and its descendants.

        Args:
            state_dict: name -> tensor; values may be minitorch tensors, numpy arrays or torch tensors.
            strict: raise when keys are missing or unexpected (size mismatches always raise).
            assign: replace the tensors instead of copying into them.
        Returns:
            ``(missing_keys, unexpected_keys)`` as a named tuple.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing: list = []
        unexpected: list = []
        errors: list = []
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        if metadata is not None:  # torch's per-module versions (read by BatchNorm for old checkpoints)
            state_dict._metadata = metadata  # type: ignore[attr-defined]
        for prefix, module in _named_prefixes(self):
            module._load_local(state_dict, prefix, assign, missing, unexpected, errors)
        if strict:
            if unexpected:
                errors.insert(
                    0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected))
                )
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(type(self).__name__, "\n\t".join(errors))
            )
        return _IncompatibleKeys(missing, unexpected)

    def _load_local(
        self, state_dict: dict, prefix: str, assign: bool, missing: list, unexpected: list, errors: list
    ) -> None:
        local = self._local_state()
        for name, param in local.items():
            key = prefix + name
            if key not in state_dict:
                missing.append(key)
                continue
            raw = state_dict[key]
            value = _checkpoint_tensor(raw)
            if value is None:
                errors.append(
                    f'While copying the parameter named "{key}", expected torch.Tensor or '
                    f"Tensor-like object from checkpoint but received {type(raw)}"
                )
                continue
            if param.ndim == 0 and value.shape == (1,):  # checkpoints from torch 0.3 stored scalars as [1]
                value = value.reshape(())
            if value.shape != param.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from "
                    f"checkpoint, the shape in current model is {param.shape}."
                )
                continue
            with no_grad():
                if not assign:
                    param.copy_(value)
                elif isinstance(param, Parameter):
                    setattr(self, name, Parameter(value.to(param.device), param.requires_grad))
                else:
                    setattr(self, name, value.to(param.device))
        for key in state_dict:
            if not key.startswith(prefix):
                continue
            head = key[len(prefix) :].split(".", 1)
            if (len(head) > 1 and head[0] not in self._modules) or (len(head) == 1 and head[0] not in local):
                unexpected.append(key)


def _named_prefixes(root: Any) -> Iterator[tuple]:
    """('', root), ('conv1.', conv1), ... for every module reachable through non-None children."""
    stack = [("", root)]
    while stack:
        prefix, module = stack.pop()
        yield prefix, module
        children = [(prefix + n + ".", m) for n, m in module._modules.items() if m is not None]
        stack.extend(reversed(children))
