"""Where a minitorch model and its torch twin part ways in one forward and backward.

``first_divergence`` hooks every leaf module of both models, runs one forward and
backward on the same weights and data, and walks the records: in execution order
for the forward (each module's inputs, then its output), in reverse for the backward
(the gradient reaching a module's output, its parameters' gradients, the gradient
of its input), and names the first place that leaves tolerance. The helpers here
(the losses, weight copying) serve ``lockstep.py`` too, which trains both side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

import minitorch

from .comparison import Mismatch, compare, default_tolerances, import_torch, to_numpy
from .parity import flatten, make_input

LossSpec = Union[None, str, Callable[..., Any]]


@dataclass
class Divergence:
    """One place where minitorch leaves tolerance: the module (call), the tensor, and the error figures."""

    module: str
    kind: str
    tensor: str
    mismatch: Mismatch
    note: str = ""

    def __str__(self) -> str:
        where = f"{self.module} ({self.kind})" if self.kind else self.module
        return f"{where}, {self.tensor}: {self.mismatch.figures()}" + (f"\n    {self.note}" if self.note else "")


@dataclass
class DivergenceReport:
    """What ``first_divergence`` found; ``str(report)`` is a readable summary."""

    calls: list
    rtol: float
    atol: float
    dtype: str
    losses: tuple = (None, None)
    weights: Divergence | None = None
    forward: Divergence | None = None
    backward: Divergence | None = None
    structure: str = ""

    @property
    def diverged(self) -> bool:
        """True when anything left tolerance (or the two models ran different modules)."""
        return bool(self.weights or self.forward or self.backward or self.structure)

    def __bool__(self) -> bool:
        return self.diverged

    def __str__(self) -> str:
        head = (
            f"first_divergence: {len(self.calls)} module calls, {self.dtype}, rtol {self.rtol:g}, "
            f"atol {self.atol:g}; loss minitorch {number_text(self.losses[0])}, torch {number_text(self.losses[1])}"
        )
        if not self.diverged:
            return (
                head + "\nno divergence: every module's output, input gradient and parameter gradient "
                "agrees with torch's"
            )
        lines = [head]
        if self.structure:
            lines.append("structure: " + self.structure)
        if self.weights:
            lines.append("weights:  " + str(self.weights))
        lines.append("forward:  " + (str(self.forward) if self.forward else "no divergence"))
        lines.append("backward: " + (str(self.backward) if self.backward else "no divergence"))
        return "\n".join(lines)


def number_text(x: Any) -> str:
    return "-" if x is None else f"{x:.10g}"


class _Recorder:
    """Forward hooks on every leaf module: inputs and output of each call, and the gradients that reach them."""

    def __init__(self, model: Any) -> None:
        self.calls: list = []
        self.handles = []
        self.counts: dict = {}
        for name, mod in model.named_modules():
            if next(iter(mod.children()), None) is None:  # a leaf (a model without children is its own leaf)
                self.handles.append(mod.register_forward_hook(self._hook(name or type(mod).__name__)))

    def _hook(self, name: str) -> Callable:
        def hook(module: Any, args: tuple, output: Any) -> None:
            n = self.counts[name] = self.counts.get(name, 0) + 1
            rec = {
                "name": name,
                "n": n,
                "module": module,
                "kind": type(module).__name__,
                "inputs": [to_numpy(a).copy() for a in args if _is_tensor(a)],
                "outputs": [to_numpy(o).copy() for o in flatten(output) if _is_tensor(o)],
                "grad_in": {},
                "grad_out": {},
            }
            for i, a in enumerate(x for x in args if _is_tensor(x)):
                _grab(a, rec["grad_in"], i)
            for i, o in enumerate(o for o in flatten(output) if _is_tensor(o)):
                _grab(o, rec["grad_out"], i)
            self.calls.append(rec)

        return hook

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def _is_tensor(x: Any) -> bool:
    return hasattr(x, "requires_grad") and hasattr(x, "detach")


def _grab(t: Any, store: dict, i: int) -> None:
    if t.requires_grad:
        try:
            t.register_hook(lambda g: store.__setitem__(i, to_numpy(g).copy()))
        except RuntimeError:
            pass


def _label(rec: dict, counts: dict) -> str:
    return rec["name"] + (f" (call {rec['n']})" if counts.get(rec["name"], 1) > 1 else "")


def model_loss(lib: Any, loss: LossSpec, out: Any, targets: Any, weights: np.ndarray) -> Any:
    F = lib.nn.functional
    if callable(loss):
        return loss(lib, out, targets)
    if loss is None:
        if targets is None:
            loss = "weighted_sum"
        else:
            loss = "cross_entropy" if to_numpy(targets).dtype.kind in "iu" else "mse"
    if loss == "weighted_sum":  # a fixed random weighting, so every output element gets its own gradient
        return (out * lib.tensor(weights.astype(to_numpy(out).dtype))).sum()
    if loss == "sum":
        return out.sum()
    if loss == "cross_entropy":
        return F.cross_entropy(out, targets)
    if loss == "mse":
        return F.msemodel_loss(out, targets)
    raise ValueError(
        f"loss must be a callable loss(lib, output, targets) or one of 'cross_entropy', 'mse', "
        f"'sum', 'weighted_sum', but got {loss!r}"
    )


def model_dtype(model: Any) -> Any:
    for p in model.parameters():
        if p.dtype.is_floating_point:
            return to_numpy(p).dtype
    return np.dtype(np.float32)


def copy_or_check_weights(m_model: Any, t_model: Any, copy: bool, rtol: Any, atol: Any) -> Divergence | None:
    t_state = t_model.state_dict()
    if copy:
        with minitorch.no_grad():
            m_model.load_state_dict(t_state)
        return None
    m_state = m_model.state_dict()
    if list(m_state) != list(t_state):
        missing = sorted(set(t_state) ^ set(m_state))
        return Divergence("state_dict", "", "keys", Mismatch("keys", f"keys differ: {missing}"))
    for k in t_state:
        p = compare(m_state[k], t_state[k], rtol, atol, k)
        if p is not None:
            return Divergence(k, "", "value before training", p)
    return None


def first_divergence(
    minitorch_model: Any,
    torch_model: Any,
    inputs: Any,
    targets: Any = None,
    loss: LossSpec = None,
    copy_weights: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 0,
) -> DivergenceReport:
    """Run both models forward and backward on the same data and name where they first disagree.

    Forward hooks on every leaf module record, in execution order, each call's inputs
    and output and (through tensor hooks) the gradients that reach them. The forward
    divergence is the first call (in execution order) whose input or output leaves
    tolerance; the backward divergence is the first (in the order backward runs: last
    module first) whose output gradient, parameter gradient or input gradient does.
    A module whose inputs already differ while the previous module's output agreed
    points at the functional code between the two, and the report says so.

    Args:
        minitorch_model: the minitorch model (changed only by the weight copy).
        torch_model: its torch twin with the same module and parameter names.
        inputs: the batch (numpy array or tensor, or a tuple of them), cast to the model's dtype;
            float inputs require grad so the first module's input gradient is compared too.
        targets: optional targets passed to ``loss``.
        loss: ``loss(lib, output, targets)`` returning a scalar, or 'cross_entropy', 'mse', 'sum',
            'weighted_sum'; default: cross-entropy for integer targets, MSE for float ones and, without
            targets, the output times a fixed random tensor, summed.
        copy_weights: copy torch's weights into minitorch's model first (default); with False,
            check that they already match and report the first that does not.
        rtol, atol: tolerances; default torch.testing.assert_close's for the models' dtype.
        seed: seeds the default loss's random weighting.

    Returns:
        a ``DivergenceReport``; ``str(report)`` says "no divergence" for a faithful pair.
    """
    torch = import_torch()
    dtype = model_dtype(torch_model)
    dr, da = default_tolerances(dtype)
    rtol = dr if rtol is None else rtol
    atol = da if atol is None else atol
    weights = copy_or_check_weights(minitorch_model, torch_model, copy_weights, rtol, atol)
    ins = inputs if isinstance(inputs, (tuple, list)) else (inputs,)
    t_in = [make_input(torch, a, dtype, True) for a in ins]
    m_in = [make_input(minitorch, a, dtype, True) for a in ins]
    t_tg = None if targets is None else make_input(torch, targets, dtype, False)
    m_tg = None if targets is None else make_input(minitorch, targets, dtype, False)
    rec_t, rec_m = _Recorder(torch_model), _Recorder(minitorch_model)
    try:
        t_out, m_out = torch_model(*t_in), minitorch_model(*m_in)
        lw = np.random.default_rng(seed).uniform(-1, 1, tuple(t_out.shape))
        t_loss, m_loss = model_loss(torch, loss, t_out, t_tg, lw), model_loss(minitorch, loss, m_out, m_tg, lw)
        t_loss.backward()
        m_loss.backward()
    finally:
        rec_t.remove()
        rec_m.remove()
    report = DivergenceReport(
        [(_label(r, rec_m.counts), r["kind"]) for r in rec_m.calls],
        rtol,
        atol,
        str(dtype),
        (float(to_numpy(m_loss)), float(to_numpy(t_loss))),
        weights,
    )
    names_m = [(r["name"], r["n"]) for r in rec_m.calls]
    names_t = [(r["name"], r["n"]) for r in rec_t.calls]
    if names_m != names_t:
        k = next((i for i, (a, b) in enumerate(zip(names_m, names_t)) if a != b), min(len(names_m), len(names_t)))
        report.structure = (
            f"the models ran different modules: call {k} is "
            f"{names_m[k][0] if k < len(names_m) else 'nothing'} in minitorch, "
            f"{names_t[k][0] if k < len(names_t) else 'nothing'} in torch"
        )
        return report
    report.forward = _forward(rec_m, rec_t, m_out, t_out, m_loss, t_loss, rtol, atol)
    report.backward = _backward(rec_m, rec_t, minitorch_model, torch_model, m_in, t_in, rtol, atol)
    if report.forward and report.backward:
        report.backward.note = "expected once the forward diverged: fix the forward divergence first"
    return report


def _forward(
    rec_m: _Recorder, rec_t: _Recorder, m_out: Any, t_out: Any, m_loss: Any, t_loss: Any, rtol: float, atol: float
) -> Divergence | None:
    prev_ok = None
    for rm, rt in zip(rec_m.calls, rec_t.calls):
        label = _label(rm, rec_m.counts)
        for i, (a, b) in enumerate(zip(rm["inputs"], rt["inputs"])):
            p = compare(a, b, rtol, atol, f"input {i}")
            if p is not None:
                note = (
                    (
                        f"{prev_ok}'s output agreed: the divergence is in the code that runs between the two "
                        "(functional ops in the parent's forward)"
                    )
                    if prev_ok
                    else ""
                )
                return Divergence(label, rm["kind"], f"input {i}", p, note)
        for i, (a, b) in enumerate(zip(rm["outputs"], rt["outputs"])):
            p = compare(a, b, rtol, atol, f"output {i}")
            if p is not None:
                return Divergence(label, rm["kind"], "output" if i == 0 else f"output {i}", p)
        prev_ok = label
    p = compare(m_out, t_out, rtol, atol, "model output")
    if p is not None:
        return Divergence(
            "model output", "", "value", p, "every module agreed: the divergence is in the code after the last module"
        )
    p = compare(m_loss, t_loss, rtol, atol, "loss")
    if p is not None:
        return Divergence("loss", "", "value", p)
    return None


def _backward(
    rec_m: _Recorder, rec_t: _Recorder, m_model: Any, t_model: Any, m_in: list, t_in: list, rtol: float, atol: float
) -> Divergence | None:
    t_params = dict(t_model.named_parameters())
    m_params = dict(m_model.named_parameters())
    prefix = {id(mod): name for name, mod in m_model.named_modules()}
    done: set = set()
    for rm, rt in zip(reversed(rec_m.calls), reversed(rec_t.calls)):
        label = _label(rm, rec_m.counts)
        for i in sorted(set(rm["grad_out"]) & set(rt["grad_out"])):
            p = compare(rm["grad_out"][i], rt["grad_out"][i], rtol, atol, "grad of output")
            if p is not None:
                return Divergence(
                    label,
                    rm["kind"],
                    "grad of output",
                    p,
                    "the gradient reaching this module's "
                    "output already differs: the divergence is after it (code between this module "
                    "and the next, or the loss)",
                )
        mod_prefix = prefix.get(id(rm["module"]), rm["name"])
        for pname, _ in rm["module"].named_parameters(recurse=False):
            full = f"{mod_prefix}.{pname}" if mod_prefix else pname
            if full in done or full not in t_params:
                continue
            done.add(full)
            d = _grad_of(m_params[full], t_params[full], rtol, atol, f"grad of {full}")
            if d is not None:
                return Divergence(label, rm["kind"], f"grad of {pname}", d)
        for i in sorted(set(rm["grad_in"]) & set(rt["grad_in"])):
            p = compare(rm["grad_in"][i], rt["grad_in"][i], rtol, atol, f"grad of input {i}")
            if p is not None:
                return Divergence(label, rm["kind"], f"grad of input {i}" if i else "grad of input", p)
    for name, tp in t_params.items():  # parameters owned by non-leaf modules
        if name not in done and name in m_params:
            d = _grad_of(m_params[name], tp, rtol, atol, f"grad of {name}")
            if d is not None:
                return Divergence(name, "", "grad", d)
    for i, (m, t) in enumerate(zip(m_in, t_in)):
        if getattr(t, "grad", None) is not None and getattr(m, "grad", None) is not None:
            p = compare(m.grad, t.grad, rtol, atol, f"grad of model input {i}")
            if p is not None:
                return Divergence(f"model input {i}", "", "grad", p)
    return None


def _grad_of(m: Any, t: Any, rtol: float, atol: float, what: str) -> Mismatch | None:
    if t.grad is None and m.grad is None:
        return None
    if t.grad is None or m.grad is None:
        return Mismatch(
            what,
            f"gradient is {'missing' if m.grad is None else 'present'} in minitorch and "
            f"{'missing' if t.grad is None else 'present'} in torch",
        )
    return compare(m.grad, t.grad, rtol, atol, what)
