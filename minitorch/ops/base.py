"""What every built-in op shares: the ``Op`` base (the built-in path of autograd), the namespace a
backward computes with, and operand preparation.

One backward serves every order of differentiation. A backward computes with operators and
with the functions of ``xp = namespace_of(grad, ...)``: given raw arrays (a plain ``backward()``)
that is numpy or cupy, exactly as before; given tensors (the engine under ``create_graph``) it is
``tensor_numpy``, numpy's functions as differentiable minitorch ops, so the same lines record the
graph of the backward. A piece of a backward that is a kernel of its own (a convolution's input
gradient, max-pooling's scatter) is an ``Op`` too, called with ``Op.call``: its forward on raw
arrays, a recorded op with its own backward on tensors. Masks and indices are constants: they
are computed from ``array_of(value)``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, Union

from .. import backend, creation, dtypes
from ..autograd import anomaly
from ..autograd.function import Context, FunctionBase, check_same_device
from ..autograd.grad_mode import thread_modes
from ..backend import HOST, Array, array_module
from ..backend.fp_errors import restore, silence
from ..tensor import Tensor

# Numbers that take part in an op as torch's wrapped numbers: Python's, and numpy's scalars, which torch's
# argument parser reads the same way.
Scalar = dtypes.REAL_SCALARS
# What a binary op's forward receives for each operand: an array, or a Python number it takes as a constant.
Operand = Union[Array, float]
_HOST = HOST.array_type


class Op(FunctionBase):
    """A built-in op: ``forward(ctx, *arrays)`` and ``backward(ctx, *grads)`` take and return raw arrays.

    ``apply`` is the hot path of every training step: it unwraps the tensor arguments, runs
    ``forward`` on their arrays (which never see a Tensor, so no grad-mode switch is needed), wraps
    the results and, when an input requires grad, records one node (``FunctionBase._record``).
    """

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        # One pass over the arguments: the tensors, what needs grad, the raw arrays, whether any lives off the
        # host (only then can devices be mixed) and whether a number comes before a tensor (rare: positions).
        tensors, needs, raw = [], [], []
        foreign = gap = scattered = False
        for a in args:
            if isinstance(a, Tensor):
                d = a._data
                tensors.append(a)
                needs.append(a._requires_grad)
                raw.append(d)
                if type(d) is not _HOST:
                    foreign = True
                if gap:
                    scattered = True
            else:
                needs.append(False)
                raw.append(a)
                gap = True
        if foreign:
            check_same_device(_with_positions(args))
        ctx = Context()
        ctx.needs_input_grad = needs = tuple(needs)  # type: ignore[assignment]
        quiet = silence()  # inf and NaN without numpy's warnings, as in torch
        try:
            raw_out = cls.forward(ctx, *raw, **kwargs)
        finally:
            restore(quiet)
        record = True in needs and thread_modes.enabled  # (is_grad_enabled(), without the call)
        if isinstance(raw_out, tuple):
            outs = [_wrap(r) for r in raw_out]
            if record:
                cls._record(ctx, _with_positions(args), outs, raw, raw_out)
            return tuple(outs)
        out = _wrap(raw_out)
        if record:
            end = cls._scalar_edges_end
            if (
                scattered
                or ctx._non_differentiable
                or anomaly._enabled
                or (end > len(tensors) and not (cls._scalar_edges_dense and end <= len(args)))
            ):
                cls._record(ctx, _with_positions(args), [out], raw, (raw_out,))
            else:  # the common op (one output, the tensors first)
                cls._record_one(ctx, tensors, out, raw, raw_out)
        return out

    @classmethod
    def call(cls, *args: Any, **kwargs: Any) -> Any:
        """The op as a piece of another op's backward: on tensors, ``apply`` (recorded, differentiable
        again); on raw arrays, ``forward`` alone, as a plain kernel call with nothing recorded."""
        for a in args:
            if isinstance(a, Tensor):
                return cls.apply(*args, **kwargs)
        ctx = Context()
        ctx.needs_input_grad = _NOTHING_NEEDED
        quiet = silence()
        try:
            return cls.forward(ctx, *args, **kwargs)
        finally:
            restore(quiet)


def _with_positions(args: tuple) -> list:
    """(argument position, tensor) for each tensor argument: what the general recorder takes."""
    return [(i, a) for i, a in enumerate(args) if isinstance(a, Tensor)]


_wrap = Tensor._wrap
_NOTHING_NEEDED = (False,) * 32  # needs_input_grad of a kernel call: no argument needs a gradient

# numpy's functions as differentiable ops on tensors (``tensor_numpy``), bound by ``minitorch.ops`` once
# every op module is loaded (the op modules and that namespace need each other).
_ON_TENSORS: Any = None


def bind_tensor_namespace(namespace: Any) -> None:
    """Set the namespace ``namespace_of`` gives for tensors (called once, by ``minitorch.ops``)."""
    global _ON_TENSORS
    _ON_TENSORS = namespace


def namespace_of(*values: Any) -> Any:
    """What a backward computes with: numpy or cupy for raw arrays, differentiable ops for tensors.

    The engine hands a backward raw arrays, or tensors under ``create_graph``; with this namespace
    (``xp.exp``, ``xp.sum(g, axis=..., keepdims=...)``, ``xp.where``, ...) and operators, one body
    serves both.
    """
    for v in values:
        if isinstance(v, Tensor):
            return _ON_TENSORS
    return array_module(*values)


def matrix_product(a: Any, b: Any) -> Any:
    """``a @ b`` (numpy's matmul rules) on arrays or tensors. On arrays it is the backend's ``matmul``, not the
    operator: CuPy's ``@`` cannot be recorded by CUDA graph capture, the CUDA backend's ``matmul`` can."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return a @ b  # on tensors: the differentiable matmul
    return array_module(a, b).matmul(a, b)


def array_of(value: Any) -> Any:
    """The array under a tensor (or the array itself): for masks and indices, which carry no gradient."""
    return value._data if isinstance(value, Tensor) else value


def is_tensor(value: Any) -> bool:
    """Whether a backward was handed tensors (create_graph) rather than raw arrays: for a device kernel's
    backward, which runs on arrays only and hands tensors to its plain twin's differentiable one."""
    return isinstance(value, Tensor)


def masked_grad(grad: Any, keep: Any) -> Any:
    """``grad`` where ``keep`` (a constant mask) holds and 0 elsewhere, even where ``grad`` is inf or NaN (torch's
    backwards select): the backend's fast rule on arrays, a differentiable ``where`` on tensors (create_graph)."""
    if isinstance(grad, Tensor):
        mask = array_of(keep)
        return _ON_TENSORS.where(mask if mask.dtype.kind == "b" else mask != 0, grad, 0)
    return backend.backend_of(grad).masked_grad(grad, keep)


def astype_like(value: Any, like: Any) -> Any:
    """``value`` in ``like``'s dtype: numpy promotes a float32 array by a float64 scalar, torch (and so a
    tensor) does not, so only arrays are cast (without a copy when they already are)."""
    if isinstance(value, Tensor):
        return value if value._data.dtype == array_of(like).dtype else to_dtype(value, array_of(like).dtype)
    return value.astype(array_of(like).dtype, copy=False)


def as_tensor(x: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``x`` as a tensor: tensors pass through; arrays and Python data are converted (see ``tensor``)."""
    # creation is used through its module: it and the ops import each other through tensor.py (the one tie),
    # so either may still be initialising while the other is imported.
    return creation.as_tensor(x, dtype=dtype, device=device)


def prepare(*operands: Any, dtype: Any = None) -> tuple:
    """Promote operands to one dtype as torch does, returning tensors and constant arrays.

    Tensors are cast (differentiably) only when their dtype differs; Python scalars
    become 0-d arrays of the result dtype, passed to ops as constants.
    """
    if dtype is None:
        fast = _same_dtype(operands)
        if fast is not None:
            return tuple(operands) + (fast,)
    # An array of another device stays there (a mask a backward computed on the GPU), as its tensor would.
    ops = [
        x
        if isinstance(x, Tensor) or isinstance(x, Scalar)
        else as_tensor(x, device=backend.device_of(x) if backend.is_array(x) else None)
        for x in operands
    ]
    target = dtypes.result_type(*ops) if dtype is None else dtype
    ref = next((x for x in ops if isinstance(x, Tensor)), None)
    xp = ref._xp if ref is not None else backend.array_module()
    out = []
    for x in ops:
        if isinstance(x, Tensor):
            out.append(x if x._data.dtype == target.np_dtype else to_dtype(x, target))
        else:
            # Unchecked, as torch converts a wrapped number: an int out of the target's range wraps
            # (uint8 tensor + 300), a float reaches float16 through float32.
            out.append(xp.asarray(dtypes.cast_scalar(x, target, checked=False)))
    return tuple(out) + (target,)


def plain_operands(a: Any, b: Any) -> bool:
    """Whether ``a op b`` is the common case that ``prepare`` would hand on unchanged: ``a`` a float32/float64
    tensor and ``b`` a tensor of that very dtype and a broadcastable shape, a Python float within float32's
    range, or a Python int of 32 bits (the binary ops' fast lane; anything else goes through ``prepare``)."""
    if not isinstance(a, Tensor):
        return False
    dt = a._data.dtype
    if dt.kind != "f" or dt.itemsize == 2:
        return False
    if isinstance(b, Tensor):
        if b._data.dtype is not dt:
            return False
        if a._data.shape != b._data.shape:
            check_broadcast(a, b)
        return True
    t = type(b)
    if t is float:
        return -_FLOAT_MAX <= b <= _FLOAT_MAX  # (not NaN: numpy's own rules)
    return t is int and -(2**31) <= b < 2**31


_FLOAT_MAX = 3.4028234663852886e38  # float32's largest: a Python float within it converts without overflow


def _same_dtype(operands: tuple) -> Any:
    """The common dtype when no promotion is needed (the common case), else None.

    Tensors must share one dtype; Python numbers may stay as they are when they
    cannot change it (a float with a floating tensor, an int with an integer one):
    numpy >= 2 treats Python numbers as weakly typed, exactly like torch.
    """
    np_dtype = None
    for x in operands:
        if isinstance(x, Tensor):
            if np_dtype is None:
                np_dtype = x._data.dtype
            elif x._data.dtype != np_dtype:
                return None
    if np_dtype is None:
        return None
    kind = np_dtype.kind
    for x in operands:
        if isinstance(x, Tensor):
            continue
        t = type(x)
        small_int = t is int and -(2**31) <= x < 2**31 and (kind == "f" or (kind == "i" and np_dtype.itemsize >= 4))
        # Not float16: numpy rounds a Python float to it directly, torch through float32.
        if not ((t is float and kind == "f" and np_dtype.itemsize > 2) or small_int):
            return None
    return dtypes.from_numpy_dtype(np_dtype)


def check_broadcast(a: Any, b: Any, *more: Any) -> None:
    """Raise torch's message when shapes cannot broadcast together (folded left to right, as torch does)."""
    sa = a._data.shape if isinstance(a, Tensor) else tuple(getattr(a, "shape", ()))
    sb = b._data.shape if isinstance(b, Tensor) else tuple(getattr(b, "shape", ()))
    if sa == sb and not more:
        return
    for i in range(1, min(len(sa), len(sb)) + 1):
        x, y = sa[-i], sb[-i]
        if x != y and x != 1 and y != 1:
            ndim = max(len(sa), len(sb))
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                f"non-singleton dimension {ndim - i}"
            )
    if more:
        n = max(len(sa), len(sb))
        sa, sb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
        check_broadcast(SimpleNamespace(shape=tuple(y if x == 1 else x for x, y in zip(sa, sb))), *more)


def broadcast_shape(*shapes: tuple) -> tuple:
    """The shape ``shapes`` broadcast to (callers check first that they do, with ``check_broadcast``)."""
    n = max((len(s) for s in shapes), default=0)
    padded = [(1,) * (n - len(s)) + tuple(s) for s in shapes]
    return tuple(max(sizes) if 0 not in sizes else 0 for sizes in zip(*padded))


class ToDtype(Op):
    """Cast to another dtype; the engine casts the gradient back."""

    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, np_dtype: Any) -> Array:
        return x.astype(np_dtype)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return grad, None


def to_dtype(x: Tensor, dtype: Any) -> Tensor:
    """``x`` converted to ``dtype`` (a new tensor; differentiable between floating dtypes)."""
    dt = dtypes.as_dtype(dtype)
    if x._data.dtype == dt.np_dtype:
        return x
    return ToDtype.apply(x, dt.np_dtype)


def float_operand(x: Tensor) -> Tensor:
    """``x`` itself when floating, else cast to the default float (exp, sqrt, mean of ints)."""
    return x if x.dtype.is_floating_point else to_dtype(x, dtypes.get_default_dtype())


# The integer dtypes (bool excluded): kernels that take every dtype but bool accept these too.
INTEGER_DTYPES = tuple(d for d in dtypes.ALL if not d.is_floating_point and d is not dtypes.bool_)


def require_floating(input: Tensor, kernel: str, also: tuple = ()) -> None:
    """torch's NotImplementedError for a kernel (named ``kernel``) that takes only floating dtypes, and those in
    ``also`` (torch's kernels differ: avg_pool2d adds int64, conv2d every integer type)."""
    if not input.dtype.is_floating_point and input.dtype not in also:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype._scalar_name}'")


def no_graph(fn: Callable, *arrays: Any) -> Tensor:
    """Wrap a result that never carries a gradient (comparisons, argmax, rounding)."""
    quiet = silence()  # (comparing with a number past the dtype's range casts it to inf, silently in torch)
    try:
        return Tensor._wrap(fn(*arrays))
    finally:
        restore(quiet)
