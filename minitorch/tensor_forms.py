"""More of Tensor's spellings: the in-place forms of the rounding, trigonometric, comparison, logical and bitwise
ops and of the arithmetic aliases (``x.eq_(y)``, ``x.multiply_(y)``), the in-place shape changes (``t_``,
``squeeze_``, ...), ``fill_diagonal_``, and the small methods and properties torch code reaches for
(``positive``, ``aminmax``, ``logaddexp2``, ``nbytes``, ``is_cpu``, ``get_device``, ``mH``, ``apply_``, ...), and the
methods of the later ops (the view scatters, as_strided, index_reduce, put, shifts, ...), ``new``, ``resize_``.

Each in-place value form runs the op out of place and writes the result back (``InplaceMethods._inplace``: the
graph recorded when it must be, the version bumped); a comparison's booleans are written as 1 and 0 in the
tensor's dtype, as torch writes them. A mixin of Tensor; ``_ops`` is bound by ``tensor.py``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import backend, dtypes
from .size import Size

_ops: Any = None


class FormMethods:
    """Mixin of Tensor: in-place forms and small methods, delegating to ``minitorch.ops``."""

    if TYPE_CHECKING:
        # What the mixin uses of Tensor, the one class it is mixed into (which holds the slots).
        _inplace: Callable[..., Any]  # InplaceMethods' (the write, its checks and the version bump)
        _check_inplace: Callable[[], None]
        _data: Any
        _requires_grad: bool
        grad_fn: Any
        _output_nr: int
        requires_grad: bool
        dtype: Any
        device: Any

        def type(self, t: Any = None) -> Any: ...
        def __getitem__(self, index: Any) -> Any: ...

        def _bump_version(self) -> None: ...
        @staticmethod
        def _wrap(data: Any) -> Any: ...
    else:
        __slots__ = ()

    # ------------------------------------------------------------ in-place forms of elementwise ops
    def ceil_(self) -> Any:
        return self._inplace(_ops.ceil)

    def floor_(self) -> Any:
        return self._inplace(_ops.floor)

    def round_(self, decimals: int = 0) -> Any:
        return self._inplace(lambda s: _ops.round(s, decimals=decimals))

    def sign_(self) -> Any:
        return self._inplace(_ops.sign)

    def sin_(self) -> Any:
        return self._inplace(_ops.sin)

    def cos_(self) -> Any:
        return self._inplace(_ops.cos)

    def square_(self) -> Any:
        return self._inplace(_ops.square)

    def absolute_(self) -> Any:
        return self._inplace(_ops.abs)

    def negative_(self) -> Any:
        return self._inplace(_ops.neg)

    def multiply_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.mul(s, other), other)

    def subtract_(self, other: Any, *, alpha: Any = 1) -> Any:
        return self._inplace(lambda s: _ops.sub(s, other, alpha=alpha), other)

    def divide_(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        return self._inplace(lambda s: _ops.div(s, other, rounding_mode=rounding_mode), other)

    def true_divide_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.div(s, other), other)

    def floor_divide_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.floor_divide(s, other), other)

    def remainder_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.remainder(s, other), other)

    def float_power_(self, exponent: Any) -> Any:
        if self._data.dtype.name != "float64":  # torch: the result is float64, which only a float64 tensor holds
            raise RuntimeError(
                f"the base given to float_power_ has dtype {dtypes.from_numpy_dtype(self._data.dtype)._scalar_name} "
                "but the operation's result "
                "requires dtype Double"
            )
        return self._inplace(lambda s: _ops.float_power(s, exponent), exponent)

    def heaviside_(self, values: Any) -> Any:
        return self._inplace(lambda s: _ops.heaviside(s, values), values)

    # comparisons, logic and bits: the result written in this tensor's dtype
    def eq_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.compare.compared_in_place("equal", s, other), other)

    def ne_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.compare.compared_in_place("not_equal", s, other), other)

    def lt_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.compare.compared_in_place("less", s, other), other)

    def le_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.compare.compared_in_place("less_equal", s, other), other)

    def gt_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.compare.compared_in_place("greater", s, other), other)

    def ge_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.compare.compared_in_place("greater_equal", s, other), other)

    not_equal_ = ne_
    less_ = lt_
    less_equal_ = le_
    greater_ = gt_
    greater_equal_ = ge_

    def logical_and_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.logical_and(s, other), other)

    def logical_or_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.logical_or(s, other), other)

    def logical_xor_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.logical_xor(s, other), other)

    def logical_not_(self) -> Any:
        return self._inplace(_ops.logical_not)

    def bitwise_and_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.bitwise_and(s, other), other)

    def bitwise_or_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.bitwise_or(s, other), other)

    def bitwise_xor_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.bitwise_xor(s, other), other)

    def bitwise_not_(self) -> Any:
        return self._inplace(_ops.bitwise_not)

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Any:
        """Set the main diagonal (all indices equal) to ``fill_value``; ``wrap``: a tall matrix's diagonal
        starts again every ``columns + 1`` rows, as numpy's and torch's do."""
        shape = self._data.shape
        if len(shape) < 2:
            raise RuntimeError("dimensions must larger than 1")
        if len(shape) > 2 and len(set(shape)) != 1:
            raise RuntimeError("all dimensions of input must be of equal length")
        size = self._data.size
        if len(shape) == 2:
            rows, cols = shape
            step = cols + 1
            last = size if wrap and rows > cols + 1 else min(rows, cols) * cols
        else:  # (i, i, ..., i) in C order: i times the sum of the logical strides
            step = sum(shape[0] ** k for k in range(len(shape)))
            last = size
        xp = backend.array_module(self._data)
        mask = xp.zeros(size, dtype=bool)
        mask[0:last:step] = True
        diagonal = self._wrap(mask.reshape(shape))
        return self._inplace(lambda s: _ops.masked_fill(s, diagonal, fill_value))

    # ------------------------------------------------------------ shape changes in place
    def _restride(self, result: Any) -> Any:
        """Make this tensor ``result`` (a view of the same memory with another shape): torch's in-place shape
        methods change the tensor's metadata, never its values."""
        self._check_inplace()
        self._data = result._data
        if result.requires_grad:
            self.grad_fn, self._output_nr, self._requires_grad = result.grad_fn, result._output_nr, True
        return self

    def t_(self) -> Any:
        return self._restride(_ops.t(self))

    def transpose_(self, dim0: int, dim1: int) -> Any:
        return self._restride(_ops.transpose(self, dim0, dim1))

    def swapaxes_(self, axis0: int, axis1: int) -> Any:
        return self._restride(_ops.transpose(self, axis0, axis1))

    swapdims_ = swapaxes_

    def squeeze_(self, dim: Any = None) -> Any:
        return self._restride(_ops.squeeze(self) if dim is None else _ops.squeeze(self, dim))

    def unsqueeze_(self, dim: int) -> Any:
        return self._restride(_ops.unsqueeze(self, dim))

    # ------------------------------------------------------------ small methods
    def positive(self) -> Any:
        return _ops.positive(self)

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> Any:
        return _ops.aminmax(self, dim=dim, keepdim=keepdim)

    def logaddexp2(self, other: Any) -> Any:
        return _ops.logaddexp2(self, other)

    def adjoint(self) -> Any:
        return _ops.adjoint(self)

    @property
    def mH(self) -> Any:  # noqa: N802 (torch's name)
        return self.adjoint()

    @property
    def H(self) -> Any:  # noqa: N802 (torch's name)
        if self._data.ndim not in (0, 2):
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self._data.ndim}-D tensor.")
        return self if self._data.ndim == 0 else _ops.t(self)

    def is_nonzero(self) -> bool:
        if self._data.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        return bool(self)

    def is_same_size(self, other: Any) -> bool:
        return tuple(self._data.shape) == tuple(other._data.shape)

    def is_signed(self) -> bool:
        return dtypes.from_numpy_dtype(self._data.dtype).is_signed

    def is_complex(self) -> bool:
        return False  # minitorch has no complex dtypes

    def is_conj(self) -> bool:
        return False

    def is_neg(self) -> bool:
        return False

    def resolve_conj(self) -> Any:
        return self

    def resolve_neg(self) -> Any:
        return self

    @property
    def is_cpu(self) -> bool:
        return type(self._data) is backend.HOST.array_type

    def get_device(self) -> int:
        """The CUDA device's index, or -1 for a tensor on the CPU (torch's convention)."""
        device = backend.device_of(self._data)
        return -1 if device.type == "cpu" else (device.index or 0)

    @property
    def itemsize(self) -> int:
        return int(self._data.itemsize)

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    def data_ptr(self) -> int:
        """The address of the first element (the array's data pointer)."""
        return int(backend.backend_of(self._data).address(self._data))

    def storage_offset(self) -> int:
        """How many elements this view starts past the start of the memory it shares (0 for an owner)."""
        data = self._data
        base = data
        while getattr(base, "base", None) is not None:
            base = base.base
        where = backend.backend_of(data)
        return (int(where.address(data)) - int(where.address(base))) // data.itemsize

    def apply_(self, callable: Callable[[Any], Any]) -> Any:
        """Replace each element x by ``callable(x)`` (a Python function, element by element: CPU only, slow, as
        torch's)."""
        return self._map_elements(lambda values: [callable(v) for v in values])

    def map_(self, tensor: Any, callable: Callable[[Any, Any], Any]) -> Any:
        """Replace each element x by ``callable(x, y)``, y the matching element of ``tensor`` (broadcast)."""
        other = _ops.broadcast_to(tensor, tuple(self._data.shape)).reshape(-1).tolist()
        return self._map_elements(lambda values: [callable(v, w) for v, w in zip(values, other)])

    def _map_elements(self, make: Callable[[list], list]) -> Any:
        if not self.is_cpu:
            raise TypeError("apply_ is only implemented on CPU tensors")
        if self._requires_grad:
            raise RuntimeError("apply_ is only implemented on CPU tensors that do not require grad")
        values = make(self._data.reshape(-1).tolist())
        self._data[...] = backend.HOST.xp.asarray(values, dtype=self._data.dtype).reshape(self._data.shape)
        self._bump_version()
        return self

    def map2_(self, x: Any, y: Any, callable: Callable[[Any, Any, Any], Any]) -> Any:
        """``map_`` with two tensors: each element v becomes ``callable(v, a, b)``."""
        if self._requires_grad:
            raise RuntimeError("Can't call map2_() on Variable that requires grad. Use var.detach().map2_() instead.")
        for name, other in (("x", x), ("y", y)):
            if other.dtype is not self.dtype:
                raise TypeError(f"map2_: expected {self.type()} for argument '{name}' (got {other.type()})")
        shape = tuple(self._data.shape)
        xs, ys = (_ops.broadcast_to(t, shape).reshape(-1).tolist() for t in (x, y))
        return self._map_elements(lambda values: [callable(v, a, b) for v, a, b in zip(values, xs, ys)])

    # ------------------------------------------------------------ more in-place forms
    def bitwise_left_shift_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.bitwise_left_shift(s, other), other)

    def bitwise_right_shift_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.bitwise_right_shift(s, other), other)

    def __ilshift__(self, other: Any) -> Any:
        return self.bitwise_left_shift_(other)

    def __irshift__(self, other: Any) -> Any:
        return self.bitwise_right_shift_(other)

    def nextafter_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.nextafter(s, other), other)

    def igamma_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.igamma(s, other), other)

    def igammac_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.igammac(s, other), other)

    def i0_(self) -> Any:
        return _ops.i0_(self)

    def mvlgamma_(self, p: int) -> Any:
        return self._inplace(lambda s: _ops.mvlgamma(s, p))

    def addbmm_(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._inplace(lambda s: _ops.addbmm(s, batch1, batch2, beta=beta, alpha=alpha), batch1, batch2)

    def index_reduce_(self, dim: int, index: Any, source: Any, reduce: str, *, include_self: bool = True) -> Any:
        return self._inplace(
            lambda s: _ops.index_reduce(s, dim, index, source, reduce, include_self=include_self), source
        )

    def put_(self, index: Any, source: Any, accumulate: bool = False) -> Any:
        return self._inplace(lambda s: _ops.put(s, index, source, accumulate), source)

    def as_strided_(self, size: Any, stride: Any, storage_offset: Any = None) -> Any:
        return _ops.as_strided_(self, size, stride, storage_offset)

    def resize_(self, *sizes: Any, memory_format: Any = None) -> Any:
        return _ops.resize_(self, *sizes, memory_format=memory_format)

    def resize_as_(self, the_template: Any, *, memory_format: Any = None) -> Any:
        return _ops.resize_as_(self, the_template, memory_format=memory_format)

    # ------------------------------------------------------------ more methods
    def diagonal_scatter(self, src: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
        return _ops.diagonal_scatter(self, src, offset, dim1, dim2)

    def select_scatter(self, src: Any, dim: int, index: int) -> Any:
        return _ops.select_scatter(self, src, dim, index)

    def slice_scatter(self, src: Any, dim: int = 0, start: Any = None, end: Any = None, step: int = 1) -> Any:
        return _ops.slice_scatter(self, src, dim, start, end, step)

    def as_strided(self, size: Any, stride: Any, storage_offset: Any = None) -> Any:
        return _ops.as_strided(self, size, stride, storage_offset)

    def as_strided_scatter(self, src: Any, size: Any, stride: Any, storage_offset: Any = None) -> Any:
        return _ops.as_strided_scatter(self, src, size, stride, storage_offset)

    def index_reduce(self, dim: int, index: Any, source: Any, reduce: str, *, include_self: bool = True) -> Any:
        return _ops.index_reduce(self, dim, index, source, reduce, include_self=include_self)

    def put(self, index: Any, source: Any, accumulate: bool = False) -> Any:
        return _ops.put(self, index, source, accumulate)

    def sum_to_size(self, *size: Any) -> Any:
        return _ops.sum_to_size(self, *size)

    def split_with_sizes(self, split_sizes: Any, dim: int = 0) -> Any:
        return _ops.split_with_sizes(self, split_sizes, dim)

    def unsafe_chunk(self, chunks: int, dim: int = 0) -> Any:
        return _ops.unsafe_chunk(self, chunks, dim)

    def unsafe_split(self, split_size: int, dim: int = 0) -> Any:
        return _ops.unsafe_split(self, split_size, dim)

    def unsafe_split_with_sizes(self, split_sizes: Any, dim: int = 0) -> Any:
        return _ops.unsafe_split_with_sizes(self, split_sizes, dim)

    def narrow_copy(self, dim: int, start: Any, length: int) -> Any:
        return _ops.narrow_copy(self, dim, start, length)

    def nextafter(self, other: Any) -> Any:
        return _ops.nextafter(self, other)

    def i0(self) -> Any:
        return _ops.i0(self)

    def igamma(self, other: Any) -> Any:
        return _ops.igamma(self, other)

    def igammac(self, other: Any) -> Any:
        return _ops.igammac(self, other)

    def histogram(self, bins: Any = 100, *, range: Any = None, weight: Any = None, density: bool = False) -> Any:
        return _ops.histogram(self, bins, range=range, weight=weight, density=density)

    def isreal(self) -> Any:
        return _ops.isreal(self)

    def nonzero_static(self, *, size: int, fill_value: int = -1) -> Any:
        return _ops.nonzero_static(self, size=size, fill_value=fill_value)

    # ------------------------------------------------------------ the legacy constructor, sharing
    def new(self, *args: Any, device: Any = None) -> Any:
        """torch's legacy constructor in this tensor's dtype (and device): ``new(2, 3)`` or ``new(Size([2, 3]))`` an
        uninitialised tensor (zeros here), ``new(data)`` a copy of data (``new((2, 3))`` is the vector [2, 3]),
        ``new(tensor)`` an alias of a tensor of this dtype, ``new()`` an empty tensor."""
        where = self.device if device is None else backend.as_device(device)
        if len(args) == 1 and isinstance(args[0], FormMethods):
            if args[0].dtype is not self.dtype:
                raise TypeError(f"expected {self.type()} (got {args[0].type()})")
            return args[0][...]
        if len(args) == 1 and not isinstance(args[0], dtypes.INTEGER_SCALARS + (Size,)):
            if isinstance(args[0], float):
                raise TypeError("new(): data must be a sequence (got float)")
            return _ops.as_tensor(args[0], self.dtype, where).clone()
        shape = tuple(args[0]) if args and isinstance(args[0], Size) else args or (0,)
        zeros = backend.HOST.xp.zeros(tuple(operator.index(n) for n in shape), dtype=self._data.dtype)
        return self._wrap(backend.to_device(zeros, where))

    @property
    def output_nr(self) -> int:
        """Which output of the op that made this tensor it is (0 for a leaf and for an op's only output)."""
        return self._output_nr

    def share_memory_(self) -> Any:
        """Returns this tensor, marked shared. torch moves a CPU tensor's storage into shared memory for other
        processes; minitorch's tensors live in this process's memory (numpy arrays; cupy's on a GPU, which torch
        always counts as shared), so nothing moves."""
        self._shared = True
        return self

    def is_shared(self) -> bool:
        """Whether ``share_memory_`` was called on this tensor (always True on a GPU, as torch answers)."""
        return bool(getattr(self, "_shared", False)) or backend.device_of(self._data).type == "cuda"
