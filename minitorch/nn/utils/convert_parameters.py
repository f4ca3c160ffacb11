"""Parameters as one flat vector and back (``torch.nn.utils.convert_parameters``)."""

from __future__ import annotations

from collections.abc import Iterable

from ...ops import cat
from ...tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All ``parameters`` flattened and concatenated into one vector (differentiable, like torch's).

    Args:
        parameters: the tensors, e.g. ``model.parameters()`` (all on one device).
    """
    device: int | None = None
    pieces = []
    for param in parameters:
        device = _check_param_device(param, device)
        pieces.append(param.view(-1))
    return cat(pieces)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Make each of ``parameters`` a view of its slice of ``vec`` (their data then share ``vec``'s memory).

    Args:
        vec: a vector holding all parameters' values, as ``parameters_to_vector`` gives it.
        parameters: the tensors to set, in the same order.
    """
    if not isinstance(vec, Tensor):
        cls = type(vec)
        name = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
        raise TypeError(f"expected torch.Tensor, but got: {name}")
    device: int | None = None
    pointer = 0
    for param in parameters:
        device = _check_param_device(param, device)
        n = param.numel()
        param.data = vec[pointer : pointer + n].view_as(param).data
        pointer += n


def _check_param_device(param: Tensor, old: int | None) -> int:
    """The GPU index of ``param`` (-1 on the CPU); TypeError when it differs from the parameters' before it."""
    here = (param.device.index or 0) if param.device.type == "cuda" else -1
    if old is not None and here != old:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return here
