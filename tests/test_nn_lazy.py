"""Lazy modules (LazyLinear, LazyConv*, LazyConvTranspose*, LazyBatchNorm*, LazyInstanceNorm*) and their placeholders
(UninitializedParameter, UninitializedBuffer) against torch: printout before and after the first forward, the class
they become, the layer they become (outputs and gradients with torch's weights), the weights they draw (those of the
eager layer made at the same generator state), state dicts in both states, and torch's errors."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import raises_like
from tests.test_nn_layers import DTYPES, check_layer

# name -> (the lazy module, the input shape of its first forward)
LAZY: dict[str, tuple[Callable[[Any], Any], tuple]] = {
    "LazyLinear": (lambda nn: nn.LazyLinear(3), (2, 5)),
    "LazyLinear no bias 3d input": (lambda nn: nn.LazyLinear(4, bias=False), (2, 3, 6)),
    "LazyConv1d": (lambda nn: nn.LazyConv1d(4, 3, padding=1), (2, 3, 7)),
    "LazyConv1d unbatched": (lambda nn: nn.LazyConv1d(2, 2, stride=2, bias=False), (3, 8)),
    "LazyConv2d": (lambda nn: nn.LazyConv2d(4, 3, padding=1, groups=2), (1, 6, 5, 5)),
    "LazyConv2d reflect dilated": (
        lambda nn: nn.LazyConv2d(2, (2, 3), dilation=2, padding_mode="reflect"),
        (2, 3, 7, 8),
    ),
    "LazyConvTranspose1d": (lambda nn: nn.LazyConvTranspose1d(4, 3, stride=2), (1, 6, 5)),
    "LazyConvTranspose2d": (
        lambda nn: nn.LazyConvTranspose2d(2, 3, stride=2, padding=1, output_padding=1),
        (2, 3, 4, 4),
    ),
    "LazyConv3d": (lambda nn: nn.LazyConv3d(2, (1, 2, 2), stride=(1, 2, 1), padding=1), (1, 3, 3, 4, 4)),
    "LazyConvTranspose3d": (lambda nn: nn.LazyConvTranspose3d(2, 2, stride=2, groups=2), (1, 4, 2, 3, 2)),
    "LazyBatchNorm1d": (lambda nn: nn.LazyBatchNorm1d(), (4, 5)),
    "LazyBatchNorm2d no affine": (lambda nn: nn.LazyBatchNorm2d(eps=1e-3, affine=False), (2, 3, 4, 4)),
    "LazyBatchNorm3d": (lambda nn: nn.LazyBatchNorm3d(momentum=None), (2, 3, 2, 3, 3)),
    "LazyInstanceNorm1d": (lambda nn: nn.LazyInstanceNorm1d(), (2, 3, 6)),
    "LazyInstanceNorm2d": (lambda nn: nn.LazyInstanceNorm2d(bias=False), (2, 3, 4, 4)),
    "LazyInstanceNorm3d": (lambda nn: nn.LazyInstanceNorm3d(track_running_stats=False), (2, 3, 2, 3, 3)),
}


def _input(shape: tuple, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, shape)


def _materialized(lib: Any, name: str, dtype: Any = np.float64) -> Any:
    """The lazy module after its first forward (on an input of the module's dtype)."""
    make, shape = LAZY[name]
    layer = make(lib.nn)
    layer.double() if dtype == np.float64 else layer.float()
    layer(lib.tensor(_input(shape).astype(dtype)))
    return layer


@pytest.mark.parametrize("name", LAZY)
def test_printout_and_class_before_and_after_the_first_forward(name: str) -> None:
    make, shape = LAZY[name]
    ours, theirs = make(minitorch.nn), make(torch.nn)
    assert str(ours) == str(theirs)
    assert type(ours).__name__ == name.split()[0]
    assert ours.has_uninitialized_params() == theirs.has_uninitialized_params()
    ours(minitorch.tensor(_input(shape), dtype=minitorch.float32))
    theirs(torch.tensor(_input(shape), dtype=torch.float32))
    assert str(ours) == str(theirs)
    assert type(ours).__name__ == type(theirs).__name__
    assert type(ours) is getattr(minitorch.nn, type(theirs).__name__)  # the eager class itself
    assert not hasattr(ours, "has_uninitialized_params") and not hasattr(theirs, "has_uninitialized_params")
    assert not any(minitorch.nn.parameter.is_lazy(t) for t in [*ours.parameters(), *ours.buffers()])
    assert not ours._forward_pre_hooks  # the initializing hook is gone
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert all(type(p) is minitorch.nn.Parameter for p in ours.parameters())


@DTYPES
@pytest.mark.parametrize("name", LAZY)
def test_the_materialized_layer_computes_as_torchs(name: str, dtype: Any) -> None:
    # check_layer copies torch's (materialized) weights into ours, then compares outputs and all gradients
    check_layer(lambda lib: _materialized(lib, name), [_input(LAZY[name][1], seed=1)], dtype)


EAGER_TWINS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], tuple]] = {
    "Linear": (lambda nn: nn.LazyLinear(4), lambda nn: nn.Linear(6, 4), (3, 6)),
    "Conv1d": (lambda nn: nn.LazyConv1d(4, 3, groups=2), lambda nn: nn.Conv1d(6, 4, 3, groups=2), (2, 6, 5)),
    "Conv2d": (lambda nn: nn.LazyConv2d(3, 2, bias=False), lambda nn: nn.Conv2d(5, 3, 2, bias=False), (1, 5, 4, 4)),
    "ConvTranspose1d": (lambda nn: nn.LazyConvTranspose1d(3, 2), lambda nn: nn.ConvTranspose1d(4, 3, 2), (1, 4, 5)),
    "Conv3d": (lambda nn: nn.LazyConv3d(2, 2), lambda nn: nn.Conv3d(3, 2, 2), (1, 3, 3, 3, 3)),
    "ConvTranspose3d": (
        lambda nn: nn.LazyConvTranspose3d(2, 2),
        lambda nn: nn.ConvTranspose3d(3, 2, 2),
        (1, 3, 2, 2, 2),
    ),
    "ConvTranspose2d": (
        lambda nn: nn.LazyConvTranspose2d(2, 3, groups=2),
        lambda nn: nn.ConvTranspose2d(4, 2, 3, groups=2),
        (1, 4, 3, 3),
    ),
}


@pytest.mark.parametrize("name", EAGER_TWINS)
@pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])
def test_materialized_weights_are_the_eager_layers_at_the_same_generator_state(name: str, lib: Any) -> None:
    """Materializing draws what the eager layer's constructor draws: torch's rule for itself, and minitorch's."""
    lazy_make, eager_make, shape = EAGER_TWINS[name]
    x = lib.tensor(_input(shape), dtype=lib.float32)
    lazy = lazy_make(lib.nn)
    lib.manual_seed(1234)
    lazy(x)
    after_lazy = lib.rand(3)  # ... and leaves the generator where the eager constructor does
    lib.manual_seed(1234)
    eager = eager_make(lib.nn)
    after_eager = lib.rand(3)
    assert list(lazy.state_dict()) == list(eager.state_dict())
    for (key, got), want in zip(lazy.state_dict().items(), eager.state_dict().values()):
        assert bool((got == want).all()), key
    assert bool((after_lazy == after_eager).all())


def test_initialisation_follows_minitorchs_generator() -> None:
    x = minitorch.ones(2, 5)
    minitorch.manual_seed(7)
    a = minitorch.nn.LazyLinear(3)
    a(x)
    minitorch.manual_seed(7)
    b = minitorch.nn.LazyLinear(3)
    b(x)
    minitorch.manual_seed(8)
    c = minitorch.nn.LazyLinear(3)
    c(x)
    assert bool((a.weight == b.weight).all()) and not bool((a.weight == c.weight).all())
    bound = 1 / np.sqrt(5)  # Linear's U(-1/sqrt(in_features), 1/sqrt(in_features))
    assert float(a.weight.abs().max()) <= bound and float(a.bias.abs().max()) <= bound


# ------------------------------------------------------------------------------------------------ state dicts
def test_an_uninitialized_state_dict_holds_the_placeholders() -> None:
    for lib in (torch, minitorch):
        model = lib.nn.Sequential(lib.nn.LazyLinear(3), lib.nn.ReLU(), lib.nn.LazyBatchNorm1d())
        sd = model.state_dict()
        kinds = {k: type(v).__name__ for k, v in sd.items()}
        assert kinds == {
            "0.weight": "UninitializedParameter",
            "0.bias": "UninitializedParameter",
            "2.weight": "UninitializedParameter",
            "2.bias": "UninitializedParameter",
            "2.running_mean": "UninitializedBuffer",
            "2.running_var": "UninitializedBuffer",
            "2.num_batches_tracked": "Tensor",
        }
        assert repr(sd["0.weight"]) == "<UninitializedParameter>"
        assert sd["0.weight"] is model[0].weight  # the placeholder itself, not a detached copy
        assert list(model.state_dict(keep_vars=True)) == list(sd)


def test_loading_an_uninitialized_state_dict_keeps_the_module_lazy() -> None:
    for lib in (torch, minitorch):
        target = lib.nn.LazyLinear(3)
        result = target.load_state_dict(lib.nn.LazyLinear(3).state_dict())
        assert repr(result) == "<All keys matched successfully>"
        assert target.has_uninitialized_params() and type(target).__name__ == "LazyLinear"


def test_loading_a_materialized_state_dict_materializes() -> None:
    source = torch.nn.Linear(4, 3)
    ours, theirs = minitorch.nn.LazyLinear(3), torch.nn.LazyLinear(3)
    ours.load_state_dict(source.state_dict())  # torch's tensors, loaded into minitorch
    theirs.load_state_dict(source.state_dict())
    assert str(ours) == str(theirs) == "LazyLinear(in_features=0, out_features=3, bias=True)"  # still lazy
    assert not ours.has_uninitialized_params()
    assert type(ours.weight) is minitorch.nn.Parameter and ours.weight.requires_grad
    np.testing.assert_array_equal(ours.weight.detach().numpy(), source.weight.detach().numpy())
    np.testing.assert_array_equal(ours.bias.detach().numpy(), source.bias.detach().numpy())
    # the first forward keeps the loaded values and only sets in_features
    x = np.ones((2, 4), np.float32)
    out = ours(minitorch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    assert str(ours) == str(theirs) == "Linear(in_features=4, out_features=3, bias=True)"


def test_a_loaded_module_refuses_an_input_of_another_size() -> None:
    def load_then_run(lib: Any) -> Any:
        m = lib.nn.LazyLinear(3)
        m.load_state_dict(lib.nn.Linear(4, 3).state_dict())
        return m(lib.ones(2, 5))

    raises_like(load_then_run, "The in_features inferred from input: 5 is not equal to in_features from self.weight: 4")


def test_a_partial_load_materializes_what_it_holds() -> None:
    for lib in (torch, minitorch):
        m = lib.nn.LazyLinear(3)
        result = m.load_state_dict({"weight": lib.ones(3, 4)}, strict=False)
        assert result.missing_keys == ["bias"] and result.unexpected_keys == []
        assert type(m.weight).__name__ == "Parameter" and type(m.bias).__name__ == "UninitializedParameter"
        assert m.has_uninitialized_params()


def test_lazy_norm_loads_batch_norm_statistics() -> None:
    source = torch.nn.BatchNorm1d(4)
    source(torch.randn(8, 4))
    ours = minitorch.nn.LazyBatchNorm1d()
    ours.load_state_dict(source.state_dict())
    assert type(ours.running_mean) is minitorch.Tensor and not ours.has_uninitialized_params()
    np.testing.assert_allclose(ours.running_var.numpy(), source.running_var.numpy())
    assert int(ours.num_batches_tracked) == 1


def test_an_uninitialized_state_dict_does_not_load_into_an_eager_module() -> None:
    raises_like(
        lambda lib: lib.nn.Linear(2, 3).load_state_dict(lib.nn.LazyLinear(3).state_dict()),
        "Can't access the shape of an uninitialized parameter or buffer",
    )


def test_lazy_modules_pickle_and_deepcopy() -> None:
    sd = pickle.loads(pickle.dumps(minitorch.nn.LazyLinear(3).state_dict()))
    assert repr(sd) == repr(torch.nn.LazyLinear(3).state_dict())
    for lib in (torch, minitorch):
        original = lib.nn.LazyLinear(3, dtype=lib.float64)
        twin = copy.deepcopy(original)
        assert type(twin.weight).__name__ == "UninitializedParameter" and twin.weight is not original.weight
        assert twin.weight.dtype == lib.float64
        twin(lib.ones(2, 2, dtype=lib.float64))  # the copy initializes itself, not the original
        assert str(twin) == "Linear(in_features=2, out_features=3, bias=True)"
        assert original.has_uninitialized_params() and str(original).startswith("LazyLinear(in_features=0")


# ------------------------------------------------------------------------------- dtype, device, optimizers
def test_dtype_chosen_before_the_first_forward_is_kept() -> None:
    for lib in (torch, minitorch):
        m = lib.nn.LazyBatchNorm2d().double()
        assert m.weight.dtype == lib.float64 and type(m.weight).__name__ == "UninitializedParameter"
        assert type(m.running_mean).__name__ == "UninitializedBuffer" and m.running_mean.dtype == lib.float64
        m(lib.ones(2, 3, 2, 2, dtype=lib.float64))
        assert m.weight.dtype == m.running_var.dtype == lib.float64
        assert m.num_batches_tracked.dtype == lib.int64
        made = lib.nn.LazyLinear(2, dtype=lib.float64)
        assert made.weight.dtype == lib.float64


def test_a_lazy_module_on_a_device(device: str) -> None:
    m = minitorch.nn.LazyConv1d(2, 3, device=device)
    assert m.weight.device.type == minitorch.device(device).type
    out = m(minitorch.ones(1, 4, 5, device=device))
    assert m.weight.device == out.device and m.weight.shape == (2, 4, 3)
    moved = minitorch.nn.LazyLinear(2).to(device)
    moved(minitorch.ones(1, 3, device=device))
    assert moved.weight.device.type == minitorch.device(device).type


def test_an_optimizer_made_before_the_first_forward_updates_the_materialized_parameters() -> None:
    steps = {}
    for lib in (torch, minitorch):
        m = lib.nn.LazyLinear(2)
        opt = lib.optim.SGD(m.parameters(), lr=0.5)
        opt.step()  # no gradients yet: nothing to do
        m(lib.ones(3, 4)).sum().backward()
        assert opt.param_groups[0]["params"][0] is m.weight  # the placeholder became the parameter
        before = m.weight.detach().clone()
        opt.step()
        steps[lib.__name__] = (m.weight.detach() - before).numpy()
    np.testing.assert_allclose(steps["minitorch"], steps["torch"], rtol=1e-6)
    np.testing.assert_allclose(steps["minitorch"], np.full((2, 4), -1.5), rtol=1e-6)


# ----------------------------------------------------------------------------------- placeholders and errors
def test_placeholder_attributes() -> None:
    for lib in (torch, minitorch):
        p = lib.nn.UninitializedParameter(dtype=lib.float64)
        assert repr(p) == "<UninitializedParameter>" and p.requires_grad and p.is_leaf and p.grad is None
        assert p.dtype == lib.float64 and p.device.type == "cpu" and tuple(p.size()) == (0,) and p.ndim == 1
        assert isinstance(p, lib.nn.Parameter) and lib.nn.parameter.is_lazy(p)
        assert not isinstance(p, lib.nn.Buffer)
        p.materialize((2, 3))
        assert type(p) is lib.nn.Parameter and tuple(p.shape) == (2, 3) and p.dtype == lib.float64 and p.requires_grad
        q = lib.nn.UninitializedParameter(requires_grad=False)
        q.materialize((2,), dtype=lib.float64)
        assert type(q) is lib.nn.Parameter and not q.requires_grad and q.dtype == lib.float64
        b = lib.nn.UninitializedBuffer(persistent=False)
        assert repr(b) == "<UninitializedBuffer>" and isinstance(b, lib.nn.Buffer) and b.persistent is False
        assert not b.requires_grad and lib.nn.parameter.is_lazy(b)
        b.materialize((4,))
        assert type(b) is lib.Tensor and tuple(b.shape) == (4,) and not lib.nn.parameter.is_lazy(b)


def test_a_module_registers_an_uninitialized_buffer_with_its_persistence() -> None:
    for lib in (torch, minitorch):
        m = lib.nn.Module()
        m.kept = lib.nn.UninitializedBuffer()
        m.scratch = lib.nn.UninitializedBuffer(persistent=False)
        assert list(dict(m.named_buffers())) == ["kept", "scratch"] and list(m.state_dict(keep_vars=True)) == ["kept"]


@pytest.mark.parametrize(
    "use",
    [
        lambda lib, p: p + 1,
        lambda lib, p: p.numel(),
        lambda lib, p: p.detach(),
        lambda lib, p: lib.nn.functional.linear(lib.ones(2, 2), p),
        lambda lib, p: p.zero_(),
        lambda lib, p: p.requires_grad_(False),
    ],
    ids=["add", "numel", "detach", "linear", "zero_", "requires_grad_"],
)
def test_using_a_placeholder_raises_torchs_value_error(use: Callable) -> None:
    raises_like(lambda lib: use(lib, lib.nn.UninitializedParameter()), "Attempted to use an uninitialized parameter")


def test_the_shape_of_a_placeholder_raises() -> None:
    raises_like(lambda lib: lib.nn.UninitializedBuffer().shape, "Can't access the shape of an uninitialized parameter")
    raises_like(lambda lib: lib.nn.LazyLinear(2).weight.shape, "Call `forward` to initialize the parameters")


def test_a_lazy_modules_requires_grad_raises_as_torchs() -> None:
    raises_like(lambda lib: lib.nn.LazyLinear(3).requires_grad_(False), "Attempted to use an uninitialized parameter")


@pytest.mark.parametrize(
    "run, gist",
    [
        (
            lambda nn, lib: nn.LazyConv2d(4, 3)(lib.ones(2, 3)),
            "Expected 3D (unbatched) or 4D (batched) input to LazyConv2d",
        ),
        (lambda nn, lib: nn.LazyConv1d(4, 3, groups=2)(lib.ones(1, 3, 5)), "in_channels must be divisible by groups"),
        (lambda nn, lib: nn.LazyConvTranspose1d(4, 3)(lib.ones(1, 2, 3, 4, 5)), "but got input of size"),
        # torch reads num_features from dim 1 even for an unbatched input (here 4, not 3), then refuses the input
        (lambda nn, lib: nn.LazyInstanceNorm2d()(lib.ones(3, 4, 4)), "to match num_features (4), but got: 3"),
        (lambda nn, lib: nn.LazyBatchNorm1d()(lib.ones(2, 3, 4, 5)), "expected 2D or 3D input (got 4D input)"),
    ],
    ids=["conv rank", "conv groups", "transposed rank", "instance norm unbatched", "batch norm rank"],
)
def test_first_forward_errors_are_torchs(run: Callable, gist: str) -> None:
    raises_like(lambda lib: run(lib.nn, lib), gist)


def test_a_failed_first_forward_leaves_the_module_lazy() -> None:
    for lib in (torch, minitorch):
        m = lib.nn.LazyConv1d(4, 3, groups=2)
        with pytest.raises(ValueError):
            m(lib.ones(1, 3, 5))
        assert type(m).__name__ == "LazyConv1d"
        m(lib.ones(1, 4, 5))
        assert str(m) == "Conv1d(4, 4, kernel_size=(3,), stride=(1,), groups=2)"


class _Incomplete:
    """Lazy modules written by users: one without ``initialize_parameters``, one that leaves a placeholder."""

    @staticmethod
    def make(lib: Any, initialize: bool) -> Any:
        class Custom(lib.nn.modules.lazy.LazyModuleMixin, lib.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.w = lib.nn.UninitializedParameter()

            def forward(self, x: Any) -> Any:
                return x

        if initialize:
            Custom.initialize_parameters = lambda self, x: None  # type: ignore[attr-defined]
        return Custom()


def test_incomplete_user_lazy_modules_raise_as_torchs() -> None:
    raises_like(
        lambda lib: _Incomplete.make(lib, False)(lib.ones(1)), "initialize_parameters is not implemented for Custom"
    )
    raises_like(lambda lib: _Incomplete.make(lib, True)(lib.ones(1)), "module Custom has not been fully initialized")


def test_a_user_lazy_module_without_a_class_to_become_keeps_its_class() -> None:
    for lib in (torch, minitorch):

        class Scale(lib.nn.modules.lazy.LazyModuleMixin, lib.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.w = lib.nn.UninitializedParameter()

            def initialize_parameters(self, x: Any) -> None:
                with lib.no_grad():
                    self.w.materialize(x.shape[-1:])
                    self.w.fill_(2.0)

            def forward(self, x: Any) -> Any:
                return x * self.w

        m = Scale()
        out = m(lib.ones(2, 3))
        assert type(m) is Scale and out.tolist() == [[2.0] * 3] * 2 and not m.has_uninitialized_params()
