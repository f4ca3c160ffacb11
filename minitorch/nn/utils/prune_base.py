"""The machinery of ``nn.utils.prune``: the reparametrisation ``name = name_orig * name_mask`` and iterative pruning.

Pruning ``module.<name>`` moves the Parameter to ``<name>_orig``, registers the mask as the buffer
``<name>_mask`` and leaves ``<name>`` a plain attribute that a forward pre-hook (the pruning method
itself) recomputes before every call. Pruning the same tensor again puts the methods in a
``PruningContainer``, whose new mask is computed only on the part the earlier masks left. The
concrete methods and the functional API live in ``prune.py``, which re-exports these classes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ...creation import ones_like
from ...tensor import Tensor
from ..modules.module import Module

__all__ = ["BasePruningMethod", "PruningContainer"]


class BasePruningMethod(ABC):
    """Base class of the pruning methods: subclasses set ``PRUNING_TYPE`` and define ``compute_mask``.

    ``PRUNING_TYPE`` ('unstructured', 'structured' or 'global') tells a ``PruningContainer`` which part
    of an already pruned tensor a new mask is computed on. An instance registered on a module is its
    forward pre-hook; ``_tensor_name`` is the name of the tensor it prunes.
    """

    # Shown as torch shows it (nn.utils.prune.X), and where the classes are meant to be imported from.
    __module__ = "minitorch.nn.utils.prune"

    PRUNING_TYPE: str
    _tensor_name: str

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The mask for ``t``, keeping every zero of ``default_mask`` (the earlier pruning's mask).

        Args:
            t: the importance scores (by default the tensor itself).
            default_mask: the mask so far, of ``t``'s shape (ones when not pruned yet).
        """

    def apply_mask(self, module: Module) -> Tensor:
        """``<name>_orig * <name>_mask`` of ``module``: the pruned tensor, differentiable in ``<name>_orig``.

        Args:
            module: the module holding the pruned tensor.
        """
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(
        cls, module: Module, name: str, *args: Any, importance_scores: Tensor | None = None, **kwargs: Any
    ) -> Any:
        """Prune ``module.<name>`` with ``cls(*args, **kwargs)``, on top of any pruning it already has.

        Args:
            module: the module holding the tensor.
            name: the parameter's name in ``module``.
            args: the method's positional arguments.
            importance_scores: scores of ``<name>``'s shape that rank its entries (default: the tensor).
            kwargs: the method's keyword arguments.
        Returns:
            The hook now registered on ``module``: the method, or a ``PruningContainer`` holding it.
        """
        method = _joined_with_earlier_pruning(cls, module, name, *args, **kwargs)
        orig = getattr(module, name)
        if importance_scores is None:
            importance_scores = orig
        elif importance_scores.shape != orig.shape:
            raise AssertionError(
                f"importance_scores should have the same shape as parameter {name} of {module}, "
                f"got {importance_scores.shape} vs {orig.shape}"
            )
        first_pruning = not isinstance(method, PruningContainer)
        if first_pruning:
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
            default_mask = ones_like(orig)
        else:
            default_mask = getattr(module, name + "_mask").detach().clone()
        try:
            mask = method.compute_mask(importance_scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            # A first pruning that failed gives the parameter back; a later one leaves what torch leaves.
            if first_pruning:
                module.register_parameter(name, getattr(module, name + "_orig"))
                del module._parameters[name + "_orig"]
            raise
        return method

    def prune(self, t: Tensor, default_mask: Tensor | None = None, importance_scores: Tensor | None = None) -> Tensor:
        """``t`` times the mask this method computes for it (no module involved).

        Args:
            t: the tensor to prune.
            default_mask: the mask of an earlier pruning to respect (default: ones).
            importance_scores: scores of ``t``'s shape that rank its entries (default: ``t``).
        """
        if importance_scores is None:
            importance_scores = t
        elif importance_scores.shape != t.shape:
            raise AssertionError(
                f"importance_scores should have the same shape as tensor t, got {importance_scores.shape} vs {t.shape}"
            )
        default_mask = default_mask if default_mask is not None else ones_like(t)
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: ``<name>`` becomes a Parameter again holding the pruned values.

        ``<name>_orig`` (the same Parameter object, so optimizers keep it) and ``<name>_mask`` go away.

        Args:
            module: the module holding the pruned tensor.
        """
        weight = self.apply_mask(module)
        name = self._tensor_name
        if hasattr(module, name):
            delattr(module, name)
        orig = module._parameters[name + "_orig"]
        assert orig is not None
        orig.data = weight.data
        del module._parameters[name + "_orig"]
        del module._buffers[name + "_mask"]
        setattr(module, name, orig)


def _joined_with_earlier_pruning(
    cls: type[BasePruningMethod], module: Module, name: str, *args: Any, **kwargs: Any
) -> BasePruningMethod:
    """A new ``cls(*args, **kwargs)`` for ``name``; if ``name`` is pruned already, the container holding both.

    The earlier hook leaves ``module._forward_pre_hooks`` here (before the new method is even built,
    as in torch); ``apply`` registers the result again.
    """
    earlier = [(key, hook) for key, hook in module._forward_pre_hooks.items() if _prunes(hook, name)]
    if len(earlier) > 1:
        raise AssertionError(
            f"Avoid adding multiple pruning hooks to the same tensor {name} of module {module}. Use a PruningContainer."
        )
    for key, _ in earlier:
        del module._forward_pre_hooks[key]
    method = cls(*args, **kwargs)
    method._tensor_name = name
    if not earlier:
        return method
    old = earlier[0][1]
    if isinstance(old, PruningContainer):
        old.add_pruning_method(method)
        return old
    container = PruningContainer(old)
    container.add_pruning_method(method)
    return container


def _prunes(hook: Any, name: str) -> bool:
    return isinstance(hook, BasePruningMethod) and hook._tensor_name == name


class PruningContainer(BasePruningMethod):
    """The pruning methods applied, in order, to one tensor; its mask adds the latest method's to the rest.

    Args:
        args: pruning methods (already bound to a tensor name). With exactly one, the container takes
            its tensor name; with none, set ``_tensor_name`` before adding any.
    """

    __module__ = "minitorch.nn.utils.prune"

    def __init__(self, *args: BasePruningMethod) -> None:
        self._pruning_methods: tuple[BasePruningMethod, ...] = ()
        if len(args) == 1:
            self._tensor_name = args[0]._tensor_name
        # As in torch, several methods need _tensor_name set beforehand (else AttributeError).
        for method in args:
            self.add_pruning_method(method)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        """Append ``method`` (acting on this container's tensor) to the history.

        Args:
            method: the pruning method.
        """
        if method is not None and not isinstance(method, BasePruningMethod):
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(
                f"Can only add pruning methods acting on the parameter named '{self._tensor_name}' "
                f"to PruningContainer {self}. Found '{method._tensor_name}'"
            )
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self) -> Any:
        return iter(self._pruning_methods)

    def __getitem__(self, idx: Any) -> Any:
        return self._pruning_methods[idx]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """``default_mask`` with the latest method's mask, computed on the part still unpruned, written in.

        Which part depends on the method's ``PRUNING_TYPE``: 'unstructured', the entries where the mask
        is 1 (as one flat vector); 'structured', the channels along the method's ``dim`` not all zero;
        'global', the whole tensor.

        Args:
            t: the importance scores, of ``default_mask``'s shape.
            default_mask: the mask of the earlier methods.
        """
        method = self._pruning_methods[-1]
        new_mask = default_mask.to(dtype=t.dtype)
        part = _unpruned_part(method, t, default_mask)
        partial_mask = method.compute_mask(t[part], default_mask=default_mask[part])
        new_mask[part] = partial_mask.to(dtype=new_mask.dtype)
        return new_mask


def _unpruned_part(method: BasePruningMethod, t: Tensor, mask: Tensor) -> Any:
    """The index of the part of ``t`` the next ``method`` prunes, given the mask so far."""
    if method.PRUNING_TYPE == "unstructured":
        return mask == 1
    if method.PRUNING_TYPE == "structured":
        if not hasattr(method, "dim"):
            raise AttributeError(
                'Pruning methods of PRUNING_TYPE "structured" need to have the attribute `dim` defined.'
            )
        n_dims = t.dim()
        dim: int = method.dim
        if dim < 0:
            dim += n_dims
        if dim < 0:
            raise IndexError(f"Index is out of bounds for tensor with dimensions {n_dims}")
        # A channel is already pruned when its mask is all zeros.
        live_channels = mask.sum(dim=[d for d in range(n_dims) if d != dim]) != 0
        index: list[Any] = [slice(None)] * n_dims
        index[dim] = live_channels
        return tuple(index)
    if method.PRUNING_TYPE == "global":
        return (slice(None),) * len(t.shape)
    raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
