"""The CUDA backend: CuPy arrays in GPU memory. Inert (``is_available()`` False) without CuPy or a GPU.

Written against CuPy 14's documented API (``cupy.cuda.Stream.begin_capture``/``end_capture``,
``Graph.launch``, ``using_allocator``, ``MemoryPool``, ``RawModule``). Nothing here runs on a
machine without a GPU, so every method that touches the device is marked as needing one for
coverage; ``scripts/gpu_check.sh`` runs the cuda tests where one is present.

Choices that differ from CuPy's defaults, each for torch's semantics:
- float32 matrix products use full float32 (``CUBLAS_COMPUTE_32F``), not TF32, unless
  ``minitorch.backends.cuda.matmul.allow_tf32`` is set (whatever ``CUPY_TF32`` says);
- an input check that would need the device's answer (a class index out of range) is deferred to
  the next synchronisation (``check_later``) instead of synchronising every step;
- graph capture allocates from a pool private to the graph (a ``cupy.cuda.MemoryPool`` of its own,
  made current with ``using_allocator``), so memory the graph reads and writes is never handed to
  other work, and captures in CUDA's relaxed mode, because CuPy's pool may ``cudaMalloc`` then.
"""

from __future__ import annotations

import contextlib
import importlib
import math
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

from .base import Backend
from .cuda_blas import CublasGemm
from .cuda_kernels import CudaKernel, TensorTable, prepare_launch
from .device import device

# CuPy is optional, and importing minitorch does not load it (as importing torch does not start CUDA): the
# CUDA backend imports it the first time it is asked whether a GPU is usable (``_import_cupy``).
cupy: Any = None
cupyx: Any = None
_linalg: Any = None
_CUPY_TRIED = False


def _import_cupy() -> bool:
    """Import CuPy once; False when it is not installed (or does not load)."""
    global cupy, cupyx, _linalg, _CUPY_TRIED
    if not _CUPY_TRIED:
        _CUPY_TRIED = True
        try:
            cupy = importlib.import_module("cupy")
            cupyx = importlib.import_module("cupyx")
            importlib.import_module("cupyx.scipy.special")  # erf, for GELU
            _linalg = importlib.import_module("cupy._core._routines_linalg")
        except Exception:  # pragma: no cover - depends on the machine
            cupy = cupyx = _linalg = None
    return cupy is not None


_NO_CUDA = (
    "Torch not compiled with CUDA enabled: minitorch found no usable CuPy/GPU "
    "(install the 'cuda' extra on a machine with an NVIDIA GPU)"
)
# Deferred checks kept before they are read anyway (one read, a synchronisation, per this many).
_MAX_PENDING = 1024


class _PeakTracker:  # pragma: no cover - needs a GPU
    """Counts bytes handed out by CuPy's pools and their peak, from ``reset_peak_memory_stats()`` on."""

    def __init__(self) -> None:
        self.live: dict = {}
        self.current = self.peak = 0
        self.hook: Any = None

    def install(self) -> None:
        tracker = self

        class Hook(cupy.cuda.MemoryHook):
            name = "minitorch_peak"

            def malloc_postprocess(self, **kw: Any) -> None:
                tracker.live[kw["mem_ptr"]] = kw["mem_size"]
                tracker.current += kw["mem_size"]
                tracker.peak = max(tracker.peak, tracker.current)

            def free_preprocess(self, **kw: Any) -> None:
                tracker.current -= tracker.live.pop(kw["mem_ptr"], 0)

        self.hook = Hook()
        self.hook.__enter__()  # a thread-local registration that stays for the process


class CupyNamespace:  # pragma: no cover - needs a GPU
    """CuPy's module as op code sees it (``xp``), but for ``matmul``: float products call cuBLAS themselves
    (cuda_blas.py), since CuPy refuses cuBLAS calls while a graph is captured."""

    def __init__(self, module: Any, backend: CudaBackend) -> None:
        self._module, self._backend = module, backend
        self._gemm = CublasGemm(module)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or "_module" not in self.__dict__:
            raise AttributeError(name)  # copy and pickle probe dunders on a bare instance
        value = getattr(self._module, name)
        setattr(self, name, value)  # found once: later lookups are plain attribute reads
        return value

    def matmul(self, a: Any, b: Any, out: Any = None) -> Any:
        return self._gemm.matmul(a, b, out=out)


class CudaBackend(Backend):
    """CuPy on NVIDIA GPUs (``device('cuda')``, ``device('cuda:N')``)."""

    type = "cuda"

    def __init__(self) -> None:
        super().__init__()
        # Until CuPy is loaded no array is of this type: a class nothing instantiates keeps lookups uniform.
        self.xp = None
        self.array_type = type("NoCupyArray", (), {})
        self._loaded = False
        self._on_load: list = []
        self._seed: int | None = None
        self._forks = 0  # streams forked since the last manual_seed (fork_random_stream)
        self._ready = False
        self._allow_tf32 = False
        self._pending: list = []
        self._capturing = 0
        self._functions: dict = {}
        self._ones: dict = {}  # (device, dtype, n) -> a vector of ones (ones_vector)
        self._sole: device | None = None  # the device of every array when the machine has one GPU
        self._peak: _PeakTracker | None = None

    # ------------------------------------------------------------------ devices
    def load(self) -> bool:
        """Import CuPy (once) and adopt its array type; False without CuPy."""
        if not self._loaded:
            self._loaded = True
            if _import_cupy():  # pragma: no cover - depends on the machine
                self.xp, self.array_type = CupyNamespace(cupy, self), cupy.ndarray
                for fn in self._on_load:
                    fn(self)
        return self.xp is not None

    def when_loaded(self, fn: Callable[[CudaBackend], None]) -> None:
        """Call ``fn(self)`` once CuPy is loaded (at once if it already is): the array lookups adopt its type."""
        self._on_load.append(fn)
        if self.xp is not None:  # pragma: no cover - depends on the machine
            fn(self)

    def is_available(self) -> bool:
        """True when CuPy is importable and sees at least one GPU."""
        if not self.load():
            return False
        try:  # pragma: no cover - needs a GPU
            return cupy.cuda.runtime.getDeviceCount() > 0
        except Exception:  # pragma: no cover - depends on the machine
            return False

    def check_available(self) -> None:
        if self._ready:
            return
        if not self.is_available():
            raise RuntimeError(_NO_CUDA)
        self._initialise()  # pragma: no cover - needs a GPU

    def _initialise(self) -> None:  # pragma: no cover - needs a GPU
        """Once, before the first CUDA tensor: torch's float32 GEMM precision (no TF32 unless allowed), and a
        seed given before CuPy was loaded."""
        self._ready = True
        self._sole = device("cuda", 0) if cupy.cuda.runtime.getDeviceCount() == 1 else None
        self.set_allow_tf32(self._allow_tf32)
        if self._seed is not None:
            cupy.random.seed(self._seed)

    def set_allow_tf32(self, allow: bool) -> None:
        """Let float32 matrix products use TF32 tensor cores (``torch.backends.cuda.matmul.allow_tf32``)."""
        self._allow_tf32 = bool(allow)
        if self._ready:  # pragma: no cover - needs a GPU
            kind = _linalg.COMPUTE_TYPE_TF32 if allow else _linalg.COMPUTE_TYPE_DEFAULT
            _linalg.set_compute_type(np.float32, kind)
            self.xp._gemm.allow_tf32 = self._allow_tf32

    def device_count(self) -> int:
        return cupy.cuda.runtime.getDeviceCount() if self.is_available() else 0

    def current_device(self) -> int:
        if not self.is_available():
            raise RuntimeError("Torch not compiled with CUDA enabled")
        return cupy.cuda.Device().id  # pragma: no cover - needs a GPU

    def set_device(self, index: int) -> None:
        self.check_available()
        cupy.cuda.Device(index).use()  # pragma: no cover - needs a GPU

    def properties(self, index: int | None = None) -> dict:  # pragma: no cover - needs a GPU
        self.check_available()
        props = cupy.cuda.runtime.getDeviceProperties(self.current_device() if index is None else index)
        name = props["name"]
        return dict(props, name=name.decode() if isinstance(name, bytes) else name)

    def device_of(self, array: Any) -> device:  # pragma: no cover - needs a GPU
        # Asked on every op (the mixed-device check, the node's record): with one GPU, one device object.
        if self._sole is not None:
            return self._sole
        return device("cuda", array.device.id)

    def synchronize(self, device: Any = None) -> None:
        if self.xp is not None and self.is_available():  # pragma: no cover - needs a GPU
            index = getattr(device, "index", device)
            cupy.cuda.Device(index if isinstance(index, int) else None).synchronize()
            self._raise_pending()

    # ------------------------------------------------------ memory and transfers
    def to_host(self, array: Any) -> np.ndarray:  # pragma: no cover - needs a GPU
        out = cupy.asnumpy(array)  # waits for the array's stream: a synchronisation
        self._raise_pending()
        return out

    def from_host(self, array: Any, device: device) -> Any:  # pragma: no cover - needs a GPU
        # cupy.asarray copies through a pinned staging buffer (or straight from pinned memory) on the current
        # stream without waiting for the device: non_blocking in torch's sense either way.
        with cupy.cuda.Device(device.index or 0):
            return cupy.asarray(array)

    def zeros(self, shape: tuple, dtype: Any, device: device) -> Any:  # pragma: no cover - needs a GPU
        with cupy.cuda.Device(device.index or 0):
            return cupy.zeros(shape, dtype=dtype)

    def pin(self, array: np.ndarray) -> np.ndarray:  # pragma: no cover - needs a GPU
        """A copy of a host array in page-locked memory (the source of an asynchronous copy to the GPU)."""
        out = cupyx.empty_pinned(array.shape, array.dtype)
        out[...] = array
        return out

    def is_pinned(self, array: np.ndarray) -> bool:
        if self.xp is None or array.size == 0 or not self.is_available():  # nothing is pinned before CuPy loads
            return False
        return bool(cupy.cuda.pinned_memory.is_memory_pinned(array.ctypes.data))  # pragma: no cover

    def item(self, array: Any) -> Any:  # pragma: no cover - needs a GPU
        value = array.reshape(()).item()
        self._raise_pending()
        return value

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:  # pragma: no cover - needs a GPU
        cupyx.scatter_add(target, index, values)

    def scatter_reduce(self, target: Any, index: Any, values: Any, reduce: str) -> None:  # pragma: no cover
        if reduce == "sum":
            cupyx.scatter_add(target, index, values)
        elif reduce == "amax":
            cupyx.scatter_max(target, index, values)
        elif reduce == "amin":
            cupyx.scatter_min(target, index, values)
        else:  # CuPy has no scatter-multiply: through the host, correct but not fast
            host = cupy.asnumpy(target)
            np.multiply.at(
                host, tuple(cupy.asnumpy(i) if isinstance(i, cupy.ndarray) else i for i in index), cupy.asnumpy(values)
            )
            target[...] = cupy.asarray(host)

    def sum_leading(self, array: Any, count: int) -> Any:  # pragma: no cover - needs a GPU
        # A product with a row of ones (cuBLAS's GEMV): CuPy's reduction over leading axes took 26 us of GPU time
        # a call at LeNet's shapes (torch.profiler on an H200) and 22 us of host time (scripts/gpu_hostcost.py).
        if not count or array.size == 0 or array.dtype.char not in "fd" or not isinstance(array, cupy.ndarray):
            return super().sum_leading(array, count)
        shape = array.shape
        rows = math.prod(shape[:count])
        ones = self.ones_vector(rows, array.dtype).reshape(1, rows)  # 2-D: the product's remembered call
        return self.xp.matmul(ones, array.reshape(rows, -1)).reshape(shape[count:])

    def ones_vector(self, n: int, dtype: Any) -> Any:  # pragma: no cover - needs a GPU
        # Kept for good (a captured graph may read one): filling a fresh vector cost 14 us of host time a call.
        key = (cupy.cuda.runtime.getDevice(), np.dtype(dtype), n)
        ones = self._ones.get(key)
        if ones is None:
            ones = cupy.ones(n, dtype=dtype)
            if not self._capturing:  # one filled while capturing is filled at replays only: not for eager use
                self._ones[key] = ones
        return ones

    def erf(self, x: Any) -> Any:  # pragma: no cover - needs a GPU
        return cupyx.scipy.special.erf(x)

    def erfc(self, x: Any) -> Any:  # pragma: no cover - needs a GPU
        return cupyx.scipy.special.erfc(x)

    def erfinv(self, x: Any) -> Any:  # pragma: no cover - needs a GPU
        return cupyx.scipy.special.erfinv(x)

    def erfcinv(self, x: Any) -> Any:  # pragma: no cover - needs a GPU
        return cupyx.scipy.special.erfcinv(x)

    def lgamma(self, x: Any) -> Any:  # pragma: no cover - needs a GPU
        return cupyx.scipy.special.gammaln(x)

    def digamma(self, x: Any) -> Any:  # pragma: no cover - needs a GPU
        return cupyx.scipy.special.digamma(x)

    # polygamma stays the shared one (special.py, tested against torch): CuPy 14's fails for a Python int
    # order (its cupy.where is handed a bool; found on the H200).

    def address(self, array: Any) -> int:  # pragma: no cover - needs a GPU
        return array.data.ptr

    def memory_stats(self) -> dict:
        """Bytes in use by arrays, held by the pool, and the peak in use since ``reset_peak``."""
        if self.xp is None or not self.is_available():
            return {"allocated": 0, "reserved": 0, "peak": 0}
        pool = cupy.get_default_memory_pool()  # pragma: no cover - needs a GPU
        used, held = pool.used_bytes(), pool.total_bytes()  # pragma: no cover
        # Without a reset the exact peak is unknown; what the pool holds bounds it from above.
        peak = self._peak.peak if self._peak is not None else held  # pragma: no cover
        return {"allocated": used, "reserved": held, "peak": peak}  # pragma: no cover

    def reset_peak(self) -> None:
        if self.xp is None or not self.is_available():
            return
        if self._peak is None:  # pragma: no cover - needs a GPU
            self._peak = _PeakTracker()
            self._peak.install()
        self._peak.peak = self._peak.current  # pragma: no cover - needs a GPU

    def empty_cache(self) -> None:
        if self.xp is not None and self.is_available():  # pragma: no cover - needs a GPU
            cupy.get_default_memory_pool().free_all_blocks()
            cupy.get_default_pinned_memory_pool().free_all_blocks()

    # ------------------------------------------------------------ deferred checks
    def check_later(self, flag: Any, error: Callable[[], Exception]) -> None:  # pragma: no cover - needs a GPU
        if self._capturing:
            return  # a replay could not report it; torch's capture skips such checks too
        self._pending.append((flag, error))
        if len(self._pending) >= _MAX_PENDING:
            self._raise_pending()

    def _raise_pending(self) -> None:  # pragma: no cover - needs a GPU
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        if len(pending) == 1:  # the usual case (one loss per step, read by .item()): one small copy, no kernels
            flags = [bool(pending[0][0].get())]
        else:
            flags = cupy.asnumpy(cupy.stack([cupy.asarray(f, dtype=cupy.bool_).reshape(()) for f, _ in pending]))
        for hit, (_, error) in zip(flags, pending):
            if hit:
                raise error()

    # ------------------------------------------------------------ random numbers
    def manual_seed(self, seed: int) -> None:
        self._seed = int(seed)  # applied when CuPy is loaded, if it is not yet (torch seeds CUDA lazily too)
        self._forks = 0
        if self._ready:  # pragma: no cover - needs a GPU
            cupy.random.seed(seed)

    # CuPy's generator cannot report its state, so a stretch to replay starts from a seed of its own: the n-th fork
    # since manual_seed(s) seeds from (s, n), so that seeded runs repeat (drawing a seed from the device would
    # synchronise, and from the host generator would change its stream, which torch leaves alone).
    def fork_random_stream(self) -> Any:  # pragma: no cover - needs a GPU
        if not self._ready:
            return None  # nothing has drawn on the GPU yet: nothing to replay
        self._forks += 1
        seed = hash((self._seed or 0, self._forks)) & 0x7FFFFFFF
        cupy.random.set_random_state(cupy.random.RandomState(seed))
        return seed

    @contextlib.contextmanager
    def replaying_random_stream(self, token: Any) -> Any:  # pragma: no cover - needs a GPU
        if token is None:
            yield
            return
        saved = cupy.random.get_random_state()
        cupy.random.set_random_state(cupy.random.RandomState(token))
        try:
            yield
        finally:
            cupy.random.set_random_state(saved)

    # Random numbers from CuPy's generator on the device (seeded by manual_seed): drawing on the host
    # and copying would synchronise every step. The host generator ``rng`` is not consulted.
    def uniform(self, rng: np.random.Generator, shape: tuple, low: float, high: float) -> Any:  # pragma: no cover
        return cupy.random.uniform(low, high, size=shape, dtype=np.float64)

    def normal(self, rng: np.random.Generator, shape: tuple) -> Any:  # pragma: no cover - needs a GPU
        return cupy.random.standard_normal(size=shape, dtype=np.float64)

    def integers(self, rng: np.random.Generator, shape: tuple, low: int, high: int) -> Any:  # pragma: no cover
        return cupy.random.randint(low, high, size=shape, dtype=np.int64)

    def poisson(self, rng: np.random.Generator, rates: Any) -> Any:  # pragma: no cover - needs a GPU
        return cupy.random.poisson(rates).astype(np.float64)

    def standard_gamma(self, rng: np.random.Generator, concentration: Any) -> Any:  # pragma: no cover - needs a GPU
        shapes = concentration.astype(np.float64)
        return cupy.random.standard_gamma(shapes, size=shapes.shape, dtype=np.float64)

    def binomial(self, rng: np.random.Generator, counts: Any, probs: Any) -> Any:  # pragma: no cover - needs a GPU
        n, p = counts.astype(np.int64), probs.astype(np.float64)
        return cupy.random.binomial(n, p, size=n.shape).astype(np.float64)

    # -------------------------------------------------------------- kernels
    def launch(
        self, kernel: CudaKernel, grid: tuple, block: tuple, args: tuple, shared_mem: int = 0
    ) -> None:  # pragma: no cover - needs a GPU
        dtype, args = prepare_launch(kernel, grid, block, args, shared_mem, cupy.ndarray)
        if kernel.table_rows() is not None:
            args = tuple(a.struct(lambda x: x.data.ptr) if isinstance(a, TensorTable) else a for a in args)
        # (one GPU: its index without asking the runtime, on every launch of an eager step)
        key = (kernel, dtype, 0 if self._sole is not None else cupy.cuda.runtime.getDevice())
        fn = self._functions.get(key)
        if fn is None:
            module = cupy.RawModule(code=kernel.source(dtype), options=("--std=c++17",))
            fn = self._functions[key] = module.get_function(kernel.name)
        fn(tuple(grid), tuple(block), args, shared_mem=shared_mem)

    # ------------------------------------------------- streams, events, graph capture
    def new_stream(self, device: Any = None, priority: int = 0) -> Any:  # pragma: no cover - needs a GPU
        self.check_available()
        index = getattr(device, "index", device)
        with cupy.cuda.Device(index if isinstance(index, int) else None):
            return cupy.cuda.Stream(non_blocking=False, priority=priority)

    def current_stream(self, device: Any = None) -> Any:  # pragma: no cover - needs a GPU
        self.check_available()
        index = getattr(device, "index", device)
        return cupy.cuda.get_current_stream(index if isinstance(index, int) else -1)

    def default_stream(self, device: Any = None) -> Any:  # pragma: no cover - needs a GPU
        self.check_available()
        return cupy.cuda.Stream.null

    def use_stream(self, stream: Any) -> AbstractContextManager[Any]:  # pragma: no cover - needs a GPU
        return stream if stream is not None else contextlib.nullcontext()

    def new_event(
        self, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False
    ) -> Any:  # pragma: no cover - needs a GPU
        self.check_available()
        return cupy.cuda.Event(block=blocking, disable_timing=not enable_timing, interprocess=interprocess)

    def elapsed_ms(self, start: Any, end: Any) -> float:  # pragma: no cover - needs a GPU
        return float(cupy.cuda.get_elapsed_time(start, end))

    def new_graph_pool(self) -> Any:  # pragma: no cover - needs a GPU
        self.check_available()
        return cupy.cuda.MemoryPool()

    def is_capturing(self) -> bool:
        return self._capturing > 0

    def begin_capture(self, stream: Any, pool: Any) -> Any:  # pragma: no cover - needs a GPU
        if stream.ptr in (0, 1) or stream == cupy.cuda.Stream.null:
            raise RuntimeError(
                "CUDA graphs must be captured on a non-default stream. "
                "(However, after capture, it's ok to replay them on the default stream.)"
            )
        self.xp._gemm.prepare()  # cuBLAS's handle and workspace, made outside the graph
        allocator = cupy.cuda.using_allocator(pool.malloc)
        allocator.__enter__()
        try:
            stream.begin_capture(cupy.cuda.runtime.streamCaptureModeRelaxed)
        except Exception:
            allocator.__exit__(None, None, None)
            raise
        self._capturing += 1
        return allocator

    def end_capture(self, stream: Any, token: Any) -> Any:  # pragma: no cover - needs a GPU
        try:
            return stream.end_capture()
        finally:
            self._capturing -= 1
            token.__exit__(None, None, None)


CUDA = CudaBackend()
