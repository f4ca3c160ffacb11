"""Every op's double backward against torch: second derivatives, gradgradcheck, third order.

One table, ``CASES``, holds a row per op (and per variant whose backward differs): a function
written against the torch API and a strategy for its float64 inputs. For each row,

- ``test_second_derivatives_match_torch``: ``assert_parity(..., order=2)``: the gradients taken with
  ``create_graph=True`` under random output gradients, projected on a random direction and
  differentiated again, with respect to the inputs and to the output gradients (rtol 1e-7);
- ``test_gradgradcheck``: minitorch's ``gradgradcheck`` (central differences of the gradients);
- ``test_every_op_is_in_the_table``: running the table reaches every ``Op`` of ``minitorch.ops`` in a
  forward graph or in the graph of a backward, so an op added without a row here fails it.

A few smooth rows also go to third order (``test_third_derivatives_match_torch``). Inputs stay off
the points where an op is not differentiable (as in the first-order tables).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

import minitorch
from minitorch.ops.base import Op
from minitorch.testing import gradgradcheck
from minitorch.testing.parity import make_input
from tests import strategies as S
from tests.fake_device import fake_device
from tests.parity import check_parity

# gradgradcheck differentiates numerically over every input and output-gradient element: a few examples.
GRADGRAD = settings(max_examples=max(1, settings().max_examples // 12))
FIRST_EXAMPLE = settings(database=None, phases=[Phase.generate], derandomize=True)


# ------------------------------------------------------------------ input strategies
def real(a: np.ndarray) -> np.ndarray:
    return a


def positive(a: np.ndarray) -> np.ndarray:
    return np.abs(a) + 0.2


def nonzero(a: np.ndarray) -> np.ndarray:
    return S.away_from(a, (0.0,), margin=0.2)


def off(*points: float) -> Callable:
    return lambda a: S.away_from(a, points, margin=0.02)


def grid(k: int) -> Callable:
    """Values on 0.03 * n + 0.01 * k: operands with different ``k`` never tie."""
    return lambda a: np.round(a / 0.03) * 0.03 + 0.01 * k


def probabilities(a: np.ndarray) -> np.ndarray:
    return 0.1 + 0.8 * (a + 1) / 2


def arrays(*shapes: Any, domains: Any = real, max_side: int = 3) -> st.SearchStrategy:
    """Float arrays of the given shapes (or shape strategies), each through its domain."""
    domains = domains if isinstance(domains, tuple) else (domains,) * len(shapes)
    return st.tuples(*(S.arrays(s) for s in shapes)).map(
        lambda arrs: tuple(np.asarray(d(a)) for d, a in zip(domains, arrs))
    )


def broadcast(n: int, domains: Any = real) -> st.SearchStrategy:
    """``n`` float arrays whose shapes broadcast together (at most 3 dims of at most 3)."""
    return S.broadcastable_shapes(n, max_dims=3, max_side=3).flatmap(lambda shapes: arrays(*shapes, domains=domains))


def one(domain: Callable = real, min_dims: int = 0) -> st.SearchStrategy:
    return arrays(S.shapes(min_dims, 3, 1, 3), domains=domain)


def distinct(shape: tuple) -> st.SearchStrategy:
    """Values in [-1, 1] no two closer than 1/n (no ties for max and max-pooling)."""
    n = int(np.prod(shape))
    return st.permutations(list(range(n))).map(
        lambda order: ((np.array(order, dtype=np.float64) / max(n - 1, 1) * 2 - 1).reshape(shape),)
    )


def with_(*parts: st.SearchStrategy) -> st.SearchStrategy:
    """The arrays of several strategies, as one tuple."""
    return st.tuples(*parts).map(lambda groups: tuple(a for g in groups for a in (g if isinstance(g, tuple) else (g,))))


def setitem(lib: Any, x: Any, v: Any) -> Any:
    y = x * 1
    y[1:, [0, 2]] = v * v
    return y


def through_view(lib: Any, x: Any) -> Any:
    y = x * 1
    row = y[1]
    row.mul_(3)  # in place through a view of a non-leaf: CopySlices on the base, the view re-derived
    return y * y, row * row


def dropout_p0(lib: Any, x: Any) -> Any:
    return lib.nn.functional.dropout(x * x, p=0.0)


TARGET = np.array([2, 0, 1, 1])
TARGET_2D = np.array([[0, 2], [1, 1]])

# (name, fn(lib, *tensors), inputs): one row per op and per variant with its own backward.
CASES: list = [
    # one tensor, elementwise
    ("neg", lambda lib, x: -x, one()),
    ("abs", lambda lib, x: x.abs() * x, one(off(0.0))),
    ("exp", lambda lib, x: lib.exp(x), one()),
    ("log", lambda lib, x: lib.log(x), one(positive)),
    ("sqrt", lambda lib, x: lib.sqrt(x), one(positive)),
    ("sin_cos", lambda lib, x: lib.sin(x) * lib.cos(x), one()),
    ("tanh", lambda lib, x: lib.tanh(x) + lib.nn.functional.tanh(x * 2), one()),
    ("sigmoid", lambda lib, x: lib.sigmoid(x) * lib.nn.functional.sigmoid(-x), one()),
    ("relu", lambda lib, x: lib.relu(x) * x + lib.nn.functional.relu(-x) ** 2, one(off(0.0))),
    ("reciprocal", lambda lib, x: lib.reciprocal(x), one(nonzero)),
    ("square", lambda lib, x: lib.square(x), one()),
    (
        "sign_floor_ceil_round",
        lambda lib, x: lib.sign(x) * x + lib.floor(x * 2) * x + lib.ceil(x) * x + lib.round(x * 3) * x,
        one(off(0.0, 0.5, -0.5, 1 / 6, -1 / 6)),
    ),
    # two tensors (or a tensor and a number)
    ("add_alpha", lambda lib, x, y: lib.add(x * x, y, alpha=2), broadcast(2)),
    ("sub_alpha", lambda lib, x, y: lib.sub(x, y * y, alpha=-0.5), broadcast(2)),
    ("rsub", lambda lib, x: 2 - x * x, one()),
    ("mul", lambda lib, x, y: x * y * x, broadcast(2)),
    ("div", lambda lib, x, y: x / y, broadcast(2, (real, nonzero))),
    ("rdiv", lambda lib, x: 2 / x, one(nonzero)),
    ("pow_tensor", lambda lib, x, y: x**y, broadcast(2, (positive, off(0.0)))),  # at y = 0: a convention
    ("pow_int", lambda lib, x: x**3, one()),
    ("pow_float", lambda lib, x: x**2.5, one(positive)),
    ("pow_negative", lambda lib, x: x**-2, one(nonzero)),
    ("pow_zero", lambda lib, x: x**0 * x, one()),
    ("rpow", lambda lib, x: 2**x, one()),
    ("maximum", lambda lib, x, y: lib.maximum(x, y) ** 2, broadcast(2, (grid(0), grid(1)))),
    ("minimum", lambda lib, x, y: lib.minimum(x, y) ** 2, broadcast(2, (grid(0), grid(1)))),
    ("where", lambda lib, x, y: lib.where(x > 0, x * x, y), broadcast(2, (off(0.0), real))),
    ("clamp", lambda lib, x: lib.clamp(x, -0.5, 0.5) * x, one(off(-0.5, 0.5))),
    ("clamp_min", lambda lib, x: x.clamp(min=-0.3) ** 2, one(off(-0.3))),
    (
        "clamp_tensor",
        lambda lib, x, lo, hi: lib.clamp(x, min=lo, max=hi + 0.5) ** 2,
        arrays((2, 3), (3,), (2, 1), domains=(grid(0), grid(1), grid(2))),  # torch fails to broadcast into x
    ),
    ("masked_fill", lambda lib, x: (x * x).masked_fill(x > 0, 0.5), one(off(0.0))),
    # reductions
    ("sum", lambda lib, x: (x * x).sum(), one()),
    ("sum_dim", lambda lib, x: (x * x).sum(-1, keepdim=True), one(min_dims=1)),
    ("mean", lambda lib, x: (x * x).mean(), one()),
    ("mean_dim", lambda lib, x: (x * x).mean((0, -1)), one(min_dims=2)),
    ("max_all", lambda lib, x: x.max() ** 2 + x.min() ** 3, distinct((2, 3))),
    ("max_dim", lambda lib, x: x.max(1)[0] ** 2 + x.min(1, keepdim=True)[0].sum() ** 3, distinct((3, 2))),
    ("amax", lambda lib, x: x.amax((0, 1)) ** 2, distinct((2, 2, 3))),
    ("var", lambda lib, x: x.var(1), distinct((2, 3))),
    ("std", lambda lib, x: x.std(0, correction=0) + x.std(), distinct((3, 2))),
    ("prod", lambda lib, x: x.prod(), one(off(0.0))),
    ("prod_dim", lambda lib, x: x.prod(1), arrays((2, 3), domains=off(0.0))),
    # matrix products
    ("dot", lambda lib, x, y: lib.dot(x, y) * x, arrays((3,), (3,))),
    ("mv", lambda lib, a, v: lib.mv(a, v) ** 2, arrays((2, 3), (3,))),
    ("vec_matmul", lambda lib, v, b: (v @ b) ** 2, arrays((3,), (3, 2))),
    ("mm", lambda lib, a, b: lib.mm(a, b) ** 2, arrays((2, 3), (3, 2))),
    ("matmul_batched", lambda lib, a, b: (a @ b) ** 2, arrays((2, 1, 2, 3), (3, 3, 2))),
    ("bmm", lambda lib, a, b: lib.bmm(a, b) ** 2, arrays((2, 2, 3), (2, 3, 2))),
    ("linear", lambda lib, x, w, b: lib.nn.functional.linear(x, w, b) ** 2, arrays((4, 3), (2, 3), (2,))),
    ("linear_3d_no_bias", lambda lib, x, w: lib.nn.functional.linear(x, w) ** 2, arrays((2, 2, 3), (2, 3))),
    # shapes and layouts
    ("view_reshape", lambda lib, x: (x * x).reshape(3, 2).view(-1) ** 2, arrays((2, 3))),
    ("unsafe_view", lambda lib, x: (x * x).t().reshape(6) ** 2, arrays((2, 3))),
    ("permute_transpose_t", lambda lib, x: (x * x).permute(2, 0, 1).transpose(0, 1)[0].t() ** 2, arrays((2, 3, 2))),
    ("squeeze_unsqueeze", lambda lib, x: (x * x).unsqueeze(1).squeeze().squeeze(-1).unsqueeze(0) ** 2, arrays((3, 1))),
    ("expand", lambda lib, x: (x * x).expand(2, 3, 2) ** 2, arrays((3, 1))),
    ("clone_contiguous", lambda lib, x: (x * x).t().contiguous().clone() ** 2, arrays((2, 3))),
    ("flip", lambda lib, x: (x * x).flip((0, 1)) ** 2, arrays((2, 3))),
    ("repeat", lambda lib, x: (x * x).repeat(2, 1, 2) ** 2, arrays((2, 3))),
    ("to_dtype", lambda lib, x: (x * x).float().double() * x, arrays((2, 3))),
    # joining and splitting
    ("cat", lambda lib, x, y: lib.cat([x * x, y, lib.zeros(0, dtype=lib.float64)], 1) ** 2, arrays((2, 3), (2, 2))),
    ("stack", lambda lib, x, y: lib.stack([x * x, y], 1) ** 2, arrays((2, 3), (2, 3))),
    ("split", lambda lib, x: [p**2 for p in lib.split(x * x, 2, 1)], arrays((2, 3))),
    ("split_sizes", lambda lib, x: [p**3 for p in lib.split(x * x, [1, 2], 0)], arrays((3, 2))),
    ("chunk_unbind", lambda lib, x: [p**2 for p in lib.unbind(x * x, 1)] + [lib.chunk(x, 2)[1] ** 3], arrays((3, 2))),
    (
        "narrow_hstack_vstack",
        lambda lib, x: lib.vstack([lib.hstack([x, x * x]), x.narrow(0, 1, 1).expand(2, 2)]) ** 2,
        arrays((2, 1)),
    ),
    # indexing
    ("index", lambda lib, x: (x * x)[[0, 1, 0], 1:] ** 2, arrays((2, 3))),
    ("index_mask", lambda lib, x: (x * x)[x > 0] ** 2, arrays((2, 3), domains=off(0.0))),
    ("slice_select", lambda lib, x: (x * x)[1:, ::2][0, 1] ** 2 + (x * x)[0] ** 3, arrays((2, 3))),
    ("setitem", setitem, arrays((3, 3), (2, 1))),
    ("inplace_through_view", through_view, arrays((2, 3))),
    ("gather", lambda lib, x: (x * x).gather(1, lib.tensor([[0, 0, 2], [1, 2, 1]])) ** 2, arrays((2, 3))),
    ("index_select", lambda lib, x: lib.index_select(x * x, 1, lib.tensor([2, 0, 2])) ** 2, arrays((2, 3))),
    # convolution and pooling (stride 1 takes the flat-row kernel, other strides the general path)
    (
        "conv2d_flat",
        lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1) ** 2,
        arrays((2, 2, 3, 3), (2, 2, 2, 2), (2,)),
    ),
    (
        "conv2d_flat_groups_dilation",
        lambda lib, x, w: lib.nn.functional.conv2d(x, w, groups=2, dilation=(1, 2)) ** 2,
        arrays((1, 2, 3, 4), (4, 1, 2, 2)),
    ),
    (
        "conv2d_general",
        lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, stride=2, padding=1) ** 2,
        arrays((1, 2, 4, 3), (2, 2, 2, 2), (2,)),
    ),
    ("max_pool2d_tiled", lambda lib, x: lib.nn.functional.max_pool2d(x * 2, 2) ** 2, distinct((1, 2, 4, 4))),
    (
        "max_pool2d_general",
        lambda lib, x: lib.nn.functional.max_pool2d(x * 2, 2, 1, 1, ceil_mode=True) ** 2,
        distinct((1, 2, 3, 3)),
    ),
    (
        "avg_pool2d",
        lambda lib, x: lib.nn.functional.avg_pool2d(x * x, 2, 1, 1, count_include_pad=False) ** 2,
        arrays((1, 2, 3, 3)),
    ),
    (
        "avg_pool2d_divisor",
        lambda lib, x: lib.nn.functional.avg_pool2d(x * x, 2, divisor_override=3) ** 2,
        arrays((2, 1, 4, 4)),
    ),
    # normalising activations, dropout
    ("softmax", lambda lib, x: lib.softmax(x, 1) * x, arrays((2, 3))),
    ("log_softmax", lambda lib, x: lib.log_softmax(x, 0) * x, arrays((2, 3))),
    ("dropout_p0", dropout_p0, arrays((2, 3))),
    # losses
    ("cross_entropy", lambda lib, x: lib.nn.functional.cross_entropy(x * x, lib.tensor(TARGET)), arrays((4, 3))),
    (
        "cross_entropy_sum",
        lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor(TARGET), reduction="sum"),
        arrays((4, 3)),
    ),
    (
        "cross_entropy_weighted_smoothed",
        lambda lib, x: lib.nn.functional.cross_entropy(
            x * x,
            lib.tensor(TARGET),
            weight=lib.tensor([1.0, 2.0, 0.5], dtype=lib.float64),
            ignore_index=1,
            label_smoothing=0.2,
        ),
        arrays((4, 3)),
    ),
    (
        "cross_entropy_probabilities",
        lambda lib, x, t: lib.nn.functional.cross_entropy(x, lib.softmax(t, 1), label_smoothing=0.1),
        arrays((2, 3, 2), (2, 3, 2)),
    ),
    (
        "cross_entropy_spatial",
        lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor(TARGET_2D), reduction="none"),
        arrays((2, 3, 2)),
    ),
    (
        "nll_loss",
        lambda lib, x: lib.nn.functional.nll_loss(
            lib.log_softmax(x, 1), lib.tensor(TARGET), weight=lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        ),
        arrays((4, 3)),
    ),
    (
        "binary_cross_entropy",
        lambda lib, x, t: lib.nn.functional.binary_cross_entropy(
            x, t, weight=lib.tensor([1.0, 2.0], dtype=lib.float64)
        ),
        arrays((3, 2), (3, 2), domains=probabilities),
    ),
    (
        "binary_cross_entropy_with_logits",
        lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(
            x, t, pos_weight=lib.tensor([1.5, 0.5], dtype=lib.float64)
        ),
        arrays((3, 2), (3, 2), domains=(real, probabilities)),
    ),
    ("mse_loss", lambda lib, x, t: lib.nn.functional.mse_loss(x * x, t), arrays((2, 3), (2, 3))),
    (
        "l1_loss",
        lambda lib, x, t: lib.nn.functional.l1_loss(x * x, -t, reduction="sum"),
        arrays((2, 3), (2, 3), domains=positive),
    ),
    # padding
    ("pad_constant", lambda lib, x: lib.nn.functional.pad(x * x, (1, -1, 2, 0), value=0.5) ** 2, arrays((2, 3, 3))),
    ("pad_reflect", lambda lib, x: lib.nn.functional.pad(x * x, (2, 1), mode="reflect") ** 2, arrays((2, 3))),
    (
        "pad_replicate",
        lambda lib, x: lib.nn.functional.pad(x * x, (1, 2, 0, 1), mode="replicate") ** 2,
        arrays((1, 2, 2)),
    ),
    ("pad_circular", lambda lib, x: lib.nn.functional.pad(x * x, (1, 1), mode="circular") ** 2, arrays((1, 2, 3))),
]
IDS = [c[0] for c in CASES]

THIRD_ORDER = [
    "exp",
    "tanh",
    "sigmoid",
    "sin_cos",
    "div",
    "pow_tensor",
    "softmax",
    "log_softmax",
    "mm",
    "conv2d_flat",
    "conv2d_general",
    "max_pool2d_tiled",
    "index",
    "cross_entropy",
]


@pytest.mark.parametrize("name,fn,inputs", CASES, ids=IDS)
@given(data=st.data())
def test_second_derivatives_match_torch(
    name: str, fn: Callable, inputs: st.SearchStrategy, data: st.DataObject
) -> None:
    check_parity(fn, *data.draw(inputs), dtype=np.float64, order=2)


# Rows whose finite differences are too coarse to check: a trip through float32.
ROUGH = {"to_dtype"}
CHECKED = [c for c in CASES if c[0] not in ROUGH]


@pytest.mark.parametrize("name,fn,inputs", CHECKED, ids=[c[0] for c in CHECKED])
@GRADGRAD
@given(data=st.data())
def test_gradgradcheck(name: str, fn: Callable, inputs: st.SearchStrategy, data: st.DataObject) -> None:
    tensors = [make_input(minitorch, a, np.float64, True) for a in data.draw(inputs)]
    assert gradgradcheck(lambda *xs: tuple(_flat(fn(minitorch, *xs))), tuple(tensors))


@pytest.mark.parametrize("name", THIRD_ORDER)
@GRADGRAD
@given(data=st.data())
def test_third_derivatives_match_torch(name: str, data: st.DataObject) -> None:
    _, fn, inputs = CASES[IDS.index(name)]
    check_parity(fn, *data.draw(inputs), dtype=np.float64, order=3)


def test_dropout_is_twice_differentiable_with_its_mask_held() -> None:
    x = minitorch.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)

    def fn(t: Any) -> Any:
        minitorch.manual_seed(0)  # the same mask on every evaluation
        return minitorch.nn.functional.dropout(t * t, p=0.5)

    assert gradgradcheck(fn, (x,))


def test_to_device_is_twice_differentiable() -> None:
    with fake_device():
        for lib, dev in ((torch, "cpu"), (minitorch, "fake")):
            x = lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
            y = (x.to(dev) * x.to(dev)).sin().to("cpu")
            (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
            (gg,) = lib.autograd.grad((g * g).sum(), x)
            if lib is torch:
                want = gg.numpy()
            else:
                assert gg.device.type == "cpu" and g.grad_fn is not None
                np.testing.assert_allclose(gg.numpy(), want, rtol=1e-12)


def test_a_backward_on_a_second_device_keeps_its_graph_there() -> None:
    with fake_device():
        want = None
        for lib, dev in ((torch, "cpu"), (minitorch, "fake")):
            x = lib.tensor(np.linspace(-1, 1, 32).reshape(1, 2, 4, 4), device=dev, requires_grad=True)
            w = lib.tensor(np.linspace(-0.5, 0.5, 16).reshape(2, 2, 2, 2), device=dev, requires_grad=True)
            out = lib.nn.functional.max_pool2d(lib.nn.functional.relu(lib.nn.functional.conv2d(x, w, padding=1)), 2)
            loss = lib.nn.functional.cross_entropy(out.reshape(1, -1)[:, :4] * 3, lib.tensor([1], device=dev))
            (gx, gw) = lib.autograd.grad(loss, (x, w), create_graph=True)
            (hx,) = lib.autograd.grad((gx * gx).sum() + (gw * gw).sum(), x)
            if lib is torch:
                want = hx.numpy()
            else:
                assert hx.device.type == "fake" and gx.device.type == "fake"
                np.testing.assert_allclose(hx.cpu().numpy(), want, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------ modules and losses
MODULES = [
    ("Linear", lambda nn: nn.Linear(3, 2), (4, 3)),
    ("Conv2d", lambda nn: nn.Conv2d(2, 3, 2, stride=(1, 2), padding=1), (1, 2, 4, 4)),
    (
        "MaxPool2d_AvgPool2d",
        lambda nn: nn.Sequential(nn.MaxPool2d(2, 1), nn.AvgPool2d(2, ceil_mode=True)),
        (1, 2, 4, 4),
    ),
    ("activations", lambda nn: nn.Sequential(nn.Tanh(), nn.Linear(3, 3), nn.Sigmoid(), nn.Softmax(1)), (2, 3)),
    ("ReLU_LogSoftmax", lambda nn: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.LogSoftmax(dim=0)), (2, 3)),
    ("Flatten_Identity_Dropout", lambda nn: nn.Sequential(nn.Flatten(), nn.Identity(), nn.Dropout(0.0)), (2, 3, 2)),
]
LOSSES = [
    ("MSELoss", lambda nn: nn.MSELoss(), lambda lib, x: x.detach().sin()),
    ("L1Loss", lambda nn: nn.L1Loss(reduction="sum"), lambda lib, x: x.detach() + 2),
    ("CrossEntropyLoss", lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1), lambda lib, x: lib.tensor([1, 0])),
    ("NLLLoss", lambda nn: nn.NLLLoss(), lambda lib, x: lib.tensor([2, 1])),
    ("BCELoss", lambda nn: nn.BCELoss(), lambda lib, x: x.detach().cos()),
    ("BCEWithLogitsLoss", lambda nn: nn.BCEWithLogitsLoss(), lambda lib, x: x.detach() ** 2),
]


@pytest.mark.parametrize("name,make,shape", MODULES, ids=[m[0] for m in MODULES])
def test_modules_are_twice_differentiable_like_torch(name: str, make: Callable, shape: tuple) -> None:
    torch.manual_seed(0)
    theirs = make(torch.nn).double()
    ours = make(minitorch.nn).double()
    ours.load_state_dict({k: minitorch.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).uniform(-1, 1, shape)
    check_parity(lambda lib, t: (theirs if lib is torch else ours)(t), x, dtype=np.float64, order=2)


@pytest.mark.parametrize("name,make,target", LOSSES, ids=[m[0] for m in LOSSES])
def test_losses_are_twice_differentiable_like_torch(name: str, make: Callable, target: Callable) -> None:
    x = np.random.default_rng(1).uniform(0.1, 0.9, (2, 3))
    check_parity(lambda lib, t: make(lib.nn)(t * t, target(lib, t)), x, dtype=np.float64, order=2)


# ------------------------------------------------------------------ coverage of the table
# Ops the table cannot reach, each with the test that covers its double backward instead.
ELSEWHERE = {"ToDevice": "test_to_device_is_twice_differentiable"}


def _flat(x: Any) -> list:
    return [y for item in x for y in _flat(item)] if isinstance(x, (tuple, list)) else [x]


def _all_ops() -> set:
    found, todo = set(), [Op]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("minitorch."):
                found.add(sub)
    return found


def _ops_in_graph(roots: list) -> set:
    seen, found, todo = set(), set(), [r.grad_fn for r in roots if r is not None and r.grad_fn is not None]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if getattr(node, "_function", None) is not None:
            found.add(node._function)
        todo.extend(child for child, _ in node.next_functions)
    return found


def test_every_op_is_in_the_table() -> None:
    reached = set()
    for _, fn, inputs in CASES:
        arrays = find(inputs, lambda _: True, settings=FIRST_EXAMPLE)
        xs = [make_input(minitorch, a, np.float64, True) for a in arrays]
        outs = [o for o in _flat(fn(minitorch, *xs)) if o.requires_grad]
        diff = [x for x in xs if getattr(x, "requires_grad", False)]
        seeds = [minitorch.ones(*o.shape, dtype=o.dtype, requires_grad=True) for o in outs]
        grads = list(minitorch.autograd.grad(outs, diff, seeds, create_graph=True, allow_unused=True))
        reached |= _ops_in_graph(outs + grads)
        for _ in range(2):  # the pieces of a backward's backward, and theirs (a piece's gradient is another piece)
            live = [g for g in grads if g is not None and g.requires_grad]
            if not live:
                break
            total = sum((g * g).sum() for g in live)
            grads = list(minitorch.autograd.grad(total, diff + seeds, create_graph=True, allow_unused=True))
            reached |= _ops_in_graph(grads)
    # A subclass that only renames a node or changes the forward shares its parent's backward: one row covers both.
    backwards = {op.backward for op in reached}
    missing = sorted(op.__name__ for op in _all_ops() if op.backward not in backwards and op.__name__ not in ELSEWHERE)
    assert not missing, f"ops whose backward no row of CASES reaches (add one): {missing}"
