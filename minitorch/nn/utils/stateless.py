"""``nn.utils.stateless``: call a module with other tensors in place of its parameters and buffers.

``_reparametrize_module`` puts the given tensors where the module keeps its own (``_parameters``,
``_buffers``, or a plain attribute) and puts its own back afterwards, whatever happens in between;
``torch.func.functional_call`` is built on it. The public ``functional_call`` here is torch's deprecated
spelling of that one (with its FutureWarning).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ...tensor import Tensor
from ..modules.module import Module
from ..parallel.data_parallel import DataParallel

__all__ = ["functional_call"]

_MISSING: Any = object()  # what a swap takes out of a module that had no such attribute

_DEPRECATED = (
    "`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed in a future "
    "version of PyTorch. Please use `torch.func.functional_call` instead which is a drop-in replacement."
)


def _submodule(module: Module, path: str, memo: dict) -> Module:
    """The descendant at a dotted ``path`` ('' is ``module`` itself), with torch's errors."""
    if not path:
        return module
    if path not in memo:
        prefix, _, attr = path.rpartition(".")
        parent = _submodule(module, prefix, memo)
        try:
            child = getattr(parent, attr)
        except AttributeError as err:
            raise AttributeError(f"{parent._get_name()} has no attribute `{attr}`") from err
        if not isinstance(child, Module):
            raise TypeError(f"submodule `{path}`: {child} is not an instance of torch.nn.Module")
        memo[path] = child
    return memo[path]


def _swap(module: Module, name: str, value: Any, memo: dict) -> Any:
    """Put ``value`` at the dotted ``name`` and return what was there (``_MISSING`` removes the attribute)."""
    prefix, _, attr = name.rpartition(".")
    owner = _submodule(module, prefix, memo)
    if value is not _MISSING and value is not None and not isinstance(value, Tensor):
        raise TypeError(f"{value} is not an instance of torch.Tensor")
    if "." in attr:
        raise KeyError('tensor name can\'t contain "."')
    if attr == "":
        raise KeyError('tensor name can\'t be empty string ""')
    for table in (owner._parameters, owner._buffers):  # written directly: any tensor, not only a Parameter
        if attr in table:
            old = table[attr]
            if value is _MISSING:
                del table[attr]
            else:
                table[attr] = value
            return old
    old = getattr(owner, attr) if hasattr(owner, attr) else _MISSING
    if old is not _MISSING and old is not None and not isinstance(old, Tensor):
        raise TypeError(f"attribute `{attr}`: {old} is not an instance of torch.Tensor")
    if value is not _MISSING:
        setattr(owner, attr, value)  # (a parametrized tensor: through its right_inverse, as in torch)
    elif hasattr(owner, attr):
        delattr(owner, attr)
    return old


def _swap_all(module: Module, named: dict, memo: dict) -> dict:
    """Swap every entry of ``named`` in, returning what each replaced; on an error, undo and re-raise."""
    done: dict = {}
    try:
        for name, value in named.items():
            done[name] = _swap(module, name, value, memo)
    except Exception:
        for name, old in done.items():
            _swap(module, name, old, memo)
        raise
    return done


def _untie(module: Module, given: dict) -> dict:
    """``given`` with every name tied to a given one (the same tensor in the module) set to its value;
    torch's ValueError when two tied names are given different values."""
    names_of: dict = {}
    for name, t in [*module.named_parameters(remove_duplicate=False), *module.named_buffers(remove_duplicate=False)]:
        names_of.setdefault(id(t), set()).add(name)
    tied = {name: names for names in names_of.values() if len(names) > 1 for name in names}
    untied = dict(given)
    for name in [n for n in given if n in tied]:
        values = {id(given[n]) for n in tied[name] if n in given}
        if len(values) > 1:
            raise ValueError(
                f"functional_call got multiple values for keys {sorted(tied[name])}, which are tied. Consider using "
                "tie_weights=False"
            )
        for other in tied[name]:
            untied[other] = given[name]
    return untied


def _check_keys(module: Module, keys: Any) -> None:
    """torch's strict-mode error for keys the module does not have, or tensors of the module not given."""
    valid = {n for n, _ in module.named_parameters(remove_duplicate=False)}
    valid |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
    missing, unexpected = sorted(valid - set(keys)), sorted(set(keys) - valid)
    errors = []
    if unexpected:
        errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if errors:
        raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(module._get_name(), "\n\t".join(errors)))


@contextmanager
def _reparametrize_module(
    module: Module, parameters_and_buffers: dict, tie_weights: bool = False, strict: bool = False
) -> Iterator[None]:
    """Within the block, ``module`` holds the given tensors; afterwards its own again (even after an error).

    What the module assigned meanwhile to a given name (a buffer it updates, say) is written back into
    ``parameters_and_buffers``, as torch does.
    """
    named = _untie(module, parameters_and_buffers) if tie_weights else parameters_and_buffers
    if strict:
        _check_keys(module, named)
    memo: dict = {}
    originals: dict = {}
    try:
        originals = _swap_all(module, named, memo)
        yield
    finally:
        current = _swap_all(module, originals, memo)
        parameters_and_buffers.update({k: current[k] for k in parameters_and_buffers if k in current})


def _functional_call(
    module: Module,
    parameters_and_buffers: dict,
    args: Any = None,
    kwargs: dict | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    if isinstance(module, DataParallel):
        raise RuntimeError("The stateless API can't be used with nn.DataParallel module")
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize_module(module, parameters_and_buffers, tie_weights=tie_weights, strict=strict):
        return module(*args, **(kwargs or {}))


def functional_call(
    module: Module,
    parameters_and_buffers: dict,
    args: Any = None,
    kwargs: dict | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """Deprecated (torch's FutureWarning): ``torch.func.functional_call`` with one dict.

    Args:
        module: the module to call.
        parameters_and_buffers: {dotted name: tensor} used in place of the module's own during the call.
        args: the positional argument(s) of the call (one non-tuple value is one argument).
        kwargs: the keyword arguments of the call.
        tie_weights: a tensor the module holds under several names takes a value given for any of them.
        strict: the names given must be exactly the module's parameters and buffers.
    """
    warnings.warn(_DEPRECATED, FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)
