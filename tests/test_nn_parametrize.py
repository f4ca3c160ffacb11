"""nn.utils.parametrize, nn.utils.parametrizations and the legacy weight/spectral norm hooks, against torch."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import assert_close, raises_like

LIBS = [torch, minitorch]
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def _np(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def _symmetric(lib: Any, with_inverse: bool = False) -> Any:
    """The tutorial's Symmetric parametrization, written against ``lib``."""

    class Symmetric(lib.nn.Module):
        def forward(self, X: Any) -> Any:
            return X.triu() + X.triu(1).transpose(-1, -2)

    class SymmetricInv(Symmetric):
        def right_inverse(self, A: Any) -> Any:
            return A.triu()

    return SymmetricInv() if with_inverse else Symmetric()


def _scale(lib: Any) -> Any:
    class Scale(lib.nn.Module):
        def forward(self, X: Any) -> Any:
            return 2.0 * X

    return Scale()


def _rank_one(lib: Any) -> Any:
    """A parametrization by two tensors: ``right_inverse`` returns a tuple (so original0, original1)."""

    class RankOne(lib.nn.Module):
        def forward(self, x: Any, y: Any) -> Any:
            return x.unsqueeze(-1) @ y.unsqueeze(-2)

        def right_inverse(self, Z: Any) -> Any:
            return Z[:, 0].clone(), Z[0, :] / Z[0, 0]

    return RankOne()


def _pair(make: Callable[[Any], Any], setup: Callable[[Any, Any], Any], seed: int = 0) -> tuple:
    """(torch module, minitorch module): built by ``make``, parametrized by ``setup``, minitorch's state
    then loaded from torch's (so the state-dict keys must match)."""
    torch.manual_seed(seed)
    tm = setup(torch, make(torch).double())
    mm = setup(minitorch, make(minitorch).double())
    mm.load_state_dict(tm.state_dict())
    return tm, mm


def _same_state(tm: Any, mm: Any, **tol: float) -> None:
    want, got = tm.state_dict(), mm.state_dict()
    assert list(got) == list(want)
    for key in want:
        assert_close(_np(got[key]), _np(want[key]), what=key, **(tol or TIGHT))


def _same_forward_backward(tm: Any, mm: Any, shape: tuple, seed: int = 1) -> None:
    """Same output and same gradient on every parameter, for a random input of ``shape``."""
    x = np.random.default_rng(seed).standard_normal(shape)
    outs = []
    for lib, m in ((torch, tm), (minitorch, mm)):
        out = m(lib.tensor(x))
        (out * out).sum().backward()
        outs.append(out)
    assert_close(_np(outs[1]), _np(outs[0]), what="output", **TIGHT)
    want = dict(tm.named_parameters())
    got = dict(mm.named_parameters())
    assert list(got) == list(want)
    for name, p in want.items():
        assert_close(_np(got[name].grad), _np(p.grad), what=f"{name}.grad", **TIGHT)


# ------------------------------------------------------------------ register_parametrization
def test_symmetric_tutorial_linear() -> None:
    tm, mm = _pair(lambda lib: lib.nn.Linear(5, 5), lambda lib, m: _reg(lib, m, "weight", _symmetric(lib)))
    assert type(mm).__name__ == "ParametrizedLinear"
    w = _np(mm.weight)
    np.testing.assert_array_equal(w, w.T)
    assert_close(w, _np(tm.weight), what="weight", **TIGHT)
    assert str(mm) == str(tm)
    assert isinstance(mm, minitorch.nn.Linear)
    assert mm.parametrizations.weight.original is mm.parametrizations["weight"].original
    assert list(dict(mm.named_parameters())) == ["bias", "parametrizations.weight.original"]
    _same_forward_backward(tm, mm, (4, 5))
    # the gradient reaches original through the parametrization (the upper triangle only)
    g = _np(mm.parametrizations.weight.original.grad)
    np.testing.assert_array_equal(np.tril(g, -1), 0)


def _reg(lib: Any, module: Any, name: str, parametrization: Any, **kw: Any) -> Any:
    return lib.nn.utils.parametrize.register_parametrization(module, name, parametrization, **kw)


def test_conv2d_parametrized_parity() -> None:
    tm, mm = _pair(lambda lib: lib.nn.Conv2d(2, 3, 3), lambda lib, m: _reg(lib, m, "weight", _scale(lib)))
    assert str(mm) == str(tm)
    _same_forward_backward(tm, mm, (2, 2, 6, 6))


def test_right_inverse_assignment() -> None:
    a = np.random.default_rng(0).standard_normal((4, 4))
    a = a + a.T
    results = []
    for lib in LIBS:
        m = _reg(lib, lib.nn.Linear(4, 4).double(), "weight", _symmetric(lib, with_inverse=True))
        m.weight = lib.tensor(a)
        results.append((_np(m.weight), _np(m.parametrizations.weight.original)))
    assert_close(results[1][0], a, what="weight", **TIGHT)
    assert_close(results[1][1], np.triu(a), what="original", **TIGHT)
    assert_close(results[1][1], results[0][1], what="original vs torch", **TIGHT)


def test_right_inverse_runs_on_registration_and_keeps_parameter_identity() -> None:
    for lib in LIBS:
        m = lib.nn.Linear(3, 3)
        weight = m.weight
        _reg(lib, m, "weight", _symmetric(lib, with_inverse=True))
        # the same Parameter object, now holding right_inverse(weight): optimizers built before still work
        assert m.parametrizations.weight.original is weight
        np.testing.assert_array_equal(np.tril(_np(weight), -1), 0)


def test_chained_parametrizations() -> None:
    def setup(lib: Any, m: Any) -> Any:
        _reg(lib, m, "weight", _symmetric(lib))
        return _reg(lib, m, "weight", _scale(lib))

    tm, mm = _pair(lambda lib: lib.nn.Linear(4, 4), setup)
    assert len(mm.parametrizations.weight) == 2
    assert str(mm) == str(tm)
    _same_state(tm, mm)
    _same_forward_backward(tm, mm, (3, 4))


def test_two_originals_rank_one() -> None:
    tm, mm = _pair(lambda lib: lib.nn.Linear(4, 3), lambda lib, m: _reg(lib, m, "weight", _rank_one(lib)))
    assert list(mm.state_dict()) == ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    assert np.linalg.matrix_rank(_np(mm.weight)) == 1
    _same_forward_backward(tm, mm, (2, 4))


def test_parametrized_buffer() -> None:
    def make(lib: Any) -> Any:
        m = lib.nn.Module()
        m.register_buffer("table", lib.arange(9.0).reshape(3, 3))
        return m

    tm, mm = _pair(make, lambda lib, m: _reg(lib, m, "table", _symmetric(lib)))
    assert list(mm.state_dict()) == ["parametrizations.table.original"]
    assert list(mm.buffers()) == [mm.parametrizations.table.original]
    assert_close(_np(mm.table), _np(tm.table), what="table", **TIGHT)


def test_sgd_lockstep_with_torch() -> None:
    def setup(lib: Any, m: Any) -> Any:
        _reg(lib, m[0], "weight", _symmetric(lib, with_inverse=True))
        lib.nn.utils.parametrizations.weight_norm(m[2])
        lib.nn.utils.parametrizations.spectral_norm(m[4])
        return m

    def make(lib: Any) -> Any:
        nn = lib.nn
        return nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))

    tm, mm = _pair(make, setup)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((8, 4)), rng.standard_normal((8, 2))
    opts = [lib.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for lib, m in ((torch, tm), (minitorch, mm))]
    for _ in range(5):
        for (lib, m), opt in zip(((torch, tm), (minitorch, mm)), opts):
            opt.zero_grad()
            ((m(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
            opt.step()
        _same_state(tm, mm)  # parameters and the spectral-norm buffers _u, _v


# ------------------------------------------------------------------ state dicts, removal, caching
def test_state_dict_round_trip() -> None:
    tm, mm = _pair(lambda lib: lib.nn.Linear(4, 4), lambda lib, m: _reg(lib, m, "weight", _symmetric(lib)))
    fresh = _reg(minitorch, minitorch.nn.Linear(4, 4).double(), "weight", _symmetric(minitorch))
    assert str(fresh.load_state_dict(mm.state_dict())) == "<All keys matched successfully>"
    _same_state(tm, fresh)
    back = _reg(torch, torch.nn.Linear(4, 4).double(), "weight", _symmetric(torch))
    back.load_state_dict({k: torch.from_numpy(_np(v).copy()) for k, v in mm.state_dict().items()})
    _same_state(back, mm)


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave: bool) -> None:
    def setup(lib: Any, m: Any) -> Any:
        _reg(lib, m, "weight", _symmetric(lib))
        return lib.nn.utils.parametrize.remove_parametrizations(m, "weight", leave_parametrized=leave)

    tm, mm = _pair(lambda lib: lib.nn.Linear(4, 4), setup)
    assert type(mm) is minitorch.nn.Linear
    assert not hasattr(mm, "parametrizations")
    assert str(mm) == str(tm)
    assert isinstance(mm.weight, minitorch.nn.Parameter)
    _same_state(tm, mm)
    w = _np(mm.weight)
    assert np.array_equal(w, w.T) == leave  # kept symmetric only when left parametrized


def test_remove_one_of_two_keeps_class() -> None:
    for lib in LIBS:
        m = lib.nn.Linear(3, 3)
        _reg(lib, m, "weight", _symmetric(lib))
        _reg(lib, m, "bias", _scale(lib))
        lib.nn.utils.parametrize.remove_parametrizations(m, "weight")
        assert type(m).__name__ == "ParametrizedLinear"
        assert list(m.state_dict()) == ["weight", "parametrizations.bias.original"]


def test_remove_weight_norm_parametrization_leave_true() -> None:
    def setup(lib: Any, m: Any) -> Any:
        lib.nn.utils.parametrizations.weight_norm(m)
        return lib.nn.utils.parametrize.remove_parametrizations(m, "weight")

    tm, mm = _pair(lambda lib: lib.nn.Linear(3, 4), setup)
    assert list(mm.state_dict()) == ["bias", "weight"]
    _same_state(tm, mm)


def test_cached() -> None:
    for lib in LIBS:
        P = lib.nn.utils.parametrize
        calls: list = []

        class Counting(lib.nn.Module):
            def forward(self, X: Any) -> Any:
                calls.append(1)
                return X * 1.0

        m = _reg(lib, lib.nn.Linear(3, 3), "weight", Counting())
        calls.clear()
        with P.cached():
            first = m.weight
            with P.cached():
                assert m.weight is first
            assert m.weight is first
        assert len(calls) == 1
        assert m.weight is not first
        assert len(calls) == 2


def test_queries_and_transfer() -> None:
    for lib in LIBS:
        P = lib.nn.utils.parametrize
        m = lib.nn.Linear(3, 3)
        assert not P.is_parametrized(m) and P.type_before_parametrizations(m) is lib.nn.Linear
        _reg(lib, m, "weight", _symmetric(lib))
        assert P.is_parametrized(m) and P.is_parametrized(m, "weight") and not P.is_parametrized(m, "bias")
        assert P.type_before_parametrizations(m) is lib.nn.Linear
        other = P.transfer_parametrizations_and_params(m, lib.nn.Linear(3, 3))
        assert other.parametrizations.weight.original is m.parametrizations.weight.original
        assert type(other).__name__ == "ParametrizedLinear"


def test_pickle_refused_deepcopy_allowed() -> None:
    raises_like(lambda lib: pickle.dumps(_reg(lib, lib.nn.Linear(2, 2), "weight", _scale(lib))), "state_dict()")
    m = _reg(minitorch, minitorch.nn.Linear(2, 2), "weight", _scale(minitorch))
    c = copy.deepcopy(m)
    assert type(c) is type(m)
    assert c.parametrizations.weight.original is not m.parametrizations.weight.original
    np.testing.assert_array_equal(_np(c.weight), _np(m.weight))


def test_module_double_converts_original() -> None:
    m = _reg(minitorch, minitorch.nn.Linear(2, 2), "weight", _scale(minitorch)).double()
    assert m.parametrizations.weight.original.dtype == minitorch.float64
    assert m.weight.dtype == minitorch.float64


# ------------------------------------------------------------------ errors
def _shape_changer(lib: Any) -> Any:
    class Flat(lib.nn.Module):
        def forward(self, X: Any) -> Any:
            return X.flatten()

    return Flat()


def _to_float32(lib: Any) -> Any:
    class Cast(lib.nn.Module):
        def forward(self, X: Any) -> Any:
            return X.float()

    return Cast()


def _returns_list(lib: Any) -> Any:
    class Bad(lib.nn.Module):
        def forward(self, X: Any) -> Any:
            return [X]

    return Bad()


def _rm(lib: Any, m: Any, name: str, **kw: Any) -> Any:
    return lib.nn.utils.parametrize.remove_parametrizations(m, name, **kw)


def _linear(lib: Any) -> Any:
    return lib.nn.Linear(3, 3).double()


ERRORS: dict = {
    "no such tensor": (lambda lib: _reg(lib, _linear(lib), "w", _scale(lib)), "does not have a parameter, a buffer"),
    "shape change": (lambda lib: _reg(lib, _linear(lib), "weight", _shape_changer(lib)), "may not change the shape"),
    "dtype change": (lambda lib: _reg(lib, _linear(lib), "weight", _to_float32(lib)), "may not change the dtype"),
    "not a tensor": (lambda lib: _reg(lib, _linear(lib), "weight", _returns_list(lib)), "must return a tensor"),
    "chained shape change": (
        lambda lib: _reg(lib, _reg(lib, _linear(lib), "weight", _scale(lib)), "weight", _shape_changer(lib)),
        "parametrization(module.weight).shape",
    ),
    "remove unparametrized": (lambda lib: _rm(lib, _linear(lib), "weight"), "does not have a parametrization on"),
    "leave two originals": (
        lambda lib: _rm(lib, _reg(lib, _linear(lib), "weight", _rank_one(lib)), "weight", leave_parametrized=False),
        "Cannot leave unparametrized",
    ),
    "assign without right_inverse": (
        lambda lib: setattr(_reg(lib, _linear(lib), "weight", _scale(lib)), "weight", lib.zeros(3, 3)),
        "does not implement right_inverse",
    ),
    "assign a Parameter": (
        lambda lib: setattr(_reg(lib, _linear(lib), "weight", _scale(lib)), "weight", lib.nn.Parameter(lib.ones(3))),
        "already exists",
    ),
    "empty list": (
        lambda lib: lib.nn.utils.parametrize.ParametrizationList([], lib.ones(2)),
        "requires one or more modules",
    ),
    "spectral dim": (lambda lib: lib.nn.utils.parametrizations.spectral_norm(_linear(lib), dim=2), "out of range"),
    "spectral iterations": (
        lambda lib: lib.nn.utils.parametrizations.spectral_norm(_linear(lib), n_power_iterations=0),
        "n_power_iterations to be positive",
    ),
    "spectral no tensor": (
        lambda lib: lib.nn.utils.parametrizations.spectral_norm(_linear(lib), name="w"),
        "has no parameter or buffer with name 'w'",
    ),
}


@pytest.mark.parametrize("case", ERRORS)
def test_errors_like_torch(case: str) -> None:
    fn, gist = ERRORS[case]
    raises_like(fn, gist)


def test_unsafe_allows_shape_change() -> None:
    for lib in LIBS:
        m = _reg(lib, _linear(lib), "weight", _shape_changer(lib), unsafe=True)
        assert tuple(m.weight.shape) == (9,)


# ------------------------------------------------------------------ parametrizations.weight_norm / spectral_norm
WN_CASES: dict = {
    "linear dim0": (lambda lib: lib.nn.Linear(4, 3), 0, (2, 4)),
    "linear dim1": (lambda lib: lib.nn.Linear(4, 3), 1, (2, 4)),
    "linear dimNone": (lambda lib: lib.nn.Linear(4, 3), None, (2, 4)),
    "conv2d dim0": (lambda lib: lib.nn.Conv2d(2, 3, 3), 0, (2, 2, 5, 5)),
    "conv2d dim-2": (lambda lib: lib.nn.Conv2d(2, 3, 3), -2, (2, 2, 5, 5)),
}


@pytest.mark.parametrize("case", WN_CASES)
def test_weight_norm_parametrization(case: str) -> None:
    make, dim, shape = WN_CASES[case]
    tm, mm = _pair(make, lambda lib, m: lib.nn.utils.parametrizations.weight_norm(m, dim=dim))
    assert list(mm.state_dict()) == ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    assert str(mm) == str(tm)
    g = mm.parametrizations.weight.original0
    assert tuple(g.shape) == tuple(tm.parametrizations.weight.original0.shape)
    _same_forward_backward(tm, mm, shape)


def test_weight_norm_fresh_module_matches_torch() -> None:
    # no state copied: g is computed from the weight by right_inverse, in both libraries
    torch.manual_seed(0)
    tlin = torch.nn.Linear(4, 3).double()
    mlin = minitorch.nn.Linear(4, 3).double()
    mlin.load_state_dict(tlin.state_dict())
    torch.nn.utils.parametrizations.weight_norm(tlin)
    minitorch.nn.utils.parametrizations.weight_norm(mlin)
    _same_state(tlin, mlin)


SN_CASES: dict = {
    "linear": (lambda lib: lib.nn.Linear(4, 3), {}, (2, 4)),
    "linear 3 iterations": (lambda lib: lib.nn.Linear(4, 3), {"n_power_iterations": 3}, (2, 4)),
    "conv2d": (lambda lib: lib.nn.Conv2d(2, 3, 3), {}, (2, 2, 5, 5)),
    "conv2d dim1": (lambda lib: lib.nn.Conv2d(2, 3, 3), {"dim": 1}, (2, 2, 5, 5)),
    "convtranspose2d": (lambda lib: lib.nn.ConvTranspose2d(2, 3, 3), {}, (2, 2, 4, 4)),
}


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("case", SN_CASES)
def test_spectral_norm_parametrization(case: str, training: bool) -> None:
    make, kw, shape = SN_CASES[case]
    tm, mm = _pair(make, lambda lib, m: lib.nn.utils.parametrizations.spectral_norm(m, **kw).train(training))
    assert list(mm.state_dict()) == list(tm.state_dict())
    assert str(mm) == str(tm)
    assert mm.parametrizations.weight[0].dim == tm.parametrizations.weight[0].dim
    u = _np(mm.parametrizations.weight[0]._u).copy()
    for _ in range(2):
        for m in (tm, mm):
            m.zero_grad()
        _same_forward_backward(tm, mm, shape)
        _same_state(tm, mm)  # the power iteration moved _u and _v the same way (or, in eval, not at all)
    assert np.array_equal(_np(mm.parametrizations.weight[0]._u), u) == (not training)


def test_spectral_norm_of_a_vector() -> None:
    tm, mm = _pair(
        lambda lib: lib.nn.Linear(3, 4), lambda lib, m: lib.nn.utils.parametrizations.spectral_norm(m, name="bias")
    )
    assert list(mm.state_dict()) == ["weight", "parametrizations.bias.original"]
    _same_forward_backward(tm, mm, (2, 3))


def test_spectral_norm_sigma_is_largest_singular_value() -> None:
    m = minitorch.nn.utils.parametrizations.spectral_norm(minitorch.nn.Linear(6, 5).double())
    for _ in range(30):
        w = m.weight
    assert abs(np.linalg.svd(_np(w), compute_uv=False)[0] - 1.0) < 1e-6


# ------------------------------------------------------------------ legacy hooks
def _legacy_wn(lib: Any, m: Any, **kw: Any) -> Any:
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        return lib.nn.utils.weight_norm(m, **kw)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_legacy_weight_norm(dim: int | None) -> None:
    tm, mm = _pair(lambda lib: lib.nn.Conv2d(2, 3, 3), lambda lib, m: _legacy_wn(lib, m, dim=dim))
    assert list(mm.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert tuple(mm.weight_g.shape) == tuple(tm.weight_g.shape)
    assert str(mm) == str(tm)
    _same_forward_backward(tm, mm, (2, 2, 5, 5))
    for lib, m in ((torch, tm), (minitorch, mm)):
        lib.nn.utils.remove_weight_norm(m)
    _same_state(tm, mm)
    assert list(mm.state_dict()) == ["bias", "weight"]


def test_legacy_weight_norm_errors() -> None:
    raises_like(lambda lib: _legacy_wn(lib, _legacy_wn(lib, _linear(lib))), "Cannot register two weight_norm hooks")
    raises_like(lambda lib: lib.nn.utils.remove_weight_norm(_linear(lib)), "weight_norm of 'weight' not found")


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("case", SN_CASES)
def test_legacy_spectral_norm(case: str, training: bool) -> None:
    make, kw, shape = SN_CASES[case]
    tm, mm = _pair(make, lambda lib, m: lib.nn.utils.spectral_norm(m, **kw).train(training))
    assert list(mm.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    for _ in range(2):
        for m in (tm, mm):
            m.zero_grad()
        _same_forward_backward(tm, mm, shape)
        _same_state(tm, mm)
    for lib, m in ((torch, tm), (minitorch, mm)):
        lib.nn.utils.remove_spectral_norm(m)
    assert list(mm.state_dict()) == ["bias", "weight"]
    _same_state(tm, mm)


def test_legacy_spectral_norm_errors() -> None:
    raises_like(lambda lib: lib.nn.utils.spectral_norm(lib.nn.utils.spectral_norm(_linear(lib))), "Cannot register two")
    raises_like(lambda lib: lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2, bias=False), name="bias"), "is None")
    raises_like(lambda lib: lib.nn.utils.spectral_norm(_linear(lib), n_power_iterations=0), "to be positive")
    raises_like(lambda lib: lib.nn.utils.remove_spectral_norm(_linear(lib)), "spectral_norm of 'weight' not found")
