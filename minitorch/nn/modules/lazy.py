"""Lazy modules: layers whose input size is read from their first input, as torch's ``LazyLinear`` and kin.

A lazy module starts with ``UninitializedParameter``/``UninitializedBuffer`` placeholders. A forward
pre-hook runs ``initialize_parameters`` at the first call: it reads the missing size from the input,
materializes the placeholders (the same objects, so an optimizer built earlier still holds them),
initialises them with the eager layer's ``reset_parameters`` (so from the same generator state the
values equal the eager layer's), removes the hook and turns the module into its eager class
(``cls_to_become``). Until then the state dict holds the placeholders themselves, and loading a
materialized state dict materializes them to its shapes, as in torch.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from ...autograd.grad_mode import no_grad
from ...creation import tensor
from ...dtypes import int64
from ...tensor import Tensor
from ..parameter import UninitializedBuffer, UninitializedParameter, is_lazy
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d, _BatchNorm
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .linear import Linear
from .module import Module
from .state import _checkpoint_tensor

# The mixin is not a Module (as in torch); the type checker is told it sits in front of one.
if TYPE_CHECKING:
    _MixinBase = Module
else:
    _MixinBase = object


class LazyModuleMixin(_MixinBase):
    """Makes a layer lazy: subclasses define ``initialize_parameters(*inputs)`` and set ``cls_to_become``.

    Mixed in before the eager layer (``class LazyLinear(LazyModuleMixin, Linear)``), whose constructor
    it calls with the same arguments before registering the pre-hook that initializes the layer.
    """

    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters)

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Materialize and initialise the placeholders from the first input's sizes."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer of this module is still a placeholder."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(), self._buffers.values()))

    def _infer_parameters(self, module: Module, args: tuple) -> None:
        module.initialize_parameters(*args)
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        delattr(module, "_initialize_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def state_dict(self, destination: dict | None = None, prefix: str = "", keep_vars: bool = False) -> dict:
        """As Module's, but a placeholder is saved as itself (a placeholder cannot be detached)."""
        if destination is None:
            destination = OrderedDict()
        for name, value in self._local_state().items():
            destination[prefix + name] = value if keep_vars or is_lazy(value) else value.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _load_local(
        self, state_dict: dict, prefix: str, assign: bool, missing: list, unexpected: list, errors: list
    ) -> None:
        # A placeholder given a real tensor takes its shape first (then the copy fills it); a placeholder given a
        # placeholder has nothing to copy, and is neither missing nor loaded.
        both_lazy = set()
        for name, value in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and is_lazy(value):
                loaded = state_dict[key]
                if is_lazy(loaded):
                    both_lazy.add(key)
                elif (loaded := _checkpoint_tensor(loaded)) is not None:
                    with no_grad():
                        value.materialize(tuple(loaded.shape))
        if both_lazy:
            rest = OrderedDict((k, v) for k, v in state_dict.items() if k not in both_lazy)
            if hasattr(state_dict, "_metadata"):
                rest._metadata = state_dict._metadata  # type: ignore[attr-defined]
            super()._load_local(rest, prefix, assign, missing, unexpected, errors)
            missing[:] = [k for k in missing if k not in both_lazy]
            return
        super()._load_local(state_dict, prefix, assign, missing, unexpected, errors)


class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is the first input's last dimension.

    Args:
        out_features: size of each output sample.
        bias: whether to learn an additive bias (default True).
        device, dtype: where and of what type the parameters are created.
    """

    cls_to_become = Linear
    weight: Any
    bias: Any

    def __init__(self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, 0, False)  # no bias yet: its placeholder is registered below
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Linear's initialisation, once the parameters have their shapes."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """``in_features`` from ``input.shape[-1]``; the parameters materialized and initialised as Linear's."""
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:  # loaded from a state dict: the input must fit the loaded weight
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(
                    f"The in_features inferred from input: {input.shape[-1]} is not equal to in_features from "
                    f"self.weight: {self.weight.shape[-1]}"
                )
            self.in_features = input.shape[-1]


class _LazyNormBase(LazyModuleMixin, _BatchNorm):
    """Batch and instance norm with ``num_features`` read from the input's dim 1 (torch reads dim 1 for unbatched
    instance-norm inputs too). affine and track_running_stats default to True for both kinds, as in torch.

    Args:
        eps, momentum, affine, track_running_stats, device, dtype, bias: as BatchNorm's.
    """

    weight: Any
    bias: Any
    running_mean: Any
    running_var: Any

    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        # built without parameters or statistics, which the placeholders below stand for until the first input
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tensor(0, dtype=int64, device=device)

    def reset_parameters(self) -> None:
        """BatchNorm's reset (statistics 0 and 1, weight 1, bias 0), once the shapes are known."""
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """``num_features`` from ``input.shape[1]``; parameters and statistics materialized and reset."""
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            shape = (self.num_features,)
            if self.affine:
                self.weight.materialize(shape)
                if self.bias is not None:
                    self.bias.materialize(shape)
            if self.track_running_stats:
                self.running_mean.materialize(shape)
                self.running_var.materialize(shape)
            self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, BatchNorm1d):
    """A ``BatchNorm1d`` whose ``num_features`` is the first input's ``size(1)``."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, BatchNorm2d):
    """A ``BatchNorm2d`` whose ``num_features`` is the first input's ``size(1)``."""

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, BatchNorm3d):
    """A ``BatchNorm3d`` whose ``num_features`` is the first input's ``size(1)``."""

    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNormBase, InstanceNorm1d):
    """An ``InstanceNorm1d`` whose ``num_features`` is the first input's ``size(1)``."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNormBase, InstanceNorm2d):
    """An ``InstanceNorm2d`` whose ``num_features`` is the first input's ``size(1)``."""

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNormBase, InstanceNorm3d):
    """An ``InstanceNorm3d`` whose ``num_features`` is the first input's ``size(1)``."""

    cls_to_become = InstanceNorm3d
