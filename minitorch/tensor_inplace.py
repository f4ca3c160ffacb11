"""In-place operations on tensors: the protocol (snapshot, write, rebase onto a view's base)
and the ``*_`` methods and augmented assignments built on it."""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import backend, dtypes
from .amp import autocast_mode
from .autograd.function import grad_accumulator
from .autograd.grad_mode import is_grad_enabled, no_grad
from .backend import elementwise
from .random import check_integer_bounds, check_uniform_bounds, sample_integers, sample_normal, sample_uniform

if TYPE_CHECKING:
    from .autograd.function import BackwardNode
    from .size import Size
    from .tensor import Tensor

# The ops package, bound by tensor.py once Tensor exists: the one tie of the import cycle (see tensor.py).
_ops: Any = None


def _is_tensor(x: Any) -> bool:
    return isinstance(x, InplaceMethods)  # a mixin of Tensor and of nothing else


def _check_operand(method: str, name: str, value: Any) -> None:
    """torch's TypeError for an operand that is neither a tensor nor a number (a list, None, a string)."""
    if not (_is_tensor(value) or dtypes.is_number(value) or backend.is_array(value)):
        raise TypeError(f"{method}(): argument '{name}' (position 1) must be Tensor, not {type(value).__name__}")


class InplaceMethods:
    """Mixin of Tensor: every in-place method goes through ``_inplace`` or ``_write``."""

    if TYPE_CHECKING:
        # What the mixin uses of Tensor, the one class it is mixed into (which holds the slots, and a
        # __dict__: the checker reads no __slots__ here, as any attribute can be set on a Tensor).
        _data: backend.Array
        _requires_grad: bool
        grad_fn: BackwardNode | None
        _output_nr: int
        _base: Tensor | None
        _accumulator: Any
        requires_grad: bool

        @staticmethod
        def _wrap(data: Any) -> Tensor: ...
        def _bump_version(self) -> None: ...
        @property
        def _xp(self) -> Any: ...
        @property
        def shape(self) -> Size: ...
        @property
        def dtype(self) -> dtypes.dtype: ...
        @property
        def device(self) -> backend.device: ...
        @property
        def backend(self) -> backend.Backend: ...
    else:
        __slots__ = ()

    def _check_inplace(self) -> None:
        if self.grad_fn is None and self._requires_grad and is_grad_enabled():
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")

    def _inplace(self, compute: Callable[[Any], Any], *others: Any) -> Any:
        """Run ``compute`` out of place and write its result into this tensor's memory.

        When the graph must be recorded, the op sees a snapshot of the old value (so
        what it saves for backward stays valid) and the tensor takes the op's node as
        its ``grad_fn``; a view hands the change on to its base (``CopySlices``).
        """
        self._check_inplace()
        if autocast_mode.enabled_threads:  # torch never autocasts an in-place op: its out-of-place twin must not
            with autocast_mode.suspended():
                return self._inplace_computed(compute, others)
        return self._inplace_computed(compute, others)

    def _inplace_computed(self, compute: Callable[[Any], Any], others: tuple) -> Any:
        """``_inplace``'s work, once the tensor is known writable."""
        record = is_grad_enabled() and (self._requires_grad or any(_is_tensor(o) and o.requires_grad for o in others))
        if not record:
            with no_grad():
                result = compute(self)
            self._check_result_shape(result)
            self._write(result._data)
            return self
        src = self._snapshot()
        result = compute(src)
        self._check_result_shape(result)
        if result.grad_fn is None and not result._requires_grad:
            # a result outside the graph (logical_and_ of a float tensor): torch writes the values and leaves the
            # tensor's place in the graph as it was
            self._write(result._data)
            return self
        if self._base is not None:
            _ops.rebase_view(self, result)
        else:
            self._write(result._data)
            self.grad_fn, self._output_nr = result.grad_fn, result._output_nr
            self._requires_grad = result.requires_grad
        return self

    def _check_result_shape(self, result: Any) -> None:
        """torch's error when the operands broadcast beyond this tensor's shape (``a.mul_(ones(2, 3))`` for a
        3-vector): an in-place result must fit where it is written."""
        if result._data.shape != self._data.shape:
            raise RuntimeError(
                f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                f"{list(result._data.shape)}"
            )

    def _snapshot(self) -> Any:
        """A copy of the current value that keeps this tensor's place in the graph."""
        t = self._wrap(self._data.copy())
        t._requires_grad, t.grad_fn, t._output_nr = self._requires_grad, self.grad_fn, self._output_nr
        t._accumulator = self._accumulator if self.grad_fn is None else None
        if self.grad_fn is None and self._requires_grad:
            acc = grad_accumulator(self)
            t._accumulator = weakref.ref(acc)
            t._keep_acc = acc  # type: ignore[attr-defined]
        return t

    def _write(self, values: Any) -> None:
        """Copy ``values`` into this tensor's memory, with torch's casting check."""
        src = dtypes.from_numpy_dtype(values.dtype)
        if src._category > self.dtype._category:
            raise RuntimeError(
                f"result type {src._scalar_name} can't be cast to the desired output type {self.dtype._scalar_name}"
            )
        self._check_writeable()
        self._xp.copyto(self._data, values, casting="unsafe")
        self._bump_version()

    def _check_writeable(self) -> None:
        """torch's error for writing an expanded tensor, whose elements share locations (numpy marks it read-only)."""
        if not self.backend.is_writeable(self._data):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor "
                "refers to a single memory location. Please clone() the tensor before "
                "performing the operation."
            )

    def zero_(self) -> Any:
        """Set every element to zero."""
        self._check_inplace()
        if self._requires_grad and is_grad_enabled():
            return self._inplace(_ops.zero)
        elementwise.run_fill(self.backend.fillable(self._data), 0)
        self._bump_version()
        return self

    def fill_(self, value: Any) -> Any:
        """Set every element to ``value`` (a number, converted with torch's overflow check, or a 0-d tensor)."""
        if _is_tensor(value):
            if value.ndim:
                raise RuntimeError(
                    f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
                )
            if is_grad_enabled() and (self._requires_grad or value.requires_grad):
                return self._inplace(lambda s: _ops.inplace_fill(s, value), value)
            v = value._cpu_array().astype(self._data.dtype)  # a tensor value is cast, wrapping, as in torch
        elif dtypes.is_number(value):
            v = dtypes.fill_scalar(value, self.dtype, self._data.size)
        else:
            raise TypeError(
                f"fill_() received an invalid combination of arguments - got ({type(value).__name__}), "
                "but expected one of:\n * (Tensor value)\n * (Number value)"
            )
        self._check_inplace()
        if self._requires_grad and is_grad_enabled():
            return self._inplace(lambda s: _ops.inplace_fill(s, v))
        elementwise.run_fill(self.backend.fillable(self._data), v)
        self._bump_version()
        return self

    def copy_(self, src: Any, non_blocking: bool = False) -> Any:
        """Copy ``src`` (broadcast to this shape, any dtype or device) into this tensor."""
        if not _is_tensor(src):
            raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__name__}")

        _ops.base.check_broadcast(self, src)
        shape = _ops.base.broadcast_shape(tuple(src.shape), tuple(self.shape))
        if shape != tuple(self.shape):
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(shape)}")
        if not (is_grad_enabled() and (self.requires_grad or src.requires_grad)):
            self._check_inplace()
            self._check_writeable()
            self._xp.copyto(self._data, backend.to_device(src._data, self.device), casting="unsafe")
            self._bump_version()
            return self
        return self._inplace(lambda s: _ops.copy_from(s, src.to(s.device)), src)

    def _check_overlap(self, *others: Any) -> None:
        """torch's error for an operand that partly overlaps the tensor being written (``x.add_(x[0])``)."""
        for o in others:
            if _is_tensor(o) and o is not self and self.backend.partial_overlap(self._data, o._data):
                raise RuntimeError(
                    "unsupported operation: some elements of the input tensor and the written-to "
                    "tensor refer to a single memory location. Please clone() the tensor before "
                    "performing the operation."
                )

    def _direct(self, ufunc: str, other: Any) -> bool:
        """Apply a binary ufunc straight into this tensor's memory, when that is exactly what the general
        path would compute and write: nothing to record, a floating tensor, and ``other`` a Python number or
        a tensor of the same dtype, shape and device. Saves the temporary and the copy of the general path."""
        data = self._data
        if data.dtype.kind != "f" or not backend.backend_of(data).is_writeable(data):
            return False
        if _is_tensor(other):
            raw = other._data
            if raw.dtype != data.dtype or raw.shape != data.shape or type(raw) is not type(data):
                return False
            if is_grad_enabled() and (self._requires_grad or other._requires_grad):
                return False
        elif (type(other) is int and -(2**63) <= other < 2**63) or (type(other) is float and data.itemsize > 2):
            raw = other  # (numpy rounds a Python float to float16 directly; torch goes through float32)
            if is_grad_enabled() and self._requires_grad:
                return False
        else:
            return False
        elementwise.run_update(data, ufunc, raw)  # (a large array by the device's kernel)
        self._bump_version()
        return True

    def add_(self, other: Any, *, alpha: Any = 1) -> Any:
        _check_operand("add_", "other", other)
        self._check_overlap(other)
        if alpha == 1 and self._direct("add", other):
            return self
        return self._inplace(lambda s: _ops.add(s, other, alpha=alpha), other)

    def sub_(self, other: Any, *, alpha: Any = 1) -> Any:
        _check_operand("sub_", "other", other)
        self._check_overlap(other)
        if alpha == 1 and self._direct("subtract", other):
            return self
        return self._inplace(lambda s: _ops.sub(s, other, alpha=alpha), other)

    def mul_(self, other: Any) -> Any:
        _check_operand("mul_", "other", other)
        self._check_overlap(other)
        if self._direct("multiply", other):
            return self
        return self._inplace(lambda s: _ops.mul(s, other), other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        _check_operand("div_", "other", other)
        self._check_overlap(other)
        if rounding_mode is None and self._direct("true_divide", other):
            return self
        return self._inplace(lambda s: _ops.div(s, other, rounding_mode=rounding_mode), other)

    def pow_(self, exponent: Any) -> Any:
        _check_operand("pow_", "exponent", exponent)
        self._check_overlap(exponent)
        return self._inplace(lambda s: _ops.pow(s, exponent), exponent)

    def clamp_(self, min: Any = None, max: Any = None) -> Any:
        self._check_overlap(min, max)
        return self._inplace(lambda s: _ops.clamp(s, min, max), min, max)

    clip_ = clamp_

    def neg_(self) -> Any:
        return self._inplace(_ops.neg)

    def abs_(self) -> Any:
        return self._inplace(_ops.abs)

    def reciprocal_(self) -> Any:
        return self._inplace(_ops.reciprocal)

    def exp_(self) -> Any:
        return self._inplace(_ops.exp)

    def log_(self) -> Any:
        return self._inplace(_ops.log)

    def sqrt_(self) -> Any:
        return self._inplace(_ops.sqrt)

    def relu_(self) -> Any:
        return self._inplace(_ops.relu)

    def sigmoid_(self) -> Any:
        return self._inplace(_ops.sigmoid)

    def tanh_(self) -> Any:
        return self._inplace(_ops.tanh)

    def masked_fill_(self, mask: Any, value: Any) -> Any:
        return self._inplace(lambda s: _ops.masked_fill(s, mask, value), value)

    def scatter_(self, dim: int, index: Any, src: Any = None, value: Any = None, *, reduce: Any = None) -> Any:
        return self._inplace(lambda s: _ops.scatter(s, dim, index, src, value, reduce=reduce), src)

    def scatter_add_(self, dim: int, index: Any, src: Any) -> Any:
        return self._inplace(lambda s: _ops.scatter_add(s, dim, index, src), src)

    def scatter_reduce_(self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Any:
        return self._inplace(lambda s: _ops.scatter_reduce(s, dim, index, src, reduce, include_self=include_self), src)

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
        return self._inplace(lambda s: _ops.index_add(s, dim, index, source, alpha=alpha), source)

    def index_fill_(self, dim: int, index: Any, value: Any) -> Any:
        return self._inplace(lambda s: _ops.index_fill(s, dim, index, value), value)

    def index_copy_(self, dim: int, index: Any, source: Any) -> Any:
        return self._inplace(lambda s: _ops.index_copy(s, dim, index, source), source)

    def masked_scatter_(self, mask: Any, source: Any) -> Any:
        # the mask broadcasts to this tensor, never the tensor to the mask (torch's expand error otherwise)
        return self._inplace(lambda s: _ops.masked_scatter(s, _ops.expand(mask, s.shape), source), source)

    def cumsum_(self, dim: int, *, dtype: Any = None) -> Any:
        return self._inplace(lambda s: _ops.cumsum(s, dim, dtype=dtype))

    def cumprod_(self, dim: int, *, dtype: Any = None) -> Any:
        return self._inplace(lambda s: _ops.cumprod(s, dim, dtype=dtype))

    def addcmul_(self, t1: Any, t2: Any, *, value: Any = 1) -> Any:
        self._check_overlap(t1, t2)
        return self._inplace(lambda s: _ops.addcmul(s, t1, t2, value=value), t1, t2)

    def addcdiv_(self, t1: Any, t2: Any, *, value: Any = 1) -> Any:
        self._check_overlap(t1, t2)
        return self._inplace(lambda s: _ops.addcdiv(s, t1, t2, value=value), t1, t2)

    def lerp_(self, end: Any, weight: Any) -> Any:
        self._check_overlap(end, weight)
        return self._inplace(lambda s: _ops.lerp(s, end, weight), end, weight)

    def clamp_min_(self, min: Any) -> Any:
        return self._inplace(lambda s: _ops.clamp_min(s, min), min)

    def clamp_max_(self, max: Any) -> Any:
        return self._inplace(lambda s: _ops.clamp_max(s, max), max)

    def tril_(self, diagonal: int = 0) -> Any:
        return self._inplace(lambda s: _ops.tril(s, diagonal))

    def triu_(self, diagonal: int = 0) -> Any:
        return self._inplace(lambda s: _ops.triu(s, diagonal))

    def addmm_(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._inplace(lambda s: _ops.addmm(s, mat1, mat2, beta=beta, alpha=alpha), mat1, mat2)

    def addmv_(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._inplace(lambda s: _ops.addmv(s, mat, vec, beta=beta, alpha=alpha), mat, vec)

    def baddbmm_(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._inplace(lambda s: _ops.baddbmm(s, batch1, batch2, beta=beta, alpha=alpha), batch1, batch2)

    # Samples are drawn on this tensor's device (the host: from minitorch's generator).
    def uniform_(self, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Any:
        """Fill with samples from U(a, b) drawn from minitorch's generator."""
        check_uniform_bounds(a, b, self.dtype)
        return self._fill_sampled(sample_uniform(self.shape, a, b, self.dtype, generator, self.device))

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Any:
        """Fill with samples from N(mean, std**2) drawn from minitorch's generator."""
        if not self.dtype.is_floating_point:
            raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{self.dtype._scalar_name}'")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        return self._fill_sampled(sample_normal(self.shape, mean, std, self.dtype, generator, self.device))

    def bernoulli_(self, p: float = 0.5, generator: Any = None) -> Any:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        u = sample_uniform(self.shape, 0.0, 1.0, dtypes.float64, generator, self.device)
        return self._fill_sampled(u < p)

    def random_(self, low: int = 0, high: int | None = None, generator: Any = None) -> Any:
        if high is None:
            low, high = 0, low
        check_integer_bounds(low, high, self.dtype)
        return self._fill_sampled(sample_integers(self.shape, low, high, generator, self.device))

    # The other distributions by their inverse CDFs of uniform samples (u in [0, 1)), on the tensor's device.
    def exponential_(self, lambd: float = 1.0, generator: Any = None) -> Any:
        """Fill with samples from the exponential distribution of rate ``lambd``."""
        if lambd <= 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}")
        self._continuous("Exponential", self.dtype._scalar_name)
        u = self._uniform(generator)
        return self._fill_sampled(-self._xp.log1p(-u) / lambd)

    def geometric_(self, p: float, generator: Any = None) -> Any:
        """Fill with the number of Bernoulli(``p``) trials up to the first success (1, 2, ...)."""
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_num(p)}")
        u = 1.0 - self._uniform(generator)  # in (0, 1]
        return self._fill_sampled(self._xp.maximum(self._xp.ceil(self._xp.log(u) / math.log1p(-p)), 1.0))

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, generator: Any = None) -> Any:
        """Fill with samples from the Cauchy distribution at ``median`` of scale ``sigma``."""
        if sigma <= 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_num(sigma)}")
        self._continuous("Cauchy", dtypes.CPP_TYPE_NAMES.get(self.dtype.name, self.dtype._scalar_name))
        u = self._uniform(generator)
        return self._fill_sampled(median + sigma * self._xp.tan(math.pi * (u - 0.5)))

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, generator: Any = None) -> Any:
        """Fill with exp of samples from N(mean, std**2)."""
        if std <= 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_num(std)}")
        if not self.dtype.is_floating_point:
            raise NotImplementedError(f"\"log_normal_cpu\" not implemented for '{self.dtype._scalar_name}'")
        normal = sample_normal(self.shape, mean, std, dtypes.float64, generator, self.device)
        return self._fill_sampled(self._xp.exp(normal))

    def _uniform(self, generator: Any) -> Any:
        return sample_uniform(self.shape, 0.0, 1.0, dtypes.float64, generator, self.device)

    def _continuous(self, name: str, type_name: str) -> None:
        if not self.dtype.is_floating_point:
            raise RuntimeError(
                f"{name} distribution is a continuous probability distribution. dtype must be a floating point but "
                f"you specified {type_name}"
            )

    def _fill_sampled(self, values: Any) -> Any:
        self._check_inplace()
        self._xp.copyto(self._data, values, casting="unsafe")
        self._bump_version()
        return self

    # Augmented assignment is in place, as in torch.
    def __iadd__(self, other: Any) -> Any:
        return self.add_(other)

    def __isub__(self, other: Any) -> Any:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Any:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Any:
        return self.div_(other)

    def __ipow__(self, other: Any) -> Any:
        return self.pow_(other)


def _num(v: Any) -> str:
    """A number as torch's messages print it (2 for 2.0)."""
    return str(int(v)) if float(v).is_integer() else str(v)
