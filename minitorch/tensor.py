"""Tensor: an array (numpy or cupy) plus what autograd needs to know about it.

The methods here are thin: arithmetic and shape methods call the functions in
``minitorch.ops``, which record the graph through ``Op.apply``. This file
holds what belongs to the tensor itself: identity, metadata, the version counter and
autograd's attributes; its methods come from mixins (``tensor_autograd``: requires_grad, .grad, backward
and hooks; ``tensor_operators``, ``tensor_methods``, ``tensor_math``, ``tensor_inplace``, ``tensor_convert``).

The library's one import cycle ends here. The ops and the creation functions build on
Tensor and import this module; Tensor's methods call them. So this module imports them
last, once the class exists, and hands the ops package (and the creation functions) to the
mixins. Every other import in the library points one way
(``tests/test_import_graph.py`` checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar, SupportsIndex

import numpy as np

from . import (
    backend,
    dtypes,
    tensor_autograd,
    tensor_convert,
    tensor_forms,
    tensor_inplace,
    tensor_math,
    tensor_methods,
    tensor_operators,
)
from ._tensor_str import tensor_repr
from .autograd import function as autograd_function
from .autograd import grad_mode
from .size import Size

_NDARRAY = np.ndarray
_new_object = object.__new__


class _Version:
    """A counter shared by a tensor and its views; bumped by every in-place write."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class Tensor(
    tensor_autograd.AutogradMethods,
    tensor_inplace.InplaceMethods,
    tensor_operators.OperatorMethods,
    tensor_methods.TensorMethods,
    tensor_math.MathMethods,
    tensor_convert.ConversionMethods,
    tensor_forms.FormMethods,
):
    """A multi-dimensional array with reverse-mode autograd, following torch.Tensor."""

    __slots__ = ("_data", "_requires_grad", "grad_fn", "_counter", "__weakref__", "__dict__")
    __array_priority__ = 1000  # numpy defers ``ndarray op Tensor`` to our reflected operators

    # Set on few tensors, so class-level defaults (an instance attribute once set): every op makes a
    # tensor, and each attribute written per tensor costs time on that path.
    _grad: Tensor | None = None
    _output_nr = 0
    _accumulator: Any = None
    _hooks: Any = ()  # a list once a hook is registered
    _post_accumulate_hooks: Any = ()  # likewise; run by the engine after ``.grad`` of a leaf is updated
    _base: Tensor | None = None
    _view_fn: Callable | None = None
    _retains_grad = False
    _multi_view: tuple | None = None  # (output_nr, op name) of a split/unbind piece, kept by its views
    _inference = False  # made inside inference_mode
    _unpacked = False  # a saved value handed to a backward under create_graph (autograd.saved._unpack)
    _legacy_dtype: ClassVar[dtypes.dtype]  # float32 (set below), FloatTensor's float32 (tensor_legacy.py), ...

    # Legacy constructor: Tensor(2, 3) is an uninitialised float tensor, Tensor([1, 2]) copies data.
    def __init__(self, *args: Any, requires_grad: bool = False, device: Any = None) -> None:
        self._init_legacy(args, dtypes.get_default_dtype(), requires_grad, device)

    def _init_legacy(self, args: tuple, dt: dtypes.dtype, requires_grad: bool, device: Any) -> None:
        if len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            src = args[0]
            arr = src._data.astype(dt.np_dtype) if isinstance(src, Tensor) else _creation.infer_array(src, dt)
            if arr is src:
                arr = np.array(arr, copy=True)
        else:
            shape = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args or (0,)
            # "Uninitialised" as zeros: garbage could hold NaNs that warn when a LongTensor casts them.
            arr = np.zeros(tuple(int(s) for s in shape), dtype=dt.np_dtype)
        self._init(backend.to_device(arr, backend.as_device(device)))
        if requires_grad:
            self.requires_grad = True

    def _init(self, data: Any) -> None:
        self._data = data
        self._requires_grad = False
        self.grad_fn = None
        self._counter = _Version()
        if grad_mode.inference_threads and grad_mode.is_inference_mode_enabled():
            self._inference = True

    @staticmethod
    def _wrap(data: Any) -> Tensor:
        """A plain tensor around an existing array, without copying (internal; also on a Parameter)."""
        if type(data) is not _NDARRAY and isinstance(data, np.generic):  # numpy gives 0-d results as scalars:
            data = np.asarray(data)  # read-only, so no in-place ops
        t = _new_object(Tensor)
        # ``_init``, spelled out: every op makes a tensor here
        t._data = data
        t._requires_grad = False
        t.grad_fn = None
        t._counter = version = _new_object(_Version)
        version.value = 0
        if grad_mode.inference_threads and grad_mode.is_inference_mode_enabled():
            t._inference = True
        return t

    def _bump_version(self) -> None:
        """Record an in-place write (shared with every view of the same memory)."""
        self._counter.value += 1

    # ----------------------------------------------------------------- metadata
    @property
    def _xp(self) -> Any:
        return backend.array_module(self._data)

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def _wrap_dim(self, dim: int, extra: int = 0) -> int:
        n = self._data.ndim + extra
        lo, hi = (-n, n - 1) if n > 0 else (-1, 0)
        if not lo <= dim <= hi:
            raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
        return dim % n if n > 0 else 0

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> backend.device:
        d = self._data
        return backend.backend_of(d).device_of(d)

    @property
    def backend(self) -> backend.Backend:
        """The backend of this tensor's device: what op code asks for device-specific work."""
        return backend.backend_of(self._data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    def dim(self) -> int:
        return self._data.ndim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def ndimension(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def stride(self, dim: int | None = None) -> Any:
        """Strides in elements, as torch reports them."""
        if self._data.size == 0:  # numpy reports 0 for an empty array; torch, a contiguous layout (sizes 0 as 1)
            steps, step = [], 1
            for n in reversed(self._data.shape):
                steps.append(step)
                step *= max(n, 1)
            st = tuple(reversed(steps))
        else:
            st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[self._wrap_dim(dim)]

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_inference(self) -> bool:
        """True for a tensor made inside ``inference_mode`` (a view answers for its base)."""
        return (self._base if self._base is not None else self)._inference

    @property
    def data(self) -> Tensor:
        """A detached alias sharing memory (its in-place writes are not tracked by autograd)."""
        t = Tensor._wrap(self._data)
        return t

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {tensor_autograd.type_name(value)}")
        self._data = value._data

    @property
    def T(self) -> Tensor:
        return _ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        return _ops.transpose(self, -2, -1)

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor (or a view sharing its memory) has had, as torch counts."""
        return self._counter.value

    # ----------------------------------------------------------- conversions
    def _cpu_array(self) -> np.ndarray:
        return backend.to_device(self._data, backend.CPU)

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data as a numpy array sharing memory (CPU tensors that do not require grad)."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.device.type != "cpu":
            if not force:
                raise TypeError(
                    f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() "
                    "to copy the tensor to host memory first."
                )
            return self._cpu_array()
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = self._cpu_array()
        return a if dtype is None else a.astype(dtype)

    def tolist(self) -> Any:
        return self._cpu_array().tolist()

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        d = self._data
        return d.reshape(()).item() if type(d) is np.ndarray else backend.backend_of(d).item(d)

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def _scalar(self) -> Any:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        # Pickling (DataLoader workers, deepcopy) carries the data and the leaf's flag only.
        return (_rebuild, (self._cpu_array(), self._requires_grad, str(self.device)))

    def __deepcopy__(self, memo: dict) -> Tensor:
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment."
            )
        t = object.__new__(type(self))
        t._init(self._data.copy())
        t._requires_grad = self._requires_grad
        if self.grad is not None:
            t.grad = Tensor._wrap(self.grad._data.copy())
        memo[id(self)] = t
        return t

    def __setitem__(self, index: Any, value: Any) -> None:
        _ops.setitem(self, index, value)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)


def _rebuild(array: np.ndarray, requires_grad: bool, device: str) -> Tensor:
    t = Tensor._wrap(backend.to_device(array, backend.as_device(device)))
    t._requires_grad = requires_grad
    return t


Tensor._legacy_dtype = dtypes.float32  # (the legacy constructors: tensor_legacy.py)


# autograd sits below Tensor and never imports it: it learns the class it wraps gradients in here.
autograd_function.register_tensor_class(Tensor)

# The one tie of the import cycle (see the module docstring): the modules that build on Tensor.
from . import creation as _creation  # noqa: E402
from . import ops as _ops  # noqa: E402

tensor_methods._ops = tensor_operators._ops = tensor_inplace._ops = tensor_convert._ops = tensor_math._ops = _ops
tensor_forms._ops = _ops
tensor_convert._creation = _creation
