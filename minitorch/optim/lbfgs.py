"""L-BFGS: quasi-Newton steps from a short history of curvature pairs, with an optional strong-Wolfe line search.

The algorithm follows ``torch.optim.LBFGS`` (itself after minFunc) step for step, including which scalars are
0-d tensors and which are Python numbers: the state dict holds them as torch's does, and a Python float
and a tensor round differently in the float32 arithmetic of the line search.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, NamedTuple

from .. import backend
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .optimizer import Optimizer, _check_lr

Scalar = Any  # a Python number or a 0-d tensor, exactly where torch has one or the other


class _Trial(NamedTuple):
    """One point the line search evaluated: step length, loss, flat gradient, directional derivative."""

    t: Scalar
    f: float
    g: Tensor
    gtd: Scalar


def _cubic_minimum(a: _Trial, b: _Trial, bounds: tuple[Scalar, Scalar] | None = None) -> Scalar:
    """The minimizer of the cubic that matches loss and slope at ``a`` and ``b``, clipped to ``bounds``
    (by default the interval between them); the midpoint of the bounds when the cubic has no minimum."""
    if bounds is None:
        bounds = (a.t, b.t) if a.t <= b.t else (b.t, a.t)
    lo, hi = bounds
    # The formula is written from the farther point, so it is the same whichever side ``a`` lies on.
    near, far = (a, b) if a.t <= b.t else (b, a)
    d1 = a.gtd + b.gtd - 3 * (a.f - b.f) / (a.t - b.t)
    disc = d1**2 - a.gtd * b.gtd
    if not disc >= 0:
        return (lo + hi) / 2.0
    d2 = disc.sqrt()
    step = far.t - (far.t - near.t) * ((far.gtd + d2 - d1) / (far.gtd - near.gtd + 2 * d2))
    return min(max(step, lo), hi)


def _strong_wolfe(
    evaluate: Callable[[Scalar], tuple[float, Tensor]],
    t: Scalar,
    d: Tensor,
    start: _Trial,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[_Trial, int]:
    """A step length along ``d`` satisfying the strong Wolfe conditions (Nocedal & Wright, alg. 3.5/3.6).

    Args:
        evaluate: loss and flat gradient at step length ``t`` (the parameters are left unchanged).
        t: the first step length to try.
        d: the search direction.
        start: the point at step 0 (``t`` is unused).
        c1, c2: the sufficient-decrease and curvature constants.
        tolerance_change: stop refining once the bracket moves the parameters less than this.
        max_ls: the most evaluations to make after the first (at most one when it is not positive).

    Returns:
        the point chosen (its gradient and loss come with it) and the number of evaluations made.
    """
    d_norm = d.abs().max()
    f0, gtd0 = start.f, start.gtd
    f_new, g_new = evaluate(t)
    evals = 1
    new = _Trial(t, f_new, g_new, g_new.dot(d))
    origin = _Trial(0, f0, start.g.clone(), gtd0)  # a copy: it is returned when the search ends at step 0
    prev = origin

    def armijo_fails(p: _Trial) -> bool:
        return bool(p.f > f0 + c1 * p.t * gtd0)

    def curvature_holds(p: _Trial) -> bool:
        return bool(abs(p.gtd) <= -c2 * gtd0)

    # Phase 1: grow the step (by cubic extrapolation) until an interval must hold an acceptable point.
    bracket: list[_Trial] | None = None
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if armijo_fails(new) or (ls_iter > 1 and new.f >= prev.f):
            bracket = [prev, new]
            break
        if curvature_holds(new):
            bracket, done = [new], True
            break
        if new.gtd >= 0:
            bracket = [prev, new]
            break
        t = _cubic_minimum(prev, new, bounds=(new.t + 0.01 * (new.t - prev.t), new.t * 10))
        prev = new
        f_new, g_new = evaluate(t)
        evals += 1
        new = _Trial(t, f_new, g_new, g_new.dot(d))
        ls_iter += 1
    # Out of evaluations: choose between the start and the last point. (torch reaches this only with
    # max_ls == 0; a negative one, from max_eval < 1, fails there on an unset variable.)
    if bracket is None:
        bracket = [origin, new]

    # Phase 2 ("zoom"): shrink the bracket around a point that meets both conditions.
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    stalled = False
    while not done and ls_iter < max_ls:
        if abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(bracket[0], bracket[1])
        left, right = min(bracket[0].t, bracket[1].t), max(bracket[0].t, bracket[1].t)
        margin = 0.1 * (right - left)
        # A trial hugging an end of the bracket shrinks it too little: after two such trials in a row
        # (or one outside the bracket) move it a tenth of the bracket inside.
        if min(right - t, t - left) < margin:
            if stalled or t >= right or t <= left:
                t = right - margin if abs(t - right) < abs(t - left) else left + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        f_new, g_new = evaluate(t)
        evals += 1
        new = _Trial(t, f_new, g_new, g_new.dot(d))
        ls_iter += 1
        if armijo_fails(new) or new.f >= bracket[low].f:
            bracket[high] = new
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
            continue
        if curvature_holds(new):
            done = True
        elif new.gtd * (bracket[high].t - bracket[low].t) >= 0:
            bracket[high] = bracket[low]
        bracket[low] = new
    return bracket[low], evals


class LBFGS(Optimizer):
    """L-BFGS, following ``torch.optim.LBFGS``: one ``step(closure)`` runs up to ``max_iter`` quasi-Newton
    iterations, re-evaluating the loss through ``closure``.

    All parameters form one flat vector (a missing gradient counts as zeros); the inverse Hessian is
    approximated from the last ``history_size`` pairs of parameter and gradient changes. The whole state
    is kept under the first parameter, as torch does, so that ``state_dict`` has torch's layout. Only one
    parameter group is supported.

    Args:
        params: the tensors to optimize (one group).
        lr: learning rate (the step length tried first; the first iteration also caps it by 1 / |g|_1).
        max_iter: the most iterations per ``step``.
        max_eval: the most closure calls per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient entry is at most this.
        tolerance_change: stop when the step, the loss change or the directional derivative is below this.
        history_size: how many curvature pairs to remember.
        line_search_fn: None (fixed step ``lr``) or ``"strong_wolfe"``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    @property
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    # ------------------------------------------------------------ the parameters as one flat vector
    def _flat_grad(self) -> Tensor:
        """All gradients concatenated into a new vector (zeros for a parameter without one)."""
        pieces = []
        for p in self._params:
            if p.grad is None:
                pieces.append(backend.array_module(p._data).zeros(p.numel(), dtype=p._data.dtype))
            else:
                pieces.append(p.grad._data.reshape(-1))
        return Tensor._wrap(backend.array_module(pieces[0]).concatenate(pieces))

    def _move(self, t: Scalar, d: Tensor) -> None:
        """Parameters += t * d (``d`` flat, in the parameters' order)."""
        alpha = t.item() if isinstance(t, Tensor) else t
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(d[offset : offset + n].view_as(p), alpha=alpha)
            offset += n

    def _evaluate(self, closure: Callable[[], Any]) -> tuple[float, Tensor]:
        return float(self._run_closure(closure)), self._flat_grad()

    def _evaluate_along(
        self, closure: Callable[[], Any], saved: list[Tensor], d: Tensor, t: Scalar
    ) -> tuple[float, Tensor]:
        """Loss and flat gradient at parameters + t * d; the parameters are put back to ``saved`` afterwards."""
        self._move(t, d)
        result = self._evaluate(closure)
        for p, x in zip(self._params, saved):
            p.copy_(x)
        return result

    # ------------------------------------------------------------ the step
    @no_grad()
    def step(self, closure: Callable[[], Any]) -> Any:  # closure is required, as in torch
        """Run up to ``max_iter`` L-BFGS iterations; returns the loss of the first ``closure()`` call.

        Args:
            closure: recomputes the loss (gradients enabled), backpropagates it, and returns it.
        """
        if len(self.param_groups) != 1:
            raise AssertionError(f"Expected exactly one param_group, but got {len(self.param_groups)}")
        group = self.param_groups[0]
        lr = group["lr"]
        if isinstance(lr, Tensor) and lr.dim() != 0:
            lr = lr.squeeze()
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size, line_search_fn = group["history_size"], group["line_search_fn"]

        # The state is global, but kept under the first parameter so that loading casts it to its dtype.
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        first_loss = self._run_closure(closure)
        loss = float(first_loss)
        flat_grad = self._flat_grad()
        evals = 1
        state["func_evals"] += 1
        if flat_grad.abs().max() <= tolerance_grad:
            return first_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_flat_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")

        opt_cond: Any = False
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # The search direction: steepest descent at first, then the two-loop recursion.
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, h_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep only pairs with positive curvature, so H stays positive definite
                    if len(old_dirs) == history_size:
                        del old_dirs[0], old_stps[0], ro[0]
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                d = self._two_loop(state, flat_grad, old_dirs, old_stps, ro, h_diag, history_size)

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.clone()
            else:
                prev_flat_grad.copy_(flat_grad)
            prev_loss = loss

            # The step length: the first iteration ever is scaled down by the gradient's size.
            t = min(1.0, 1.0 / flat_grad.abs().sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction (any more)
                break

            used = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                start = _Trial(0, loss, flat_grad, gtd)
                chosen, used = _strong_wolfe(
                    partial(self._evaluate_along, closure, [p.clone() for p in self._params], d),
                    t,
                    d,
                    start,
                    tolerance_change=tolerance_change,
                    max_ls=max_eval - evals,
                )
                t, loss, flat_grad = chosen.t, chosen.f, chosen.g
                self._move(t, d)
                opt_cond = flat_grad.abs().max() <= tolerance_grad
            else:
                self._move(t, d)
                # The last iteration's loss is not needed: skip that closure call (it matters when stochastic).
                if n_iter != max_iter:
                    loss, flat_grad = self._evaluate(closure)
                    opt_cond = flat_grad.abs().max() <= tolerance_grad
                    used = 1
            evals += used
            state["func_evals"] += used

            if n_iter == max_iter or evals >= max_eval or opt_cond:
                break
            if (d * t).abs().max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break  # no progress

        state["d"], state["t"] = d, t
        state["old_dirs"], state["old_stps"], state["ro"] = old_dirs, old_stps, ro
        state["H_diag"], state["prev_flat_grad"], state["prev_loss"] = h_diag, prev_flat_grad, prev_loss
        return first_loss

    @staticmethod
    def _two_loop(
        state: dict, grad: Tensor, dirs: list, stps: list, ro: list, h_diag: Scalar, history_size: int
    ) -> Tensor:
        """The L-BFGS direction ``-H g`` from the curvature pairs (y in ``dirs``, s in ``stps``), newest last."""
        if "al" not in state:
            state["al"] = [None] * history_size
        al = state["al"]
        q = -grad
        for i in reversed(range(len(dirs))):
            al[i] = stps[i].dot(q) * ro[i]
            q.add_(dirs[i], alpha=(-al[i]).item())
        r = q * h_diag
        for i in range(len(dirs)):
            be_i = dirs[i].dot(r) * ro[i]
            r.add_(stps[i], alpha=(al[i] - be_i).item())
        return r
