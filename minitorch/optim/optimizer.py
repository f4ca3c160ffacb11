"""Optimizer: parameter groups, per-parameter state, and torch's state-dict layout.

Subclasses implement ``step``; they update ``param._data`` in place on the raw arrays
(numpy or cupy) and bump the version counter, so an update records no graph and
allocates no more than the formula needs.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from copy import deepcopy
from itertools import chain
from typing import Any

import numpy as np

from .. import backend, dtypes
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor
from ..tensor_legacy import typename


class _RequiredParameter:
    """Marks an option a parameter group must give (no default)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _scalar(x: Any) -> float:
    """A hyperparameter as a Python float, so float32 arrays stay float32 under numpy's promotion rules."""
    return float(x)


def _check_lr(lr: Any) -> None:
    """torch's checks of a learning rate (a number, or a one-element tensor)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_betas(betas: tuple[float, float]) -> None:
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def _step_tensor(value: float, like: Tensor | None = None) -> Tensor:
    """A step counter (or other per-parameter scalar): a 0-d tensor, float64 when that is the default
    dtype, else float32 (torch's ``_get_scalar_dtype``); on the CPU, or on ``like``'s device (where
    torch's ``capturable=True`` keeps it, so that a step reads nothing back from the device)."""
    dt = np.float64 if dtypes.get_default_dtype() is dtypes.float64 else np.float32
    array = np.array(value, dtype=dt)
    if like is not None and backend.backend_of(like._data) is not backend.HOST:
        array = backend.to_device(array, like.device)
    return Tensor._wrap(array)


def _bump(*tensors: Tensor | None) -> None:
    """Count one in-place write on each tensor (the version counter torch's in-place ops advance)."""
    for t in tensors:
        if t is not None:
            t._bump_version()


def _by_backend(members: Iterable[tuple[Tensor, Any]]) -> list:
    """(parameter, gradient) pairs grouped by their backend, in order: [(backend, [pairs])] (usually one group)."""
    groups: dict = {}
    for p, g in members:
        groups.setdefault(backend.backend_of(p._data), []).append((p, g))
    return list(groups.items())


def _zeros_like(p: Tensor) -> Tensor:
    return Tensor._wrap(backend.array_module(p._data).zeros_like(p._data))


def _check_unsupported(name: str, **flags: Any) -> None:
    """Refuse torch's implementation switches that minitorch has no second implementation for."""
    on = [f"{k}=True" for k, v in flags.items() if v]
    if on:
        raise NotImplementedError(
            f"minitorch's {name} has only the plain per-parameter loop: {', '.join(on)} "
            "is not supported (leave it at its default)"
        )


class Optimizer:
    """Base class of all optimizers, following ``torch.optim.Optimizer``.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts that
            each define a parameter group (``{"params": [...], "lr": ...}``).
        defaults: the options a group takes when it does not give them itself.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {typename(params)}"
            )
        self.state: defaultdict = defaultdict(dict)  # keyed by the parameter tensor (hashed by identity)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        out = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    out += f"    {key}: {group[key]}\n"
        return out + ")"

    # ------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (fine-tuning, unfrozen layers).

        Args:
            param_group: a dict with ``"params"`` and any options that differ from the defaults.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering "
                "of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {typename(p)}")
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in params]
        if len(ids) != len(set(ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will "
                "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def _params_with_grad(self, group: dict[str, Any]) -> Iterator[tuple[Tensor, Any]]:
        """Each parameter of ``group`` that has a gradient, with the gradient's raw array."""
        for p in group["params"]:
            if p.grad is not None:
                yield p, p.grad._data

    # ------------------------------------------------------------ gradients and steps
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default), or to zeros in place.

        Args:
            set_to_none: drop the gradient tensors instead of filling them with zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if p.grad.grad_fn is not None:
                    p.grad.detach_()
                else:
                    p.grad.requires_grad_(False)
                p.grad.zero_()

    def _run_closure(self, closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update the parameters once; ``closure`` re-evaluates the model and returns the loss.

        Args:
            closure: optional callable that recomputes the loss (with gradients enabled).
        """
        raise NotImplementedError

    # ------------------------------------------------------------ state dicts
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state: ``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        Parameters are replaced by their position across all groups; the state tensors
        are the optimizer's own (not copies), as in torch.
        """
        index: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state saved by ``state_dict`` into an optimizer over matching parameters.

        Args:
            state_dict: the dict ``state_dict()`` returned (or ``minitorch.load`` read back).
        """
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups), chain.from_iterable(g["params"] for g in groups)
            )
        )
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast(param, v)
            else:
                state[k] = v
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            for name, default in self.defaults.items():
                saved.setdefault(name, default)  # a state dict from an older version may lack newer options
        self.state = state
        self.param_groups = saved_groups
        self._after_load()

    def _after_load(self) -> None:
        """Upgrade loaded state as torch's ``__setstate__`` does: a float ``step`` becomes a scalar tensor."""
        for state in self.state.values():
            if isinstance(state, dict) and "step" in state and not isinstance(state["step"], Tensor):
                state["step"] = _step_tensor(float(state["step"]))


def _cast(param: Tensor, value: Any, key: Any = None) -> Any:
    """State loaded for ``param``: floating tensors moved to its dtype and device (``step`` left as is)."""
    if isinstance(value, Tensor):
        if key == "step":
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return value
