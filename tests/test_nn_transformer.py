"""Attention and the Transformer modules against torch: ``F.scaled_dot_product_attention``,
``nn.MultiheadAttention``, the encoder and decoder layers, their stacks and ``nn.Transformer``.

Each module is built in both libraries with torch's weights loaded into minitorch's (dropout 0), and compared on
outputs, attention weights, the inputs' gradients and every parameter's gradient, in float64 and float32;
``scaled_dot_product_attention`` over hypothesis-drawn shapes and masks with gradcheck and second derivatives;
then torch's errors, parameter names and initialisation, ``repr``, and a few SGD steps in lockstep.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import parity

TOL = parity.TOL
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])


def tensor(lib: Any, a: Any, dtype: Any, grad: bool = False) -> Any:
    """A float array as a tensor of ``dtype`` (requiring grad if asked); a bool array as a mask."""
    if a is None:
        return None
    if a.dtype == np.bool_:
        return lib.tensor(a)
    t = lib.tensor(a.astype(dtype))
    return t.requires_grad_(grad)


def compare_modules(
    make: Callable[[Any], Any], inputs: dict, dtype: Any, call: Callable[[Any, dict], Any], seed: int = 0
) -> None:
    """``make(lib)`` in both libraries (torch's weights loaded into minitorch's), ``call(module, tensors)`` on the
    same inputs: the outputs, the float inputs' gradients and every parameter's gradient agree."""
    rtol, atol = TOL[np.dtype(dtype).type]
    torch.manual_seed(seed)
    theirs = make(torch)
    ours = make(minitorch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    for module in (theirs, ours):
        module.double() if dtype == np.float64 else module.float()
    t_in = {k: tensor(torch, a, dtype, grad=a is not None and a.dtype.kind == "f") for k, a in inputs.items()}
    m_in = {k: tensor(minitorch, a, dtype, grad=a is not None and a.dtype.kind == "f") for k, a in inputs.items()}
    t_out, m_out = parity._flat(call(theirs, t_in)), parity._flat(call(ours, m_in))
    assert len(m_out) == len(t_out)
    for i, (m, t) in enumerate(zip(m_out, t_out)):
        assert (m is None) == (t is None), f"output {i}"
        if t is not None:
            parity.assert_close(m, t, rtol, atol, f"output {i}")
    rng = np.random.default_rng(seed)
    pairs = [(m, t) for m, t in zip(m_out, t_out) if t is not None and t.requires_grad]
    seeds = [rng.uniform(-1, 1, tuple(t.shape)).astype(dtype) for _, t in pairs]
    torch.autograd.backward([t for _, t in pairs], [torch.tensor(g) for g in seeds])
    minitorch.autograd.backward([m for m, _ in pairs], [minitorch.tensor(g) for g in seeds])
    for k, t in t_in.items():
        if t is not None and t.requires_grad:
            parity.assert_close(m_in[k].grad, t.grad, rtol, atol, f"grad of {k}")
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        if p.grad is None:
            assert ours_params[name].grad is None, name
        else:
            parity.assert_close(ours_params[name].grad, p.grad, rtol, atol, f"grad of {name}")


# ----------------------------------------------------------- scaled_dot_product_attention
@st.composite
def attention_case(draw: Any) -> tuple:
    """query, key, value arrays and the keyword arguments of one scaled_dot_product_attention call."""
    lead = tuple(draw(st.lists(st.integers(1, 2), min_size=0, max_size=2)))
    L, S, E, Ev = (draw(st.integers(1, 4), label=n) for n in "LSEV")
    rng = np.random.default_rng(draw(st.integers(0, 2**16), label="seed"))
    q, k, v = (rng.uniform(-1, 1, lead + shape) for shape in ((L, E), (S, E), (S, Ev)))
    kwargs: dict = {}
    mask = draw(st.sampled_from(["none", "bool", "float", "causal"]), label="mask")
    if mask == "bool":
        kwargs["attn_mask"] = rng.uniform(size=(L, S)) < 0.7
    elif mask == "float":
        kwargs["attn_mask"] = rng.uniform(-1, 1, size=(L, S))
    if mask == "causal":
        kwargs["is_causal"] = True
    if draw(st.booleans(), label="scale"):
        kwargs["scale"] = 0.3
    return q, k, v, kwargs


@given(case=attention_case())
def test_scaled_dot_product_attention(case: tuple) -> None:
    q, k, v, kwargs = case
    mask = kwargs.pop("attn_mask", None)

    def attend(lib: Any, q: Any, k: Any, v: Any, mask: Any = None) -> Any:
        if mask is not None and not isinstance(mask, lib.Tensor):
            mask = None
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, **kwargs)

    arrays = (q, k, v) if mask is None else (q, k, v, mask)
    parity.check_both(attend, *arrays)


def test_scaled_dot_product_attention_second_derivatives() -> None:
    rng = np.random.default_rng(0)
    q, k, v = (rng.uniform(-1, 1, (2, 3, 4)) for _ in range(3))
    mask = np.tril(np.ones((3, 3), bool))
    parity.check_parity(
        lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=lib.tensor(mask)),
        q, k, v, order=2,
    )  # fmt: skip


def test_scaled_dot_product_attention_rows_with_nothing_to_attend_are_zeros() -> None:
    rng = np.random.default_rng(1)
    q, k, v = (rng.uniform(-1, 1, (2, 3, 4)) for _ in range(3))
    mask = np.ones((3, 3), bool)
    mask[1] = False
    parity.check_both(
        lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=lib.tensor(mask)),
        q, k, v, gradcheck=False,
    )  # fmt: skip


def test_scaled_dot_product_attention_grouped_heads_and_dropout() -> None:
    """enable_gqa shares each key/value head with a group of query heads; dropout_p = 1 drops every weight."""
    rng = np.random.default_rng(2)
    q, k, v = rng.uniform(-1, 1, (1, 4, 3, 2)), rng.uniform(-1, 1, (1, 2, 5, 2)), rng.uniform(-1, 1, (1, 2, 5, 3))
    parity.check_both(
        lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True), q, k, v
    )
    parity.raises_like(
        lambda lib: lib.nn.functional.scaled_dot_product_attention(
            lib.ones(1, 4, 3, 2), lib.ones(1, 3, 5, 2), lib.ones(1, 3, 5, 2), enable_gqa=True
        ),
        "Number of heads in key and value must divide the number of heads in",
    )
    parity.raises_like(
        lambda lib: lib.nn.functional.scaled_dot_product_attention(
            lib.ones(1, 3, 2, requires_grad=True), lib.ones(1, 3, 2), lib.ones(1, 3, 2),
            attn_mask=lib.ones(3, 3, dtype=lib.bool), is_causal=True,
        ),
        "Explicit attn_mask should not be set when is_causal=True",
    )  # fmt: skip
    dropped = minitorch.nn.functional.scaled_dot_product_attention(
        minitorch.tensor(q), minitorch.tensor(k), minitorch.tensor(v), dropout_p=1.0, enable_gqa=True
    )
    assert not dropped.numpy().any()


# ----------------------------------------------------------- MultiheadAttention
MHA_CASES = {
    "self": ({}, {"need_weights": True}),
    "batch_first": ({"batch_first": True}, {}),
    "per_head_weights": ({}, {"average_attn_weights": False}),
    "no_weights": ({}, {"need_weights": False}),
    "no_bias": ({"bias": False}, {}),
    "kdim_vdim": ({"kdim": 3, "vdim": 5}, {}),
    "bias_kv_zero_attn": ({"add_bias_kv": True, "add_zero_attn": True}, {}),
    "padding": ({}, {"key_padding_mask": "padding"}),
    "padding_no_weights": ({"batch_first": True}, {"key_padding_mask": "padding", "need_weights": False}),
    "bool_mask": ({}, {"attn_mask": "bool"}),
    "float_mask_3d": ({}, {"attn_mask": "float3d"}),
    "causal": ({}, {"attn_mask": "causal", "is_causal": True, "need_weights": False}),
    "unbatched": ({}, {"unbatched": True}),
}


def mha_inputs(config: dict, call: dict, rng: np.random.Generator) -> tuple:
    """The arrays and call keywords of one MultiheadAttention case (E = 4, 2 heads, L = 3, S = 5, N = 2)."""
    E, heads, L, S, N = 4, 2, 3, 5, 2
    kdim, vdim = config.get("kdim", E), config.get("vdim", E)
    batch_first = config.get("batch_first", False)
    unbatched = call.pop("unbatched", False)

    def shape(length: int, width: int) -> tuple:
        if unbatched:
            return (length, width)
        return (N, length, width) if batch_first else (length, N, width)

    inputs = {
        "query": rng.uniform(-1, 1, shape(L, E)),
        "key": rng.uniform(-1, 1, shape(S, kdim)),
        "value": rng.uniform(-1, 1, shape(S, vdim)),
    }
    if call.get("key_padding_mask") == "padding":
        padding = np.zeros((N, S), bool)
        padding[0, 3:] = True
        inputs["key_padding_mask"] = padding
    mask = call.pop("attn_mask", None)
    if mask == "bool":
        inputs["attn_mask"] = rng.uniform(size=(L, S)) < 0.3
    elif mask == "float3d":
        inputs["attn_mask"] = rng.uniform(-1, 1, (N * heads, L, S))
    elif mask == "causal":
        inputs["query"], inputs["key"], inputs["value"] = (rng.uniform(-1, 1, shape(L, E)) for _ in range(3))
        inputs["attn_mask"] = np.triu(np.ones((L, L), bool), 1)
    call.pop("key_padding_mask", None)
    return inputs, call


@DTYPES
@pytest.mark.parametrize("case", sorted(MHA_CASES))
def test_multihead_attention(dtype: Any, case: str) -> None:
    config, call = MHA_CASES[case][0], dict(MHA_CASES[case][1])
    inputs, call = mha_inputs(config, call, np.random.default_rng(3))
    compare_modules(
        lambda lib: lib.nn.MultiheadAttention(4, 2, **config),
        inputs,
        dtype,
        lambda module, t: module(
            t["query"], t["key"], t["value"], key_padding_mask=t.get("key_padding_mask"),
            attn_mask=t.get("attn_mask"), **call,
        ),
    )  # fmt: skip


def test_multihead_attention_self_attention_on_one_tensor_and_gradcheck() -> None:
    """query, key and value one tensor (self-attention, batch_first): the same in both libraries, and the
    gradients of all three uses add up (finite differences)."""
    x = np.random.default_rng(4).uniform(-1, 1, (2, 3, 4))
    compare_modules(
        lambda lib: lib.nn.MultiheadAttention(4, 2, batch_first=True), {"x": x}, np.float64,
        lambda module, t: module(t["x"], t["x"], t["x"]),
    )  # fmt: skip
    minitorch.manual_seed(0)
    layer = minitorch.nn.MultiheadAttention(4, 2).double()
    assert minitorch.autograd.gradcheck(
        lambda q: layer(q, q, q)[0], (minitorch.tensor(x, requires_grad=True),), eps=1e-6, atol=1e-5
    )


# ----------------------------------------------------------- Transformer layers and stacks
def _square_mask(lib: Any, n: int, dtype: Any) -> Any:
    return lib.nn.Transformer.generate_square_subsequent_mask(n).to(lib.float64 if dtype == np.float64 else lib.float32)


LAYER_CONFIGS = {
    "post_norm_relu": {},
    "pre_norm_gelu": {"norm_first": True, "activation": "gelu"},
    "batch_first_no_bias": {"batch_first": True, "bias": False},
    "callable_activation": {"activation": "tanh"},
}


def _layer_config(lib: Any, name: str) -> dict:
    config = dict(LAYER_CONFIGS[name])
    if config.get("activation") == "tanh":
        config["activation"] = lib.tanh
    return config


@DTYPES
@pytest.mark.parametrize("name", sorted(LAYER_CONFIGS))
def test_encoder_layer_and_stack(dtype: Any, name: str) -> None:
    rng = np.random.default_rng(5)
    batch_first = LAYER_CONFIGS[name].get("batch_first", False)
    src = rng.uniform(-1, 1, (2, 5, 8) if batch_first else (5, 2, 8))
    padding = np.zeros((2, 5), bool)
    padding[1, 4:] = True

    def make_layer(lib: Any) -> Any:
        return lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **_layer_config(lib, name))

    compare_modules(
        make_layer, {"src": src, "padding": padding}, dtype,
        lambda module, t: module(t["src"], src_key_padding_mask=t["padding"]),
    )  # fmt: skip
    compare_modules(
        lambda lib: lib.nn.TransformerEncoder(make_layer(lib), 2, norm=lib.nn.LayerNorm(8)), {"src": src}, dtype,
        lambda module, t: module(t["src"], mask=_square_mask(torch if isinstance(t["src"], torch.Tensor) else minitorch, 5, dtype)),
    )  # fmt: skip


@DTYPES
@pytest.mark.parametrize("name", sorted(LAYER_CONFIGS))
def test_decoder_layer_and_stack(dtype: Any, name: str) -> None:
    rng = np.random.default_rng(6)
    batch_first = LAYER_CONFIGS[name].get("batch_first", False)
    tgt = rng.uniform(-1, 1, (2, 4, 8) if batch_first else (4, 2, 8))
    memory = rng.uniform(-1, 1, (2, 5, 8) if batch_first else (5, 2, 8))
    padding = np.zeros((2, 5), bool)
    padding[0, 3:] = True

    def lib_of(t: dict) -> Any:
        return torch if isinstance(t["tgt"], torch.Tensor) else minitorch

    def make_layer(lib: Any) -> Any:
        return lib.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **_layer_config(lib, name))

    compare_modules(
        make_layer, {"tgt": tgt, "memory": memory, "padding": padding}, dtype,
        lambda module, t: module(
            t["tgt"], t["memory"], tgt_mask=_square_mask(lib_of(t), 4, dtype), memory_key_padding_mask=t["padding"]
        ),
    )  # fmt: skip
    compare_modules(
        lambda lib: lib.nn.TransformerDecoder(make_layer(lib), 2), {"tgt": tgt, "memory": memory}, dtype,
        lambda module, t: module(t["tgt"], t["memory"], tgt_mask=_square_mask(lib_of(t), 4, dtype), tgt_is_causal=True),
    )  # fmt: skip


@DTYPES
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer(dtype: Any, batch_first: bool) -> None:
    rng = np.random.default_rng(7)
    src = rng.uniform(-1, 1, (2, 6, 8) if batch_first else (6, 2, 8))
    tgt = rng.uniform(-1, 1, (2, 4, 8) if batch_first else (4, 2, 8))
    padding = np.zeros((2, 6), bool)
    padding[1, 5:] = True

    def run(module: Any, t: dict) -> Any:
        lib = torch if isinstance(t["src"], torch.Tensor) else minitorch
        return module(
            t["src"], t["tgt"], tgt_mask=_square_mask(lib, 4, dtype), src_key_padding_mask=t["padding"],
            memory_key_padding_mask=t["padding"],
        )  # fmt: skip

    compare_modules(
        lambda lib: lib.nn.Transformer(8, 2, 2, 1, 16, dropout=0.0, batch_first=batch_first),
        {"src": src, "tgt": tgt, "padding": padding},
        dtype,
        run,
    )


def test_transformer_trains_in_lockstep_with_torch() -> None:
    """Five SGD steps of a small Transformer on a copy task: the same losses and parameters as torch's."""
    rng = np.random.default_rng(8)
    src, tgt = rng.uniform(-1, 1, (5, 3, 8)), rng.uniform(-1, 1, (4, 3, 8))
    models, losses = {}, {}
    torch.manual_seed(0)
    start = {k: v.clone() for k, v in torch.nn.Transformer(8, 2, 1, 1, 16).double().state_dict().items()}
    for lib in (torch, minitorch):
        model = lib.nn.Transformer(8, 2, 1, 1, 16, dropout=0.0).double()
        model.load_state_dict(start)
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        mask = lib.nn.Transformer.generate_square_subsequent_mask(4).double()
        losses[lib] = []
        for _ in range(5):
            opt.zero_grad()
            out = model(lib.tensor(src), lib.tensor(tgt), tgt_mask=mask)
            loss = lib.nn.functional.mse_loss(out, lib.tensor(tgt))
            loss.backward()
            opt.step()
            losses[lib].append(loss.item())
        models[lib] = model
    np.testing.assert_allclose(losses[minitorch], losses[torch], rtol=1e-9)
    assert losses[torch][-1] < losses[torch][0]
    ours = dict(models[minitorch].named_parameters())
    for name, p in models[torch].named_parameters():
        parity.assert_close(ours[name], p, 1e-9, 1e-11, name)


# ----------------------------------------------------------- construction, errors, repr
def test_parameters_initialisation_and_repr_follow_torch() -> None:
    for make in (
        lambda lib: lib.nn.MultiheadAttention(6, 3, kdim=2, vdim=5, add_bias_kv=True),
        lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16),
        lambda lib: lib.nn.TransformerDecoderLayer(8, 4, 32, norm_first=True),
        lambda lib: lib.nn.Transformer(8, 2, 2, 2, 16),
    ):
        theirs, ours = make(torch), make(minitorch)
        assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
            (n, tuple(p.shape)) for n, p in theirs.named_parameters()
        ]
        assert repr(ours) == repr(theirs)
    mha = minitorch.nn.MultiheadAttention(64, 4)
    assert not mha.in_proj_bias.detach().numpy().any() and not mha.out_proj.bias.detach().numpy().any()
    bound = np.sqrt(6 / (64 + 3 * 64))  # Xavier-uniform over the packed (3E, E) weight
    weights = mha.in_proj_weight.detach().numpy()
    assert np.abs(weights).max() <= bound and np.abs(weights).max() > 0.9 * bound
    mask = minitorch.nn.Transformer.generate_square_subsequent_mask(3)
    parity.assert_close(mask, torch.nn.Transformer.generate_square_subsequent_mask(3), 0, 0, "mask")


def test_errors_as_torch() -> None:
    parity.raises_like(lambda lib: lib.nn.MultiheadAttention(5, 2), "embed_dim must be divisible by num_heads")
    parity.raises_like(lambda lib: lib.nn.MultiheadAttention(0, 2), "embed_dim and num_heads must be greater than 0")
    parity.raises_like(
        lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.ones(3, 1, 4), lib.ones(5, 1, 4), lib.ones(5, 1, 4),
                                                     attn_mask=lib.ones(3, 4, dtype=lib.bool)),
        "The shape of the 2D attn_mask is",
    )  # fmt: skip
    parity.raises_like(
        lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.ones(3, 1, 4), lib.ones(3, 1, 4), lib.ones(3, 1, 4),
                                                     is_causal=True),
        "Need attn_mask if specifying the is_causal hint",
    )  # fmt: skip
    parity.raises_like(
        lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16)(lib.ones(5, 2, 8), lib.ones(4, 3, 8)),
        "the batch number of src and tgt must be equal",
    )
    parity.raises_like(
        lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16)(lib.ones(5, 2, 8), lib.ones(4, 2, 6)),
        "the feature number of src and tgt must be equal to d_model",
    )
    parity.raises_like(
        lambda lib: lib.nn.TransformerEncoderLayer(8, 2, activation="swish"), "activation should be relu/gelu"
    )
