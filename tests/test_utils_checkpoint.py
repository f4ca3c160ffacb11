"""utils.checkpoint against torch: gradients of checkpointed blocks (inputs and parameters), random state,
outputs, arguments, checkpoint_sequential, the warnings and errors, and what the graph keeps."""

from __future__ import annotations

import contextlib
import warnings
import weakref

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import assert_close, raises_like

LIBS = pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])
MODES = pytest.mark.parametrize("reentrant", [True, False], ids=["reentrant", "non_reentrant"])
TIGHT = {"rtol": 1e-10, "atol": 1e-12}
RNG = np.random.default_rng(0)
X = RNG.standard_normal((5, 4))
UPSTREAM = RNG.standard_normal((5, 3))
BIAS = RNG.standard_normal(3)


def ck(lib, *args, **kwargs):
    return lib.utils.checkpoint.checkpoint(*args, **kwargs)


def mlp(lib, n_layers: int = 2):
    """Linear/Tanh pairs in float64, with the same weights in both libraries (4 -> ... -> 3)."""
    rng = np.random.default_rng(1)
    sizes = [4] + [6] * (n_layers - 1) + [3]
    layers = []
    for i in range(n_layers):
        lin = lib.nn.Linear(sizes[i], sizes[i + 1]).double()
        with lib.no_grad():
            lin.weight.copy_(lib.tensor(rng.standard_normal(tuple(lin.weight.shape)) * 0.5))
            lin.bias.copy_(lib.tensor(rng.standard_normal(tuple(lin.bias.shape)) * 0.1))
        layers += [lin, lib.nn.Tanh()]
    return lib.nn.Sequential(*layers)


def grads_of(lib, model, run, x_array=X, upstream=UPSTREAM):
    """(output, input gradient, parameter gradients) of ``run(x)`` with a fixed upstream gradient."""
    x = lib.tensor(x_array, requires_grad=True)
    model.zero_grad()
    out = run(x)
    (out * lib.tensor(upstream)).sum().backward()
    return out.detach(), x.grad, [p.grad for p in model.parameters()]


def assert_same(got, want, what):
    out_g, x_g, p_g = got
    out_w, x_w, p_w = want
    assert_close(out_g, out_w, what=f"{what}: output", **TIGHT)
    assert_close(x_g, x_w, what=f"{what}: input grad", **TIGHT)
    assert len(p_g) == len(p_w)
    for i, (a, b) in enumerate(zip(p_g, p_w)):
        assert_close(a, b, what=f"{what}: grad of parameter {i}", **TIGHT)


@MODES
def test_mlp_block_gradients_equal_torch_and_plain(reentrant):
    results = {}
    for lib in (torch, minitorch):
        model = mlp(lib)
        results[lib, "ck"] = grads_of(lib, model, lambda x: ck(lib, model, x, use_reentrant=reentrant))
        results[lib, "plain"] = grads_of(lib, model, model)
    assert_same(results[minitorch, "ck"], results[torch, "ck"], "checkpointed vs torch")
    assert_same(results[minitorch, "ck"], results[minitorch, "plain"], "checkpointed vs plain")
    assert results[minitorch, "ck"][2][0] is not None  # (the parameters did receive gradients)


def test_both_variants_give_the_same_gradients():
    model = mlp(minitorch, 3)
    a = grads_of(minitorch, model, lambda x: ck(minitorch, model, x, use_reentrant=True))
    b = grads_of(minitorch, model, lambda x: ck(minitorch, model, x, use_reentrant=False))
    assert_same(a, b, "reentrant vs non-reentrant")


@LIBS
@MODES
def test_dropout_masks_are_replayed_with_preserve_rng_state(lib, reentrant):
    model = mlp(lib)
    drop = lib.nn.Dropout(0.5)

    def block(x):
        return drop(model(x))

    def run(checkpointed, preserve=True):
        lib.manual_seed(123)
        if not checkpointed:
            return grads_of(lib, model, block)
        return grads_of(lib, model, lambda x: ck(lib, block, x, use_reentrant=reentrant, preserve_rng_state=preserve))

    plain = run(False)
    assert_same(run(True), plain, "checkpointed with dropout")
    # Without the state restored the recomputation draws other masks: the gradients no longer match the output's.
    out, x_grad, _ = run(True, preserve=False)
    assert_close(out, plain[0], what="forward output", **TIGHT)
    assert not np.allclose(np.asarray(x_grad.numpy()), np.asarray(plain[1].numpy()))


@LIBS
@MODES
def test_recomputation_leaves_the_random_stream_alone(lib, reentrant):
    drop = lib.nn.Dropout(0.3)
    draws = []
    for do_backward in (False, True):
        lib.manual_seed(7)
        x = lib.tensor(X, requires_grad=True)
        y = ck(lib, lambda a: drop(a * 2), x, use_reentrant=reentrant)
        if do_backward:
            y.sum().backward()
        draws.append(lib.rand(6).numpy())
    np.testing.assert_array_equal(draws[0], draws[1])


@MODES
def test_tuple_outputs_with_numbers_and_none(reentrant):
    results = []
    for lib in (torch, minitorch):
        w = lib.tensor(np.linspace(-1.0, 1.0, 12).reshape(4, 3), requires_grad=True)
        x = lib.tensor(X, requires_grad=True)
        out = ck(lib, lambda a: (a @ w, 3, None, (a * a).sum()), x, use_reentrant=reentrant)
        assert out[1] == 3 and out[2] is None
        ((out[0] * lib.tensor(UPSTREAM)).sum() + 2 * out[3]).backward()
        results.append((out[0].detach(), out[3].detach(), x.grad, w.grad))
    for i, (got, want) in enumerate(zip(results[1], results[0])):
        assert_close(got, want, what=f"item {i}", **TIGHT)


def test_which_outputs_require_grad():
    for reentrant in (True, False):
        seen = []
        for lib in (torch, minitorch):
            x = lib.tensor(X, requires_grad=True)
            out = ck(lib, lambda a: (a * 2, a.detach() + 1, lib.arange(3)), x, use_reentrant=reentrant)
            seen.append([(o.requires_grad, str(o.dtype)) for o in out])
        assert seen[0] == seen[1], reentrant


def test_kwargs_and_non_tensor_arguments():
    results = []
    for lib in (torch, minitorch):
        model = mlp(lib)
        b = lib.tensor(BIAS, requires_grad=True)

        def fn(a, scale, flip, bias=None, *, power=1):
            out = model(a) * scale + bias
            return -(out**power) if flip else out**power

        x = lib.tensor(X, requires_grad=True)
        y = ck(lib, fn, x, 0.5, True, use_reentrant=False, bias=b, power=2)
        (y * lib.tensor(UPSTREAM)).sum().backward()
        results.append((y.detach(), x.grad, b.grad, model[0].weight.grad))
    for i, (got, want) in enumerate(zip(results[1], results[0])):
        assert_close(got, want, what=f"item {i}", **TIGHT)


@MODES
def test_non_tensor_positional_arguments(reentrant):
    results = []
    for lib in (torch, minitorch):
        x = lib.tensor(X, requires_grad=True)
        c = lib.tensor(X[::-1].copy())  # a tensor that needs no gradient
        y = ck(lib, lambda a, k, const, n: (a * k + const).pow(n), x, 1.5, c, 3, use_reentrant=reentrant)
        y.sum().backward()
        results.append((y.detach(), x.grad))
    assert_close(results[1][0], results[0][0], what="output", **TIGHT)
    assert_close(results[1][1], results[0][1], what="input grad", **TIGHT)


def test_nested_list_argument_non_reentrant():
    results = []
    for lib in (torch, minitorch):
        x = lib.tensor(X, requires_grad=True)
        z = lib.tensor(X.T.copy(), requires_grad=True)
        y = ck(lib, lambda pair: pair[0] @ pair[1], [x, z], use_reentrant=False)
        y.sum().backward()
        results.append((x.grad, z.grad))
    for i, (got, want) in enumerate(zip(results[1], results[0])):
        assert_close(got, want, what=f"grad {i}", **TIGHT)


def test_parameters_get_gradients_when_no_input_requires_grad_non_reentrant():
    grads = []
    for lib in (torch, minitorch):
        model = mlp(lib)
        y = ck(lib, model, lib.tensor(X), use_reentrant=False)
        assert y.requires_grad
        (y * lib.tensor(UPSTREAM)).sum().backward()
        grads.append([p.grad for p in model.parameters()])
    for i, (got, want) in enumerate(zip(grads[1], grads[0])):
        assert_close(got, want, what=f"grad of parameter {i}", **TIGHT)


@LIBS
def test_reentrant_without_an_input_requiring_grad_warns(lib):
    model = mlp(lib)
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True. Gradients will be None"):
        y = ck(lib, model, lib.tensor(X), use_reentrant=True)
    assert not y.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_non_reentrant_works_with_autograd_grad_and_backward_inputs():
    results = []
    for lib in (torch, minitorch):
        model = mlp(lib)
        x = lib.tensor(X, requires_grad=True)
        y = ck(lib, model, x, use_reentrant=False)
        gx, gw = lib.autograd.grad((y * lib.tensor(UPSTREAM)).sum(), [x, model[0].weight])
        assert x.grad is None and model[0].weight.grad is None
        y = ck(lib, model, x, use_reentrant=False)
        (y * lib.tensor(UPSTREAM)).sum().backward(inputs=[x])
        assert model[0].weight.grad is None
        results.append((gx, gw, x.grad))
    for i, (got, want) in enumerate(zip(results[1], results[0])):
        assert_close(got, want, what=f"item {i}", **TIGHT)


def test_non_reentrant_double_backward():
    results = []
    for lib in (torch, minitorch):
        x = lib.tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
        w = lib.tensor(np.array([1.0, 0.3, -0.7]), requires_grad=True)
        y = ck(lib, lambda a: (a**4 * w).sum(), x, use_reentrant=False)
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        gx, gw = lib.autograd.grad(g.sum(), [x, w], create_graph=True)
        (g3,) = lib.autograd.grad(gx.sum(), x)
        results.append((g, gx, gw, g3))
    for i, (got, want) in enumerate(zip(results[1], results[0])):
        assert_close(got, want, what=f"order {i}", **TIGHT)


def test_backward_twice():
    for reentrant in (True, False):
        for lib in (torch, minitorch):
            x = lib.tensor(X, requires_grad=True)
            s = ck(lib, lambda a: a.sin().sum(), x, use_reentrant=reentrant)
            s.backward(retain_graph=True)
            s.backward()
            np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(X), rtol=1e-12)
    raises_like(lambda lib: _twice(lib), "Trying to backward through the graph a second time")


def _twice(lib):
    s = ck(lib, lambda a: a.sin().sum(), lib.tensor(X, requires_grad=True), use_reentrant=True)
    s.backward()
    s.backward()


def test_input_changed_in_place_after_checkpoint():
    for reentrant in (True, False):

        def run(lib, reentrant=reentrant):
            x = lib.tensor(X, requires_grad=True) * 2
            y = ck(lib, lambda a: (a * a).sum(), x, use_reentrant=reentrant)
            with lib.no_grad():
                x.add_(1)
            y.backward()

        raises_like(run, "modified by an inplace operation")


@LIBS
def test_identity_and_no_grad(lib):
    x = lib.tensor(X, requires_grad=True)
    assert ck(lib, lambda a: a, x, use_reentrant=False) is x
    y = ck(lib, lambda a: a, x, use_reentrant=True)
    assert y is not x and y.grad_fn is not None
    with lib.no_grad():
        assert not ck(lib, lambda a: a * 2, x, use_reentrant=True).requires_grad
        assert not ck(lib, lambda a: a * 2, x, use_reentrant=False).requires_grad


@pytest.mark.parametrize("segments", [1, 2, 3, 4, 6])
@MODES
def test_checkpoint_sequential_equals_torch(segments, reentrant):
    results = {}
    for lib in (torch, minitorch):
        model = mlp(lib, 3)  # six modules

        def run(x, lib=lib, model=model):
            return lib.utils.checkpoint.checkpoint_sequential(model, segments, x, use_reentrant=reentrant)

        results[lib] = grads_of(lib, model, run)
        results[lib, "plain"] = grads_of(lib, model, model)
    assert_same(results[minitorch], results[torch], f"{segments} segments vs torch")
    assert_same(results[minitorch], results[minitorch, "plain"], f"{segments} segments vs plain")


def test_checkpoint_sequential_of_a_list_of_functions():
    results = []
    for lib in (torch, minitorch):
        model = mlp(lib, 2)
        functions = [model[0], lib.tanh, model[2], lambda t: t * 3]
        x = lib.tensor(X, requires_grad=True)
        y = lib.utils.checkpoint.checkpoint_sequential(functions, 3, x, use_reentrant=False, preserve_rng_state=False)
        (y * lib.tensor(UPSTREAM)).sum().backward()
        results.append((y.detach(), x.grad, model[0].weight.grad, model[2].bias.grad))
    for i, (got, want) in enumerate(zip(results[1], results[0])):
        assert_close(got, want, what=f"item {i}", **TIGHT)


def test_checkpoint_sequential_errors():
    def seq(segments, **kw):
        def run(lib):
            model = mlp(lib, 2)
            lib.utils.checkpoint.checkpoint_sequential(model, segments, lib.tensor(X), use_reentrant=False, **kw)

        return run

    raises_like(seq(5), "range() arg 3 must not be zero")
    raises_like(seq(0), "division or modulo by zero")
    raises_like(seq(2, foo=1), "Unexpected keyword arguments: foo", exact=True)


def _warning_of(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    assert len(caught) == 1, [str(w.message) for w in caught]
    return type(caught[0].message), str(caught[0].message)


def test_use_reentrant_unspecified_warns_as_torch_and_means_reentrant():
    def plain(lib):
        return ck(lib, lambda a: a * 2, lib.tensor(X, requires_grad=True))

    def sequential(lib):
        model = mlp(lib, 2)
        return lib.utils.checkpoint.checkpoint_sequential(model, 2, lib.tensor(X, requires_grad=True))

    for call in (plain, sequential):
        want = _warning_of(lambda call=call: call(torch))
        assert _warning_of(lambda call=call: call(minitorch)) == want
        assert want[0] is UserWarning and "use_reentrant parameter should be passed explicitly" in want[1]
    with pytest.warns(UserWarning):
        assert plain(minitorch).grad_fn.name() == plain(torch).grad_fn.name() == "CheckpointFunctionBackward"


def test_reentrant_refuses_grad_and_backward_inputs():
    gist = "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad()"

    def with_grad(lib):
        x = lib.tensor(X, requires_grad=True)
        lib.autograd.grad(ck(lib, lambda a: a.sin(), x, use_reentrant=True).sum(), x)

    def with_inputs(lib):
        x = lib.tensor(X, requires_grad=True)
        ck(lib, lambda a: a.sin(), x, use_reentrant=True).sum().backward(inputs=[x])

    raises_like(with_grad, gist)
    raises_like(with_inputs, gist)


def test_argument_errors():
    x = X

    def kwargs_reentrant(lib):
        ck(lib, lambda a, b=1: a * b, lib.tensor(x), use_reentrant=True, b=2)

    raises_like(kwargs_reentrant, "Unexpected keyword arguments: b", exact=True)
    for extra in ({"debug": True}, {"context_fn": lambda: (contextlib.nullcontext(), contextlib.nullcontext())}):
        raises_like(
            lambda lib, extra=extra: ck(lib, lambda a: a, lib.tensor(x), use_reentrant=True, **extra),
            "Passing `context_fn` or `debug` is only supported when use_reentrant=False.",
            exact=True,
        )
    raises_like(
        lambda lib: ck(lib, lambda a: a, lib.tensor(x), use_reentrant=False, determinism_check="always"),
        "determinism_check should be one of ['default', 'none'], but got always",
        exact=True,
    )
    raises_like(
        lambda lib: ck(
            lib,
            lambda a: a,
            lib.tensor(x),
            use_reentrant=False,
            debug=True,
            context_fn=lambda: (contextlib.nullcontext(), contextlib.nullcontext()),
        ),
        "debug=True is incompatible with non-default context_fn",
        exact=True,
    )
    for reentrant in (True, False):
        raises_like(
            lambda lib, r=reentrant: ck(lib, 3, lib.tensor(x, requires_grad=True), use_reentrant=r), "not callable"
        )


def test_no_output_requiring_grad_when_recomputed_reentrant():
    def run(lib):
        y = ck(lib, lambda a: a.detach() + 1, lib.tensor(X, requires_grad=True), use_reentrant=True)
        assert y.requires_grad
        y.sum().backward()

    raises_like(run, "none of output has requires_grad=True, this checkpoint() is not necessary", exact=True)


def test_recomputation_that_differs_raises_checkpoint_error():
    errors = []
    for lib in (torch, minitorch):
        calls = [6]

        def shrinking(a, calls=calls):
            calls[0] -= 1
            return a.sin()[: calls[0] + 1].exp()

        y = ck(lib, shrinking, lib.tensor(np.linspace(0, 1, 6), requires_grad=True), use_reentrant=False)
        with pytest.raises(RuntimeError) as err:
            y.sum().backward()
        errors.append(err.value)
    want, got = errors
    assert type(want).__name__ == type(got).__name__ == "CheckpointError"
    gist = "torch.utils.checkpoint: Recomputed values for the following tensors have different metadata"
    assert gist in str(want) and gist in str(got)
    assert isinstance(got, minitorch.utils.checkpoint.CheckpointError)


def test_context_fn():
    logs = []
    for lib in (torch, minitorch):
        log = []

        @contextlib.contextmanager
        def tagged(tag, log=log):
            log.append(tag + " in")
            yield
            log.append(tag + " out")

        x = lib.tensor(X, requires_grad=True)
        y = ck(lib, lambda a: a.sin(), x, use_reentrant=False, context_fn=lambda: (tagged("fwd"), tagged("re")))
        log.append("between")
        y.sum().backward()
        logs.append(log[:4])  # (torch stops its recomputation early, inside the context)
    assert logs[1] == logs[0] == ["fwd in", "fwd out", "between", "re in"]

    class Swallow:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return True

    def failing(a):
        raise KeyError("boom")

    raises_like(
        lambda lib: ck(lib, failing, lib.tensor(X), use_reentrant=False, context_fn=lambda: (Swallow(), Swallow())),
        "the forward context provided by context_fn suppressed an exception",
    )


def _graph_names(t):
    """The names of every node reachable from ``t.grad_fn``."""
    names, stack, seen = set(), [t.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.add(type(node).__name__)
        stack += [child for child, _ in node.next_functions]
    return names


def test_graph_holds_no_inner_nodes():
    for reentrant, node, input_grad in (
        (True, "CheckpointFunctionBackward", True),
        (False, "CheckpointBackward", True),
        (False, "CheckpointBackward", False),
    ):
        model = mlp(minitorch, 3)
        y = ck(minitorch, model, minitorch.tensor(X, requires_grad=input_grad), use_reentrant=reentrant)
        assert _graph_names(y) == {node, "AccumulateGrad"}
        assert {"TanhBackward0", "AddmmBackward0"} <= _graph_names(model(minitorch.tensor(X, requires_grad=True)))
    # torch's reentrant checkpoint shows the very same graph
    model = mlp(torch, 3)
    y = ck(torch, model, torch.tensor(X, requires_grad=True), use_reentrant=True)
    assert _graph_names(y) == {"CheckpointFunctionBackward", "AccumulateGrad"}


@pytest.mark.parametrize("reentrant, input_grad", [(True, True), (False, True), (False, False)])
def test_intermediate_activations_are_not_kept(reentrant, input_grad):
    w = minitorch.tensor(np.linspace(-1.0, 1.0, 4), requires_grad=True)
    kept = []

    def block(a):
        h = (a * w).tanh()  # tanh saves its output for backward
        if not kept:
            kept.append(weakref.ref(h._data))
        return h.sum()

    y = block(minitorch.tensor(X, requires_grad=input_grad))
    assert kept[0]() is not None  # the plain graph holds the activation
    kept.clear()
    del y
    y = ck(minitorch, block, minitorch.tensor(X, requires_grad=input_grad), use_reentrant=reentrant)
    assert kept[0]() is None  # the checkpointed one does not
    kept.clear()
    y.backward()  # (and the recomputation still gives the gradient)
    assert kept[0]() is None
    want = ((1 - np.tanh(X * np.linspace(-1.0, 1.0, 4)) ** 2) * X).sum(0)
    np.testing.assert_allclose(w.grad.numpy(), want, rtol=1e-12)


def test_non_leaf_tensor_read_from_outside_the_arguments():
    # h is made before the call and also used after it: its graph is walked by the checkpoint's backward too,
    # and must still be intact (and not counted twice) when the caller's backward reaches it.
    results = []
    for lib in (torch, minitorch):
        w = lib.tensor(np.linspace(0.5, 1.5, 4), requires_grad=True)
        h = (w * 2).exp()
        x = lib.tensor(X, requires_grad=True)
        y = ck(lib, lambda a: (a * h).tanh(), x, use_reentrant=False)
        ((y * y).sum() + (h * h).sum()).backward()
        results.append((x.grad, w.grad))
    for i, (got, want) in enumerate(zip(results[1], results[0])):
        assert_close(got, want, what=f"grad {i}", **TIGHT)


def test_dict_output_non_reentrant():
    results = []
    for lib in (torch, minitorch):
        x = lib.tensor(X, requires_grad=True)
        out = ck(lib, lambda a: {"sin": a.sin(), "pair": [a.cos(), 2]}, x, use_reentrant=False)
        assert out["pair"][1] == 2
        (out["sin"] * out["pair"][0]).sum().backward()
        results.append(x.grad)
    assert_close(results[1], results[0], what="input grad", **TIGHT)


@pytest.mark.parametrize("outer", [True, False], ids=["outer_reentrant", "outer_non_reentrant"])
@pytest.mark.parametrize("inner", [True, False], ids=["inner_reentrant", "inner_non_reentrant"])
@pytest.mark.parametrize("how", ["backward", "grad"])
def test_nested_checkpoints(outer, inner, how):
    # A reentrant checkpoint inside a non-reentrant one works under backward() and refuses grad(), as in torch:
    # the pass that recomputes the outer one stands for the pass that ran it.
    def run(lib):
        w = lib.tensor(np.linspace(0.5, 1.5, 4), requires_grad=True)
        x = lib.tensor(X, requires_grad=True)

        def block(a):
            return ck(lib, lambda b: (b * w).sin(), a, use_reentrant=inner).cos() * w

        y = ck(lib, block, x, use_reentrant=outer)
        if how == "grad":
            return lib.autograd.grad(y.sum(), [x, w])
        y.sum().backward()
        return x.grad, w.grad

    if how == "grad" and (outer or inner):
        raises_like(run, "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad()")
        return
    for i, (got, want) in enumerate(zip(run(minitorch), run(torch))):
        assert_close(got, want, what=f"grad {i}", **TIGHT)


@MODES
def test_on_each_device(device, reentrant):
    model = mlp(minitorch, 3).to(device)
    w = minitorch.tensor(np.linspace(0.5, 1.5, 3), device=device, requires_grad=True)
    results = []
    for checkpointed in (True, False):
        h = w.exp()  # read from outside the arguments
        x = minitorch.tensor(X, device=device, requires_grad=True)
        model.zero_grad()
        w.grad = None
        if checkpointed:
            y = ck(minitorch, lambda a: model(a) * h, x, use_reentrant=reentrant)
        else:
            y = model(x) * h
        (y * minitorch.tensor(UPSTREAM, device=device)).sum().backward()
        assert y.device.type == x.device.type
        results.append([t.cpu() for t in (y.detach(), x.grad, w.grad, *(p.grad for p in model.parameters()))])
    for i, (got, want) in enumerate(zip(*results)):
        assert_close(got, want, what=f"item {i}", **TIGHT)


@MODES
def test_recomputed_dropout_masks_are_the_forward_s_on_each_device(device, reentrant):
    """On a GPU dropout draws from the device's own generator: the recomputation replays the stretch of it the
    forward drew (a fork), so each element's gradient is 2 / (1 - p) where the forward kept it, 0 where not."""
    minitorch.manual_seed(3)
    x = minitorch.ones(4000, device=device, requires_grad=True)
    y = ck(minitorch, lambda a: minitorch.nn.functional.dropout(a * 2, 0.5, training=True), x, use_reentrant=reentrant)
    y.sum().backward()
    kept = y.detach().cpu().numpy() != 0
    assert 0.4 < kept.mean() < 0.6
    np.testing.assert_array_equal(x.grad.cpu().numpy(), np.where(kept, 4.0, 0.0))
