"""Activation checkpointing, as ``torch.utils.checkpoint``: trade compute for memory.

``checkpoint(fn, *args)`` runs ``fn`` keeping none of its intermediate activations; the graph holds one
node for the whole call, whose backward runs ``fn`` again with gradients enabled (from the same random
state, so dropout draws the same masks) and back-propagates through that fresh graph.

The two variants differ where torch's do:

- ``use_reentrant=True`` (what ``use_reentrant=None`` means, after torch's warning): the node's edges are
  the tensor arguments only; its backward starts a nested ``backward`` that accumulates straight into the
  ``.grad`` of the parameters ``fn`` uses, so it refuses ``autograd.grad`` and ``backward(inputs=...)``.
- ``use_reentrant=False``: the forward records the graph once, to find every leaf ``fn`` reaches (its
  module's parameters too), and keeps none of it; the node's edges are the arguments (in lists, tuples
  and dicts too) and those leaves (and, for order only, the caller's nodes it reached), and its backward asks for exactly their gradients (``autograd.grad``),
  so every way of running backward works, kwargs are passed on, and parameters get gradients even when
  no argument requires grad. torch records the inner ops' nodes instead; here the output's ``grad_fn`` is
  ``CheckpointBackward``. A tensor ``fn`` reads from outside its arguments that is not a leaf is
  differentiated through, not stopped at: gradients of the leaves stay exact, but ``autograd.grad`` with
  respect to that very tensor does not see the checkpoint's share.

Random state: minitorch's host generator (``minitorch.random``) is restored for the recomputation and put
back after it, and a device with a generator of its own (a GPU) draws the recomputation from a stretch of its
stream forked at the forward (``Backend.fork_random_stream``), as torch forks the arguments' devices' generators.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from ..autograd import engine
from ..autograd.function import AccumulateGrad, Context, Function, is_tensor
from ..autograd.grad_mode import is_grad_enabled
from ..nn.modules.container import Sequential
from .checkpoint_recipe import (
    _cut,
    _fill,
    _fork_random_state,
    _is_slot,
    _map_tensors,
    _Recipe,
    _Slot,
    _template,
    _tensors_in,
)

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "noop_context_fn"]

_UNSPECIFIED = (
    "the use_reentrant parameter should be passed explicitly. {rest}use_reentrant=False is recommended, but if you "
    "need to preserve the current default behavior, you can pass use_reentrant=True. Refer to docs for more details "
    "on the differences between the two variants."
)
_CHECKPOINT_UNSPECIFIED = "torch.utils.checkpoint: " + _UNSPECIFIED.format(
    rest="Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. "
)
_SEQUENTIAL_UNSPECIFIED = "torch.utils.checkpoint.checkpoint_sequential: " + _UNSPECIFIED.format(
    rest="In version 2.9 we will raise an exception if use_reentrant is not passed. "
)
_NO_INPUT_GRAD = "None of the inputs have requires_grad=True. Gradients will be None"
_REENTRANT_GRAD = (
    "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or passing an `inputs` parameter "
    "to .backward(). To resolve this error, you can either set use_reentrant=False, or call .backward() without "
    "passing the `inputs` argument."
)
_SUPPRESSED = (
    "torch.utils.checkpoint: the forward context provided by context_fn suppressed an exception raised during the "
    "checkpointed forward. This is not supported because checkpoint cannot return a value for a failed forward."
)
_DETERMINISM_CHECKS = ("default", "none")


class CheckpointError(RuntimeError):
    """The recomputation did not produce what the forward did (torch's error of the same name)."""


def noop_context_fn() -> tuple[AbstractContextManager, AbstractContextManager]:
    """The default ``context_fn``: the forward and the recomputation run under no extra context."""
    return contextlib.nullcontext(), contextlib.nullcontext()


def _output_tensors(out: Any) -> list:
    """The tensors of a reentrant checkpoint's output that get its node: the output itself, or a tuple's tensors
    (torch's Function tracks nothing inside lists and dicts)."""
    if is_tensor(out):
        return [out]
    return [o for o in out if is_tensor(o)] if isinstance(out, tuple) else []


class _Reentrant(Function):
    """use_reentrant=True: a node over the tensor arguments; its backward recomputes and runs a nested backward."""

    node_name = "CheckpointFunctionBackward"

    @staticmethod
    def forward(ctx: Context, recipe: _Recipe, *tensors: Tensor) -> tuple:
        ctx.recipe = recipe
        ctx.save_for_backward(*tensors)
        args, kwargs = _fill(recipe.template, tensors, recipe.nested)
        recipe.result = recipe.function(*args, **kwargs)  # (Function.apply runs forward without recording)
        # Aliases, never the tensors themselves: an input or a parameter handed back must keep its own grad_fn.
        return tuple(o.detach() for o in _output_tensors(recipe.result))

    @staticmethod
    def backward(ctx: Context, *grads: Tensor) -> tuple:
        if engine.pass_captures():
            raise RuntimeError(_REENTRANT_GRAD)
        recipe: _Recipe = ctx.recipe
        cuts = [_cut(t) for t in ctx.saved_tensors]
        out = recipe.run(cuts)
        pairs = [(o, g) for o, g in zip(_output_tensors(out), grads) if o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        # A full backward: parameters of the function get their .grad here, the arguments through the return.
        engine.backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, *(c.grad for c in cuts))


class _NonReentrant(Function):
    """use_reentrant=False: a node over the arguments and the leaves the function reached; its backward
    recomputes and asks the fresh graph for exactly those gradients."""

    node_name = "CheckpointBackward"

    @staticmethod
    def forward(ctx: Context, recipe: _Recipe, *tensors: Tensor) -> tuple:
        ctx.recipe = recipe
        ctx.save_for_backward(*tensors[: recipe.n_inputs])
        outputs, recipe.outputs = recipe.outputs, ()
        return outputs

    @staticmethod
    def backward(ctx: Context, *grads: Tensor) -> tuple:
        recipe: _Recipe = ctx.recipe
        saved = ctx.saved_tensors
        anchors = (None,) * recipe.n_anchors  # (they carry no gradient)
        if not is_grad_enabled():
            return (None, *_gradients(recipe, len(saved), *(_cut(t) for t in saved), *grads), *anchors)
        # create_graph: the gradients must be differentiable in the arguments themselves, not in leaves cut from
        # them, so computing them is checkpointed in turn (and so on, to any order).
        vjp = functools.partial(_gradients, recipe, len(saved))
        return (None, *checkpoint(vjp, *saved, *grads, use_reentrant=False, preserve_rng_state=False), *anchors)


def _gradients(recipe: _Recipe, n: int, *tensors: Tensor) -> tuple:
    """A non-reentrant checkpoint's gradients for its arguments (``tensors[:n]``, None for those that need none)
    and for the leaves it reached, given its outputs' gradients (``tensors[n:]``): the function is run again on
    those arguments, recording, and the fresh graph asked for exactly these."""
    graph = is_grad_enabled()  # (under create_graph, or when a checkpointed gradient is itself recomputed)
    inputs, grads = tensors[:n], tensors[n:]
    found = _tensors_in(recipe.run(inputs), True)
    if len(found) <= max(recipe.positions):
        raise CheckpointError(
            "torch.utils.checkpoint: A different number of tensors was saved during the original forward and "
            f"recomputation.\nNumber of tensors saved during forward: {len(recipe.positions)}\n"
            f"Number of tensors saved during recomputation: {len(found)}."
        )
    again = [found[i] for i in recipe.positions]
    if recipe.metadata:
        _check_metadata(recipe.metadata, again)
    pairs = [(o, g) for o, g in zip(again, grads) if o.requires_grad]
    targets = [t for t in inputs if t.requires_grad] + recipe.leaves
    if not pairs or not targets:
        return (None,) * (n + len(recipe.leaves))
    # retain_graph: the fresh graph is dropped anyway, and a tensor read from outside the arguments may lead
    # into the caller's graph, whose saved values its own backward still needs.
    # (the pass this starts stands for the one running the checkpoint: a reentrant checkpoint inside asks about that)
    with engine.on_behalf_of_current_pass():
        got = iter(
            engine.grad(
                [o for o, _ in pairs],
                targets,
                [g for _, g in pairs],
                retain_graph=True,
                create_graph=graph,
                allow_unused=True,
            )
        )
    return (*(next(got) if t.requires_grad else None for t in inputs), *got)


def _metadata(t: Tensor) -> dict:
    return {"shape": t.shape, "dtype": t.dtype, "device": t.device}


def _check_metadata(saved: list, again: list) -> None:
    """torch's error when a recomputed output's shape, dtype or device differs from the forward's."""
    lines = [
        f"tensor at position {i}:\nsaved metadata: {m}\nrecomputed metadata: {_metadata(t)}\n"
        for i, (m, t) in enumerate(zip(saved, again))
        if m != _metadata(t)
    ]
    if lines:
        raise CheckpointError(
            "torch.utils.checkpoint: Recomputed values for the following tensors have different metadata than "
            "during the forward pass.\n" + "".join(lines) + "."
        )


def _survey(roots: list, cuts: list) -> tuple[list, list]:
    """Walk the graph the forward recorded, from ``roots`` (its outputs' nodes), down to the leaves.

    Returns the leaves reached other than the cut arguments, and weak references to the nodes that lead to no
    cut argument: among them the nodes of the caller's graph that the function reached through a tensor it
    read from outside its arguments (the others, made from parameters alone, die with the recorded graph).
    """
    cut_ids = {id(c) for c in cuts}
    leads: dict = {}  # node -> whether it leads to a cut argument
    leaves: dict = {}  # id -> leaf, in the order found
    stack = [(r, False) for r in roots]
    while stack:  # depth first, each node settled after its children (the graph is acyclic)
        node, children_done = stack.pop()
        if node in leads:
            continue
        children = [c for c, _ in node.next_functions if c is not None]
        if not children_done:
            stack.append((node, True))
            stack += [(c, False) for c in children if type(c) is not AccumulateGrad and c not in leads]
            continue
        hit = False
        for c in children:
            if type(c) is not AccumulateGrad:
                hit = hit or leads[c]
            elif id(c.variable) in cut_ids:
                hit = True
            else:
                leaves.setdefault(id(c.variable), c.variable)
        leads[node] = hit
    return list(leaves.values()), [weakref.ref(n) for n, hit in leads.items() if not hit]


def _anchor(node: Any, like: Tensor) -> Tensor:
    """A tensor whose edge leads to ``node``, a node of the caller's graph that the checkpoint's backward walks
    through: the edge carries no gradient, it makes the engine run ``node`` (and free what it saved) after
    the checkpoint's backward, not before."""
    t = like.detach().requires_grad_()
    t.grad_fn = node
    return t


def _checkpoint_reentrant(function: Callable, args: tuple, preserve: bool) -> Any:
    if not any(is_tensor(a) and a.requires_grad for a in args):
        warnings.warn(_NO_INPUT_GRAD, UserWarning, stacklevel=3)
    template, tensors = _template(args, {}, nested=False)
    recipe = _Recipe(function, template, _fork_random_state(args, False) if preserve else None, nested=False)
    outputs = iter(_Reentrant.apply(recipe, *tensors))
    result, recipe.result = recipe.result, None
    if is_tensor(result):
        return next(outputs)
    if isinstance(result, tuple):
        return tuple(next(outputs) if is_tensor(r) else r for r in result)
    return result  # (a list or dict: passed through untracked, as torch's Function does)


def _checkpoint_non_reentrant(
    function: Callable,
    args: tuple,
    kwargs: dict,
    preserve: bool,
    context_fn: Callable[[], tuple[AbstractContextManager, AbstractContextManager]],
    determinism_check: str,
) -> Any:
    forward_context, recompute_context = context_fn()
    if not is_grad_enabled():
        return function(*args, **kwargs)
    template, originals = _template(args, kwargs, nested=True)
    recipe = _Recipe(function, template, _fork_random_state((args, kwargs), True) if preserve else None, nested=True)
    recipe.recompute_context = recompute_context
    cuts = [_cut(t) for t in originals]
    cut_args, cut_kwargs = _fill(template, cuts, True)
    failed = True
    with forward_context:
        result = function(*cut_args, **cut_kwargs)
        failed = False
    if failed:  # the context swallowed the function's exception: there is nothing to return
        raise RuntimeError(_SUPPRESSED)
    del cut_args, cut_kwargs
    original_of = {id(c): t for c, t in zip(cuts, originals)}
    found = _tensors_in(result, True)
    made = [i for i, t in enumerate(found) if t.grad_fn is not None]
    if not made:  # nothing recorded: the output is what the function returned (an argument: the argument itself)
        return _map_tensors(result, lambda t: original_of.get(id(t), t), True)
    recipe.leaves, outside = _survey([found[i].grad_fn for i in made], cuts)
    recipe.positions = made
    if determinism_check == "default":
        recipe.metadata = [_metadata(found[i]) for i in made]
    recipe.outputs = tuple(found[i].detach() for i in made)
    slots = {id(found[i]): _Slot(k) for k, i in enumerate(made)}
    shape = _map_tensors(result, lambda t: slots[id(t)] if id(t) in slots else original_of.get(id(t), t), True)
    # Drop the recorded graph: what survives it, of the nodes that lead to no argument, is the caller's.
    del result, found
    anchors = [_anchor(n, recipe.outputs[0]) for n in (ref() for ref in outside) if n is not None]
    recipe.n_inputs, recipe.n_anchors = len(originals), len(anchors)
    given = _NonReentrant.apply(recipe, *originals, *recipe.leaves, *anchors)
    return _map_tensors(shape, lambda s: given[s.index], True, _is_slot)


def checkpoint(
    function: Callable,
    *args: Any,
    use_reentrant: bool | None = None,
    context_fn: Callable[[], tuple[AbstractContextManager, AbstractContextManager]] = noop_context_fn,
    determinism_check: str = "default",
    debug: bool = False,
    early_stop: bool = True,
    preserve_rng_state: bool = True,
    **kwargs: Any,
) -> Any:
    """Run ``function(*args, **kwargs)`` keeping none of its activations; backward recomputes them.

    Args:
        function: what to run (a module, or any callable of tensors).
        args: its positional arguments.
        use_reentrant: which variant (see the module's docstring); None warns as torch does and means True.
        context_fn: returns two context managers, for the forward and for the recomputation
            (use_reentrant=False only).
        determinism_check: ``"default"`` checks that the recomputed outputs have the forward's shapes, dtypes
            and devices; ``"none"`` does not (use_reentrant=False only).
        debug: accepted for torch's signature (use_reentrant=False only); adds nothing to the messages here.
        early_stop: accepted for torch's signature; the recomputation always runs the whole function.
        preserve_rng_state: recompute from the random state the forward started from, so that random ops
            (dropout) draw the same numbers.
        kwargs: keyword arguments of ``function`` (use_reentrant=False only).

    Returns:
        What ``function`` returns.
    """
    if use_reentrant is None:
        warnings.warn(_CHECKPOINT_UNSPECIFIED, UserWarning, stacklevel=2)
        use_reentrant = True
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        return _checkpoint_reentrant(function, args, preserve_rng_state)
    if debug and context_fn is not noop_context_fn:
        raise ValueError("debug=True is incompatible with non-default context_fn")
    if determinism_check not in _DETERMINISM_CHECKS:
        raise ValueError(f"determinism_check should be one of {list(_DETERMINISM_CHECKS)}, but got {determinism_check}")
    return _checkpoint_non_reentrant(function, args, kwargs, preserve_rng_state, context_fn, determinism_check)


def _run_span(functions: list, start: int, stop: int, x: Any) -> Any:
    for f in functions[start:stop]:
        x = f(x)
    return x


def checkpoint_sequential(
    functions: Any, segments: int, input: Any, use_reentrant: bool | None = None, **kwargs: Any
) -> Any:
    """Run ``functions`` one after another on ``input``, in ``segments`` chunks, checkpointing all but the last.

    Args:
        functions: a ``nn.Sequential`` (its distinct children) or a list of modules or functions.
        segments: how many chunks: each has ``len(functions) // segments`` of them, the last the rest.
        input: the tensor fed to the first.
        use_reentrant: as for ``checkpoint``; None warns as torch does and means True.
        kwargs: only ``preserve_rng_state`` (default True), as for ``checkpoint``.

    Returns:
        The last function's output.
    """
    if use_reentrant is None:
        warnings.warn(_SEQUENTIAL_UNSPECIFIED, UserWarning, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if isinstance(functions, Sequential):
        functions = list(functions.children())
    size = len(functions) // segments
    stop = 0
    # (a step of 0, more segments than functions, is range's ValueError, as in torch)
    for start in range(0, size * (segments - 1), size):
        stop = start + size
        run = functools.partial(_run_span, functions, start, stop)
        input = checkpoint(run, input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return _run_span(functions, stop, len(functions), input)
