"""RMSprop, Adagrad, Adadelta, NAdam and RAdam against torch: trajectories, state, state-dict exchange, errors."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import raises_like
from tests.test_optim import _p, assert_same_tree, check_against_torch, make_grads, make_params, run


def _id(name: str, kw: dict) -> str:
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


def rmsprop(**kw: Any) -> Callable:
    return lambda lib, params: lib.optim.RMSprop(params, **kw)


def adagrad(**kw: Any) -> Callable:
    return lambda lib, params: lib.optim.Adagrad(params, **kw)


def adadelta(**kw: Any) -> Callable:
    return lambda lib, params: lib.optim.Adadelta(params, **kw)


def nadam(**kw: Any) -> Callable:
    return lambda lib, params: lib.optim.NAdam(params, **kw)


def radam(**kw: Any) -> Callable:
    return lambda lib, params: lib.optim.RAdam(params, **kw)


GRIDS = {
    "RMSprop": (
        rmsprop,
        [
            dict(lr=0.01, momentum=m, centered=c, weight_decay=wd, maximize=mx, alpha=a)
            for m, c, wd, mx, a in itertools.product((0, 0.9), (False, True), (0, 0.1), (False, True), (0.99, 0.7))
        ],
    ),
    "Adagrad": (
        adagrad,
        [
            dict(lr=0.1, lr_decay=d, weight_decay=wd, initial_accumulator_value=iv, maximize=mx, eps=eps)
            for d, wd, iv, mx, eps in itertools.product((0, 0.05), (0, 0.1), (0, 0.5), (False, True), (1e-10, 1e-3))
        ],
    ),
    "Adadelta": (
        adadelta,
        [
            dict(lr=lr, rho=rho, eps=eps, weight_decay=wd, maximize=mx)
            for lr, rho, eps, wd, mx in itertools.product((1.0, 0.3), (0.9, 0.5), (1e-6, 1e-2), (0, 0.1), (False, True))
        ],
    ),
    "NAdam": (
        nadam,
        [
            dict(lr=0.01, betas=b, weight_decay=wd, decoupled_weight_decay=dw, momentum_decay=md, maximize=mx)
            for b, wd, dw, md, mx in itertools.product(
                ((0.9, 0.999), (0.3, 0.8)), (0, 0.1), (False, True), (4e-3, 0.1), (False, True)
            )
        ],
    ),
    "RAdam": (
        radam,
        [
            dict(lr=0.01, betas=b, eps=eps, weight_decay=wd, decoupled_weight_decay=dw, maximize=mx)
            # beta2 = 0.8 reaches rho_t > 5 (the rectified branch) at step 6, 0.999 at step 6 too;
            # beta1 = 0.3 takes lerp's other branch
            for b, eps, wd, dw, mx in itertools.product(
                ((0.9, 0.999), (0.3, 0.8)), (1e-8, 1e-3), (0, 0.1), (False, True), (False, True)
            )
        ],
    ),
}
CASES = [pytest.param(make(**kw), id=_id(name, kw)) for name, (make, grid) in GRIDS.items() for kw in grid]


def groups_rmsprop(lib: Any, p: list) -> Any:
    return lib.optim.RMSprop(
        [
            {"params": [p[0]], "momentum": 0.5, "centered": True},
            {"params": [p[1], p[2], p[3]], "lr": 0.05, "alpha": 0.9, "weight_decay": 0.1},
        ],
        lr=0.01,
    )


def groups_adagrad(lib: Any, p: list) -> Any:
    # a group's own initial_accumulator_value is ignored at construction, as in torch
    return lib.optim.Adagrad(
        [
            {"params": [p[0], p[3]], "lr_decay": 0.1, "initial_accumulator_value": 3.0},
            {"params": [p[1], p[2]], "lr": 0.5, "maximize": True},
        ],
        lr=0.1,
        initial_accumulator_value=0.25,
    )


def groups_adadelta(lib: Any, p: list) -> Any:
    return lib.optim.Adadelta(
        [{"params": [p[0]], "rho": 0.5}, {"params": [p[1], p[2], p[3]], "lr": 0.5, "weight_decay": 0.1}], eps=1e-4
    )


def groups_nadam(lib: Any, p: list) -> Any:
    return lib.optim.NAdam(
        [
            {"params": [p[0], p[3]], "momentum_decay": 0.05, "decoupled_weight_decay": True, "weight_decay": 0.1},
            {"params": [p[1], p[2]], "lr": 0.1, "betas": (0.5, 0.6), "weight_decay": 0.05},
        ],
        lr=0.01,
    )


def groups_radam(lib: Any, p: list) -> Any:
    return lib.optim.RAdam(
        [
            {"params": [p[0]], "betas": (0.5, 0.7)},
            {"params": [p[1], p[2], p[3]], "lr": 0.1, "weight_decay": 0.05, "decoupled_weight_decay": True},
        ],
        lr=0.01,
    )


GROUPS = [groups_rmsprop, groups_adagrad, groups_adadelta, groups_nadam, groups_radam]
DEFAULTS = [rmsprop(), adagrad(), adadelta(), nadam(), radam()]
NAMES = ["RMSprop", "Adagrad", "Adadelta", "NAdam", "RAdam"]


@pytest.mark.parametrize(
    "factory",
    CASES
    + [pytest.param(f, id=f.__name__) for f in GROUPS]
    + [pytest.param(f, id=f"{n}-defaults") for f, n in zip(DEFAULTS, NAMES)],
)
def test_trajectory_and_state_match_torch(factory: Callable) -> None:
    check_against_torch(factory)  # 50 steps, float64, rtol 1e-10; parameters and the whole state_dict


@pytest.mark.parametrize(
    "factory",
    [
        rmsprop(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1),
        adagrad(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
        adadelta(weight_decay=0.1),
        nadam(decoupled_weight_decay=True, weight_decay=0.1),
        radam(weight_decay=0.1),
    ],
    ids=NAMES,
)
def test_float32_stays_float32(factory: Callable) -> None:
    params, opt = check_against_torch(factory, np.float32, rtol=1e-5, atol=1e-6)
    assert all(p._data.dtype == np.float32 for p in params)
    for state in opt.state.values():
        for key, t in state.items():
            assert t._data.dtype == np.float32, key


def test_default_float64_makes_float64_counters_like_torch() -> None:
    """``step`` (and NAdam's ``mu_product``) follow the default dtype, as torch's _get_scalar_dtype does."""
    for lib in (torch, minitorch):
        lib.set_default_dtype(lib.float64)
    try:
        check_against_torch(nadam(lr=0.05, momentum_decay=0.2))
        check_against_torch(groups_adagrad)
    finally:
        for lib in (torch, minitorch):
            lib.set_default_dtype(lib.float32)


def _convert(tree: Any, lib: Any) -> Any:
    """A state dict with every tensor carried over to ``lib`` (dtype and shape kept)."""
    if isinstance(tree, (torch.Tensor, minitorch.Tensor)):
        return lib.tensor(np.array(tree.detach().numpy(), copy=True))
    if isinstance(tree, dict):
        return {k: _convert(v, lib) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_convert(v, lib) for v in tree)
    return tree


@pytest.mark.parametrize("factory", GROUPS, ids=NAMES)
@pytest.mark.parametrize("source", ["torch", "minitorch"])
def test_state_dict_exchange_with_torch(factory: Callable, source: str) -> None:
    """Train 20 steps in one library; its state dict loaded by the other library and by itself trains on alike.

    The reference is the source library resuming from its own state dict, since loading casts
    state to the parameters' dtype (NAdam's float32 ``mu_product`` becomes float64), in torch too.
    """
    grads = make_grads(40)
    src_lib, dst_lib = (torch, minitorch) if source == "torch" else (minitorch, torch)
    src = make_params(src_lib)
    src_opt = factory(src_lib, src)
    run(src_lib, src, src_opt, grads[:20])
    saved = copy.deepcopy(src_opt.state_dict())
    resumed = {}
    for lib in (src_lib, dst_lib):
        params = [lib.tensor(np.array(p.detach().numpy(), copy=True), requires_grad=True) for p in src]
        opt = factory(lib, params)
        for group in opt.param_groups:
            group["lr"] = 123.0  # the loaded groups must bring the saved options back
        opt.load_state_dict(_convert(saved, lib))
        assert opt.param_groups[0]["params"][0] is params[0]
        resumed[lib] = (params, opt, opt.state_dict())
    assert_same_tree(resumed[minitorch][2], resumed[torch][2], 0, 0, "loaded state_dict()")
    for lib, (params, opt, _) in resumed.items():
        run(lib, params, opt, grads[20:])
    (m_params, m_opt, _), (t_params, t_opt, _) = resumed[minitorch], resumed[torch]
    for m, t in zip(m_params, t_params):
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert_same_tree(m_opt.state_dict(), t_opt.state_dict(), 1e-10, 1e-12, "state_dict()")


def test_adagrad_state_exists_from_construction_like_torch() -> None:
    made = {}
    for lib in (torch, minitorch):
        a, b = _p(lib)
        opt = lib.optim.Adagrad([a], initial_accumulator_value=0.5)
        opt.add_param_group({"params": [b], "initial_accumulator_value": 2.0})
        b.grad = lib.ones(3, dtype=lib.float64)
        opt.step()  # b's state appears lazily, from the constructor's initial_accumulator_value
        made[lib] = opt.state_dict()
    assert_same_tree(made[minitorch], made[torch], 0, 0, "state_dict()")


def test_closure_and_in_place_updates() -> None:
    for name in NAMES:
        w = minitorch.tensor([1.0, -2.0], requires_grad=True)
        data = w._data
        opt = getattr(minitorch.optim, name)([w])

        def closure() -> Any:
            opt.zero_grad()
            loss = (w * w).sum()
            loss.backward()
            return loss

        with minitorch.no_grad():
            loss = opt.step(closure)
        assert float(loss) == 5.0 and w._data is data and w._version == 1, name
        assert w.grad_fn is None and w.requires_grad


ARG_ERRORS = {
    "RMSprop": [dict(lr=-0.1), dict(eps=-1.0), dict(momentum=-0.1), dict(weight_decay=-1.0), dict(alpha=-0.5)],
    "Adagrad": [
        dict(lr=-0.1),
        dict(lr_decay=-1.0),
        dict(weight_decay=-1.0),
        dict(initial_accumulator_value=-1.0),
        dict(eps=-1.0),
    ],
    "Adadelta": [dict(lr=-0.1), dict(rho=1.5), dict(rho=-0.1), dict(eps=-1.0), dict(weight_decay=-1.0)],
    "NAdam": [
        dict(lr=-0.1),
        dict(eps=-1.0),
        dict(betas=(1.0, 0.9)),
        dict(betas=(0.9, -0.1)),
        dict(weight_decay=-1.0),
        dict(momentum_decay=-1.0),
    ],
    "RAdam": [dict(lr=-0.1), dict(eps=-1.0), dict(betas=(-0.1, 0.9)), dict(betas=(0.9, 1.0)), dict(weight_decay=-1.0)],
}
BUILDERS = {
    "RMSprop": lambda lib, kw: lib.optim.RMSprop(_p(lib), **kw),
    "Adagrad": lambda lib, kw: lib.optim.Adagrad(_p(lib), **kw),
    "Adadelta": lambda lib, kw: lib.optim.Adadelta(_p(lib), **kw),
    "NAdam": lambda lib, kw: lib.optim.NAdam(_p(lib), **kw),
    "RAdam": lambda lib, kw: lib.optim.RAdam(_p(lib), **kw),
}


@pytest.mark.parametrize(
    "name,kw",
    [(n, kw) for n, kws in ARG_ERRORS.items() for kw in kws],
    ids=[_id(n, kw) for n, kws in ARG_ERRORS.items() for kw in kws],
)
def test_bad_arguments_raise_like_torch(name: str, kw: dict) -> None:
    raises_like(lambda lib: BUILDERS[name](lib, kw), exact=True)


@pytest.mark.parametrize(
    "name,flag",
    [
        ("RMSprop", "capturable"),
        ("RMSprop", "differentiable"),
        ("Adagrad", "fused"),
        ("Adagrad", "differentiable"),
        ("Adadelta", "capturable"),
        ("NAdam", "capturable"),
        ("RAdam", "differentiable"),
    ],
)
def test_other_implementations_are_refused_clearly(name: str, flag: str) -> None:
    with pytest.raises(NotImplementedError, match=f"{flag}=True is not supported"):
        BUILDERS[name](minitorch, {flag: True})
    opt = BUILDERS[name](minitorch, {"foreach": True} if name != "Adagrad" else {"foreach": False})
    assert opt.defaults["foreach"] in (True, False)  # foreach is accepted and kept, as an option of torch's


@pytest.mark.parametrize("name", NAMES)
def test_param_group_keys_and_repr_match_torch(name: str) -> None:
    t_opt, m_opt = BUILDERS[name](torch, {}), BUILDERS[name](minitorch, {})
    assert list(m_opt.defaults) == list(t_opt.defaults)
    assert [list(g) for g in m_opt.param_groups] == [list(g) for g in t_opt.param_groups]
    assert repr(m_opt) == repr(t_opt)
