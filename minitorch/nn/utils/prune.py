"""``minitorch.nn.utils.prune``: pruning methods and functions, as ``torch.nn.utils.prune``.

``l1_unstructured(module, "weight", amount=0.3)`` zeroes the 30% smallest entries of ``module.weight``
through a mask: the values stay in ``weight_orig``, the mask in the buffer ``weight_mask``, and
``module.weight`` is recomputed as their product before every forward (see ``prune_base``). ``amount``
is a count (int) or a fraction (float in [0, 1], rounded like Python's ``round``).

Ties: L1 and Ln pruning pick entries with ``topk`` as torch does. Among equal importances at the cut,
minitorch's stable ``topk`` decides by index (L1 prunes the lowest-index entries first, Ln keeps the
lowest-index channels); torch's choice there follows its selection algorithm (``nth_element``) and
has no simple rule. Masks equal torch's wherever the importances that decide the cut are distinct. Random methods draw from minitorch's generator (reproducible under
``minitorch.manual_seed``, not equal to torch's draws).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any, TypeVar

from ...creation import ones_like, rand, rand_like, zeros_like
from ...ops import kthvalue, topk
from ...ops.norms import norm
from ...tensor import Tensor
from ..modules.module import Module
from .convert_parameters import parameters_to_vector
from .prune_base import BasePruningMethod, PruningContainer

__all__ = [
    "BasePruningMethod",
    "CustomFromMask",
    "Identity",
    "L1Unstructured",
    "LnStructured",
    "PruningContainer",
    "RandomStructured",
    "RandomUnstructured",
    "custom_from_mask",
    "global_unstructured",
    "identity",
    "is_pruned",
    "l1_unstructured",
    "ln_structured",
    "random_structured",
    "random_unstructured",
    "remove",
]

T_module = TypeVar("T_module", bound=Module)


class Identity(BasePruningMethod):
    """Prunes nothing: the reparametrisation with a mask of ones."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str) -> Any:  # type: ignore[override]
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Prunes ``amount`` of the (still unpruned) entries, chosen at random.

    Args:
        amount: how many entries (int) or which fraction of them (float in [0, 1]).
    """

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: int | float) -> None:
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        k = _count_to_prune(self.amount, t.nelement())
        mask = default_mask.clone()
        if k != 0:
            # The k entries that drew the largest numbers.
            mask.view(-1)[topk(rand_like(t).view(-1), k=k).indices] = 0
        return mask

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float) -> Any:  # type: ignore[override]
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Prunes ``amount`` of the (still unpruned) entries: those of smallest absolute value.

    Args:
        amount: how many entries (int) or which fraction of them (float in [0, 1]).
    """

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: int | float) -> None:
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        k = _count_to_prune(self.amount, t.nelement())
        mask = default_mask.clone()
        if k != 0:
            mask.view(-1)[topk(t.abs().view(-1), k=k, largest=False).indices] = 0
        return mask

    @classmethod
    def apply(  # type: ignore[override]
        cls, module: Module, name: str, amount: int | float, importance_scores: Tensor | None = None
    ) -> Any:
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prunes ``amount`` of the (still unpruned) channels along ``dim``, chosen at random.

    Args:
        amount: how many channels (int) or which fraction of them (float in [0, 1]).
        dim: the dimension whose slices are the channels.
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, dim: int = -1) -> None:
        _check_amount(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        n_channels = _channels(t, self.dim)
        k = _count_to_prune(self.amount, n_channels)
        if k == 0:
            return default_mask
        draws = rand(n_channels, device=t.device)
        # Keep the channels that drew more than the k-th smallest number.
        mask = _channel_mask(t, self.dim, draws > kthvalue(draws, k=k).values)
        mask *= default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float, dim: int = -1) -> Any:  # type: ignore[override]
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes ``amount`` of the (still unpruned) channels along ``dim``: those of smallest Ln norm.

    Args:
        amount: how many channels (int) or which fraction of them (float in [0, 1]).
        n: the norm's order, any ``p`` that ``minitorch.norm`` takes (int, float, inf, -inf, 'fro', 'nuc').
        dim: the dimension whose slices are the channels.
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, n: Any, dim: int = -1) -> None:
        _check_amount(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        n_channels = _channels(t, self.dim)
        k = _count_to_prune(self.amount, n_channels)
        dims = list(range(t.dim()))
        dims.remove(dims[self.dim])
        kept = topk(norm(t, p=self.n, dim=dims), k=n_channels - k, largest=True).indices
        if k == 0:
            return default_mask
        mask = _channel_mask(t, self.dim, kept)
        mask *= default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(  # type: ignore[override]
        cls, module: Module, name: str, amount: int | float, n: Any, dim: int, importance_scores: Tensor | None = None
    ) -> Any:
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prunes with a given mask (of the tensor's shape), on top of any earlier pruning.

    Args:
        mask: the mask; its zeros are pruned.
    """

    PRUNING_TYPE = "global"

    def __init__(self, mask: Tensor) -> None:
        self.mask = mask

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        if default_mask.shape != self.mask.shape:
            raise AssertionError(
                f"default_mask shape {default_mask.shape} must match self.mask shape {self.mask.shape}"
            )
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module: Module, name: str, mask: Tensor) -> Any:  # type: ignore[override]
        return super().apply(module, name, mask=mask)


# ------------------------------------------------------------------ functions
def identity(module: T_module, name: str) -> T_module:
    """Reparametrise ``module.<name>`` as ``<name>_orig * <name>_mask`` with a mask of ones.

    Args:
        module: the module holding the tensor.
        name: the parameter's name.
    Returns:
        ``module``.
    """
    Identity.apply(module, name)
    return module


def random_unstructured(module: T_module, name: str, amount: int | float) -> T_module:
    """Prune ``amount`` of the still unpruned entries of ``module.<name>``, chosen at random.

    Args:
        module: the module holding the tensor.
        name: the parameter's name.
        amount: how many entries (int) or which fraction of them (float in [0, 1]).
    Returns:
        ``module``.
    """
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(
    module: T_module, name: str, amount: int | float, importance_scores: Tensor | None = None
) -> T_module:
    """Prune ``amount`` of the still unpruned entries of ``module.<name>``: those of smallest absolute score.

    Args:
        module: the module holding the tensor.
        name: the parameter's name.
        amount: how many entries (int) or which fraction of them (float in [0, 1]).
        importance_scores: scores of the parameter's shape (default: the parameter).
    Returns:
        ``module``.
    """
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: T_module, name: str, amount: int | float, dim: int) -> T_module:
    """Prune ``amount`` of the still unpruned channels of ``module.<name>`` along ``dim``, chosen at random.

    Args:
        module: the module holding the tensor.
        name: the parameter's name.
        amount: how many channels (int) or which fraction of them (float in [0, 1]).
        dim: the dimension whose slices are the channels.
    Returns:
        ``module``.
    """
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(
    module: T_module, name: str, amount: int | float, n: Any, dim: int, importance_scores: Tensor | None = None
) -> T_module:
    """Prune ``amount`` of the still unpruned channels of ``module.<name>`` along ``dim``: those of smallest Ln norm.

    Args:
        module: the module holding the tensor.
        name: the parameter's name.
        amount: how many channels (int) or which fraction of them (float in [0, 1]).
        n: the norm's order (int, float, inf, -inf, 'fro', 'nuc').
        dim: the dimension whose slices are the channels.
        importance_scores: scores of the parameter's shape (default: the parameter).
    Returns:
        ``module``.
    """
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(
    parameters: Iterable[tuple[Module, str]],
    pruning_method: type[BasePruningMethod],
    importance_scores: dict | None = None,
    **kwargs: Any,
) -> None:
    """Prune several tensors as one: the method ranks all their (still unpruned) entries together.

    Args:
        parameters: ``(module, name)`` pairs.
        pruning_method: an unstructured pruning method class, such as ``L1Unstructured``.
        importance_scores: ``{(module, name): scores}`` for any of the pairs (default: the tensors).
        kwargs: the method's arguments, such as ``amount`` (a count or a fraction of all the entries).
    """
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    scores = parameters_to_vector([importance_scores.get((m, name), getattr(m, name)) for m, name in parameters])
    default_mask = parameters_to_vector(
        [getattr(m, name + "_mask", ones_like(getattr(m, name))) for m, name in parameters]
    )
    # The pieces run through a container as one tensor, so the earlier masks are respected.
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(
            'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. '
            f"Found method {pruning_method} of type {method.PRUNING_TYPE}"
        )
    container.add_pruning_method(method)
    final_mask = container.compute_mask(scores, default_mask)
    start = 0
    for m, name in parameters:
        param = getattr(m, name)
        size = param.numel()
        custom_from_mask(m, name, mask=final_mask[start : start + size].view_as(param))
        start += size


def custom_from_mask(module: T_module, name: str, mask: Tensor) -> T_module:
    """Prune ``module.<name>`` with ``mask`` (its zeros are pruned), on top of any earlier pruning.

    Args:
        module: the module holding the tensor.
        name: the parameter's name.
        mask: a mask of the parameter's shape.
    Returns:
        ``module``.
    """
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module: T_module, name: str) -> T_module:
    """Make the pruning of ``module.<name>`` permanent: a Parameter again, with the pruned values.

    Args:
        module: the module holding the tensor.
        name: the parameter's name.
    Returns:
        ``module``.
    """
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")


def is_pruned(module: Module) -> bool:
    """Whether ``module`` or any module inside it has a pruning hook.

    Args:
        module: the module to inspect.
    """
    return any(isinstance(hook, BasePruningMethod) for m in module.modules() for hook in m._forward_pre_hooks.values())


# ------------------------------------------------------------------ amounts
def _check_amount(amount: Any) -> None:
    """TypeError unless ``amount`` is a real number; ValueError for a negative count or a fraction outside [0, 1]."""
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    is_count = isinstance(amount, numbers.Integral)
    # Written as two comparisons, as torch does, so that a NaN fraction passes here (and fails in round()).
    if (is_count and amount < 0) or (not is_count and (float(amount) > 1.0 or float(amount) < 0.0)):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")


def _count_to_prune(amount: int | float, size: int) -> int:
    """How many of ``size`` units ``amount`` means; ValueError for a count larger than ``size``."""
    k = amount if isinstance(amount, numbers.Integral) else round(amount * size)
    if k > size:
        raise ValueError(f"amount={k} should be smaller than the number of parameters to prune={size}")
    return int(k)


def _channels(t: Tensor, dim: int) -> int:
    """The number of channels along ``dim``, after checking that ``t`` has channels and ``dim`` exists."""
    if t.dim() <= 1:
        raise ValueError(
            "Structured pruning can only be applied to multidimensional tensors. "
            f"Found tensor of shape {t.shape} with {t.dim()} dims"
        )
    if dim >= t.dim():
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")
    return t.shape[dim]


def _channel_mask(t: Tensor, dim: int, channels: Tensor) -> Tensor:
    """A mask of ``t``'s shape and dtype: ones on the ``channels`` (indices or booleans) along ``dim``."""
    mask = zeros_like(t)
    index: list[Any] = [slice(None)] * t.dim()
    index[dim] = channels
    mask[tuple(index)] = 1
    return mask
