"""Run the same function in torch and in minitorch; compare outputs and every input's gradient."""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
import torch

import minitorch

TOL = {np.float64: (1e-7, 1e-9), np.float32: (1e-4, 1e-5)}


def _flat(x: Any) -> list:
    if isinstance(x, (tuple, list)):
        return [y for item in x for y in _flat(item)]
    return [x]


def _to_numpy(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, minitorch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _make(lib: Any, a: Any, dtype: Any, grad: bool, device: str) -> Any:
    if not isinstance(a, np.ndarray):
        return a
    if a.dtype.kind == "f":
        arr = a.astype(dtype)
        if lib is torch:
            t = torch.tensor(arr)
        else:
            t = minitorch.tensor(arr, device=device)
        return t.requires_grad_(grad)
    return torch.tensor(a) if lib is torch else minitorch.tensor(a, device=device)


def assert_close(got: Any, want: Any, rtol: float, atol: float, what: str) -> None:
    g, w = _to_numpy(got), _to_numpy(want)
    assert g.shape == w.shape, f"{what}: shape {g.shape} != torch's {w.shape}"
    if w.dtype.kind in "biu":
        assert g.dtype == w.dtype, f"{what}: dtype {g.dtype} != torch's {w.dtype}"
        np.testing.assert_array_equal(g, w, err_msg=what)
        return
    assert g.dtype == w.dtype, f"{what}: dtype {g.dtype} != torch's {w.dtype}"
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def check_parity(fn: Callable[..., Any], *inputs: Any, dtype: Any = np.float64, grad: bool = True,
                 rtol: Optional[float] = None, atol: Optional[float] = None, device: str = "cpu",
                 seed: int = 0) -> None:
    """``fn(lib, *tensors)`` gives the same outputs and input gradients in torch and in minitorch.

    Float arrays among ``inputs`` become tensors of ``dtype`` that require grad; integer
    and bool arrays become plain tensors; anything else is passed through unchanged.
    """
    dr, da = TOL[np.dtype(dtype).type]
    rtol = dr if rtol is None else rtol
    atol = da if atol is None else atol
    t_in = [_make(torch, a, dtype, grad, device) for a in inputs]
    m_in = [_make(minitorch, a, dtype, grad, device) for a in inputs]
    t_out = _flat(fn(torch, *t_in))
    m_out = _flat(fn(minitorch, *m_in))
    assert len(t_out) == len(m_out)
    for i, (m, t) in enumerate(zip(m_out, t_out)):
        assert_close(m, t, rtol, atol, f"output {i}")
    if not grad:
        return
    rng = np.random.default_rng(seed)
    t_roots, m_roots, seeds_t, seeds_m = [], [], [], []
    for m, t in zip(m_out, t_out):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert m.requires_grad, "minitorch output does not require grad where torch's does"
            g = rng.uniform(-1, 1, size=tuple(t.shape)).astype(_to_numpy(t).dtype)
            t_roots.append(t)
            m_roots.append(m)
            seeds_t.append(torch.tensor(g))
            seeds_m.append(minitorch.tensor(g, device=device))
    if not t_roots:
        return
    torch.autograd.backward(t_roots, seeds_t)
    minitorch.autograd.backward(m_roots, seeds_m)
    for i, (m, t) in enumerate(zip(m_in, t_in)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            if t.grad is None:
                assert m.grad is None or not np.any(_to_numpy(m.grad)), f"grad of input {i}: torch has none"
                continue
            assert m.grad is not None, f"grad of input {i} missing"
            assert_close(m.grad, t.grad, rtol, atol, f"grad of input {i}")


def check_gradcheck(fn: Callable[..., Any], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
                    rtol: float = 1e-3) -> None:
    """minitorch's analytical gradients of ``fn(minitorch, *tensors)`` match central differences (float64)."""
    m_in = [_make(minitorch, a, np.float64, True, "cpu") for a in inputs]
    assert minitorch.autograd.gradcheck(lambda *xs: fn(minitorch, *xs), tuple(m_in), eps=eps, atol=atol, rtol=rtol)


def check_both(fn: Callable[..., Any], *inputs: Any, gradcheck: bool = True, **kw: Any) -> None:
    """Parity in float64 and float32 (values expected in [-1, 1]) plus gradcheck."""
    check_parity(fn, *inputs, dtype=np.float64, **kw)
    check_parity(fn, *inputs, dtype=np.float32, **kw)
    if gradcheck and kw.get("grad", True):
        check_gradcheck(fn, *inputs)


def raises_like(fn: Callable[[Any], Any], gist: str = "", exact: bool = False) -> None:
    """``fn(lib)`` raises the same exception type in torch and minitorch.

    Both messages must contain ``gist`` (or, with ``exact``, be identical).
    """
    import pytest
    with pytest.raises(Exception) as want:
        fn(torch)
    with pytest.raises(type(want.value)) as got:
        fn(minitorch)
    if exact:
        assert str(got.value) == str(want.value)
        return
    assert gist in str(want.value), f"test is stale: torch says {want.value}"
    assert gist in str(got.value), f"minitorch says {got.value!r}, torch says {want.value!r}"
