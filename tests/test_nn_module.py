"""Module: registration, traversal, modes, dtype conversion and state dicts, checked against torch."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.nn_models import MODELS, build
from tests.parity import assert_close

LIBS = [torch, minitorch]


def _raised(fn: Callable[[], Any]) -> Any:
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the point is to compare whatever is raised
        return type(e).__name__, str(e)
    return None


def _same_error(case: Callable[[Any], Any]) -> None:
    want = _raised(lambda: case(torch))
    assert want is not None, "torch raised nothing: the case is wrong"
    assert _raised(lambda: case(minitorch)) == want


def _inventory(model: Any) -> dict:
    """Everything about a model's structure that does not depend on its values."""
    order: list = []
    model.apply(lambda m: order.append(type(m).__name__))
    return {
        "parameters": [(n, tuple(p.shape), p.requires_grad) for n, p in model.named_parameters()],
        "modules": [(n, type(m).__name__) for n, m in model.named_modules()],
        "children": [(n, type(m).__name__) for n, m in model.named_children()],
        "buffers": [(n, tuple(b.shape), str(b.dtype)) for n, b in model.named_buffers()],
        "state_dict": [(k, tuple(v.shape), str(v.dtype)) for k, v in model.state_dict().items()],
        "apply_order": order,
        "counts": (
            len(list(model.parameters())),
            len(list(model.modules())),
            len(list(model.children())),
            len(list(model.buffers())),
        ),
        "non_recursive": [n for n, _ in model.named_parameters(recurse=False)],
    }


@pytest.mark.parametrize("name", MODELS)
def test_structure_matches_torch(name: str) -> None:
    assert _inventory(build(minitorch, name)) == _inventory(build(torch, name))


def test_parameters_are_parameters_and_shared_ones_are_listed_once() -> None:
    model = build(minitorch, "composite")
    params = list(model.parameters())
    assert all(isinstance(p, minitorch.nn.Parameter) and p.is_leaf for p in params)
    assert len({id(p) for p in params}) == len(params)
    assert model.tied is model.stem
    assert "tied.weight" in model.state_dict()  # state_dict keeps every path, as torch's does
    assert len(list(model.named_parameters(remove_duplicate=False))) == len(params) + 2


def test_setattr_moves_names_between_registries() -> None:
    nn = minitorch.nn
    m = nn.Module()
    m.x = nn.Linear(2, 2)
    assert list(m._modules) == ["x"]
    m.x = nn.Parameter(minitorch.zeros(2))  # a parameter under the same name replaces the module
    assert list(m._parameters) == ["x"] and list(m._modules) == []
    m.x = None
    assert m._parameters["x"] is None and m.x is None
    m.register_buffer("b", minitorch.ones(3))
    m.b = minitorch.zeros(3)
    assert m._buffers["b"].sum().item() == 0
    m.plain = 3
    assert m.__dict__["plain"] == 3 and "plain" not in m._parameters
    del m.b
    assert "b" not in m._buffers
    assert "x" in dir(m)


class _Twin:
    """Builds the same small model in whichever library the error case is run with."""

    @staticmethod
    def linear(lib: Any) -> Any:
        return lib.nn.Linear(2, 3)


def _assign_param_tensor(lib: Any) -> None:
    _Twin.linear(lib).weight = lib.zeros(3, 2)


def _before_init(lib: Any) -> None:
    class Early(lib.nn.Module):
        def __init__(self):
            self.w = lib.nn.Parameter(lib.zeros(1))

    Early()


def _module_before_init(lib: Any) -> None:
    class Early(lib.nn.Module):
        def __init__(self):
            self.fc = lib.nn.Linear(1, 1)

    Early()


def _no_forward(lib: Any) -> None:
    class NoForward(lib.nn.Module):
        pass

    NoForward()(lib.zeros(1))


def _typo(lib: Any) -> None:
    build(lib, "blitz_net5").fc4


def _buffer_assign(lib: Any) -> None:
    m = lib.nn.Module()
    m.register_buffer("b", lib.zeros(1))
    m.b = 5


ERROR_CASES = {
    "assign tensor to parameter": _assign_param_tensor,
    "register non-Parameter": lambda lib: _Twin.linear(lib).register_parameter("w", lib.zeros(2)),
    "parameter name with dot": lambda lib: _Twin.linear(lib).register_parameter("a.b", None),
    "empty parameter name": lambda lib: _Twin.linear(lib).register_parameter("", None),
    "parameter over attribute": lambda lib: _Twin.linear(lib).register_parameter("in_features", None),
    "buffer not a tensor": lambda lib: _Twin.linear(lib).register_buffer("b", 3),
    "assign int to buffer": _buffer_assign,
    "add_module non-module": lambda lib: _Twin.linear(lib).add_module("x", 3),
    "module name with dot": lambda lib: _Twin.linear(lib).add_module("a.b", lib.nn.ReLU()),
    "assign int to child": lambda lib: setattr(lib.nn.Sequential(lib.nn.ReLU()), "0", 5),
    "parameter before __init__": _before_init,
    "module before __init__": _module_before_init,
    "missing forward": _no_forward,
    "typo in attribute": _typo,
    "train('yes')": lambda lib: _Twin.linear(lib).train("yes"),
    "to(int64)": lambda lib: _Twin.linear(lib).to(lib.int64),
    "load a list": lambda lib: _Twin.linear(lib).load_state_dict([1, 2]),
    "Sequential index": lambda lib: lib.nn.Sequential(lib.nn.ReLU())[3],
    "ModuleList index": lambda lib: lib.nn.ModuleList([lib.nn.ReLU()])[-2],
    "Sequential + int": lambda lib: lib.nn.Sequential() + 3,
    "Sequential insert": lambda lib: lib.nn.Sequential(lib.nn.ReLU()).insert(5, lib.nn.ReLU()),
    "ModuleList called": lambda lib: lib.nn.ModuleList([lib.nn.ReLU()])(lib.zeros(1)),
    "integer Parameter": lambda lib: lib.nn.Parameter(lib.tensor([1, 2])),
    "Dropout p": lambda lib: lib.nn.Dropout(1.5),
    "Conv2d groups": lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2),
    "Conv2d out groups": lambda lib: lib.nn.Conv2d(4, 3, 3, groups=2),
    "Conv2d strided same": lambda lib: lib.nn.Conv2d(1, 1, 3, stride=2, padding="same"),
    "get_submodule": lambda lib: build(lib, "cifar_cnn").get_submodule("features.9"),
}


@pytest.mark.parametrize("case", ERROR_CASES.values(), ids=list(ERROR_CASES))
def test_errors_match_torch(case: Callable[[Any], Any]) -> None:
    _same_error(case)


def test_conv2d_rejects_unknown_padding_string() -> None:
    # not in ERROR_CASES: torch's message shows a set, whose order varies from run to run
    with pytest.raises(ValueError, match=r"^Invalid padding string 'full', should be one of \{'"):
        minitorch.nn.Conv2d(1, 1, 3, padding="full")


def _loss_and_grads(model: Any, lib: Any, shape: tuple) -> Any:
    x = lib.tensor(np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32))
    model(x).sum().backward()


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none: bool) -> None:
    model = build(minitorch, "mlp")
    _loss_and_grads(model, minitorch, MODELS["mlp"][1])
    assert all(p.grad is not None and p.grad.abs().sum().item() > 0 for p in model.parameters())
    model.zero_grad(set_to_none=set_to_none)
    for p in model.parameters():
        if set_to_none:
            assert p.grad is None
        else:
            assert p.grad is not None and p.grad.shape == p.shape and not p.grad.requires_grad
            assert not np.any(p.grad.numpy())


def test_train_eval_reach_every_module() -> None:
    model = build(minitorch, "cifar_cnn")
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.classifier.train()
    assert [m.training for m in model.modules()] == [False] + [False] * 7 + [True] * 8
    assert model.train() is model and all(m.training for m in model.modules())


def test_requires_grad_and_apply() -> None:
    model = build(minitorch, "blitz_net5")
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    model.requires_grad_()
    seen: list = []
    assert model.apply(lambda m: seen.append(m)) is model
    assert seen[-1] is model and len(seen) == 6


@pytest.mark.parametrize(
    "convert, want",
    [
        (lambda m, lib: m.double(), "torch.float64"),
        (lambda m, lib: m.double().float(), "torch.float32"),
        (lambda m, lib: m.to(lib.float64), "torch.float64"),
        (lambda m, lib: m.to(dtype=lib.float64), "torch.float64"),
        (lambda m, lib: m.to("cpu", lib.float64), "torch.float64"),
        (lambda m, lib: m.to(lib.zeros(1, dtype=lib.float64)), "torch.float64"),
        (lambda m, lib: m.cpu(), "torch.float32"),
    ],
    ids=["double", "double-float", "to(dtype)", "to(dtype=)", "to(device, dtype)", "to(tensor)", "cpu"],
)
def test_to_converts_floats_in_place(convert: Callable, want: str) -> None:
    model = build(minitorch, "composite")
    _loss_and_grads(model, minitorch, MODELS["composite"][1])
    before = [id(p) for p in model.parameters()]
    assert convert(model, minitorch) is model
    assert [id(p) for p in model.parameters()] == before  # an optimizer built earlier keeps working
    assert {str(p.dtype) for p in model.parameters()} == {want}
    assert {str(p.grad.dtype) for p in model.parameters() if p.grad is not None} == {want}
    twin = convert(build(torch, "composite"), torch)
    assert [str(v.dtype) for v in model.state_dict().values()] == [
        str(v.dtype) for v in twin.state_dict().values()
    ]  # the int64 buffer stays int64
    x = minitorch.zeros(2, 4, dtype=model.stem.weight.dtype)
    assert str(model(x).dtype) == want


def test_state_dict_values_are_detached_views() -> None:
    model = build(minitorch, "composite")
    sd = model.state_dict()
    assert isinstance(sd, OrderedDict)
    assert not any(v.requires_grad for v in sd.values())
    assert "blocks.0.cache" not in sd and "blocks.0.scale" in sd
    sd["stem.bias"].fill_(7.0)  # shares memory, as torch's does
    assert model.stem.bias.detach().numpy().tolist() == [7.0] * 6
    kept = model.state_dict(keep_vars=True)
    assert kept["stem.weight"] is model.stem.weight
    assert list(model.state_dict(prefix="net.")) == ["net." + k for k in sd]


def _mutations() -> dict:
    def drop(sd: dict) -> dict:
        del sd["fc3.bias"]
        return sd

    def extra(sd: dict) -> dict:
        sd["fc4.weight"] = sd["fc3.weight"]
        sd["conv1.scale"] = sd["conv1.bias"]
        sd["fc1.weight.foo"] = sd["fc1.bias"]
        return sd

    def resize(lib: Any, sd: dict) -> dict:
        sd["fc1.weight"] = lib.zeros(120, 401)
        sd["conv2.bias"] = lib.zeros(3)
        return sd

    return {
        "missing": lambda lib, sd: drop(sd),
        "unexpected": lambda lib, sd: extra(sd),
        "missing+unexpected": lambda lib, sd: extra(drop(sd)),
        "size mismatch": resize,
        "all three": lambda lib, sd: resize(lib, extra(drop(sd))),
    }


MUTATIONS = _mutations()


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("mutation", MUTATIONS.values(), ids=list(MUTATIONS))
def test_load_state_dict_reports_like_torch(mutation: Callable, strict: bool) -> None:
    def case(lib: Any) -> Any:
        model = build(lib, "blitz_net5")
        return model.load_state_dict(mutation(lib, model.state_dict()), strict=strict)

    want = _raised(lambda: case(torch))
    assert _raised(lambda: case(minitorch)) == want
    if want is None:
        got, theirs = case(minitorch), case(torch)
        assert tuple(got) == tuple(theirs) and repr(got) == repr(theirs)
        assert got.missing_keys == theirs.missing_keys


def test_load_state_dict_all_matched() -> None:
    model = build(minitorch, "composite")
    result = model.load_state_dict(build(minitorch, "composite").state_dict())
    assert repr(result) == "<All keys matched successfully>" and result.missing_keys == []


def _outputs(model: Any, lib: Any, shape: tuple, seed: int = 0) -> np.ndarray:
    x = lib.tensor(np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32))
    with lib.no_grad():
        return model.eval()(x).numpy()


@pytest.mark.parametrize("name", MODELS)
def test_torch_weights_round_trip(name: str) -> None:
    shape = MODELS[name][1]
    theirs, ours = build(torch, name), build(minitorch, name)
    assert ours.load_state_dict(theirs.state_dict()).missing_keys == []
    assert_close(_outputs(ours, minitorch, shape), _outputs(theirs, torch, shape), 1e-4, 1e-5, "torch -> ours")
    fresh = build(minitorch, name)  # different weights, sent back to torch through numpy
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in fresh.state_dict().items()})
    assert_close(_outputs(theirs, torch, shape, 1), _outputs(fresh, minitorch, shape, 1), 1e-4, 1e-5, "ours -> torch")


def test_load_accepts_numpy_and_casts_to_the_parameter_dtype() -> None:
    model = build(minitorch, "mlp").double()
    arrays = {k: np.full(tuple(v.shape), 0.5, dtype=np.float32) for k, v in model.state_dict().items()}
    model.load_state_dict(arrays)
    assert all(str(p.dtype) == "torch.float64" and np.all(p.detach().numpy() == 0.5) for p in model.parameters())
    weight = model[0].weight
    model.load_state_dict({k: minitorch.tensor(v) for k, v in arrays.items()}, assign=True)
    assert model[0].weight is not weight and isinstance(model[0].weight, minitorch.nn.Parameter)


@pytest.mark.parametrize(
    "op",
    [
        lambda lib, s: [type(m).__name__ for m in s[1:3]],
        lambda lib, s: [type(m).__name__ for m in s[::-2]],
        lambda lib, s: type(s[-1]).__name__,
        lambda lib, s: type(s[1:3]).__name__,
        lambda lib, s: (len(s), [type(m).__name__ for m in s]),
        lambda lib, s: [n for n, _ in s.append(lib.nn.Tanh()).named_children()],
        lambda lib, s: [n for n, _ in s.insert(1, lib.nn.Tanh()).named_children()],
        lambda lib, s: [n for n, _ in s.extend([lib.nn.Tanh(), lib.nn.ReLU()]).named_children()],
        lambda lib, s: [n for n, _ in (s + s).named_children()],
        lambda lib, s: (s.__delitem__(1), [n for n, _ in s.named_children()], len(s))[1:],
        lambda lib, s: (s.__delitem__(slice(0, 2)), [type(m).__name__ for m in s])[1],
        lambda lib, s: (type(s.pop(0)).__name__, len(s)),
        lambda lib, s: (s.__setitem__(0, lib.nn.Tanh()), [type(m).__name__ for m in s])[1],
        lambda lib, s: [n for n, _ in lib.nn.Sequential(OrderedDict([("a", s[0]), ("b", s[1])])).named_children()],
        lambda lib, s: [n for n, _ in lib.nn.Sequential(OrderedDict([("a", s[0]), ("b", s[1])]))[1:].named_children()],
    ],
    ids=[
        "slice",
        "step slice",
        "negative index",
        "slice type",
        "len/iter",
        "append",
        "insert",
        "extend",
        "add",
        "del",
        "del slice",
        "pop",
        "setitem",
        "OrderedDict names",
        "OrderedDict slice names",
    ],
)
def test_sequential_behaves_like_torch(op: Callable) -> None:
    def make(lib: Any) -> Any:
        nn = lib.nn
        return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Sigmoid())

    assert op(minitorch, make(minitorch)) == op(torch, make(torch))


def test_sequential_shares_modules_and_chains_forward() -> None:
    seq = build(minitorch, "mlp")
    assert seq[1:][0] is seq[1] and seq[-1] is seq[5]
    x = minitorch.randn(4, 8)
    manual = x
    for layer in seq:
        manual = layer(manual)
    assert np.array_equal(seq(x).detach().numpy(), manual.detach().numpy())


@pytest.mark.parametrize(
    "op",
    [
        lambda lib, ml: [type(m).__name__ for m in ml[1:]],
        lambda lib, ml: type(ml[1:]).__name__,
        lambda lib, ml: type(ml[-1]).__name__,
        lambda lib, ml: [n for n, _ in ml.append(lib.nn.Tanh()).named_children()],
        lambda lib, ml: (ml.insert(0, lib.nn.Tanh()), [type(m).__name__ for m in ml])[1],
        lambda lib, ml: (ml.__iadd__([lib.nn.Tanh()]), len(ml))[1],
        lambda lib, ml: [type(m).__name__ for m in ml + [lib.nn.Tanh()]],
        lambda lib, ml: (ml.__delitem__(0), [n for n, _ in ml.named_children()])[1],
        lambda lib, ml: (type(ml.pop(-1)).__name__, len(ml)),
        lambda lib, ml: [n for n, _ in ml.named_parameters()],
    ],
    ids=["slice", "slice type", "negative index", "append", "insert", "iadd", "add", "del", "pop", "params"],
)
def test_modulelist_behaves_like_torch(op: Callable) -> None:
    def make(lib: Any) -> Any:
        nn = lib.nn
        return nn.ModuleList([nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)])

    assert op(minitorch, make(minitorch)) == op(torch, make(torch))


def test_forward_hooks_change_input_and_output_until_removed() -> None:
    layer = minitorch.nn.Identity()
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    post = layer.register_forward_hook(lambda m, args, out: out + 1)
    assert layer(minitorch.tensor([1.0])).item() == 3.0
    pre.remove()
    post.remove()
    assert layer(minitorch.tensor([1.0])).item() == 1.0


def test_parameter_wraps_shares_and_copies() -> None:
    data = minitorch.tensor([1.0, 2.0])
    p = minitorch.nn.Parameter(data)
    assert isinstance(p, minitorch.Tensor) and p.requires_grad and p.is_leaf
    assert not minitorch.nn.Parameter(data, requires_grad=False).requires_grad
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    data[0] = 5.0
    assert p[0].item() == 5.0  # same memory as the tensor it wraps
    q = copy.deepcopy(p)
    assert type(q) is minitorch.nn.Parameter and q.requires_grad and q.detach().numpy().tolist() == [5.0, 2.0]
    r = pickle.loads(pickle.dumps(p))
    assert type(r) is minitorch.nn.Parameter and r.requires_grad
    assert minitorch.nn.Parameter().shape == (0,)


def test_deepcopy_model_is_independent() -> None:
    model = build(minitorch, "composite")
    clone = copy.deepcopy(model)
    assert clone.tied is clone.stem and clone.stem is not model.stem
    with minitorch.no_grad():
        clone.stem.weight.fill_(0.0)
    assert model.stem.weight.abs().sum().item() > 0


def test_to_device_moves_parameters_buffers_and_loads_across_devices(device: str) -> None:
    model = build(minitorch, "composite").to(device)
    assert {t.device.type for t in list(model.parameters()) + list(model.buffers())} == {device}
    model.load_state_dict(build(torch, "composite").state_dict())  # CPU values into a model on ``device``
    out = model(minitorch.randn(2, 4, device=device))
    assert out.device.type == device
    assert {p.device.type for p in model.cpu().parameters()} == {"cpu"}
