"""``Backend``: what one kind of device answers, so that op code never asks "numpy or cupy?".

One object per device kind (``HOST`` for numpy, ``CUDA`` for CuPy; a test can add a third)
holds everything device-specific: the array module, transfers to and from host memory,
scatter-add, strided window views, writeability and overlap tests, random numbers,
synchronisation, and the fast kernels registered for that device. The defaults here are
written against the array API numpy and CuPy share; a backend overrides what differs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import numpy as np

from . import special
from .device import device

T = TypeVar("T")


class Backend:
    """Everything specific to one kind of device (subclasses: ``HostBackend``, ``CudaBackend``).

    Attributes:
        type: the device type it serves (``'cpu'``, ``'cuda'``).
        xp: its array module (numpy's API: numpy itself, or cupy).
        array_type: the class of its arrays.
    """

    type: str = ""
    xp: Any = None
    array_type: Any = None

    def __init__(self) -> None:
        self._kernels: dict = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.type}'>"

    # ------------------------------------------------------------------ devices
    def is_available(self) -> bool:
        """Whether this kind of device can be used on this machine."""
        return True

    def check_available(self) -> None:
        """Raise torch's error when this kind of device cannot be used here."""

    def device_count(self) -> int:
        return 1

    def current_device(self) -> int:
        return 0

    def device_of(self, array: Any) -> device:
        """The device ``array`` (one of this backend's arrays) lives on."""
        return device(self.type)

    def synchronize(self, device: Any = None) -> None:
        """Wait until work queued on the device has finished (a no-op where work runs eagerly)."""

    def item(self, array: Any) -> Any:
        """The Python number in a one-element array (on an accelerator: a synchronisation)."""
        return array.reshape(()).item()

    def check_later(self, flag: Any, error: Callable[[], Exception]) -> None:
        """Raise ``error()`` if the 0-d boolean array ``flag`` holds.

        On the host at once. A device checks at its next synchronisation (``item()``, a copy to
        the host, ``synchronize()``), as CUDA reports a device-side assert, so that a training step
        never waits for the device just to validate its input; during graph capture not at all.
        """
        if bool(flag):
            raise error()

    def is_capturing(self) -> bool:
        """Whether work on this device is being captured into a graph (then nothing may synchronise)."""
        return False

    # ------------------------------------------------------ memory and transfers
    def to_host(self, array: Any) -> np.ndarray:
        """A numpy copy of one of this backend's arrays."""
        raise NotImplementedError

    def from_host(self, array: Any, device: device) -> Any:
        """``array`` (a numpy array, or already one of this backend's) on ``device``."""
        raise NotImplementedError

    def zeros(self, shape: tuple, dtype: Any, device: device) -> Any:
        """Zeros of ``shape`` and numpy ``dtype`` on ``device``."""
        return self.xp.zeros(shape, dtype=dtype)

    # ----------------------------------------------------------- array services
    def sum_leading(self, array: Any, count: int) -> Any:
        """``array`` summed over its first ``count`` axes (a broadcast gradient's added dims, per-image sums)."""
        return array.sum(axis=tuple(range(count)))

    def ones_vector(self, n: int, dtype: Any) -> Any:
        """A vector of ``n`` ones that callers only read (a device may keep one for every later call)."""
        return self.xp.ones(n, dtype=dtype)

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        """``target[index] += values`` with repeated indices accumulating."""
        raise NotImplementedError

    def scatter_reduce(self, target: Any, index: Any, values: Any, reduce: str) -> None:
        """``target[index] = reduce(target[index], values)`` with repeated indices combining, for ``reduce`` in
        ``'sum'``, ``'prod'``, ``'amax'``, ``'amin'`` (NaN wins a max or min, as in torch)."""
        raise NotImplementedError

    def strided_view(self, array: Any, shape: tuple, strides: tuple, writeable: bool = False) -> Any:
        """A view of ``array``'s memory with the given shape and byte strides (windows may overlap);
        read-only where the array library can mark it so, unless ``writeable`` (a view a user holds)."""
        return self.xp.lib.stride_tricks.as_strided(array, shape, strides)

    def open_grid(self, shape: tuple) -> list:
        """One index array per dimension of ``shape``, each of length n along its own axis and 1 elsewhere:
        numpy's ``indices(shape, sparse=True)``, which CuPy lacks."""
        xp, ndim = self.xp, len(shape)
        return [xp.arange(n).reshape((1,) * i + (n,) + (1,) * (ndim - i - 1)) for i, n in enumerate(shape)]

    def reshape_view(self, array: Any, shape: tuple) -> Any:
        """``array`` reshaped without copying; ValueError (or AttributeError) when that needs a copy."""
        out = array.view()
        out.shape = shape
        return out

    def is_writeable(self, array: Any) -> bool:
        """Whether ``array`` may be written in place (numpy marks broadcast and window views read-only)."""
        return True

    def fillable(self, array: Any) -> Any:
        """``array`` itself, or a writeable alias of a broadcast view of writeable memory: filling one with a
        single value is well defined however many of its elements share a location (torch's fill_ and zero_
        write expanded tensors)."""
        return array

    def partial_overlap(self, out: Any, other: Any) -> bool:
        """Whether ``other`` overlaps ``out``'s memory without being the very same view of it, as torch decides.

        torch refuses such in-place ops (``x.add_(x[0])``): the result would depend on the order in
        which elements are written. Like torch, only dense (contiguous in some order) arrays are
        judged, by their address ranges; for others it cannot tell cheaply and lets the op run.
        """
        if type(out) is not type(other):
            return False
        dense = (out.flags.c_contiguous or out.flags.f_contiguous) and (
            other.flags.c_contiguous or other.flags.f_contiguous
        )
        if not dense or out.size == 0 or other.size == 0 or not self._may_overlap(out, other):
            return False
        a, b = self.address(out), self.address(other)
        if a == b and out.shape == other.shape and out.strides == other.strides:
            return False
        return a < b + other.nbytes and b < a + out.nbytes

    def address(self, array: Any) -> int:
        """The address of ``array``'s first element."""
        raise NotImplementedError

    def _may_overlap(self, a: Any, b: Any) -> bool:
        """A cheap first test: False only when the two arrays' memory bounds are disjoint."""
        return True

    def quiet(self) -> AbstractContextManager[Any]:
        """A context that silences divide/invalid/overflow warnings (torch computes inf and nan silently)."""
        return contextlib.nullcontext()

    def filled_like(self, array: Any, value: Any) -> Any:
        """``value`` as the other operand of an elementwise op with ``array``: the value itself, or where
        the array library is faster against a whole array (numpy's maximum), a cached filled one."""
        return value

    def masked_grad(self, grad: Any, keep: Any) -> Any:
        """``grad`` where ``keep`` holds and 0 elsewhere, even where ``grad`` is inf or NaN.

        torch's backward formulas select (``where(mask, grad, 0)``); a product would turn an inf or
        NaN gradient into NaN where the mask is 0. Selecting is as fast as multiplying on a GPU.
        """
        return self.xp.where(keep, grad, 0).astype(grad.dtype, copy=False)

    def erf(self, x: Any) -> Any:
        """The error function of a floating array, elementwise (numpy has none; see ``special.py``)."""
        with self.quiet():  # x * x overflows far out, where erf is +-1 anyway
            return special.erf(self.xp, x)

    def erfc(self, x: Any) -> Any:
        """1 - erf(x) without cancellation far out (``special.py``)."""
        with self.quiet():
            return special.erfc(self.xp, x)

    def erfinv(self, x: Any) -> Any:
        """The inverse error function (``special.py``): +-inf at +-1, NaN outside [-1, 1]."""
        with self.quiet():
            return special.erfinv(self.xp, x)

    def erfcinv(self, x: Any) -> Any:
        """The inverse of erfc on [0, 2], exact for small arguments (``special.py``)."""
        with self.quiet():
            return special.erfcinv(self.xp, x)

    def lgamma(self, x: Any) -> Any:
        """log|Gamma(x)| (``special.py``)."""
        with self.quiet():
            return special.lgamma(self.xp, x)

    def digamma(self, x: Any) -> Any:
        """Gamma's logarithmic derivative (``special.py``)."""
        with self.quiet():
            return special.digamma(self.xp, x)

    def polygamma(self, n: int, x: Any) -> Any:
        """digamma's ``n``-th derivative, ``n`` >= 1 (``special.py``)."""
        with self.quiet():
            return special.polygamma(self.xp, n, x)

    def zeta(self, s: Any, q: Any) -> Any:
        """The Hurwitz zeta function of two float arrays of one dtype, broadcasting (``special.py``)."""
        with self.quiet():
            return special.zeta(self.xp, s, q)

    # ------------------------------------------------------------ random numbers
    def manual_seed(self, seed: int) -> None:
        """Seed this device's own generator, if it has one (host draws come from ``minitorch.random``)."""

    def fork_random_stream(self) -> Any:
        """Start a stretch of this device's own random stream that can be drawn again, and return what replays it
        (``replaying_random_stream``); None where the device draws from minitorch's host generator, whose state
        callers save themselves (``minitorch.random.get_rng_state``)."""
        return None

    def replaying_random_stream(self, token: Any) -> AbstractContextManager:
        """Within the block, this device draws the stretch ``token`` began (``fork_random_stream``); after it, the
        stream goes on as it was before the block."""
        return contextlib.nullcontext()

    def uniform(self, rng: np.random.Generator, shape: tuple, low: float, high: float) -> Any:
        """float64 samples of U(low, high) on this device; ``rng``: minitorch's host generator."""
        return self.from_host(rng.uniform(low, high, size=shape), device(self.type))

    def normal(self, rng: np.random.Generator, shape: tuple) -> Any:
        """float64 standard normal samples on this device."""
        return self.from_host(rng.standard_normal(size=shape), device(self.type))

    def integers(self, rng: np.random.Generator, shape: tuple, low: int, high: int) -> Any:
        """int64 samples uniform on [low, high) on this device."""
        return self.from_host(rng.integers(low, high, size=shape, dtype=np.int64), device(self.type))

    def poisson(self, rng: np.random.Generator, rates: Any) -> Any:
        """float64 Poisson samples of the given rates (an array on this device)."""
        return self.from_host(rng.poisson(self.to_host(rates)).astype(np.float64), device(self.type))

    def standard_gamma(self, rng: np.random.Generator, concentration: Any) -> Any:
        """float64 samples of Gamma(concentration, rate 1) (``concentration``: an array on this device)."""
        shapes = self.to_host(concentration).astype(np.float64)
        return self.from_host(rng.standard_gamma(shapes), device(self.type))

    def binomial(self, rng: np.random.Generator, counts: Any, probs: Any) -> Any:
        """float64 Binomial samples of integral ``counts`` trials of success ``probs`` (arrays of one shape)."""
        n = self.to_host(counts).astype(np.int64)
        return self.from_host(rng.binomial(n, self.to_host(probs)).astype(np.float64), device(self.type))

    # -------------------------------------------------------------- fast kernels
    def kernel(self, plain: T) -> T:
        """The fast variant this device registered for ``plain`` (an op class or a function), else ``plain``.

        An op names its plain twin at the one place it picks an implementation
        (``backend_of(x).kernel(FlatConvolution).apply(...)``); a numba or CuPy kernel module
        plugs in with ``register_kernel`` and the op's code does not change.
        """
        return self._kernels.get(plain, plain)

    def register_kernel(self, plain: Any, fast: Any) -> Callable[[], None]:
        """Use ``fast`` instead of ``plain`` on this device; returns a function that undoes it."""
        self._kernels[plain] = fast

        def unregister() -> None:
            if self._kernels.get(plain) is fast:
                del self._kernels[plain]

        return unregister

    def kernels(self) -> dict:
        """The registered fast variants, plain twin -> variant (a copy)."""
        return dict(self._kernels)

    def launch(self, kernel: Any, grid: tuple, block: tuple, args: tuple, shared_mem: int = 0) -> None:
        """Run a ``CudaKernel`` (``backend/cuda_kernels.py``) on this device's arrays."""
        raise RuntimeError(f"{kernel!r} is a CUDA kernel: it cannot run on the {self.type} device")

    # ------------------------------------------------- streams, events, graph capture
    # Answered by the CUDA backend (and the test-only fake device); ``minitorch.cuda`` wraps them.
    def _no_streams(self, what: str) -> RuntimeError:
        return RuntimeError(f"minitorch.cuda.{what} requires CUDA support")

    def new_stream(self, device: Any = None, priority: int = 0) -> Any:
        raise self._no_streams("Stream")

    def current_stream(self, device: Any = None) -> Any:
        raise self._no_streams("current_stream")

    def default_stream(self, device: Any = None) -> Any:
        raise self._no_streams("default_stream")

    def use_stream(self, stream: Any) -> AbstractContextManager[Any]:
        raise self._no_streams("stream")

    def new_event(self, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False) -> Any:
        raise self._no_streams("Event")

    def elapsed_ms(self, start: Any, end: Any) -> float:
        raise self._no_streams("Event.elapsed_time")

    def new_graph_pool(self) -> Any:
        raise self._no_streams("graph_pool_handle")

    def begin_capture(self, stream: Any, pool: Any) -> Any:
        """Start capturing the work queued on ``stream`` into a graph, allocating from ``pool``; returns a token."""
        raise self._no_streams("CUDAGraph")

    def end_capture(self, stream: Any, token: Any) -> Any:
        """Stop capturing (also after an error in the captured code); returns the graph (``launch(stream)``)."""
        raise self._no_streams("CUDAGraph")
