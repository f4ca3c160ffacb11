"""Learning-rate schedules against torch's: every rate (and cycled momentum) equal as floats, step for step,
through checkpoints and state dicts exchanged with torch both ways; the same warnings and errors."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import raises_like
from tests.test_optim import _p

EPOCHS = 40


def sgd(lib: Any) -> Any:
    a, b = _p(lib)
    return lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.02, "momentum": 0.5}], lr=0.1, momentum=0.9)


def adam(lib: Any) -> Any:
    a, b = _p(lib)
    return lib.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.02, "betas": (0.8, 0.99)}], lr=0.1)


def rmsprop(lib: Any) -> Any:
    return lib.optim.RMSprop(_p(lib), lr=0.05, momentum=0.5)


class Warmup:
    """A callable object: its attributes travel in LambdaLR's state dict (plain functions do not)."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def __call__(self, epoch: int) -> float:
        return min(1.0, (epoch + 1) / self.epochs)


# name -> (optimizer, schedule); each schedule builder takes the library's lr_scheduler module and the optimizer
CASES = {
    "StepLR": (sgd, lambda lr_scheduler, o: lr_scheduler.StepLR(o, step_size=7, gamma=0.5)),
    "MultiStepLR": (sgd, lambda lr_scheduler, o: lr_scheduler.MultiStepLR(o, milestones=[12, 3, 7, 7], gamma=0.5)),
    "ExponentialLR": (adam, lambda lr_scheduler, o: lr_scheduler.ExponentialLR(o, gamma=0.9)),
    "LambdaLR": (sgd, lambda lr_scheduler, o: lr_scheduler.LambdaLR(o, lambda e: 0.95**e)),
    "LambdaLR-per-group": (sgd, lambda lr_scheduler, o: lr_scheduler.LambdaLR(o, [Warmup(6), lambda e: 1 / (1 + e)])),
    "MultiplicativeLR": (
        sgd,
        lambda lr_scheduler, o: lr_scheduler.MultiplicativeLR(o, lambda e: 0.9 if e % 3 else 1.0),
    ),
    "ConstantLR": (sgd, lambda lr_scheduler, o: lr_scheduler.ConstantLR(o, factor=0.5, total_iters=4)),
    "LinearLR-warmup": (sgd, lambda lr_scheduler, o: lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=8)),
    "LinearLR-decay": (
        adam,
        lambda lr_scheduler, o: lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10),
    ),
    "PolynomialLR": (sgd, lambda lr_scheduler, o: lr_scheduler.PolynomialLR(o, total_iters=12, power=2.0)),
    "CosineAnnealingLR": (sgd, lambda lr_scheduler, o: lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    "CosineAnnealingWarmRestarts": (sgd, lambda lr_scheduler, o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3)),
    "CosineAnnealingWarmRestarts-mult": (
        adam,
        lambda lr_scheduler, o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.001),
    ),
    "CyclicLR-triangular-sgd": (
        sgd,
        lambda lr_scheduler, o: lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=4),
    ),
    "CyclicLR-triangular2-adam": (
        adam,
        lambda lr_scheduler, o: lr_scheduler.CyclicLR(
            o,
            0.01,
            0.1,
            step_size_up=3,
            step_size_down=5,
            mode="triangular2",
            base_momentum=0.7,
            max_momentum=[0.9, 0.95],
        ),
    ),
    "CyclicLR-exp_range": (
        sgd,
        lambda lr_scheduler, o: lr_scheduler.CyclicLR(o, 0.001, 0.01, step_size_up=5, mode="exp_range", gamma=0.95),
    ),
    "CyclicLR-scale_fn-no-momentum": (
        adam,
        lambda lr_scheduler, o: lr_scheduler.CyclicLR(
            o,
            0.001,
            0.01,
            step_size_up=2,
            scale_fn=lambda x: 1 / (1 + 0.1 * x),
            scale_mode="iterations",
            cycle_momentum=False,
        ),
    ),
    "OneCycleLR-cos-sgd": (
        sgd,
        lambda lr_scheduler, o: lr_scheduler.OneCycleLR(o, max_lr=[0.1, 0.5], total_steps=EPOCHS + 1),
    ),
    "OneCycleLR-linear-adam": (
        adam,
        lambda lr_scheduler, o: lr_scheduler.OneCycleLR(
            o, max_lr=0.1, epochs=5, steps_per_epoch=9, anneal_strategy="linear", pct_start=0.25
        ),
    ),
    "OneCycleLR-three-phase": (
        sgd,
        lambda lr_scheduler, o: lr_scheduler.OneCycleLR(
            o,
            max_lr=0.1,
            total_steps=EPOCHS,
            three_phase=True,
            div_factor=10.0,
            final_div_factor=100.0,
            base_momentum=[0.8, 0.7],
            max_momentum=0.95,
        ),
    ),
    "OneCycleLR-rmsprop-no-momentum-cycle": (
        rmsprop,
        lambda lr_scheduler, o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=EPOCHS, cycle_momentum=False),
    ),
    "SequentialLR": (
        sgd,
        lambda lr_scheduler, o: lr_scheduler.SequentialLR(
            o,
            [lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=5), lr_scheduler.ExponentialLR(o, gamma=0.9)],
            milestones=[5],
        ),
    ),
    "SequentialLR-three": (
        adam,
        lambda lr_scheduler, o: lr_scheduler.SequentialLR(
            o,
            [
                lr_scheduler.ConstantLR(o, factor=0.5, total_iters=3),
                lr_scheduler.CosineAnnealingLR(o, T_max=8),
                lr_scheduler.StepLR(o, step_size=4, gamma=0.5),
            ],
            milestones=[3, 11],
        ),
    ),
    "ChainedScheduler": (
        sgd,
        lambda lr_scheduler, o: lr_scheduler.ChainedScheduler(
            [lr_scheduler.ConstantLR(o, factor=0.5, total_iters=6), lr_scheduler.ExponentialLR(o, gamma=0.9)]
        ),
    ),
}


def _momenta(opt: Any) -> list:
    return [g.get("momentum", g.get("betas")) for g in opt.param_groups]


def trace(
    lib: Any, name: str, epochs: int = EPOCHS, resume_at: int | None = None, handover: tuple | None = None
) -> list[tuple]:
    """(last lr, group lrs, momenta, last_epoch) after each epoch of one optimizer step and one schedule step.

    ``resume_at``: after that epoch, rebuild both from their state dicts (a checkpoint) and go on;
    ``handover``: (epoch, other library): at that epoch continue from the other library's state dicts.
    """
    make_opt, make_sched = CASES[name]
    opt = make_opt(lib)
    sched = make_sched(lib.optim.lr_scheduler, opt)
    out = [
        (sched.get_last_lr(), [g["lr"] for g in opt.param_groups], _momenta(opt), getattr(sched, "last_epoch", None))
    ]  # ChainedScheduler has none
    for epoch in range(epochs):
        opt.step()
        sched.step()
        out.append(
            (
                list(sched.get_last_lr()),
                [g["lr"] for g in opt.param_groups],
                _momenta(opt),
                getattr(sched, "last_epoch", None),
            )
        )
        if epoch == resume_at:
            opt_state, sched_state = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
            opt = make_opt(lib)
            sched = make_sched(lib.optim.lr_scheduler, opt)
            opt.load_state_dict(opt_state)
            sched.load_state_dict(sched_state)
        if handover is not None and epoch == handover[0]:
            other = handover[1]
            o_opt = make_opt(other)
            o_sched = make_sched(other.optim.lr_scheduler, o_opt)
            for _ in range(epoch + 1):
                o_opt.step()
                o_sched.step()
            opt = make_opt(lib)  # a fresh pair, as when a checkpoint is read
            sched = make_sched(lib.optim.lr_scheduler, opt)
            opt.load_state_dict(_convert(o_opt.state_dict(), lib))
            sched.load_state_dict(copy.deepcopy(o_sched.state_dict()))
    return out


def _convert(tree: Any, lib: Any) -> Any:
    if isinstance(tree, (torch.Tensor, minitorch.Tensor)):
        return lib.tensor(np.array(tree.detach().numpy(), copy=True))
    if isinstance(tree, dict):
        return {k: _convert(v, lib) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_convert(v, lib) for v in tree)
    return tree


@pytest.mark.parametrize("name", list(CASES))
def test_schedule_matches_torch(name: str) -> None:
    want = trace(torch, name)
    assert trace(minitorch, name) == want  # exact: the same floats


@pytest.mark.parametrize("name", list(CASES))
def test_schedule_resumes_from_its_state_dict(name: str) -> None:
    assert trace(minitorch, name, resume_at=13) == trace(torch, name)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("direction", ["from-torch", "to-torch"])
def test_state_dicts_exchange_with_torch(name: str, direction: str) -> None:
    """A schedule continues exactly from the other library's state dict (and its optimizer's)."""
    want = trace(torch, name)
    if direction == "from-torch":
        assert trace(minitorch, name, handover=(17, torch)) == want
    else:
        assert trace(torch, name, handover=(17, minitorch)) == want


@pytest.mark.parametrize("name", list(CASES))
def test_state_dict_matches_torch(name: str) -> None:
    made = {}
    for lib in (torch, minitorch):
        opt = CASES[name][0](lib)
        sched = CASES[name][1](lib.optim.lr_scheduler, opt)
        for _ in range(9):
            opt.step()
            sched.step()
        made[lib] = sched.state_dict()
    assert made[minitorch] == made[torch]


CLOSED_FORM = [
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "ConstantLR",
    "LinearLR-warmup",
    "PolynomialLR",
    "CosineAnnealingLR",
    "LambdaLR",
    "CosineAnnealingWarmRestarts-mult",
]


@pytest.mark.parametrize("name", CLOSED_FORM)
def test_step_with_an_epoch_uses_the_closed_form_and_warns_like_torch(name: str) -> None:
    made = {}
    for lib in (torch, minitorch):
        opt = CASES[name][0](lib)
        sched = CASES[name][1](lib.optim.lr_scheduler, opt)
        lrs = []
        for epoch in (1, 2, 9, 4, 13):
            opt.step()
            if name.startswith("CosineAnnealingWarmRestarts"):
                sched.step(epoch + 0.5)  # fractional epochs, without a deprecation warning
            else:
                with pytest.warns(UserWarning, match="epoch parameter"):
                    sched.step(epoch)
            lrs.append(sched.get_last_lr())
        made[lib] = (lrs, sched.last_epoch)
    assert made[minitorch] == made[torch]


PLATEAUS = {
    "min-rel": dict(patience=2),
    "min-abs-cooldown": dict(threshold=0.05, threshold_mode="abs", cooldown=2, patience=1, factor=0.5),
    "max-rel": dict(mode="max", patience=1, factor=0.3, min_lr=[0.001, 0.005]),
    "max-abs": dict(mode="max", threshold=0.1, threshold_mode="abs", patience=0, min_lr=0.004),
    "eps-skips-small-cuts": dict(patience=0, eps=0.02, factor=0.5),
}
METRICS = [
    1.0,
    0.9,
    0.95,
    0.9,
    0.91,
    0.92,
    0.5,
    0.5,
    0.5,
    0.49999,
    0.6,
    0.7,
    0.3,
    0.31,
    0.32,
    0.33,
    0.34,
    0.2,
    0.2,
    0.2,
    0.25,
    0.1,
    0.1,
    0.1,
    0.1,
    0.1,
]


def plateau(lib: Any, kw: dict, metrics: list, resume_at: int | None = None) -> list:
    opt = sgd(lib)
    sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
    out = []
    for i, m in enumerate(metrics):
        opt.step()
        sched.step(m if i % 2 else lib.tensor(m))  # a number or a one-element tensor
        out.append(
            (
                sched.get_last_lr(),
                [g["lr"] for g in opt.param_groups],
                sched.num_bad_epochs,
                sched.cooldown_counter,
                sched.best,
                sched.last_epoch,
            )
        )
        if i == resume_at:
            state = copy.deepcopy(sched.state_dict())
            sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
            sched.load_state_dict(state)
    return out


@pytest.mark.parametrize("kw", list(PLATEAUS.values()), ids=list(PLATEAUS))
def test_reduce_lr_on_plateau_matches_torch(kw: dict) -> None:
    metrics = METRICS if kw.get("mode") != "max" else [-m for m in METRICS]
    want = plateau(torch, kw, metrics)
    assert plateau(minitorch, kw, metrics) == want
    assert plateau(minitorch, kw, metrics, resume_at=8) == want
    opts = {}
    for lib in (torch, minitorch):
        opt = sgd(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        for m in metrics[:11]:
            sched.step(m)
        opts[lib] = sched.state_dict()
    assert opts[minitorch] == opts[torch]
    sched = minitorch.optim.lr_scheduler.ReduceLROnPlateau(sgd(minitorch), **kw)
    sched.load_state_dict(copy.deepcopy(opts[torch]))  # torch's state dict, read by minitorch
    assert sched.state_dict() == opts[torch]


def test_reduce_lr_on_plateau_after_a_new_group() -> None:
    made = {}
    for lib in (torch, minitorch):
        opt = sgd(lib)
        fixed = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=0.01)
        opt.add_param_group({"params": [lib.zeros(2, requires_grad=True)], "lr": 0.5})
        fixed.step(1.0)
        fixed.step(2.0)
        made[lib] = (fixed.min_lrs, fixed.get_last_lr())
    assert made[minitorch] == made[torch] and len(made[torch][0]) == 3
    raises_like(lambda lib: _listed_min_lrs_then_a_new_group(lib), exact=True)


def _listed_min_lrs_then_a_new_group(lib: Any) -> None:
    opt = sgd(lib)
    sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.01, 0.01])
    opt.add_param_group({"params": [lib.zeros(2, requires_grad=True)]})
    sched.step(1.0)
    sched.step(2.0)


def test_get_lr_outside_step_warns_like_torch() -> None:
    for lib in (torch, minitorch):
        opt = sgd(lib)
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            sched.get_lr()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            opt.step()
            sched.step()


def test_overridden_optimizer_step_warns_like_torch() -> None:
    for lib in (torch, minitorch):
        opt = sgd(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=2)
        opt.step = lambda: None
        with pytest.warns(UserWarning, match="has been overridden after learning rate scheduler"):
            sched.step()


def test_one_cycle_past_its_end_raises_like_torch() -> None:
    def overrun(lib: Any) -> None:
        opt = sgd(lib)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=5)
        for _ in range(6):
            opt.step()
            sched.step()

    raises_like(overrun, exact=True)


def _members(lib: Any) -> tuple:
    opt, other = sgd(lib), adam(lib)
    lr_scheduler = lib.optim.lr_scheduler
    return (
        lr_scheduler,
        opt,
        lr_scheduler.ExponentialLR(opt, 0.9),
        lr_scheduler.ExponentialLR(other, 0.9),
        lr_scheduler.ReduceLROnPlateau(opt),
    )


ERRORS = {
    "not-an-optimizer": lambda lib: lib.optim.lr_scheduler.StepLR([1, 2], step_size=2),
    "resume-without-initial_lr": lambda lib: lib.optim.lr_scheduler.ExponentialLR(sgd(lib), 0.9, last_epoch=3),
    "ConstantLR-factor": lambda lib: lib.optim.lr_scheduler.ConstantLR(sgd(lib), factor=1.5),
    "LinearLR-start": lambda lib: lib.optim.lr_scheduler.LinearLR(sgd(lib), start_factor=0),
    "LinearLR-end": lambda lib: lib.optim.lr_scheduler.LinearLR(sgd(lib), end_factor=1.5),
    "LambdaLR-count": lambda lib: lib.optim.lr_scheduler.LambdaLR(sgd(lib), [lambda e: 1.0]),
    "MultiplicativeLR-not-callable": lambda lib: lib.optim.lr_scheduler.MultiplicativeLR(sgd(lib), [0.9, 0.9]),
    "WarmRestarts-T_0": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(sgd(lib), T_0=0),
    "WarmRestarts-T_0-float": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(sgd(lib), T_0=2.0),
    "WarmRestarts-T_mult": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(sgd(lib), 2, T_mult=0),
    "WarmRestarts-eta_min": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(sgd(lib), 2, eta_min="0"),
    "WarmRestarts-negative-epoch": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(sgd(lib), 2).step(-1),
    "CyclicLR-mode": lambda lib: lib.optim.lr_scheduler.CyclicLR(sgd(lib), 0.01, 0.1, mode="square"),
    "CyclicLR-no-momentum": lambda lib: lib.optim.lr_scheduler.CyclicLR(lib.optim.Adagrad(_p(lib)), 0.01, 0.1),
    "CyclicLR-max_lr-count": lambda lib: lib.optim.lr_scheduler.CyclicLR(sgd(lib), 0.01, [0.1, 0.2, 0.3]),
    "OneCycleLR-no-length": lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 0.1),
    "OneCycleLR-total_steps": lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 0.1, total_steps=0),
    "OneCycleLR-epochs": lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 0.1, epochs=-1, steps_per_epoch=3),
    "OneCycleLR-steps_per_epoch": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        sgd(lib), 0.1, epochs=2, steps_per_epoch=1.5
    ),
    "OneCycleLR-pct_start": lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 0.1, 10, pct_start=1.5),
    "OneCycleLR-pct_start-int": lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 0.1, 10, pct_start=1),
    "OneCycleLR-anneal": lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 0.1, 10, anneal_strategy="exp"),
    "OneCycleLR-no-momentum": lambda lib: lib.optim.lr_scheduler.OneCycleLR(lib.optim.Adagrad(_p(lib)), 0.1, 10),
    "OneCycleLR-max_lr-count": lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), [0.1], 10),
    "Plateau-factor": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(sgd(lib), factor=1.0),
    "Plateau-mode": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(sgd(lib), mode="lowest"),
    "Plateau-threshold_mode": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(sgd(lib), threshold_mode="x"),
    "Plateau-min_lr-count": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(sgd(lib), min_lr=[0.1]),
    "Plateau-not-an-optimizer": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau("sgd"),
    "SequentialLR-empty": lambda lib: lib.optim.lr_scheduler.SequentialLR(sgd(lib), [], []),
    "SequentialLR-milestones": lambda lib: (lambda lr_scheduler, o, a, b, p: lr_scheduler.SequentialLR(o, [a], [3]))(
        *_members(lib)
    ),
    "SequentialLR-plateau": lambda lib: (lambda lr_scheduler, o, a, b, p: lr_scheduler.SequentialLR(o, [a, p], [3]))(
        *_members(lib)
    ),
    "SequentialLR-not-a-scheduler": lambda lib: (
        lambda lr_scheduler, o, a, b, p: lr_scheduler.SequentialLR(o, [a, 3], [3])
    )(*_members(lib)),
    "ChainedScheduler-empty": lambda lib: lib.optim.lr_scheduler.ChainedScheduler([]),
    "ChainedScheduler-plateau": lambda lib: (lambda lr_scheduler, o, a, b, p: lr_scheduler.ChainedScheduler([a, p]))(
        *_members(lib)
    ),
}


@pytest.mark.parametrize("build", [pytest.param(f, id=k) for k, f in ERRORS.items()])
def test_errors_match_torch(build: Callable) -> None:
    raises_like(build, exact=True)


def test_mixed_optimizers_are_refused_like_torch() -> None:
    """The message names the other optimizer by its repr, which differs only in its class's module."""
    for name in ("SequentialLR", "ChainedScheduler"):

        def build(lib: Any) -> Any:
            lr_scheduler, opt, a, b, _ = _members(lib)
            if name == "SequentialLR":
                return lr_scheduler.SequentialLR(opt, [a, b], [3])
            return lr_scheduler.ChainedScheduler([a, b])

        raises_like(
            build,
            gist="expects all schedulers to belong to the same optimizer, but got scheduler "
            "ExponentialLR at index 1 has Adam (",
        )


def test_tensor_learning_rates_are_filled_in_place_like_torch() -> None:
    made = {}
    for lib in (torch, minitorch):
        lr = lib.from_numpy(np.array(0.1))
        opt = lib.optim.SGD(_p(lib), lr=lr, momentum=0.9)
        sched = lib.optim.lr_scheduler.SequentialLR(
            opt,
            [lib.optim.lr_scheduler.LinearLR(opt, 0.5, total_iters=3), lib.optim.lr_scheduler.ExponentialLR(opt, 0.9)],
            [3],
        )
        lrs = []
        for _ in range(6):
            opt.step()
            sched.step()
            last = sched.get_last_lr()[0]
            assert isinstance(last, lib.Tensor) and last is not opt.param_groups[0]["lr"]
            lrs.append(float(last))
        assert opt.param_groups[0]["lr"] is lr  # the optimizer's tensor, written in place
        made[lib] = (lrs, float(opt.param_groups[0]["initial_lr"]))
    assert made[minitorch] == made[torch]
