"""assert_parity: run one function in minitorch and in torch and compare outputs and input gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import minitorch

from .comparison import Mismatch, compare, import_torch, to_numpy


def flatten(x: Any) -> list:
    """The leaves of nested tuples and lists, in order."""
    if isinstance(x, (tuple, list)):
        return [y for item in x for y in flatten(item)]
    return [x]


def make_input(lib: Any, a: Any, dtype: Any = None, grad: bool = True, device: str = "cpu") -> Any:
    """``a`` as a tensor of ``lib``: float arrays (cast to ``dtype`` when given) require grad,
    integer and bool arrays become plain tensors, anything else passes through unchanged."""
    if hasattr(a, "detach") and hasattr(a, "numpy"):
        a = to_numpy(a)
    if not isinstance(a, np.ndarray):
        return a
    torch = import_torch() if lib.__name__ == "torch" else None
    if a.dtype.kind == "f":
        arr = a.astype(dtype) if dtype is not None else a
        t = torch.tensor(arr) if torch is not None else lib.tensor(arr, device=device)
        return t.requires_grad_(grad)
    return torch.tensor(a) if torch is not None else lib.tensor(a, device=device)


def _fail(problems: list, fn: Callable) -> None:
    name = getattr(fn, "__qualname__", repr(fn))
    raise AssertionError(f"minitorch and torch disagree on {name}:\n  " + "\n  ".join(str(p) for p in problems))


def assert_parity(
    fn: Callable[..., Any],
    *inputs: Any,
    rtol: float | None = None,
    atol: float | None = None,
    grad: bool = True,
    dtype: Any = None,
    device: str = "cpu",
    seed: int = 0,
    check_dtype: bool = True,
    order: int = 1,
) -> None:
    """Check that ``fn`` gives the same outputs, and the same gradient for every input, in both libraries.

    ``fn(lib, *tensors)`` is written against the PyTorch API and called once with
    ``lib = torch`` and once with ``lib = minitorch``, on tensors made from the same
    ``inputs``. Each output is compared; then a random gradient (the same for both)
    is sent back from every output that requires grad and each input's ``.grad`` is
    compared. On a mismatch it raises ``AssertionError`` naming the output or input,
    the largest absolute and relative errors and their indices; for a gradient it also
    names the first backward Function whose gradients went wrong.

    With ``order`` n > 1 it goes on to derivatives of order 2 to n: the gradients are taken with
    ``create_graph=True`` (random output gradients that require grad), projected on a random
    direction and differentiated again, with respect to the inputs and to those output gradients,
    and each order is compared with torch's.

    Args:
        fn: ``fn(lib, *tensors)`` returning a tensor or a (nested) tuple of tensors.
        inputs: numpy arrays (or tensors of either library, or plain values). Float arrays
            become tensors that require grad; integer and bool arrays plain tensors;
            anything else is passed to ``fn`` unchanged.
        rtol, atol: tolerances; by default torch.testing.assert_close's for each dtype
            (float64: 1e-7 and 1e-7; float32: 1.3e-6 and 1e-5).
        grad: also compare gradients.
        dtype: cast float inputs to this numpy dtype (default: keep theirs).
        device: minitorch's device for the inputs.
        seed: seeds the random output gradients.
        check_dtype: also require outputs and gradients of the same dtype.
        order: the highest order of derivatives compared (1: gradients only).
    """
    torch = import_torch()
    t_in = [make_input(torch, a, dtype, grad) for a in inputs]
    m_in = [make_input(minitorch, a, dtype, grad, device) for a in inputs]
    t_out, m_out = flatten(fn(torch, *t_in)), flatten(fn(minitorch, *m_in))
    if len(t_out) != len(m_out):
        _fail([f"minitorch returned {len(m_out)} outputs, torch {len(t_out)}"], fn)
    problems = [
        p
        for i, (m, t) in enumerate(zip(m_out, t_out))
        if (p := compare(m, t, rtol, atol, f"output {i}", check_dtype)) is not None
    ]
    if problems:
        _fail(problems, fn)
    if not grad:
        return
    roots = _backward_roots(torch, m_out, t_out, seed)
    if isinstance(roots, str):
        _fail([roots], fn)
    if not roots[0]:
        return
    (m_roots, t_roots, m_seeds, t_seeds) = roots
    torch.autograd.backward(t_roots, t_seeds)
    minitorch.autograd.backward(m_roots, m_seeds)
    problems = _compare_grads(torch, m_in, t_in, rtol, atol, check_dtype)
    if problems:
        where = _locate(fn, inputs, dtype, device, seed, rtol, atol)
        _fail(problems + ([where] if where else []), fn)
    if order > 1:
        problems = _higher_orders(torch, fn, inputs, order, rtol, atol, dtype, device, seed, check_dtype)
        if problems:
            _fail(problems, fn)


def _higher_orders(
    torch: Any,
    fn: Callable,
    inputs: tuple,
    order: int,
    rtol: Any,
    atol: Any,
    dtype: Any,
    device: str,
    seed: int,
    check_dtype: bool,
) -> list:
    """Derivatives of order 2..``order`` in both libraries (see ``assert_parity``); the mismatches found."""
    rng = np.random.default_rng([seed, 2])
    t_in = [make_input(torch, a, dtype, True) for a in inputs]
    m_in = [make_input(minitorch, a, dtype, True, device) for a in inputs]
    t_out, m_out = flatten(fn(torch, *t_in)), flatten(fn(minitorch, *m_in))
    outs = [(m, t) for m, t in zip(m_out, t_out) if isinstance(t, torch.Tensor) and t.requires_grad]
    diff = [
        (f"input {i}", m, t)
        for i, (m, t) in enumerate(zip(m_in, t_in))
        if isinstance(t, torch.Tensor) and t.requires_grad
    ]
    if not outs or not diff:
        return []
    seeds = []
    for j, (_, t) in enumerate(outs):
        g = rng.uniform(-1, 1, size=tuple(t.shape)).astype(to_numpy(t).dtype)
        seeds.append(
            (f"grad_output {j}", make_input(minitorch, g, None, True, device), make_input(torch, g, None, True))
        )
    m_grads = minitorch.autograd.grad(
        [m for m, _ in outs], [m for _, m, _ in diff], [m for _, m, _ in seeds], create_graph=True, allow_unused=True
    )
    t_grads = torch.autograd.grad(
        [t for _, t in outs], [t for _, _, t in diff], [t for _, _, t in seeds], create_graph=True, allow_unused=True
    )
    variables = diff + seeds  # from order 2 on, the output gradients are variables too
    for k in range(2, order + 1):
        m_proj, t_proj = _project(torch, rng, m_grads, t_grads)
        if t_proj is None and m_proj is None:
            return []  # nothing left to differentiate: every derivative of order k is zero in both
        if (m_proj is None) != (t_proj is None):
            who = "minitorch's" if m_proj is None else "torch's"
            return [f"order {k}: {who} gradients of order {k - 1} are constants, the other library's are not"]
        m_grads = minitorch.autograd.grad(
            m_proj, [m for _, m, _ in variables], create_graph=k < order, allow_unused=True
        )
        t_grads = torch.autograd.grad(t_proj, [t for _, _, t in variables], create_graph=k < order, allow_unused=True)
        problems = []
        for (name, m_var, t_var), mg, tg in zip(variables, m_grads, t_grads):
            mg = np.zeros(tuple(m_var.shape), to_numpy(t_var).dtype) if mg is None else mg
            tg = torch.zeros_like(t_var) if tg is None else tg
            p = compare(mg, tg, rtol, atol, f"order-{k} gradient w.r.t. {name}", check_dtype)
            if p is not None:
                problems.append(p)
        if problems:
            return problems
    return []


def _project(torch: Any, rng: np.random.Generator, m_grads: tuple, t_grads: tuple) -> tuple:
    """sum_i <g_i, v_i> in both libraries for random v_i (None where no gradient requires grad)."""
    m_total = t_total = None
    for mg, tg in zip(m_grads, t_grads):
        shape = tuple((tg if tg is not None else mg).shape) if (tg is not None or mg is not None) else None
        if shape is None:
            continue
        v = rng.uniform(-1, 1, size=shape)
        if mg is not None and mg.requires_grad:
            term = (mg * minitorch.tensor(v.astype(to_numpy(mg).dtype), device=mg.device)).sum()
            m_total = term if m_total is None else m_total + term
        if tg is not None and tg.requires_grad:
            term = (tg * torch.tensor(v.astype(to_numpy(tg).dtype))).sum()
            t_total = term if t_total is None else t_total + term
    return m_total, t_total


def _backward_roots(torch: Any, m_out: list, t_out: list, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    m_roots, t_roots, m_seeds, t_seeds = [], [], [], []
    for i, (m, t) in enumerate(zip(m_out, t_out)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            if not getattr(m, "requires_grad", False):
                return f"output {i}: minitorch's does not require grad where torch's does"
            g = rng.uniform(-1, 1, size=tuple(t.shape)).astype(to_numpy(t).dtype)
            t_roots.append(t)
            m_roots.append(m)
            t_seeds.append(torch.tensor(g))
            m_seeds.append(minitorch.tensor(g, device=m.device))
    return m_roots, t_roots, m_seeds, t_seeds


def _compare_grads(torch: Any, m_in: list, t_in: list, rtol: Any, atol: Any, check_dtype: bool) -> list:
    problems: list = []
    for i, (m, t) in enumerate(zip(m_in, t_in)):
        if not (isinstance(t, torch.Tensor) and t.requires_grad):
            continue
        if t.grad is None:
            if m.grad is not None and np.any(to_numpy(m.grad)):
                problems.append(f"grad of input {i}: minitorch has a nonzero gradient, torch has none")
        elif m.grad is None:
            problems.append(f"grad of input {i}: missing in minitorch (torch has one)")
        elif (p := compare(m.grad, t.grad, rtol, atol, f"grad of input {i}", check_dtype)) is not None:
            problems.append(p)
    return problems


def _pairs(m_roots: list, t_roots: list) -> list:
    """Nodes of the two backward graphs paired by position, breadth first, while their shapes agree."""
    pairs, seen = [], set()
    queue = [(m.grad_fn, t.grad_fn) for m, t in zip(m_roots, t_roots)]
    while queue:
        m, t = queue.pop(0)
        if m is None or t is None or m in seen:
            continue
        seen.add(m)
        pairs.append((m, t))
        m_next, t_next = _live(m, m.next_functions), _live(t, t.next_functions)
        if len(m_next) == len(t_next):
            queue.extend((mc, tc) for (mc, _), (tc, _) in zip(m_next, t_next))
    return pairs


def _live(node: Any, values: Any) -> list:
    """The entries of ``values`` (one per edge of ``node``) whose edge leads somewhere (not None)."""
    return [v for (child, _), v in zip(node.next_functions, values) if child is not None]


def _all_close(ms: Any, ts: Any, rtol: Any, atol: Any) -> Mismatch | None:
    """The first mismatch between two lists of gradients (None entries skipped)."""
    for i, (m, t) in enumerate(zip(ms, ts)):
        if m is not None and t is not None:
            p = compare(m, t, rtol, atol, f"gradient {i}", check_dtype=False)
            if p is not None:
                return p
    return None


def _locate(fn: Callable, inputs: tuple, dtype: Any, device: str, seed: int, rtol: Any, atol: Any) -> str:
    """Replay ``fn`` with hooks on every backward node and name the first one whose gradients go wrong."""
    torch = import_torch()
    try:
        t_in = [make_input(torch, a, dtype, True) for a in inputs]
        m_in = [make_input(minitorch, a, dtype, True, device) for a in inputs]
        t_out, m_out = flatten(fn(torch, *t_in)), flatten(fn(minitorch, *m_in))
        m_roots, t_roots, m_seeds, t_seeds = _backward_roots(torch, m_out, t_out, seed)
        seen: dict = {}
        pairs = [(m, t) for m, t in _pairs(m_roots, t_roots) if not isinstance(m, minitorch.autograd.AccumulateGrad)]

        def keep(key: tuple) -> Callable:
            def hook(grad_inputs: Any, grad_outputs: Any) -> None:
                seen.setdefault(key, (list(grad_inputs), list(grad_outputs)))

            return hook

        for k, (m, t) in enumerate(pairs):
            m.register_hook(keep(("m", k)))
            t.register_hook(keep(("t", k)))
        torch.autograd.backward(t_roots, t_seeds)
        minitorch.autograd.backward(m_roots, m_seeds)
    except Exception:  # locating is a courtesy: the mismatch itself is already reported
        return ""
    frontier = None
    for k, (m, t) in enumerate(pairs):
        if ("m", k) not in seen or ("t", k) not in seen:
            continue
        (m_gi, m_go), (t_gi, t_go) = seen[("m", k)], seen[("t", k)]
        m_gi, t_gi = _live(m, m_gi), _live(t, t_gi)
        if _all_close(m_go, t_go, rtol, atol) is not None:
            continue  # it was already handed a wrong gradient
        names = f"minitorch's {m.name()}" + ("" if m.name() == t.name() else f" (torch's {t.name()})")
        if len(m_gi) == len(t_gi):
            bad = _all_close(m_gi, t_gi, rtol, atol)
            if bad is not None:
                return (
                    f"first wrong backward: {names} received the same gradient as torch's but returned a "
                    f"different one for its input {bad.what.split()[-1]}: {bad.figures()}"
                )
        elif frontier is None:
            frontier = (
                f"first wrong backward: at or below {names}: it received the same gradient as torch's, "
                f"and below it the two graphs differ ({len(m_gi)} vs {len(t_gi)} inputs)"
            )
    return frontier or ""
