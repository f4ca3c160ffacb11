"""The export lists agree: each ops module's ``__all__``, ``minitorch.ops``, ``minitorch`` and Tensor's methods.

Adding an op means listing it in its module's ``__all__``; these tests then say where else it
must appear (``docs/ADDING_AN_OP.md``).
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import re

import pytest
import torch

import minitorch
import minitorch.ops as ops

# Modules of minitorch.ops that hold machinery, not ops: no __all__ of ops to export.
INFRASTRUCTURE = {
    "base",
    "windows",
    "conv_flat",
    "pool_tiled",
    "along",
    "along_grad",
    "index_items",
    "regions",
    "recurrence",
    "tensor_numpy",
    "linalg_failures",
    "warm",
}
# What minitorch.ops exports besides the ops: helpers Tensor's methods call.
HELPERS = {"as_tensor", "to_dtype"}
# Ops torch also has at its top level with another signature, so minitorch does not export them there.
_ENUM = "torch's takes the reduction as an enum number"
NOT_AT_TOP_LEVEL = {
    name: _ENUM
    for name in (
        "binary_cross_entropy_with_logits",
        "cosine_embedding_loss",
        "hinge_embedding_loss",
        "kl_div",
        "margin_ranking_loss",
        "poisson_nll_loss",
        "triplet_margin_loss",
    )
}
NOT_AT_TOP_LEVEL["adaptive_max_pool1d"] = "torch's always returns the indices too"
NOT_AT_TOP_LEVEL["batch_norm"] = "torch's takes (input, weight, bias, running_mean, running_var, ...) in that order"
NOT_AT_TOP_LEVEL["instance_norm"] = "torch's takes (input, weight, bias, running_mean, running_var, ...) in that order"

OP_MODULES = sorted(
    p.stem
    for p in pathlib.Path(ops.__file__).parent.glob("*.py")
    if p.stem != "__init__"
    and p.stem not in INFRASTRUCTURE
    and not p.stem.endswith(("_cuda", "_numba", "_threads"))  # fast kernels
)
ALL_OPS = {
    name: importlib.import_module(f"minitorch.ops.{m}")
    for m in OP_MODULES
    for name in importlib.import_module(f"minitorch.ops.{m}").__all__
}


@pytest.mark.parametrize("module", OP_MODULES)
def test_each_op_module_lists_its_ops(module: str) -> None:
    mod = importlib.import_module(f"minitorch.ops.{module}")
    assert isinstance(getattr(mod, "__all__", None), list), f"minitorch.ops.{module} has no __all__"
    for name in mod.__all__:
        assert callable(getattr(mod, name)), f"{module}.__all__ names {name}, which it does not define"


def test_the_ops_package_exports_exactly_the_modules_ops() -> None:
    for name, mod in ALL_OPS.items():
        assert getattr(ops, name, None) is getattr(mod, name), f"minitorch.ops.{name} is not {mod.__name__}.{name}"
    public = {n for n, v in vars(ops).items() if not n.startswith("_") and callable(v) and not inspect.ismodule(v)}
    assert public - set(ALL_OPS) - HELPERS == set(), "exported by minitorch.ops but in no module's __all__"


def test_torch_top_level_names_are_the_ops_themselves() -> None:
    missing, other = [], []
    for name in ALL_OPS:
        if not hasattr(torch, name) or name in NOT_AT_TOP_LEVEL:
            continue
        if not hasattr(minitorch, name):
            missing.append(name)
        elif getattr(minitorch, name) is not getattr(ops, name):
            other.append(name)
    assert not missing, f"torch.{missing} exist; minitorch does not export them"
    assert not other, f"minitorch.{other} are not the ops of the same name"


def test_no_top_level_op_that_torch_lacks() -> None:
    """An op torch has only as a Tensor method (``expand_as``) is not a function of minitorch's top level either:
    code written against minitorch runs under torch."""
    extra = sorted(name for name in ALL_OPS if hasattr(minitorch, name) and not hasattr(torch, name))
    assert not extra, f"minitorch.{extra} exist; torch has no such functions"


def test_torch_tensor_methods_call_the_ops() -> None:
    missing, elsewhere = [], []
    for name in ALL_OPS:
        if not hasattr(torch.Tensor, name):
            continue
        method = getattr(minitorch.Tensor, name, None)
        if method is None:
            missing.append(name)
            continue
        same = {n for n in ALL_OPS if getattr(ops, n) is getattr(ops, name)}  # the op and its aliases
        source = inspect.getsource(method)
        if not any(f"_ops.{n}(" in source for n in same):
            elsewhere.append(name)
    assert not missing, f"torch.Tensor.{missing} exist; minitorch.Tensor lacks them"
    assert not elsewhere, f"minitorch.Tensor.{elsewhere} do not call the op of the same name"


def test_tensor_methods_reach_only_exported_ops() -> None:
    for module in ("tensor", "tensor_methods", "tensor_operators", "tensor_inplace", "tensor_convert", "tensor_math"):
        source = pathlib.Path(minitorch.__file__).parent.joinpath(f"{module}.py").read_text()
        used = set(re.findall(r"\b_ops\.(\w+)", source))
        assert used - set(ALL_OPS) - HELPERS - {"base"} == set(), module
