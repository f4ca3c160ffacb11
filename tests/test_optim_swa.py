"""optim.swa_utils against torch's: averaged weights and buffers (SWA, EMA, custom averages) step for step,
batch-norm statistics recomputed by update_bn, the SWALR schedule, state dicts and errors."""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import raises_like
from tests.test_optim import assert_same_tree

STEPS = 6


def make_net(lib: Any, dtype: Any) -> Any:
    """A small net with batch-norm buffers; torch's twin gets minitorch's initial weights."""
    nn = lib.nn
    return nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3)).to(dtype)


def twins(dtype: Any = np.float64) -> tuple:
    minitorch.manual_seed(0)
    ours = make_net(minitorch, getattr(minitorch, np.dtype(dtype).name))
    theirs = make_net(torch, getattr(torch, np.dtype(dtype).name))
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, theirs


def batches(dtype: Any, n: int = STEPS) -> list:
    rng = np.random.default_rng(3)
    return [(rng.standard_normal((8, 4)).astype(dtype), rng.integers(0, 3, 8)) for _ in range(n)]


def train_and_average(lib: Any, model: Any, data: list, make_avg: Callable) -> Any:
    """SGD steps on ``data``, folding the model into the average after each (torch's SWA recipe)."""
    avg = make_avg(lib, model)
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for x, y in data:
        opt.zero_grad()
        lib.nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor(y)).backward()
        opt.step()
        avg.update_parameters(model)
    return avg


def _state(module: Any) -> dict:
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


AVERAGES = {
    "swa": lambda lib, m: lib.optim.swa_utils.AveragedModel(m),
    "swa-buffers": lambda lib, m: lib.optim.swa_utils.AveragedModel(m, use_buffers=True),
    "ema-multi": lambda lib, m: lib.optim.swa_utils.AveragedModel(
        m, multi_avg_fn=lib.optim.swa_utils.get_ema_multi_avg_fn(0.9)
    ),
    "ema-multi-buffers": lambda lib, m: lib.optim.swa_utils.AveragedModel(
        m, multi_avg_fn=lib.optim.swa_utils.get_ema_multi_avg_fn(0.75), use_buffers=True
    ),
    "swa-multi": lambda lib, m: lib.optim.swa_utils.AveragedModel(
        m, multi_avg_fn=lib.optim.swa_utils.get_swa_multi_avg_fn()
    ),
    "ema-one": lambda lib, m: lib.optim.swa_utils.AveragedModel(m, avg_fn=lib.optim.swa_utils.get_ema_avg_fn(0.8)),
    "swa-one-buffers": lambda lib, m: lib.optim.swa_utils.AveragedModel(
        m, avg_fn=lib.optim.swa_utils.get_swa_avg_fn(), use_buffers=True
    ),
    "custom": lambda lib, m: lib.optim.swa_utils.AveragedModel(m, avg_fn=lambda a, p, n: 0.5 * a + 0.5 * p),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(AVERAGES))
def test_averaged_weights_and_buffers_match_torch(name: str, dtype: Any) -> None:
    ours, theirs = twins(dtype)
    data = batches(dtype)
    avg_ours = train_and_average(minitorch, ours, data, AVERAGES[name])
    avg_theirs = train_and_average(torch, theirs, data, AVERAGES[name])
    got, want = _state(avg_ours), _state(avg_theirs)
    assert list(got) == list(want)  # n_averaged first, then module.*, as torch's
    rtol, atol = (1e-12, 1e-14) if dtype == np.float64 else (1e-5, 1e-6)
    for key in want:
        assert got[key].dtype == want[key].dtype, key
        np.testing.assert_allclose(got[key], want[key], rtol=rtol, atol=atol, err_msg=key)
    assert int(avg_ours.n_averaged) == STEPS
    # the average's forward is its module's, with the averaged weights
    x = data[0][0]
    avg_ours.eval(), avg_theirs.eval()
    np.testing.assert_allclose(
        avg_ours(minitorch.tensor(x)).detach().numpy(),
        avg_theirs(torch.tensor(x)).detach().numpy(),
        rtol=rtol * 10,
        atol=atol * 10,
    )


def test_the_first_update_copies_and_the_average_is_independent_of_the_model() -> None:
    ours, _ = twins()
    avg = minitorch.optim.swa_utils.AveragedModel(ours)
    assert int(avg.n_averaged) == 0 and avg.n_averaged.dtype == minitorch.int64
    with minitorch.no_grad():
        for p in ours.parameters():
            p.add_(1.0)
    avg.update_parameters(ours)
    for a, p in zip(avg.parameters(), ours.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), p.detach().numpy())
    with minitorch.no_grad():
        next(iter(ours.parameters())).mul_(0)
    assert next(iter(avg.parameters())).abs().sum().item() > 0  # a deep copy, not the model's tensors


def test_averaging_functions_match_torch_when_called_directly() -> None:
    """The averaging functions called by hand, as users call them, on float tensors."""
    rng = np.random.default_rng(0)
    a0, c0 = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))

    def run(lib: Any) -> list:
        su = lib.optim.swa_utils
        out = []
        for make in (su.get_ema_multi_avg_fn(0.9), su.get_swa_multi_avg_fn(), su.get_swa_multi_avg_fn()):
            avg, cur = [lib.tensor(a0), lib.tensor(c0)], [lib.tensor(c0), lib.tensor(a0)]
            make(avg, cur, lib.tensor(3) if len(out) < 2 else 3)
            out += [t.numpy() for t in avg]
        for make in (su.get_ema_avg_fn(0.6), su.get_swa_avg_fn()):
            out.append(make(lib.tensor(a0), lib.tensor(c0), lib.tensor(2)).numpy())
        return out

    for got, want in zip(run(minitorch), run(torch)):
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)


def test_integer_tensors_average_like_torch() -> None:
    """Integer buffers: the moving average rounds through a copy; the running mean refuses, as torch's."""

    def ema(lib: Any) -> Any:
        avg = [lib.tensor([10, 20, -7])]
        lib.optim.swa_utils.get_ema_multi_avg_fn(0.9)(avg, [lib.tensor([1, 2, 3])], lib.tensor(3))
        return avg[0]

    np.testing.assert_array_equal(ema(minitorch).numpy(), ema(torch).numpy())
    for count in (lambda lib: 3, lambda lib: lib.tensor(3)):
        raises_like(
            lambda lib, count=count: lib.optim.swa_utils.get_swa_multi_avg_fn()(
                [lib.tensor([10, 20, -7])], [lib.tensor([1, 2, 3])], count(lib)
            )
        )


def test_swa_weight_is_computed_in_the_default_dtype_like_torch() -> None:
    """torch's multi-tensor mean takes 1 / (n + 1) from a float32 tensor, even for float64 weights."""
    su_ours, su_torch = minitorch.optim.swa_utils, torch.optim.swa_utils
    a, b = [minitorch.zeros(3, dtype=minitorch.float64)], [minitorch.ones(3, dtype=minitorch.float64)]
    ta, tb = [torch.zeros(3, dtype=torch.float64)], [torch.ones(3, dtype=torch.float64)]
    su_ours.get_swa_multi_avg_fn()(a, b, minitorch.tensor(2))
    su_torch.get_swa_multi_avg_fn()(ta, tb, torch.tensor(2))
    np.testing.assert_array_equal(a[0].numpy(), ta[0].numpy())
    assert a[0][0].item() != 1 / 3


def loader(lib: Any, kind: str) -> list:
    rng = np.random.default_rng(5)
    xs = [lib.tensor(rng.standard_normal((6, 4))) for _ in range(4)]
    if kind == "tensors":
        return xs
    return [(x, lib.tensor(rng.integers(0, 3, 6))) for x in xs]


@pytest.mark.parametrize("kind", ["tensors", "pairs"])
@pytest.mark.parametrize("training", [True, False])
def test_update_bn_recomputes_running_statistics_like_torch(kind: str, training: bool) -> None:
    ours, theirs = twins()
    for m in (ours, theirs):
        m.train(training)
        m[1].momentum = 0.3
        m[1].running_mean.fill_(5.0)  # replaced, not folded in: update_bn resets them first
    minitorch.optim.swa_utils.update_bn(loader(minitorch, kind), ours)
    torch.optim.swa_utils.update_bn(loader(torch, kind), theirs)
    got, want = _state(ours), _state(theirs)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-12, atol=1e-14, err_msg=key)
    assert int(ours[1].num_batches_tracked) == 4
    assert ours.training is training and ours[1].momentum == 0.3


def test_update_bn_without_batch_norm_does_not_run_the_model() -> None:
    calls = []
    model = minitorch.nn.Linear(4, 2)
    model.register_forward_hook(lambda *a: calls.append(1))
    minitorch.optim.swa_utils.update_bn(loader(minitorch, "tensors"), model)
    assert calls == []


def sgd_groups(lib: Any) -> Any:
    a = lib.zeros(2, requires_grad=True)
    b = lib.zeros(3, requires_grad=True)
    return lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)


SCHEDULES = {
    "cos": lambda su, o: su.SWALR(o, swa_lr=0.05, anneal_epochs=5),
    "linear": lambda su, o: su.SWALR(o, swa_lr=0.05, anneal_epochs=3, anneal_strategy="linear"),
    "per-group": lambda su, o: su.SWALR(o, swa_lr=[0.01, 0.2], anneal_epochs=4),
    "at-once": lambda su, o: su.SWALR(o, swa_lr=0.02, anneal_epochs=0),
    "one-epoch": lambda su, o: su.SWALR(o, swa_lr=0.02, anneal_epochs=1, anneal_strategy="linear"),
}


def rates(lib: Any, build: Callable, epochs: int = 12, resume_at: int | None = None) -> list:
    opt = sgd_groups(lib)
    sched = build(lib.optim.swa_utils, opt)
    seen = [sched.get_last_lr()]
    for epoch in range(epochs):
        opt.step()
        if epoch == 2:  # a change made from outside carries through the chainable form
            opt.param_groups[0]["lr"] *= 0.5
        sched.step()
        seen.append(sched.get_last_lr() + [g["lr"] for g in opt.param_groups])
        if resume_at == epoch:
            state = copy.deepcopy(sched.state_dict())
            assert "anneal_func" not in state and "optimizer" not in state
            sched = build(lib.optim.swa_utils, opt)
            sched.load_state_dict(state)
    return seen


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_swalr_schedule_matches_torch(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the optimizer stepped with no gradients)
        want = rates(torch, SCHEDULES[name])
        assert rates(minitorch, SCHEDULES[name]) == want
        assert rates(minitorch, SCHEDULES[name], resume_at=4) == rates(torch, SCHEDULES[name], resume_at=4)


def test_swalr_state_dict_matches_torch() -> None:
    got = SCHEDULES["linear"](minitorch.optim.swa_utils, sgd_groups(minitorch)).state_dict()
    want = SCHEDULES["linear"](torch.optim.swa_utils, sgd_groups(torch)).state_dict()
    assert_same_tree(got, want, 0, 0)
    assert math.isclose(got["anneal_epochs"], 3)


def test_swalr_after_another_schedule_like_torch_example() -> None:
    """torch's documented recipe: a schedule until swa_start, then SWALR."""

    def run(lib: Any) -> list:
        opt = sgd_groups(lib)
        first = lib.optim.lr_scheduler.MultiplicativeLR(opt, lr_lambda=lambda e: 0.9)
        swa = lib.optim.swa_utils.SWALR(opt, anneal_strategy="linear", anneal_epochs=4, swa_lr=0.05)
        out = []
        for epoch in range(10):
            opt.step()
            (swa if epoch > 4 else first).step()
            out.append([g["lr"] for g in opt.param_groups])
        return out

    assert run(minitorch) == run(torch)


def test_swalr_warns_when_get_lr_is_called_outside_step_like_torch() -> None:
    sched = SCHEDULES["cos"](minitorch.optim.swa_utils, sgd_groups(minitorch))
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()


@pytest.mark.parametrize(
    "build",
    [
        lambda lib: lib.optim.swa_utils.SWALR(sgd_groups(lib), swa_lr=0.1, anneal_strategy="exp"),
        lambda lib: lib.optim.swa_utils.SWALR(sgd_groups(lib), swa_lr=0.1, anneal_epochs=-1),
        lambda lib: lib.optim.swa_utils.SWALR(sgd_groups(lib), swa_lr=0.1, anneal_epochs=2.5),
        lambda lib: lib.optim.swa_utils.SWALR(sgd_groups(lib), swa_lr=[0.1, 0.2, 0.3]),
        lambda lib: lib.optim.swa_utils.get_ema_multi_avg_fn(1.5),
        lambda lib: lib.optim.swa_utils.get_ema_avg_fn(-0.1),
        lambda lib: lib.optim.swa_utils.AveragedModel(
            lib.nn.Linear(2, 2), avg_fn=lib.optim.swa_utils.get_swa_avg_fn(), multi_avg_fn=lambda *a: None
        ),
    ],
)
def test_errors_match_torch(build: Callable) -> None:
    raises_like(build)


def test_averaged_model_state_dict_round_trips_through_a_checkpoint(tmp_path: Any) -> None:
    ours, theirs = twins()
    data = batches(np.float64, 3)
    avg = train_and_average(minitorch, ours, data, AVERAGES["swa"])
    path = tmp_path / "swa.pt"
    minitorch.save(avg.state_dict(), path)
    fresh = minitorch.optim.swa_utils.AveragedModel(make_net(minitorch, minitorch.float64))
    fresh.load_state_dict(minitorch.load(path))
    assert int(fresh.n_averaged) == 3
    for key, value in _state(avg).items():
        np.testing.assert_array_equal(_state(fresh)[key], value)
    # and torch's averaged model takes the same state dict
    twin = torch.optim.swa_utils.AveragedModel(theirs)
    twin.load_state_dict({k: torch.tensor(v) for k, v in _state(avg).items()})
    assert int(twin.n_averaged) == 3
