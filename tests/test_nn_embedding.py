"""nn.Embedding, F.embedding and torch.embedding / embedding_renorm_ against torch: looked-up rows, the weight's
gradient (padding row, scale_grad_by_freq), max_norm's in-place renormalisation, from_pretrained, printing and
torch's errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests.parity import TOL, assert_close, check_both, raises_like

DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])


@st.composite
def embedding_cases(draw: Any) -> dict:
    rows, dim = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    shape = draw(st.sampled_from([(), (1,), (5,), (2, 3), (2, 1, 3)]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    padding_idx = draw(st.sampled_from([None, 0, rows - 1, -1]))
    max_norm = draw(st.sampled_from([None, None, 0.5, 1.5]))
    return dict(
        rows=rows,
        dim=dim,
        indices=rng.integers(0, rows, shape).astype(draw(st.sampled_from([np.int64, np.int32]))),
        weight=rng.uniform(-1.5, 1.5, (rows, dim)),
        kwargs=dict(
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=draw(st.sampled_from([2.0, 1.0, 3.0, float("inf")])),
            scale_grad_by_freq=draw(st.booleans()),
        ),
        seed=draw(st.integers(0, 2**8)),
    )


@DTYPES
@given(case=embedding_cases())
def test_embedding_module_matches_torch(dtype: Any, case: dict) -> None:
    """Output, the weight's gradient, and the weight itself after max_norm rescaled it in place."""
    rtol, atol = TOL[np.dtype(dtype).type]
    results = []
    for lib in (torch, minitorch):
        module = lib.nn.Embedding(case["rows"], case["dim"], **case["kwargs"])
        with lib.no_grad():
            module.weight.copy_(lib.tensor(case["weight"]))
        module = module.double() if dtype == np.float64 else module.float()
        out = module(lib.tensor(case["indices"]))
        grad = np.random.default_rng(case["seed"]).uniform(-1, 1, tuple(out.shape)).astype(dtype)
        out.backward(lib.tensor(grad))
        results.append((out, module.weight.grad, module.weight.detach()))
    for what, t, m in zip(("output", "grad of weight", "weight after the call"), *results):
        assert_close(m, t, rtol, atol, what)


@given(case=embedding_cases())
def test_functional_embedding_parity_and_gradcheck(case: dict) -> None:
    kwargs = dict(case["kwargs"], max_norm=None)  # renormalising in place is not a function of the weight
    indices = case["indices"]

    def fn(lib: Any, weight: Any) -> Any:
        return lib.nn.functional.embedding(lib.tensor(indices), weight, **kwargs)

    # padding_idx and scale_grad_by_freq change the gradient on purpose: finite differences only without them.
    exact = kwargs["padding_idx"] is None and not kwargs["scale_grad_by_freq"]
    check_both(fn, case["weight"], gradcheck=exact)


def test_torch_level_embedding_and_renorm_match_torch() -> None:
    rng = np.random.default_rng(0)
    weight, idx = rng.uniform(-2, 2, (6, 3)), np.array([[1, 4, 4], [0, 5, 1]])
    check_both(lambda lib, w: lib.embedding(w, lib.tensor(idx), 4, True), weight, gradcheck=False)  # both on purpose
    check_both(lambda lib, w: lib.embedding(w, lib.tensor(idx)), weight)
    for norm_type in (2.0, 1.0, 0.0, float("inf")):
        t, m = torch.tensor(weight), minitorch.tensor(weight)
        torch.embedding_renorm_(t, torch.tensor(idx), 1.0, norm_type)
        minitorch.embedding_renorm_(m, minitorch.tensor(idx), 1.0, norm_type)
        assert_close(m, t, 1e-12, 1e-12, f"renormalised weight, norm_type {norm_type}")
        assert m._version == 1


def test_max_norm_modifies_the_weight_in_place_and_bumps_its_version() -> None:
    emb = minitorch.nn.Embedding(4, 3, max_norm=0.1)
    before = emb.weight._version
    data = emb.weight.detach().numpy().copy()
    emb(minitorch.tensor([1, 1, 2]))
    after = emb.weight.detach().numpy()
    assert emb.weight._version > before
    np.testing.assert_array_equal(after[[0, 3]], data[[0, 3]])  # rows not looked up stay
    assert np.all(np.linalg.norm(after[[1, 2]], axis=1) <= 0.1 + 1e-6)


def test_padding_row_starts_at_zero_and_gets_no_gradient() -> None:
    minitorch.manual_seed(0)
    emb = minitorch.nn.Embedding(5, 3, padding_idx=-2)
    assert emb.padding_idx == 3 == torch.nn.Embedding(5, 3, padding_idx=-2).padding_idx
    np.testing.assert_array_equal(emb.weight.detach().numpy()[3], 0)
    emb(minitorch.tensor([3, 3, 1])).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy()[3], 0)
    np.testing.assert_array_equal(emb.weight.grad.numpy()[1], 1)


def test_default_init_is_standard_normal() -> None:
    minitorch.manual_seed(0)
    values = minitorch.nn.Embedding(1000, 64).weight.detach().numpy()
    assert abs(values.mean()) < 0.01 and abs(values.std() - 1) < 0.01


@pytest.mark.parametrize("freeze", [True, False])
def test_from_pretrained(freeze: bool) -> None:
    table = np.random.default_rng(0).uniform(-1, 1, (4, 3)).astype(np.float32)
    ours = minitorch.nn.Embedding.from_pretrained(minitorch.tensor(table), freeze=freeze, padding_idx=1)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=freeze, padding_idx=1)
    assert ours.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
    assert repr(ours) == repr(theirs)
    idx = np.array([0, 1, 3])
    assert_close(ours(minitorch.tensor(idx)), theirs(torch.tensor(idx)), 0, 0, "output")
    shared = minitorch.tensor(table)
    emb = minitorch.nn.Embedding.from_pretrained(shared)
    with minitorch.no_grad():
        shared[0, 0] = 42.0
    assert emb.weight[0, 0].item() == 42.0  # the table is shared, as torch's is


def test_state_dict_loads_both_ways() -> None:
    ours, theirs = minitorch.nn.Embedding(7, 2, padding_idx=0), torch.nn.Embedding(7, 2, padding_idx=0)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    np.testing.assert_array_equal(theirs.weight.detach().numpy(), ours.weight.detach().numpy())
    fresh = minitorch.nn.Embedding(7, 2)
    fresh.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(fresh.weight.detach().numpy(), ours.weight.detach().numpy())


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.Embedding(10, 3),
        lambda nn: nn.Embedding(10, 3, padding_idx=0, max_norm=1.0),
        lambda nn: nn.Embedding(10, 3, norm_type=1.0, scale_grad_by_freq=True),
    ],
)
def test_repr_matches_torch(make: Any) -> None:
    assert repr(make(minitorch.nn)) == repr(make(torch.nn))


ERRORS = {
    "float indices": (lambda lib: lib.nn.Embedding(10, 3)(lib.tensor([1.0])), "Expected tensor for argument #1"),
    "int16 indices": (
        lambda lib: lib.nn.Embedding(10, 3)(lib.tensor([1], dtype=lib.int16)),
        "to have one of the following scalar types: Long, Int; but got torch.ShortTensor instead",
    ),
    "index too large": (lambda lib: lib.nn.Embedding(10, 3)(lib.tensor([10])), "index out of range in self"),
    "negative index": (lambda lib: lib.nn.Embedding(10, 3)(lib.tensor([-1])), "index out of range in self"),
    "padding_idx too large": (lambda lib: lib.nn.Embedding(10, 3, padding_idx=10), "Padding_idx must be within"),
    "padding_idx too small": (lambda lib: lib.nn.Embedding(10, 3, padding_idx=-11), "Padding_idx must be within"),
    "functional padding_idx": (
        lambda lib: lib.nn.functional.embedding(lib.tensor([1]), lib.ones(3, 2), padding_idx=3),
        "Padding_idx must be within num_embeddings",
    ),
    "1-D pretrained": (
        lambda lib: lib.nn.Embedding.from_pretrained(lib.ones(3)),
        "Embeddings parameter is expected to be 2-dimensional",
    ),
    "pretrained shape": (
        lambda lib: lib.nn.Embedding(3, 2, _weight=lib.ones(2, 2)),
        "Shape of weight does not match num_embeddings and embedding_dim",
    ),
}


@pytest.mark.parametrize("call, gist", ERRORS.values(), ids=list(ERRORS))
def test_errors_match_torch(call: Any, gist: str) -> None:
    raises_like(call, gist)


def test_sparse_is_refused_clearly() -> None:
    with pytest.raises(NotImplementedError, match="sparse=True"):
        minitorch.nn.Embedding(10, 3, sparse=True)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        minitorch.nn.functional.embedding(minitorch.tensor([1]), minitorch.ones(3, 2), sparse=True)
