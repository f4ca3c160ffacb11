"""nn.utils.prune against torch: masks, pruned weights, forward and gradients, iterative and global pruning,
remove, state dicts, the Pruning Tutorial's calls and the errors.

Deterministic methods run on twin modules (minitorch's loaded from torch's state dict) and must give
torch's masks exactly. Random methods draw from each library's own generator: only counts and
reproducibility are compared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.utils.prune

import minitorch
from minitorch.nn.utils import prune
from tests.parity import assert_close, raises_like

TIGHT = {"rtol": 1e-10, "atol": 1e-12}
INF = float("inf")

# (constructor, input shape): the two layers the task names.
LAYERS: dict[str, tuple[Callable[[Any], Any], tuple]] = {
    "linear": (lambda lib: lib.nn.Linear(6, 5), (3, 6)),
    "conv": (lambda lib: lib.nn.Conv2d(3, 4, 3), (2, 3, 5, 5)),
}


def _np(t: Any) -> np.ndarray:
    return np.asarray(t.detach().cpu().numpy())


def _prune_of(lib: Any) -> Any:
    return lib.nn.utils.prune


def _twins(layer: str, seed: int = 0) -> tuple:
    """(torch layer, minitorch layer) in float64 with torch's initial weights."""
    make, _ = LAYERS[layer]
    torch.manual_seed(seed)
    tm = make(torch).double()
    mm = make(minitorch).double()
    mm.load_state_dict(tm.state_dict())
    return tm, mm


def _both(tm: Any, mm: Any, step: Callable[[Any, Any], Any]) -> None:
    """Apply ``step(lib, module)`` to each twin."""
    step(torch, tm)
    step(minitorch, mm)


def _hook_names(module: Any) -> list:
    return [type(h).__name__ for h in module._forward_pre_hooks.values()]


def _same_pruning(tm: Any, mm: Any, input_shape: tuple) -> None:
    """Same parameter/buffer names, state dict, pruned attributes, hooks, forward output and gradients."""
    assert [n for n, _ in mm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in mm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert _hook_names(mm) == _hook_names(tm)
    want, got = tm.state_dict(), mm.state_dict()
    assert list(got) == list(want)
    for key in want:
        assert_close(_np(got[key]), _np(want[key]), what=key, **TIGHT)
    for key in (k[: -len("_mask")] for k in want if k.endswith("_mask")):
        assert_close(_np(getattr(mm, key)), _np(getattr(tm, key)), what=key, **TIGHT)
    x = np.random.default_rng(1).standard_normal(input_shape)
    out_t, out_m = tm(torch.tensor(x)), mm(minitorch.tensor(x))
    assert_close(_np(out_m), _np(out_t), what="output", **TIGHT)
    (out_t * out_t).sum().backward()
    (out_m * out_m).sum().backward()
    for (name, p_m), (_, p_t) in zip(mm.named_parameters(), tm.named_parameters()):
        assert_close(_np(p_m.grad), _np(p_t.grad), what=f"grad of {name}", **TIGHT)


# --------------------------------------------------------------- single methods
DETERMINISTIC: dict[str, Callable[[Any, Any], Any]] = {
    "identity": lambda lib, m: _prune_of(lib).identity(m, "weight"),
    "l1_fraction": lambda lib, m: _prune_of(lib).l1_unstructured(m, "weight", amount=0.35),
    "l1_count": lambda lib, m: _prune_of(lib).l1_unstructured(m, name="weight", amount=7),
    "l1_none": lambda lib, m: _prune_of(lib).l1_unstructured(m, "weight", amount=0),
    "l1_all": lambda lib, m: _prune_of(lib).l1_unstructured(m, "weight", amount=1.0),
    "l1_bias": lambda lib, m: _prune_of(lib).l1_unstructured(m, "bias", amount=2),
    "l1_scores": lambda lib, m: _prune_of(lib).l1_unstructured(
        m, "weight", amount=0.5, importance_scores=lib.tensor(_scores(m.weight.shape))
    ),
    "ln2_dim0": lambda lib, m: _prune_of(lib).ln_structured(m, "weight", amount=0.5, n=2, dim=0),
    "ln1_dim1": lambda lib, m: _prune_of(lib).ln_structured(m, "weight", amount=2, n=1, dim=1),
    "lninf_last": lambda lib, m: _prune_of(lib).ln_structured(m, "weight", amount=1, n=INF, dim=-1),
    "ln_neginf": lambda lib, m: _prune_of(lib).ln_structured(m, "weight", amount=0.4, n=-INF, dim=0),
    "ln_fro": lambda lib, m: _prune_of(lib).ln_structured(m, "weight", amount=0.25, n="fro", dim=0),
    "ln_none": lambda lib, m: _prune_of(lib).ln_structured(m, "weight", amount=0, n=2, dim=0),
    "ln_scores": lambda lib, m: _prune_of(lib).ln_structured(
        m, "weight", amount=2, n=2, dim=0, importance_scores=lib.tensor(_scores(m.weight.shape))
    ),
    "custom": lambda lib, m: _prune_of(lib).custom_from_mask(
        m, "weight", mask=lib.tensor((_scores(m.weight.shape) > 0).astype(np.int64))
    ),
    "custom_bias": lambda lib, m: _prune_of(lib).custom_from_mask(
        m,
        name="bias",
        mask=lib.tensor(np.arange(m.bias_orig.shape[0] if hasattr(m, "bias_orig") else m.bias.shape[0]) % 2),
    ),
}


def _scores(shape: Any) -> np.ndarray:
    """Importance scores unrelated to the weights (no two equal in absolute value, nor in any norm of a slice)."""
    return 10.0 * np.random.default_rng(7).standard_normal(tuple(shape))


# The Frobenius norm of a Conv2d's 3-d channels is an error in torch (see ERRORS).
@pytest.mark.parametrize(
    ("layer", "method"),
    [
        (lay, m)
        for lay in sorted(LAYERS)
        for m in sorted(DETERMINISTIC)
        if m != "custom_bias" and (m, lay) != ("ln_fro", "conv")
    ],
)
def test_deterministic_method_matches_torch(layer: str, method: str) -> None:
    tm, mm = _twins(layer)
    _both(tm, mm, DETERMINISTIC[method])
    _same_pruning(tm, mm, LAYERS[layer][1])


def test_custom_from_mask_gives_a_float_mask_like_torch() -> None:
    # The tutorial's docstring example: an integer mask becomes a mask of the parameter's dtype.
    tm, mm = torch.nn.Linear(5, 3), minitorch.nn.Linear(5, 3)
    torch.nn.utils.prune.custom_from_mask(tm, name="bias", mask=torch.tensor([0, 1, 0]))
    prune.custom_from_mask(mm, name="bias", mask=minitorch.tensor([0, 1, 0]))
    assert mm.bias_mask.dtype == minitorch.float32 and tm.bias_mask.dtype == torch.float32
    assert mm.bias_mask.tolist() == tm.bias_mask.tolist() == [0.0, 1.0, 0.0]


def test_the_reparametrisation_is_torchs() -> None:
    m = minitorch.nn.Linear(4, 3)
    weight = m.weight
    method = prune.L1Unstructured.apply(m, "weight", amount=5)
    assert isinstance(method, prune.L1Unstructured) and method._tensor_name == "weight"
    assert m.weight_orig is weight  # the same Parameter object: optimizers keep training it
    assert "weight" not in m._parameters and "weight_mask" in m._buffers
    assert not isinstance(m.weight, minitorch.nn.Parameter) and m.weight.grad_fn is not None
    assert list(m._forward_pre_hooks.values()) == [method]
    # The hook recomputes the pruned weight from the current weight_orig before every forward.
    with minitorch.no_grad():
        m.weight_orig.mul_(2.0)
    m(minitorch.ones(1, 4))
    np.testing.assert_array_equal(_np(m.weight), _np(m.weight_orig * m.weight_mask))
    assert prune.is_pruned(minitorch.nn.Sequential(minitorch.nn.ReLU(), m))
    assert not prune.is_pruned(minitorch.nn.Sequential(minitorch.nn.Linear(2, 2)))


def test_float32_layer_matches_torch() -> None:
    torch.manual_seed(3)
    tm = torch.nn.Conv2d(2, 6, 3)
    mm = minitorch.nn.Conv2d(2, 6, 3)
    mm.load_state_dict(tm.state_dict())
    for lib, m in ((torch, tm), (minitorch, mm)):
        _prune_of(lib).l1_unstructured(m, "weight", amount=0.3)
        _prune_of(lib).ln_structured(m, "weight", amount=2, n=1, dim=0)
    assert mm.weight_mask.dtype == minitorch.float32
    np.testing.assert_array_equal(_np(mm.weight_mask), _np(tm.weight_mask))
    np.testing.assert_array_equal(_np(mm.weight), _np(tm.weight))


# ------------------------------------------------------------ iterative pruning
SEQUENCES: dict[str, list[Callable[[Any, Any], Any]]] = {
    "l1_then_ln": [DETERMINISTIC["l1_fraction"], DETERMINISTIC["ln2_dim0"]],
    "ln_then_l1": [DETERMINISTIC["ln2_dim0"], DETERMINISTIC["l1_count"], DETERMINISTIC["l1_fraction"]],
    "ln_twice_then_other_dim": [
        DETERMINISTIC["ln1_dim1"],
        lambda lib, m: _prune_of(lib).ln_structured(m, "weight", amount=0.5, n=2, dim=0),
        lambda lib, m: _prune_of(lib).ln_structured(m, "weight", amount=1, n=2, dim=0),
        DETERMINISTIC["lninf_last"],
    ],
    "custom_then_l1_scores_then_ln": [
        DETERMINISTIC["custom"],
        DETERMINISTIC["l1_scores"],
        DETERMINISTIC["ln_scores"],
    ],
    "identity_then_l1_all": [DETERMINISTIC["identity"], DETERMINISTIC["l1_all"]],
    "weight_and_bias": [
        DETERMINISTIC["l1_bias"],
        DETERMINISTIC["l1_fraction"],
        DETERMINISTIC["custom_bias"],
        DETERMINISTIC["ln2_dim0"],  # not -inf: after unstructured pruning every min-|w| norm would tie at 0
    ],
}


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("sequence", sorted(SEQUENCES))
def test_iterative_pruning_matches_torch(layer: str, sequence: str) -> None:
    tm, mm = _twins(layer)
    for step in SEQUENCES[sequence]:
        _both(tm, mm, step)
        _same_pruning(tm, mm, LAYERS[layer][1])
        tm.zero_grad()
        mm.zero_grad()
    hooks_t, hooks_m = list(tm._forward_pre_hooks.values()), list(mm._forward_pre_hooks.values())
    for h_t, h_m in zip(hooks_t, hooks_m):
        if isinstance(h_t, torch.nn.utils.prune.PruningContainer):
            assert isinstance(h_m, prune.PruningContainer) and len(h_m) == len(h_t)
            assert [type(x).__name__ for x in h_m] == [type(x).__name__ for x in h_t]
            assert type(h_m[-1]).__name__ == type(h_t[-1]).__name__


def test_a_later_pruning_counts_only_the_unpruned_part() -> None:
    # 0.5 of the 54 entries, then 0.5 of the 27 left (13.5 rounds to 14), then 0.5 of the 2 rows still alive.
    m = minitorch.nn.Linear(9, 6)
    prune.l1_unstructured(m, "weight", amount=0.5)
    prune.l1_unstructured(m, "weight", amount=0.5)
    assert int((m.weight_mask == 0).sum()) == 27 + 14
    rows = np.zeros((6, 9))
    rows[[1, 4]] = 1
    prune.custom_from_mask(m, "weight", mask=minitorch.tensor(rows))
    alive = int((m.weight_mask.sum(dim=1) != 0).sum())
    prune.ln_structured(m, "weight", amount=0.5, n=2, dim=0)
    assert int((m.weight_mask.sum(dim=1) != 0).sum()) == alive - round(0.5 * alive)


# ------------------------------------------------------------------ global
def _three_layers(lib: Any) -> Any:
    return lib.nn.Sequential(lib.nn.Conv2d(2, 3, 2), lib.nn.Flatten(), lib.nn.Linear(12, 5), lib.nn.Linear(5, 2))


GLOBAL_KWARGS: dict[str, Callable[[Any, Any], dict]] = {
    "fraction": lambda lib, net: dict(amount=0.3),
    "count": lambda lib, net: dict(amount=17),
    "scores": lambda lib, net: dict(
        amount=0.4, importance_scores={(net[2], "weight"): lib.tensor(_scores(net[2].weight.shape))}
    ),
    "everything": lambda lib, net: dict(amount=1.0),
}


@pytest.mark.parametrize("case", sorted(GLOBAL_KWARGS))
def test_global_unstructured_matches_torch(case: str) -> None:
    torch.manual_seed(0)
    tn = _three_layers(torch).double()
    mn = _three_layers(minitorch).double()
    mn.load_state_dict(tn.state_dict())
    for lib, net in ((torch, tn), (minitorch, mn)):
        p = _prune_of(lib)
        # An earlier pruning of one of them (a fixed mask, so the same in both): its zeros are kept, not recounted.
        p.custom_from_mask(net[3], "weight", mask=lib.tensor(_scores(net[3].weight.shape) > -5.0))
        pairs = [(net[0], "weight"), (net[2], "weight"), (net[3], "weight"), (net[3], "bias")]
        p.global_unstructured(pairs, pruning_method=p.L1Unstructured, **GLOBAL_KWARGS[case](lib, net))
    for i in (0, 2, 3):
        assert _hook_names(mn[i]) == _hook_names(tn[i])
        _same_pruning(tn[i], mn[i], (4, 2, 3, 3) if i == 0 else (4, tn[i].in_features))
    assert [n for n, _ in mn.named_buffers()] == [n for n, _ in tn.named_buffers()]


def test_global_pruning_of_the_tutorial_prunes_the_global_fraction() -> None:
    net = _three_layers(minitorch)
    pairs = ((net[0], "weight"), (net[2], "weight"), (net[3], "weight"))
    prune.global_unstructured(pairs, pruning_method=prune.L1Unstructured, amount=0.2)
    zeros = sum(int((m.weight == 0).sum()) for m, _ in pairs)
    assert zeros == round(0.2 * sum(m.weight.nelement() for m, _ in pairs))


# ------------------------------------------------------------ remove, state
@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_remove_makes_the_pruning_permanent_like_torch(layer: str) -> None:
    tm, mm = _twins(layer)
    for step in SEQUENCES["weight_and_bias"]:
        _both(tm, mm, step)
    orig = mm.weight_orig
    _both(tm, mm, lambda lib, m: _prune_of(lib).remove(m, "weight"))
    assert mm.weight is orig and isinstance(mm.weight, minitorch.nn.Parameter)
    assert [n for n, _ in mm.named_parameters()] == [n for n, _ in tm.named_parameters()] == ["bias_orig", "weight"]
    assert _hook_names(mm) == _hook_names(tm) == ["PruningContainer"]
    _same_pruning(tm, mm, LAYERS[layer][1])
    assert prune.remove(mm, "bias") is mm
    torch.nn.utils.prune.remove(tm, "bias")
    assert not prune.is_pruned(mm) and mm._forward_pre_hooks == {}
    _same_pruning(tm, mm, LAYERS[layer][1])


def test_state_dict_round_trip_from_torch() -> None:
    # torch's pruned state dict (random mask included) loads into a minitorch layer pruned the same way.
    torch.manual_seed(5)
    tm = torch.nn.Conv2d(3, 4, 3).double()
    torch.nn.utils.prune.random_unstructured(tm, "weight", amount=0.4)
    torch.nn.utils.prune.l1_unstructured(tm, "bias", amount=1)
    mm = minitorch.nn.Conv2d(3, 4, 3).double()
    prune.random_unstructured(mm, "weight", amount=0.4)
    prune.l1_unstructured(mm, "bias", amount=1)
    assert list(mm.state_dict()) == list(tm.state_dict()) == ["weight_orig", "bias_orig", "weight_mask", "bias_mask"]
    mm.load_state_dict(tm.state_dict())
    mm(
        minitorch.ones(1, 3, 3, 3, dtype=minitorch.float64)
    )  # as in torch, the pruned attributes are rebuilt by the next forward
    _same_pruning(tm, mm, (2, 3, 5, 5))
    mm2 = minitorch.nn.Conv2d(3, 4, 3).double()
    prune.identity(mm2, "weight")
    prune.identity(mm2, "bias")
    mm2.load_state_dict(mm.state_dict())
    x = minitorch.ones(1, 3, 3, 3, dtype=minitorch.float64)
    np.testing.assert_array_equal(_np(mm2(x)), _np(mm(x)))


# ------------------------------------------------------------------ random
def test_random_methods_prune_torchs_counts() -> None:
    counts = {}
    for lib in (torch, minitorch):
        p = _prune_of(lib)
        m = lib.nn.Conv2d(3, 8, 3)
        p.random_unstructured(m, "weight", amount=0.3)
        first = (m.weight_mask == 0).clone()
        p.random_unstructured(m, "weight", amount=10)
        kept_old = bool((m.weight_mask[first] == 0).all())
        p.random_structured(m, "weight", amount=2, dim=0)
        p.random_structured(m, "weight", amount=0.5, dim=0)  # half of the 6 channels still alive
        c = lib.nn.Conv2d(3, 4, 3)
        p.random_structured(c, "weight", amount=0.5, dim=1)  # round(1.5) == 2, as Python rounds
        b = lib.nn.Linear(3, 7)
        p.random_unstructured(b, "bias", amount=0.5)
        counts[lib.__name__] = (
            kept_old,
            int((first == 1).sum()),
            int((m.weight_mask.sum(dim=(1, 2, 3)) == 0).sum()),
            int((c.weight_mask.sum(dim=(0, 2, 3)) == 0).sum()),
            int((b.bias_mask == 0).sum()),
        )
    assert counts["minitorch"] == counts["torch"] == (True, round(0.3 * 216), 5, 2, 4)


def test_random_masks_are_reproducible_under_manual_seed() -> None:
    def masks(seed: int) -> list:
        minitorch.manual_seed(123)
        m = minitorch.nn.Conv2d(3, 8, 3)
        minitorch.manual_seed(seed)
        prune.random_unstructured(m, "weight", amount=0.4)
        prune.random_structured(m, "weight", amount=3, dim=0)
        prune.random_unstructured(m, "bias", amount=4)
        return [_np(m.weight_mask), _np(m.bias_mask)]

    first, again, other = masks(0), masks(0), masks(1)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, other))


# --------------------------------------------------------------- the methods
def test_prune_method_on_a_tensor_matches_torch() -> None:
    x = np.random.default_rng(2).standard_normal((4, 5))
    scores = _scores((4, 5))
    base = (_scores((4, 5)) > -5.0).astype(np.float64)
    for make in (
        lambda lib: _prune_of(lib).L1Unstructured(amount=6).prune(lib.tensor(x)),
        lambda lib: _prune_of(lib).L1Unstructured(0.3).prune(lib.tensor(x), importance_scores=lib.tensor(scores)),
        lambda lib: _prune_of(lib).LnStructured(2, n=1, dim=1).prune(lib.tensor(x), default_mask=lib.tensor(base)),
        lambda lib: _prune_of(lib).Identity().prune(lib.tensor(x)),
        lambda lib: _prune_of(lib).CustomFromMask(lib.tensor(base)).prune(lib.tensor(x)),
    ):
        np.testing.assert_array_equal(_np(make(minitorch)), _np(make(torch)))


def test_ties_prune_torchs_count_of_equal_values() -> None:
    # Where importances tie at the cut torch's pick follows its selection algorithm; minitorch's stable topk
    # prunes the lowest indices first. Counts and the pruned values agree with torch.
    scores = np.array([[3.0, 1.0, 2.0, 1.0, 1.0], [2.0, 1.0, 3.0, 2.0, 1.0]])
    pruned = {}
    for lib in (torch, minitorch):
        m = lib.nn.Linear(5, 2)
        _prune_of(lib).l1_unstructured(m, "weight", amount=6, importance_scores=lib.tensor(scores))
        pruned[lib.__name__] = sorted(scores[_np(m.weight_mask) == 0])
    assert pruned["minitorch"] == pruned["torch"] == [1.0] * 5 + [2.0]
    np.testing.assert_array_equal(_np(m.weight_mask), [[1, 0, 0, 0, 0], [1, 0, 1, 1, 0]])


def test_tutorial_custom_method_and_containers() -> None:
    class FooBarPruningMethod(prune.BasePruningMethod):
        """The tutorial's method: prune every other entry."""

        PRUNING_TYPE = "unstructured"

        def compute_mask(self, t: Any, default_mask: Any) -> Any:
            mask = default_mask.clone()
            mask.flatten()[::2] = 0
            return mask

    m = minitorch.nn.Linear(84, 10)
    FooBarPruningMethod.apply(m, "bias")
    assert m.bias_mask.tolist() == [0.0, 1.0] * 5
    FooBarPruningMethod.apply(m, "bias")  # every other one of the 5 left
    assert m.bias_mask.tolist() == [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    (container,) = m._forward_pre_hooks.values()
    assert isinstance(container, prune.PruningContainer) and len(container) == 2
    assert all(isinstance(h, FooBarPruningMethod) for h in container)


# ------------------------------------------------------------------ the tutorial
def _lenet(lib: Any) -> Any:
    F = lib.nn.functional

    class LeNet(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = lib.nn.Conv2d(1, 6, 3)
            self.conv2 = lib.nn.Conv2d(6, 16, 3)
            self.fc1 = lib.nn.Linear(16 * 5 * 5, 120)
            self.fc2 = lib.nn.Linear(120, 84)
            self.fc3 = lib.nn.Linear(84, 10)

        def forward(self, x: Any) -> Any:
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.flatten(start_dim=1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return LeNet()


def _lenet_twins() -> tuple:
    torch.manual_seed(0)
    tn = _lenet(torch)
    mn = _lenet(minitorch)
    mn.load_state_dict(tn.state_dict())
    return tn, mn


def test_the_pruning_tutorial_runs_like_torch() -> None:
    images = np.random.default_rng(0).standard_normal((2, 1, 28, 28)).astype(np.float32)
    tn, mn = _lenet_twins()
    seen: dict[str, list] = {"torch": [], "minitorch": []}
    for lib, model in ((torch, tn), (minitorch, mn)):
        p, log = _prune_of(lib), seen[lib.__name__]
        module = model.conv1
        log.append([n for n, _ in module.named_parameters()] + [n for n, _ in module.named_buffers()])
        p.random_unstructured(module, name="weight", amount=0.3)
        log.append([n for n, _ in module.named_parameters()] + [n for n, _ in module.named_buffers()])
        log.append((int((module.weight == 0).sum()), module.weight.grad_fn is not None, _hook_names(module)))
        p.l1_unstructured(module, name="bias", amount=3)
        log.append([n for n, _ in module.named_parameters()] + [n for n, _ in module.named_buffers()])
        log.append((module.bias_mask.tolist(), _hook_names(module)))
    assert seen["minitorch"] == seen["torch"]

    # The random mask is each library's own: carry torch's over (a forward refreshes the pruned weights).
    mn.load_state_dict(tn.state_dict())
    out_t, out_m = tn(torch.tensor(images)), mn(minitorch.tensor(images))
    assert_close(_np(out_m), _np(out_t), rtol=1e-5, atol=1e-6, what="LeNet output")
    for lib, model in ((torch, tn), (minitorch, mn)):
        p, log, module = _prune_of(lib), seen[lib.__name__], model.conv1
        p.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)
        log.append(_np(module.weight_mask).tolist())
        for hook in module._forward_pre_hooks.values():
            if hook._tensor_name == "weight":
                break
        log.append([type(h).__name__ for h in hook])
        log.append(list(model.state_dict().keys()))
        p.remove(module, "weight")
        log.append([n for n, _ in module.named_parameters()] + [n for n, _ in module.named_buffers()])
        log.append(_np(module.weight).tolist())
    assert seen["minitorch"] == seen["torch"]

    # Pruning multiple parameters, then global pruning, then the custom method, on fresh twins each time.
    for step in ("per_layer", "global"):
        tn, mn = _lenet_twins()
        for lib, model in ((torch, tn), (minitorch, mn)):
            p, log = _prune_of(lib), seen[lib.__name__]
            if step == "per_layer":
                for _, module in model.named_modules():
                    if isinstance(module, lib.nn.Conv2d):
                        p.l1_unstructured(module, name="weight", amount=0.2)
                    elif isinstance(module, lib.nn.Linear):
                        p.l1_unstructured(module, name="weight", amount=0.4)
            else:
                pairs = [(getattr(model, n), "weight") for n in ("conv1", "conv2", "fc1", "fc2", "fc3")]
                p.global_unstructured(pairs, pruning_method=p.L1Unstructured, amount=0.2)
                log.append([f"{100.0 * float(lib.sum(m.weight == 0)) / m.weight.nelement():.2f}%" for m, _ in pairs])
            log.append(list(dict(model.named_buffers()).keys()))
            log.append({k: _np(v).tolist() for k, v in model.named_buffers()})
        assert seen["minitorch"] == seen["torch"]
        assert_close(_np(mn(minitorch.tensor(images))), _np(tn(torch.tensor(images))), rtol=1e-5, atol=1e-6, what=step)


# ------------------------------------------------------------------ errors
ERRORS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "amount_type": (lambda lib: _prune_of(lib).l1_unstructured(lib.nn.Linear(3, 2), "weight", "1"), "Invalid type"),
    "amount_negative": (
        lambda lib: _prune_of(lib).random_unstructured(lib.nn.Linear(3, 2), "weight", -1),
        "amount=-1 should either be a float in the range [0, 1] or a non-negative integer",
    ),
    "fraction_too_big": (lambda lib: _prune_of(lib).L1Unstructured(1.5), "amount=1.5 should either be a float"),
    "count_too_big": (
        lambda lib: _prune_of(lib).l1_unstructured(lib.nn.Linear(3, 2), "weight", 7),
        "amount=7 should be smaller than the number of parameters to prune=6",
    ),
    "channels_too_many": (
        lambda lib: _prune_of(lib).ln_structured(lib.nn.Linear(3, 2), "weight", 3, n=2, dim=0),
        "amount=3 should be smaller than the number of parameters to prune=2",
    ),
    "nan_fraction": (lambda lib: _prune_of(lib).l1_unstructured(lib.nn.Linear(3, 2), "weight", float("nan")), "NaN"),
    "structured_1d": (
        lambda lib: _prune_of(lib).random_structured(lib.nn.Linear(3, 2), "bias", 1, dim=0),
        "Structured pruning can only be applied to multidimensional tensors. Found tensor of shape torch.Size([2])",
    ),
    "dim_too_big": (
        lambda lib: _prune_of(lib).ln_structured(lib.nn.Linear(3, 2), "weight", 1, n=2, dim=2),
        "Invalid index 2 for tensor of size torch.Size([2, 3])",
    ),
    "dim_too_small": (lambda lib: _prune_of(lib).random_structured(lib.nn.Linear(3, 2), "weight", 1, dim=-3), ""),
    "nuclear_norm": (
        lambda lib: _prune_of(lib).ln_structured(lib.nn.Linear(3, 2), "weight", 1, n="nuc", dim=0),
        "dim must be a 2-tuple",
    ),
    "frobenius_of_3d_channels": (
        lambda lib: _prune_of(lib).ln_structured(lib.nn.Conv2d(1, 2, 2), "weight", 1, n="fro", dim=0),
        "dim must be a 2-tuple",
    ),
    "scores_shape": (
        lambda lib: _prune_of(lib).l1_unstructured(lib.nn.Linear(3, 2), "weight", 1, importance_scores=lib.ones(3)),
        "importance_scores should have the same shape as parameter weight",
    ),
    "prune_scores_shape": (
        lambda lib: _prune_of(lib).Identity().prune(lib.ones(2), importance_scores=lib.ones(3)),
        "importance_scores should have the same shape as tensor t",
    ),
    "missing_parameter": (lambda lib: _prune_of(lib).identity(lib.nn.Linear(3, 2), "weights"), "has no attribute"),
    "remove_unpruned": (
        lambda lib: _prune_of(lib).remove(lib.nn.Linear(3, 2), "weight"),
        "Parameter 'weight' of module Linear(in_features=3, out_features=2, bias=True) has to be pruned",
    ),
    "custom_mask_shape": (
        lambda lib: _prune_of(lib).custom_from_mask(lib.nn.Linear(3, 2), "bias", lib.ones(3)),
        "default_mask shape torch.Size([2]) must match self.mask shape torch.Size([3])",
    ),
    "abstract": (lambda lib: _prune_of(lib).BasePruningMethod(), "Can't instantiate abstract class"),
    "global_not_iterable": (
        lambda lib: _prune_of(lib).global_unstructured(3, _prune_of(lib).L1Unstructured, amount=1),
        "global_unstructured(): parameters is not an Iterable",
    ),
    "global_scores_not_dict": (
        lambda lib: _prune_of(lib).global_unstructured(
            [(lib.nn.Linear(3, 2), "weight")], _prune_of(lib).L1Unstructured, importance_scores=[1], amount=1
        ),
        "global_unstructured(): importance_scores must be of type dict",
    ),
    "global_structured": (
        lambda lib: _prune_of(lib).global_unstructured(
            [(lib.nn.Linear(3, 2), "weight")], _prune_of(lib).RandomStructured, amount=1
        ),
        'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`',
    ),
    "container_of_two": (
        lambda lib: _prune_of(lib).PruningContainer(_named(lib, "w", 1), _named(lib, "w", 2)),
        "has no attribute '_tensor_name'",
    ),
    "container_not_a_method": (
        lambda lib: _prune_of(lib).PruningContainer(_named(lib, "w", 1)).add_pruning_method(3),
        "<class 'int'> is not a BasePruningMethod subclass",
    ),
    "container_other_tensor": (
        lambda lib: _prune_of(lib).PruningContainer(_named(lib, "w", 1)).add_pruning_method(_named(lib, "b", 1)),
        "Can only add pruning methods acting on the parameter named 'w' to PruningContainer",
    ),
    "structured_without_dim": (lambda lib: _container_compute(lib, "structured", with_dim=False), "attribute `dim`"),
    "structured_bad_dim": (lambda lib: _container_compute(lib, "structured", dim=-5), "Index is out of bounds"),
    "unknown_type": (lambda lib: _container_compute(lib, "sparse"), "Unrecognized PRUNING_TYPE sparse"),
    "two_hooks": (lambda lib: _two_hooks(lib), "Avoid adding multiple pruning hooks to the same tensor weight"),
}


def _named(lib: Any, name: str, amount: int) -> Any:
    method = _prune_of(lib).L1Unstructured(amount)
    method._tensor_name = name
    return method


def _container_compute(lib: Any, kind: str, with_dim: bool = True, dim: int = 0) -> Any:
    class Odd(_prune_of(lib).Identity):
        PRUNING_TYPE = kind

    method = Odd()
    method._tensor_name = "w"
    if with_dim:
        method.dim = dim
    container = _prune_of(lib).PruningContainer()
    container._tensor_name = "w"
    container.add_pruning_method(method)
    return container.compute_mask(lib.ones(2, 3), lib.ones(2, 3))


def _two_hooks(lib: Any) -> Any:
    m = lib.nn.Linear(3, 2)
    _prune_of(lib).identity(m, "weight")
    m.register_forward_pre_hook(_named(lib, "weight", 1))
    _prune_of(lib).l1_unstructured(m, "weight", 1)


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_like_torch(case: str) -> None:
    make, gist = ERRORS[case]
    raises_like(make, gist)


def test_a_failed_first_pruning_gives_the_parameter_back_like_torch() -> None:
    state = {}
    for lib in (torch, minitorch):
        m = lib.nn.Linear(3, 2)
        with pytest.raises(ValueError):
            _prune_of(lib).l1_unstructured(m, "weight", amount=7)
        state[lib.__name__] = ([n for n, _ in m.named_parameters()], list(m._buffers), len(m._forward_pre_hooks))
    assert state["minitorch"] == state["torch"] == (["bias", "weight"], [], 0)


# ------------------------------------------------------------------ devices
def test_pruning_stays_on_the_device(device: str) -> None:
    torch.manual_seed(0)
    tm = torch.nn.Conv2d(3, 4, 3).double()
    mm = minitorch.nn.Conv2d(3, 4, 3).double()
    mm.load_state_dict(tm.state_dict())
    mm.to(device)
    for lib, m in ((torch, tm), (minitorch, mm)):
        p = _prune_of(lib)
        p.l1_unstructured(m, "weight", amount=0.3)
        p.ln_structured(m, "weight", amount=1, n=2, dim=0)
        p.global_unstructured([(m, "weight"), (m, "bias")], pruning_method=p.L1Unstructured, amount=5)
    minitorch.manual_seed(0)
    prune.random_unstructured(mm, "bias", amount=1)
    prune.random_structured(mm, "weight", amount=1, dim=1)
    assert {t.device.type for t in mm.state_dict().values()} == {device}
    assert int((mm.bias_mask == 0).sum()) == int((tm.bias_mask == 0).sum()) + 1
    tm.bias_mask.copy_(torch.tensor(_np(mm.bias_mask)))
    tm.weight_mask.copy_(torch.tensor(_np(mm.weight_mask)))
    x = np.random.default_rng(3).standard_normal((2, 3, 5, 5))
    out_m, out_t = mm(minitorch.tensor(x, device=device)), tm(torch.tensor(x))
    assert_close(_np(out_m), _np(out_t), what="output", **TIGHT)
    out_m.sum().backward()
    out_t.sum().backward()
    assert mm.weight_orig.grad.device.type == device
    assert_close(_np(mm.weight_orig.grad), _np(tm.weight_orig.grad), what="grad", **TIGHT)
