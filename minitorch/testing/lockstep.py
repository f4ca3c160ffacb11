"""Where two training runs part ways: ``lockstep`` trains a minitorch model and its torch twin side by side and
names the first step, phase (loss, gradient, parameter after the optimizer step) and tensor where they separate."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import minitorch

from .comparison import Mismatch, compare, default_tolerances, import_torch, to_numpy
from .divergence import LossSpec, copy_or_check_weights, model_dtype, model_loss, number_text
from .parity import make_input


@dataclass
class LockstepReport:
    """What ``lockstep`` found: the first step and tensor where the trajectories separate (if any)."""

    steps: int
    rtol: float
    atol: float
    losses: list = field(default_factory=list)
    step: int | None = None
    tensor: str = ""
    phase: str = ""
    mismatch: Mismatch | None = None

    @property
    def diverged(self) -> bool:
        return self.step is not None

    def __bool__(self) -> bool:
        return self.diverged

    def __str__(self) -> str:
        if not self.diverged:
            last = self.losses[-1] if self.losses else (None, None)
            return (
                f"lockstep: no divergence in {self.steps} steps (rtol {self.rtol:g}, atol {self.atol:g}); "
                f"final loss minitorch {number_text(last[0])}, torch {number_text(last[1])}"
            )
        assert self.mismatch is not None  # set with the step
        return (
            f"lockstep: the trajectories separate at step {self.step} (of {self.steps}), {self.phase}, "
            f"{self.tensor}: {self.mismatch.figures()}"
        )


def lockstep(
    minitorch_model: Any,
    torch_model: Any,
    batches: Iterable[Any],
    make_optimizer: Callable[[Any, list], Any],
    loss: LossSpec = None,
    steps: int | None = None,
    copy_weights: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 0,
) -> LockstepReport:
    """Train both models side by side and report the first step and tensor where they separate.

    Each step zeroes the gradients, runs forward and the loss, compares the losses,
    runs backward and compares every parameter's gradient, steps both optimizers and
    compares every parameter. Steps are numbered from 1.

    Args:
        minitorch_model, torch_model: the pair (same parameter names).
        batches: an iterable of ``(inputs, targets)`` pairs or of inputs alone; cycled when ``steps``
            is larger.
        make_optimizer: ``make_optimizer(lib, params)`` returning ``lib.optim.<Optimizer>(params, ...)``.
        loss: as in ``first_divergence``.
        steps: how many steps (default: one per batch).
        copy_weights: copy torch's weights into minitorch's model first (default True).
        rtol, atol: tolerances; default torch.testing.assert_close's for the models' dtype.
        seed: seeds the default loss's random weighting.
    """
    torch = import_torch()
    dtype = model_dtype(torch_model)
    dr, da = default_tolerances(dtype)
    rtol = dr if rtol is None else rtol
    atol = da if atol is None else atol
    batches = list(batches)
    steps = len(batches) if steps is None else steps
    report = LockstepReport(steps, rtol, atol)
    start = copy_or_check_weights(minitorch_model, torch_model, copy_weights, rtol, atol)
    if start is not None:
        report.step, report.phase, report.tensor, report.mismatch = 0, "before training", start.module, start.mismatch
        return report
    t_params, m_params = dict(torch_model.named_parameters()), dict(minitorch_model.named_parameters())
    t_opt = make_optimizer(torch, list(t_params.values()))
    m_opt = make_optimizer(minitorch, list(m_params.values()))
    for step, batch in zip(range(1, steps + 1), itertools.cycle(batches)):
        x, y = batch if isinstance(batch, (tuple, list)) and len(batch) == 2 else (batch, None)
        t_opt.zero_grad()
        m_opt.zero_grad()
        t_out = torch_model(make_input(torch, x, dtype, False))
        m_out = minitorch_model(make_input(minitorch, x, dtype, False))
        lw = np.random.default_rng(seed).uniform(-1, 1, tuple(t_out.shape))
        t_l = model_loss(torch, loss, t_out, None if y is None else make_input(torch, y, dtype, False), lw)
        m_l = model_loss(minitorch, loss, m_out, None if y is None else make_input(minitorch, y, dtype, False), lw)
        report.losses.append((float(to_numpy(m_l)), float(to_numpy(t_l))))
        p = compare(m_l, t_l, rtol, atol, "loss")
        if p is not None:
            report.step, report.phase, report.tensor, report.mismatch = step, "loss", "loss", p
            return report
        t_l.backward()
        m_l.backward()
        if _first_param(report, step, "gradient after backward", m_params, t_params, lambda p: p.grad, rtol, atol):
            return report
        t_opt.step()
        m_opt.step()
        if _first_param(
            report, step, "parameter after the optimizer step", m_params, t_params, lambda p: p, rtol, atol
        ):
            return report
    return report


def _first_param(
    report: LockstepReport,
    step: int,
    phase: str,
    m_params: dict,
    t_params: dict,
    get: Callable,
    rtol: float,
    atol: float,
) -> bool:
    for name, tp in t_params.items():
        mv, tv = get(m_params[name]), get(tp)
        if mv is None and tv is None:
            continue
        p = (
            Mismatch(name, "gradient missing on one side")
            if mv is None or tv is None
            else compare(mv, tv, rtol, atol, name)
        )
        if p is not None:
            report.step, report.phase, report.tensor, report.mismatch = step, phase, name, p
            return True
    return False
