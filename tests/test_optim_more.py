"""Adamax, ASGD and Rprop against torch: trajectories, state, state-dict exchange, errors."""

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
from tests.test_optim import (
    _p,
    assert_same_tree,
    assert_same_tree_exact,
    check_against_torch,
    make_grads,
    make_params,
    run,
)

NAMES = ["Adamax", "ASGD", "Rprop"]


def _id(name: str, kw: dict) -> str:
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


def make(name: str, **kw: Any) -> Callable:
    return lambda lib, params: getattr(lib.optim, name)(params, **kw)


GRIDS = {
    "Adamax": [
        dict(lr=0.01, betas=b, eps=eps, weight_decay=wd, maximize=mx)
        # beta1 = 0.3 takes lerp's other branch; eps = 0.5 often wins the max against |g|
        for b, eps, wd, mx in itertools.product(((0.9, 0.999), (0.3, 0.8)), (1e-8, 0.5), (0, 0.1), (False, True))
    ],
    "ASGD": [
        dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=wd, maximize=mx)
        # t0 = 10 starts the averaging (mu < 1) within the 50 steps; the default 1e6 never does
        for lr, lambd, alpha, t0, wd, mx in itertools.product(
            (0.01, 0.3), (1e-4, 0.5), (0.75, 0.3), (1e6, 10.0), (0, 0.1), (False, True)
        )
    ],
    "Rprop": [
        dict(lr=lr, etas=etas, step_sizes=sizes, maximize=mx)
        # step_sizes (1e-3, 0.05) makes both clamps bite with lr = 0.01 and lr = 0.1
        for lr, etas, sizes, mx in itertools.product(
            (0.01, 0.1), ((0.5, 1.2), (0.1, 3.0)), ((1e-6, 50), (1e-3, 0.05)), (False, True)
        )
    ],
}
CASES = [pytest.param(make(name, **kw), id=_id(name, kw)) for name, grid in GRIDS.items() for kw in grid]


def groups_adamax(lib: Any, p: list) -> Any:
    return lib.optim.Adamax(
        [
            {"params": [p[0], p[3]], "betas": (0.5, 0.6), "maximize": True},
            {"params": [p[1], p[2]], "lr": 0.1, "weight_decay": 0.05, "eps": 1e-3},
        ],
        lr=0.01,
    )


def groups_asgd(lib: Any, p: list) -> Any:
    return lib.optim.ASGD(
        [
            {"params": [p[0]], "t0": 5.0, "lambd": 0.1},
            {"params": [p[1], p[2], p[3]], "lr": 0.05, "alpha": 0.5, "weight_decay": 0.1, "t0": 20.0},
        ],
        lr=0.2,
    )


def groups_rprop(lib: Any, p: list) -> Any:
    return lib.optim.Rprop(
        [
            {"params": [p[0], p[3]], "etas": (0.3, 1.5), "step_sizes": (1e-4, 0.2)},
            {"params": [p[1], p[2]], "lr": 0.05, "maximize": True},
        ],
        lr=0.01,
    )


GROUPS = [groups_adamax, groups_asgd, groups_rprop]
DEFAULTS = [make(name) for name in NAMES]


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
        make("Adamax", lr=0.01, weight_decay=0.1),
        make("ASGD", lr=0.1, lambd=0.01, t0=10.0, weight_decay=0.1),
        make("Rprop", step_sizes=(1e-3, 0.05)),
    ],
    ids=NAMES,
)
def test_float32_stays_float32(factory: Callable) -> None:
    params, opt = check_against_torch(factory, np.float32, rtol=1e-5, atol=1e-6)  # state dtypes checked there too
    assert all(p._data.dtype == np.float32 for p in params)
    for state in opt.state.values():
        for key, t in state.items():
            assert t._data.dtype == np.float32, key


def test_default_float64_makes_float64_counters_like_torch() -> None:
    """``step`` (and ASGD's ``eta`` and ``mu``) follow the default dtype, as torch's _get_scalar_dtype does."""
    for lib in (torch, minitorch):
        lib.set_default_dtype(lib.float64)
    try:
        for factory in GROUPS:
            _, opt = check_against_torch(factory)
            assert opt.state[opt.param_groups[0]["params"][0]]["step"].dtype == minitorch.float64
    finally:
        for lib in (torch, minitorch):
            lib.set_default_dtype(lib.float32)


def test_asgd_eta_and_mu_are_stored_in_the_scalar_dtype() -> None:
    """With float64 parameters ``eta`` and ``mu`` are float32 0-d tensors, so the step uses float32-rounded values."""
    params, opt = check_against_torch(make("ASGD", lr=0.3, lambd=0.5, t0=3.0))
    state = opt.state[params[0]]
    assert [state[k].dtype for k in ("step", "eta", "mu")] == [minitorch.float32] * 3
    assert state["eta"].shape == () and float(state["mu"]) == np.float32(1 / 47)  # 50 steps, t0 = 3
    assert float(state["eta"]) == np.float32(0.3 / (1 + 0.5 * 0.3 * 50) ** 0.75)


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

    Loading casts state to the parameters' dtype (ASGD's float32 ``eta`` and ``mu`` become float64),
    in torch too, so both libraries resume from the loaded state and are compared with each other.
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


@pytest.mark.parametrize("factory", GROUPS, ids=NAMES)
def test_state_dict_round_trip_mid_training(factory: Callable) -> None:
    """Saving after 10 steps and resuming in a fresh optimizer continues bit for bit."""
    grads = make_grads(20)
    straight = make_params(minitorch)
    straight_opt = factory(minitorch, straight)
    run(minitorch, straight, straight_opt, grads)
    first = make_params(minitorch)
    opt = factory(minitorch, first)
    run(minitorch, first, opt, grads[:10])
    saved = copy.deepcopy(opt.state_dict())
    resumed = [minitorch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in first]
    fresh = factory(minitorch, resumed)
    fresh.load_state_dict(saved)
    run(minitorch, resumed, fresh, grads[10:])
    for r, s in zip(resumed, straight):
        np.testing.assert_array_equal(r.detach().numpy(), s.detach().numpy())
    want = straight_opt.state_dict()
    for state in want["state"].values():
        for key in ("eta", "mu"):
            if key in state:  # loading casts them to the parameter's dtype, as torch does; values stay the same
                state[key] = state[key].to(minitorch.float64)
    assert_same_tree_exact(fresh.state_dict(), want)


def test_asgd_old_checkpoint_with_numbers_loads_like_torch() -> None:
    """A state dict whose ``step``, ``eta`` and ``mu`` are plain numbers is upgraded to 0-d tensors."""
    made = {}
    for lib in (torch, minitorch):
        a, b = _p(lib)
        opt = lib.optim.ASGD([a, b], t0=1.0)
        old = {
            "state": {0: {"step": 3.0, "eta": 0.005, "mu": 0.5, "ax": lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)}},
            "param_groups": copy.deepcopy(opt.state_dict()["param_groups"]),
        }
        opt.load_state_dict(old)
        a.grad = lib.ones(3, dtype=lib.float64)
        opt.step()
        made[lib] = (opt.state_dict(), a.detach().numpy().copy())
    assert_same_tree(made[minitorch][0], made[torch][0], 1e-12, 1e-14, "state_dict()")
    np.testing.assert_allclose(made[minitorch][1], made[torch][1], rtol=1e-12)


def test_rprop_does_not_write_into_the_gradient() -> None:
    for lib in (torch, minitorch):
        w = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        opt = lib.optim.Rprop([w])
        for g in ([1.0, 1.0, -1.0], [-1.0, 1.0, -1.0]):  # the first coordinate flips on the second step
            w.grad = lib.tensor(g)
            opt.step()
        assert w.grad.tolist() == [-1.0, 1.0, -1.0], lib.__name__
        assert opt.state[w]["prev"].tolist() == [0.0, 1.0, -1.0], lib.__name__


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
        state = opt.state[w]
        assert all(t._version == 1 for t in state.values()), name


ARG_ERRORS = {
    "Adamax": [
        dict(lr=-0.1),
        dict(eps=-1.0),
        dict(betas=(1.0, 0.9)),
        dict(betas=(-0.1, 0.9)),
        dict(betas=(0.9, 1.0)),
        dict(weight_decay=-1.0),
        dict(lr=minitorch.ones(2)),
    ],
    "ASGD": [dict(lr=-0.1), dict(weight_decay=-1.0), dict(lr=minitorch.ones(2))],
    "Rprop": [
        dict(lr=-0.1),
        dict(etas=(0.0, 1.2)),
        dict(etas=(1.0, 1.2)),
        dict(etas=(0.5, 1.0)),
        dict(etas=(0.5, 0.9)),
        dict(lr=minitorch.ones(2)),
    ],
}


def _build(lib: Any, name: str, kw: dict) -> Any:
    kw = {k: (lib.ones(2) if isinstance(v, minitorch.Tensor) else v) for k, v in kw.items()}
    return getattr(lib.optim, name)(_p(lib), **kw)


@pytest.mark.parametrize(
    "name,kw",
    [(n, kw) for n, kws in ARG_ERRORS.items() for kw in kws],
    ids=[_id(n, kw) for n, kws in ARG_ERRORS.items() for kw in kws],
)
def test_bad_arguments_raise_like_torch(name: str, kw: dict) -> None:
    raises_like(lambda lib: _build(lib, name, kw), exact=True)


def test_asgd_takes_any_lambd_alpha_t0_like_torch() -> None:
    for lib in (torch, minitorch):
        opt = lib.optim.ASGD(_p(lib), 0.1, -1.0, -2.0, -3.0)  # torch checks none of them
        assert (opt.defaults["lambd"], opt.defaults["alpha"], opt.defaults["t0"]) == (-1.0, -2.0, -3.0)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("flag", ["capturable", "differentiable"])
def test_other_implementations_are_refused_clearly(name: str, flag: str) -> None:
    with pytest.raises(NotImplementedError, match=f"{flag}=True is not supported"):
        _build(minitorch, name, {flag: True})
    opt = _build(minitorch, name, {"foreach": True})
    assert opt.defaults["foreach"] is True  # foreach is accepted and kept, as an option of torch's


@pytest.mark.parametrize("name", NAMES)
def test_param_group_keys_defaults_and_repr_match_torch(name: str) -> None:
    t_opt, m_opt = _build(torch, name, {}), _build(minitorch, name, {})
    assert m_opt.defaults == t_opt.defaults and list(m_opt.defaults) == list(t_opt.defaults)
    assert [list(g) for g in m_opt.param_groups] == [list(g) for g in t_opt.param_groups]
    assert repr(m_opt) == repr(t_opt)


def test_positional_arguments_follow_torch() -> None:
    """Arguments torch takes by position land in the same options here."""
    made = {}
    for lib in (torch, minitorch):
        made[lib] = [
            lib.optim.Adamax(_p(lib), 0.1, (0.5, 0.6), 1e-3, 0.2, False).defaults,
            lib.optim.ASGD(_p(lib), 0.1, 1e-3, 0.5, 7.0, 0.2, False, True).defaults,
            lib.optim.Rprop(_p(lib), 0.1, (0.2, 2.0), (1e-3, 1.0)).defaults,
        ]
    assert made[minitorch] == made[torch]
