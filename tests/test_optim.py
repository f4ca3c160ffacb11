"""minitorch.optim against torch.optim: same parameters, same gradients, same trajectory and state."""

from __future__ import annotations

import copy
import itertools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import raises_like

SHAPES = [(5, 3), (4,), (2, 2), (3,)]  # the third gets a gradient every other step, the fourth never
STEPS = 50


def make_params(lib: Any, dtype: Any = np.float64, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [lib.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in SHAPES]


def make_grads(steps: int, dtype: Any = np.float64, seed: int = 1) -> list[list[np.ndarray | None]]:
    rng = np.random.default_rng(seed)
    seq = []
    for i in range(steps):
        g = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
        seq.append([g[0], g[1], g[2] if i % 2 == 0 else None, None])
    return seq


def run(lib: Any, params: list, opt: Any, grads: list) -> None:
    for step in grads:
        for p, g in zip(params, step):
            p.grad = None if g is None else lib.tensor(g)
        opt.step()


def assert_same_tree(got: Any, want: Any, rtol: float, atol: float, where: str = "") -> None:
    """Nested state dicts equal: tensors to tolerance with equal dtype and shape, everything else exactly."""
    if isinstance(want, torch.Tensor):
        assert isinstance(got, minitorch.Tensor), f"{where}: {type(got).__name__} where torch has a tensor"
        assert str(got.dtype) == str(want.dtype) and tuple(got.shape) == tuple(want.shape), where
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=rtol, atol=atol, err_msg=where)
    elif isinstance(want, dict):
        assert list(got.keys()) == list(want.keys()), f"{where}: keys {list(got)} != torch's {list(want)}"
        for k in want:
            assert_same_tree(got[k], want[k], rtol, atol, f"{where}[{k!r}]")
    elif isinstance(want, (list, tuple)):
        assert type(got) is type(want) and len(got) == len(want), f"{where}: {got!r} != torch's {want!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same_tree(g, w, rtol, atol, f"{where}[{i}]")
    else:
        assert got == want, f"{where}: {got!r} != torch's {want!r}"


def assert_same_tree_exact(got: Any, want: Any) -> None:
    """Two minitorch state dicts are bit-for-bit equal."""
    if isinstance(want, minitorch.Tensor):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            assert_same_tree_exact(got[k], want[k])
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_same_tree_exact(g, w)
    else:
        assert got == want


def check_against_torch(
    factory: Callable[[Any, list], Any], dtype: Any = np.float64, rtol: float = 1e-10, atol: float = 1e-12
) -> tuple:
    t_params, m_params = make_params(torch, dtype), make_params(minitorch, dtype)
    t_opt, m_opt = factory(torch, t_params), factory(minitorch, m_params)
    grads = make_grads(STEPS, dtype)
    run(torch, t_params, t_opt, grads)
    run(minitorch, m_params, m_opt, grads)
    for i, (m, t) in enumerate(zip(m_params, t_params)):
        assert m.dtype == getattr(minitorch, str(t.dtype).replace("torch.", ""))
        np.testing.assert_allclose(
            m.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, err_msg=f"parameter {i}"
        )
    assert_same_tree(m_opt.state_dict(), t_opt.state_dict(), rtol, atol, "state_dict()")
    return m_params, m_opt


def sgd(**kw: Any) -> Callable:
    return lambda lib, params: lib.optim.SGD(params, **kw)


def adam(cls: str, **kw: Any) -> Callable:
    return lambda lib, params: getattr(lib.optim, cls)(params, **kw)


SGD_GRID = [
    dict(lr=0.05, momentum=m, dampening=d, nesterov=n, weight_decay=wd, maximize=mx)
    for m, d, n, wd, mx in itertools.product((0, 0.9), (0, 0.1), (False, True), (0, 1e-2), (False, True))
]
SGD_VALID = [kw for kw in SGD_GRID if not kw["nesterov"] or (kw["momentum"] > 0 and kw["dampening"] == 0)]
SGD_INVALID = [kw for kw in SGD_GRID if kw not in SGD_VALID]
ADAM_GRID = [
    (cls, dict(lr=0.01, amsgrad=ams, weight_decay=wd, maximize=mx, betas=betas, eps=eps))
    for cls, ams, wd, mx, (betas, eps) in itertools.product(
        ("Adam", "AdamW"), (False, True), (0, 1e-2), (False, True), [((0.9, 0.999), 1e-8), ((0.3, 0.8), 1e-3)]
    )
]  # beta1 = 0.3 takes lerp's other branch


def groups_sgd(lib: Any, p: list) -> Any:
    return lib.optim.SGD(
        [
            {"params": [p[0]], "lr": 0.1, "nesterov": True, "momentum": 0.9},
            {"params": [p[1], p[2], p[3]], "weight_decay": 0.1, "maximize": True},
        ],
        lr=0.01,
        momentum=0.5,
    )


def groups_adam(lib: Any, p: list) -> Any:
    return lib.optim.Adam(
        [
            {"params": [p[0], p[3]], "amsgrad": True},
            {"params": [p[1], p[2]], "lr": 0.1, "betas": (0.5, 0.6), "weight_decay": 0.05},
        ],
        lr=0.01,
    )


CASES = (
    [pytest.param(sgd(**kw), id="SGD-" + "-".join(f"{k}={v}" for k, v in kw.items())) for kw in SGD_VALID]
    + [
        pytest.param(adam(cls, **kw), id=f"{cls}-" + "-".join(f"{k}={v}" for k, v in kw.items()))
        for cls, kw in ADAM_GRID
    ]
    + [
        pytest.param(groups_sgd, id="SGD-two-groups"),
        pytest.param(groups_adam, id="Adam-two-groups"),
        pytest.param(adam("AdamW"), id="AdamW-defaults"),
        pytest.param(sgd(), id="SGD-defaults"),
    ]
)


@pytest.mark.parametrize("factory", CASES)
def test_trajectory_and_state_match_torch(factory: Callable) -> None:
    check_against_torch(factory)


@pytest.mark.parametrize(
    "factory",
    [
        sgd(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2),
        adam("Adam", lr=0.01, amsgrad=True, weight_decay=1e-2),
        adam("AdamW", lr=0.01),
    ],
    ids=["SGD", "Adam", "AdamW"],
)
def test_float32_stays_float32(factory: Callable) -> None:
    params, opt = check_against_torch(factory, np.float32, rtol=1e-5, atol=1e-6)  # dtypes checked there too
    assert all(p._data.dtype == np.float32 for p in params)
    assert all(t._data.dtype == np.float32 for s in opt.state.values() for t in s.values())


def test_updates_write_into_the_same_arrays() -> None:
    params = make_params(minitorch)
    arrays = [p._data for p in params]
    opt = minitorch.optim.Adam(params, lr=0.1)
    run(minitorch, params, opt, make_grads(2))
    assert all(p._data is a for p, a in zip(params, arrays))
    assert [p._version for p in params] == [2, 2, 1, 0]
    assert not params[0].grad_fn and params[0].requires_grad  # no graph was recorded by the update


def test_step_runs_the_closure_with_grad_enabled() -> None:
    for lib in (torch, minitorch):
        w = lib.tensor([1.0, -2.0], requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.5)

        def closure() -> Any:
            opt.zero_grad()
            loss = (w * w).sum()
            loss.backward()
            return loss

        with lib.no_grad():
            loss = opt.step(closure)
        assert float(loss.detach()) == 5.0
        assert w.detach().numpy().tolist() == [0.0, 0.0], lib.__name__


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_add_param_group_midway(name: str) -> None:
    def train(lib: Any) -> list:
        params = make_params(lib)
        opt = getattr(lib.optim, name)(params[:2], lr=0.01, **({"momentum": 0.9} if name == "SGD" else {}))
        grads = make_grads(20)
        run(lib, params, opt, grads[:10])
        opt.add_param_group({"params": params[2:], "lr": 0.5})
        run(lib, params, opt, grads[10:])
        assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["params"][0] is params[2]
        return [p.detach().numpy().copy() for p in params]

    for m, t in zip(train(minitorch), train(torch)):
        np.testing.assert_allclose(m, t, rtol=1e-10, atol=1e-12)


def _p(lib: Any, n: int = 3) -> list:
    return [lib.tensor(np.arange(n) * 1.0, requires_grad=True) for _ in range(2)]


PARAM_ERRORS = {
    "empty": lambda lib: lib.optim.SGD([], lr=0.1),
    "tensor-not-iterable": lambda lib: lib.optim.SGD(_p(lib)[0], lr=0.1),
    "set": lambda lib: lib.optim.SGD([{"params": set(_p(lib))}], lr=0.1),
    "not-a-tensor": lambda lib: lib.optim.SGD([_p(lib)[0], 3], lr=0.1),
    "non-leaf": lambda lib: lib.optim.Adam([_p(lib)[0] * 2]),
    "in-two-groups": lambda lib: (lambda a, b: lib.optim.SGD([{"params": [a]}, {"params": [b, a]}], lr=0.1))(*_p(lib)),
    "added-twice": lambda lib: (lambda a, b: lib.optim.Adam([a, b]).add_param_group({"params": a}))(*_p(lib)),
    "names-missing": lambda lib: lib.optim.SGD([("w", _p(lib)[0]), _p(lib)[1]], lr=0.1),
    "names-mixed-groups": lambda lib: lib.optim.SGD([{"params": [("w", _p(lib)[0])]}, {"params": [_p(lib)[1]]}]),
}
ARG_ERRORS = {
    f"SGD-{kw}": (lambda kw: lambda lib: lib.optim.SGD(_p(lib), **kw))(kw)
    for kw in [dict(lr=-0.1), dict(momentum=-0.5), dict(weight_decay=-1.0)] + SGD_INVALID
}
ARG_ERRORS.update(
    {
        f"{cls}-{kw}": (lambda cls, kw: lambda lib: getattr(lib.optim, cls)(_p(lib), **kw))(cls, kw)
        for cls in ("Adam", "AdamW")
        for kw in [
            dict(lr=-1.0),
            dict(eps=-1e-8),
            dict(betas=(1.0, 0.999)),
            dict(betas=(0.9, -0.1)),
            dict(weight_decay=-0.1),
            dict(betas=(0, 0.9)),
        ]
    }
)
LOAD_ERRORS = {
    "group-size": lambda lib: (
        lambda a, b: lib.optim.SGD([a], lr=0.1).load_state_dict(lib.optim.SGD([a, b], lr=0.1).state_dict())
    )(*_p(lib)),
    "group-count": lambda lib: (
        lambda a, b: lib.optim.Adam([a, b]).load_state_dict(
            lib.optim.Adam([{"params": [a]}, {"params": [b]}]).state_dict()
        )
    )(*_p(lib)),
}
SCHED_ERRORS = {
    "not-an-optimizer": lambda lib: lib.optim.lr_scheduler.StepLR([1, 2], step_size=2),
}


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(f, id=k)
        for table in (PARAM_ERRORS, ARG_ERRORS, LOAD_ERRORS, SCHED_ERRORS)
        for k, f in table.items()
    ],
)
def test_errors_match_torch(build: Callable) -> None:
    raises_like(build, exact=True)


def test_duplicate_parameter_in_one_group_warns_like_torch() -> None:
    for lib in (torch, minitorch):
        a = _p(lib)[0]
        with pytest.warns(UserWarning, match="duplicate parameters"):
            lib.optim.SGD([a, a], lr=0.1)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none: bool) -> None:
    for lib in (torch, minitorch):
        a, b = _p(lib)
        opt = lib.optim.SGD([a, b], lr=0.1)
        (a * a).sum().backward()
        grad = a.grad
        opt.zero_grad(set_to_none=set_to_none)
        assert b.grad is None, lib.__name__
        if set_to_none:
            assert a.grad is None, lib.__name__
        else:
            assert a.grad is grad and not grad.requires_grad and not grad.detach().numpy().any(), lib.__name__


def test_zero_grad_defaults_to_none() -> None:
    a, _ = _p(minitorch)
    opt = minitorch.optim.Adam([a])
    a.grad = minitorch.ones(3, dtype=minitorch.float64)
    opt.zero_grad()
    assert a.grad is None


@pytest.mark.parametrize(
    "factory",
    [
        sgd(lr=0.05, momentum=0.9, nesterov=True),
        sgd(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-2),
        adam("Adam", lr=0.01, amsgrad=True),
        groups_adam,
        adam("AdamW", lr=0.01, maximize=True),
    ],
    ids=["SGD-nesterov", "SGD-dampening", "Adam-amsgrad", "Adam-groups", "AdamW"],
)
def test_state_dict_round_trip_mid_training(factory: Callable) -> None:
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
    for group in fresh.param_groups:
        group["lr"] = 123.0  # load_state_dict must bring the saved options back
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["params"][0] is resumed[0]
    run(minitorch, resumed, fresh, grads[10:])
    for r, s in zip(resumed, straight):
        np.testing.assert_array_equal(r.detach().numpy(), s.detach().numpy())
    assert_same_tree_exact(fresh.state_dict(), straight_opt.state_dict())


def test_load_state_dict_casts_state_to_the_parameter_dtype() -> None:
    src = [minitorch.tensor(np.ones(3), requires_grad=True)]
    opt = minitorch.optim.Adam(src)
    src[0].grad = minitorch.ones(3, dtype=minitorch.float64)
    opt.step()
    dst = [minitorch.tensor(np.ones(3, dtype=np.float32), requires_grad=True)]
    fresh = minitorch.optim.Adam(dst)
    fresh.load_state_dict(opt.state_dict())
    state = fresh.state[dst[0]]
    assert state["exp_avg"].dtype == minitorch.float32 and state["step"].dtype == minitorch.float32


# ------------------------------------------------------------------ learning-rate schedules
SCHEDULES = [
    ("StepLR", dict(step_size=7)),
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=30)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
]


def schedule(lib: Any, name: str, kw: dict, epochs: int, resume_at: int | None = None) -> list:
    """Learning rates over ``epochs`` (one optimizer step each); optionally checkpoint and resume midway."""

    def build() -> tuple:
        a, b = _p(lib)
        opt = lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.02}], lr=0.1, momentum=0.9)
        return opt, getattr(lib.optim.lr_scheduler, name)(opt, **kw)

    opt, sched = build()
    lrs = [sched.get_last_lr()]
    for epoch in range(epochs):
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()))
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
        if epoch == resume_at:
            opt_state, sched_state = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
            opt, sched = build()
            opt.load_state_dict(opt_state)
            sched.load_state_dict(sched_state)
    return lrs


@pytest.mark.parametrize("name,kw", SCHEDULES, ids=[f"{n}-{kw}" for n, kw in SCHEDULES])
def test_schedule_matches_torch(name: str, kw: dict) -> None:
    want = schedule(torch, name, kw, 30)
    assert schedule(minitorch, name, kw, 30) == want
    assert schedule(minitorch, name, kw, 30, resume_at=12) == want


@pytest.mark.parametrize("name,kw", SCHEDULES[:3:2], ids=["StepLR", "CosineAnnealingLR"])
def test_schedule_state_dict_and_closed_form_match_torch(name: str, kw: dict) -> None:
    made = {}
    for lib in (torch, minitorch):
        opt = lib.optim.SGD(_p(lib), lr=0.1)
        sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw)
        for _ in range(4):
            opt.step()
            sched.step()
        with pytest.warns(UserWarning, match="epoch parameter"):
            sched.step(9)
        made[lib] = (sched.state_dict(), sched.get_last_lr())
    assert made[minitorch] == made[torch]


def test_scheduler_step_before_optimizer_step_warns_like_torch() -> None:
    for lib in (torch, minitorch):
        opt = lib.optim.SGD(_p(lib), lr=0.1)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=1)
        with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
            sched.step()
        opt2 = lib.optim.SGD(_p(lib), lr=0.1)
        sched2 = lib.optim.lr_scheduler.StepLR(opt2, step_size=1)
        opt2.step()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sched2.step()
