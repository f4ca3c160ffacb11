"""nn.EmbeddingBag and F.embedding_bag against torch: sum, mean and max bags from offsets (empty bags,
``include_last_offset``) or from 2-D input, ``padding_idx``, ``per_sample_weights``, ``max_norm``; outputs and the
gradients of the table and of the per-sample weights in float64 and float32; the module's repr, initialisation,
``from_pretrained`` and torch's errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import parity


@st.composite
def bag_case(draw: Any) -> dict:
    rows, dim = draw(st.integers(2, 8), label="rows"), draw(st.integers(1, 4), label="dim")
    mode = draw(st.sampled_from(["sum", "mean", "max"]), label="mode")
    seed = draw(st.integers(0, 2**16), label="seed")
    rng = np.random.default_rng(seed)
    case: dict = {"weight": rng.uniform(-1, 1, (rows, dim)), "mode": mode}
    if draw(st.booleans(), label="2-D input"):
        case["input"] = rng.integers(0, rows, (draw(st.integers(1, 3)), draw(st.integers(1, 4))))
        case["offsets"] = None
        case["include_last_offset"] = False
    else:
        length = draw(st.integers(0, 8), label="length")
        case["input"] = rng.integers(0, rows, length)
        cuts = sorted(rng.integers(0, length + 1, draw(st.integers(0, 3))).tolist())
        case["include_last_offset"] = draw(st.booleans(), label="include_last_offset")
        case["offsets"] = np.array([0] + cuts + ([length] if case["include_last_offset"] else []), dtype=np.int64)
    if draw(st.booleans(), label="padding"):
        case["padding_idx"] = int(rng.integers(-rows, rows))
    if mode == "sum" and draw(st.booleans(), label="per_sample_weights"):
        case["per_sample_weights"] = rng.uniform(-1, 1, case["input"].shape)
    return case


def _run(lib: Any, case: dict, dtype: Any) -> tuple:
    weight = lib.tensor(case["weight"].astype(dtype), requires_grad=True)
    psw = case.get("per_sample_weights")
    psw = None if psw is None else lib.tensor(psw.astype(dtype), requires_grad=True)
    offsets = None if case["offsets"] is None else lib.tensor(case["offsets"])
    out = lib.nn.functional.embedding_bag(
        lib.tensor(case["input"]), weight, offsets, mode=case["mode"], per_sample_weights=psw,
        include_last_offset=case["include_last_offset"], padding_idx=case.get("padding_idx"),
    )  # fmt: skip
    seed = np.random.default_rng(1).uniform(-1, 1, tuple(out.shape)).astype(dtype)
    out.backward(lib.tensor(seed))
    return out, weight.grad, None if psw is None else psw.grad


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@given(case=bag_case())
def test_embedding_bag_matches_torch(dtype: Any, case: dict) -> None:
    rtol, atol = parity.TOL[np.dtype(dtype).type]
    want, got = _run(torch, case, dtype), _run(minitorch, case, dtype)
    for name, g, w in zip(("output", "grad of weight", "grad of per_sample_weights"), got, want):
        assert (g is None) == (w is None), name
        if w is not None:
            parity.assert_close(g, w, rtol, atol, name)


def test_max_norm_renormalises_the_rows_looked_up() -> None:
    weight = np.random.default_rng(2).uniform(-2, 2, (6, 3))
    tables = []
    for lib in (torch, minitorch):
        w = lib.tensor(weight)
        out = lib.nn.functional.embedding_bag(lib.tensor([[0, 2], [2, 5]]), w, max_norm=1.0, mode="sum")
        tables.append((out, w))
    for g, w in zip(tables[1], tables[0]):
        parity.assert_close(g, w, 1e-12, 1e-12, "max_norm")


def test_module_repr_init_state_and_from_pretrained() -> None:
    for make in (
        lambda lib: lib.nn.EmbeddingBag(10, 3),
        lambda lib: lib.nn.EmbeddingBag(10, 3, mode="sum", padding_idx=-2, max_norm=1.0, include_last_offset=True),
        lambda lib: lib.nn.EmbeddingBag(5, 2, norm_type=1.0, scale_grad_by_freq=True, mode="sum"),
    ):
        theirs, ours = make(torch), make(minitorch)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        ours.load_state_dict(theirs.state_dict())
        x = np.array([[1, 2, 3], [4, 0, 1]])
        parity.assert_close(ours(minitorch.tensor(x)), theirs(torch.tensor(x)), 1e-6, 1e-6, "forward")
    bag = minitorch.nn.EmbeddingBag(100, 4, padding_idx=3)
    assert not bag.weight[3].detach().numpy().any() and 0.8 < float(bag.weight.detach().numpy().std()) < 1.2
    table = minitorch.tensor([[1.0, 2.0], [3.0, 4.0]])
    frozen = minitorch.nn.EmbeddingBag.from_pretrained(table, mode="sum")
    assert not frozen.weight.requires_grad and frozen.mode == "sum"
    np.testing.assert_array_equal(frozen(minitorch.tensor([[0, 1]])).numpy(), [[4.0, 6.0]])
    assert minitorch.nn.EmbeddingBag.from_pretrained(table, freeze=False).weight.requires_grad


def test_errors_as_torch() -> None:
    def bag(lib: Any, **kw: Any) -> Any:
        args = {"input": lib.tensor([1, 2]), "weight": lib.ones(4, 2), "offsets": lib.tensor([0])} | kw
        return lib.nn.functional.embedding_bag(**args)

    parity.raises_like(lambda lib: bag(lib, offsets=lib.tensor([1])), "offsets[0] has to be 0")
    parity.raises_like(lambda lib: bag(lib, input=lib.tensor([[1, 2]])), "if input is 2D, then offsets has to be None")
    parity.raises_like(
        lambda lib: bag(lib, per_sample_weights=lib.ones(2)), "per_sample_weights is only supported for mode='sum'"
    )
    parity.raises_like(lambda lib: bag(lib, mode="foo"), "mode has to be one of sum, mean or max")
    parity.raises_like(lambda lib: bag(lib, mode="max", scale_grad_by_freq=True), "max mode does not support scaling")
    parity.raises_like(lambda lib: bag(lib, offsets=None), "offsets has to be a 1D Tensor")
    parity.raises_like(
        lambda lib: lib.nn.EmbeddingBag(3, 2, padding_idx=5), "padding_idx must be within num_embeddings"
    )
