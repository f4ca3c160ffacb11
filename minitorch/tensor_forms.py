"""More of Tensor's spellings: the in-place forms of the rounding, trigonometric, comparison, logical and bitwise
ops and of the arithmetic aliases (``x.eq_(y)``, ``x.multiply_(y)``), the in-place shape changes (``t_``,
``squeeze_``, ...), ``fill_diagonal_``, and the small methods and properties torch code reaches for
(``positive``, ``aminmax``, ``logaddexp2``, ``nbytes``, ``is_cpu``, ``get_device``, ``mH``, ``apply_``, ...).

Each in-place value form runs the op out of place and writes the result back (``InplaceMethods._inplace``: the
graph recorded when it must be, the version bumped); a comparison's booleans are written as 1 and 0 in the
tensor's dtype, as torch writes them. A mixin of Tensor; ``_ops`` is bound by ``tensor.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import backend, dtypes

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
