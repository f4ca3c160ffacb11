"""The CUDA backend's float matrix products: cuBLAS called through ctypes, eagerly and inside graph capture.

CuPy 14 refuses every cuBLAS call on a capturing stream (its wrappers raise NotImplementedError before
``cublasSetStream``), though cuBLAS itself records into graphs: the cuBLAS guide's "CUDA Graphs Support"
asks for scalars by host pointer (read once, at capture) and a workspace of the caller's, so that the graph
allocates nothing. So the CUDA backend's ``matmul`` (``CupyNamespace.matmul`` in cuda.py, what op code
reaches as ``xp.matmul``) calls ``cublas<S|D>gemm[StridedBatched]`` itself for float32/float64, on a handle
and a workspace of its own made before any capture: a captured step computes exactly what the eager one
does, and strided operands (transposed views, a batch read with stride 0, the rows of a window) go to
cuBLAS as they lie, without the copies CuPy's batched path makes.

``plan`` (how a row-major product maps onto column-major cuBLAS) is pure and tested on the host against
numpy; everything that calls cuBLAS needs a GPU.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

OP_N, OP_T = 0, 1  # cublasOperation_t
_DEFAULT_MATH, _TF32_MATH = 0, 3  # cublasMath_t: CUBLAS_DEFAULT_MATH, CUBLAS_TF32_TENSOR_OP_MATH
WORKSPACE_BYTES = 32 << 20  # what torch gives cuBLAS on Hopper


@dataclass(frozen=True)
class Operand:
    """One operand as cuBLAS reads it: its operation (N or T), leading dimension and batch stride, in elements."""

    op: int
    ld: int
    batch_stride: int


def layout(shape: tuple, strides: tuple) -> Operand | None:
    """How cuBLAS reads a (batch, rows, cols) array with element ``strides`` as the row-major product's operand.

    A row-major matrix is, to column-major cuBLAS, its own transpose stored with ``ld`` = the row stride
    (operation N in the transposed product); a column-major one (a transposed view) is read with operation T.
    None when neither fits (a broadcast or negative stride, a gap pattern cuBLAS cannot express): copy first.
    """
    batch, r, c = shape
    sb, sr, sc = strides
    if batch == 1:
        sb = 0  # never stepped: whatever stride a reshape gave the lone matrix
    if sb < 0:
        return None
    if (c == 1 or sc == 1) and (r == 1 or sr >= max(1, c)):
        return Operand(OP_N, sr if r > 1 else max(1, c), sb)
    if (r == 1 or sr == 1) and (c == 1 or sc >= max(1, r)):
        return Operand(OP_T, sc if c > 1 else max(1, r), sb)
    return None


@dataclass(frozen=True)
class Plan:
    """One cuBLAS call computing row-major C (batch, m, n) = A (batch, m, k) @ B (batch, k, n), C contiguous.

    Column-major cuBLAS computes C^T = B^T A^T: its first operand is B, its second A, its (m, n) our (n, m).
    """

    first: Operand  # B
    second: Operand  # A
    m: int
    n: int
    k: int
    batch: int


def plan(a_shape: tuple, a_strides: tuple, b_shape: tuple, b_strides: tuple) -> Plan | None:
    """The call for 3-D operands (strides in elements), or None when one of them must be copied first."""
    second, first = layout(a_shape, a_strides), layout(b_shape, b_strides)
    if first is None or second is None:
        return None
    batch, m, k = a_shape
    return Plan(first, second, m=b_shape[2], n=m, k=k, batch=batch)


def _loaded_cublas() -> str:
    """The path of the libcublas that CuPy loaded (the one whose handles and streams we share a process with)."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "/libcublas.so" in path:
                    return path
    except OSError:  # pragma: no cover - not Linux
        pass
    found = ctypes.util.find_library("cublas")  # pragma: no cover - depends on the machine
    if found is None:  # pragma: no cover
        raise RuntimeError("minitorch could not find the cuBLAS library CuPy uses, to record matrix products")
    return found  # pragma: no cover


class CublasGemm:  # pragma: no cover - needs a GPU
    """cuBLAS GEMMs on the current stream through ctypes (see the module docstring)."""

    def __init__(self, cupy: Any) -> None:
        self.cupy = cupy
        self.allow_tf32 = False
        self._lib: Any = None
        self._handles: dict = {}  # device id -> (handle, workspace array)
        self._settings: dict = {}  # device id -> the (stream, TF32) its handle was last set up for
        # The 2-D products seen, by (shapes, strides, dtypes) -> the cuBLAS function and its fixed arguments: an
        # eager step repeats the same few products, and working out a call took more host time (~25 us on the
        # H200's host, against ~10 us for cuBLAS itself) than torch's whole matmul.
        self._calls: dict = {}
        self._scalars = {
            np.dtype(np.float32): (ctypes.c_float(1.0), ctypes.c_float(0.0)),
            np.dtype(np.float64): (ctypes.c_double(1.0), ctypes.c_double(0.0)),
        }

    def _library(self) -> Any:
        if self._lib is None:
            self.cupy.cuda.device.get_cublas_handle()  # makes CuPy load libcublas, so that we find the same one
            lib = ctypes.CDLL(_loaded_cublas())
            p, i, ll = ctypes.c_void_p, ctypes.c_int, ctypes.c_longlong
            lib.cublasCreate_v2.argtypes = [ctypes.POINTER(p)]
            lib.cublasSetStream_v2.argtypes = [p, p]
            lib.cublasSetWorkspace_v2.argtypes = [p, p, ctypes.c_size_t]
            lib.cublasSetMathMode.argtypes = [p, i]
            for name in ("cublasSgemm_v2", "cublasDgemm_v2"):
                getattr(lib, name).argtypes = [p, i, i, i, i, i, p, p, i, p, i, p, p, i]
            for name in ("cublasSgemmStridedBatched", "cublasDgemmStridedBatched"):
                getattr(lib, name).argtypes = [p, i, i, i, i, i, p, p, i, ll, p, i, ll, p, p, i, ll, i]
            self._lib = lib
        return self._lib

    @staticmethod
    def _check(status: int, what: str) -> None:
        if status != 0:
            raise RuntimeError(f"cuBLAS error {status} in {what}")

    def prepare(self) -> tuple:
        """The current device's handle and workspace, made now (before a capture: cuBLAS allocates on creation)."""
        dev = self.cupy.cuda.runtime.getDevice()
        entry = self._handles.get(dev)
        if entry is None:
            lib = self._library()
            handle = ctypes.c_void_p()
            self._check(lib.cublasCreate_v2(ctypes.byref(handle)), "cublasCreate")
            workspace = self.cupy.empty(WORKSPACE_BYTES, dtype=np.uint8)
            entry = self._handles[dev] = (handle, workspace)
        return entry

    def matmul(self, a: Any, b: Any, out: Any = None) -> Any:
        """``a @ b`` with numpy's rules for float32/float64 operands; anything else is CuPy's."""
        cp = self.cupy
        known = self._calls.get((a.shape, a.strides, a.dtype, b.shape, b.strides, b.dtype))
        if known is not None:  # a product met before: straight to cuBLAS
            function, shape, dtype, head, after_b, after_a, after_c = known
            res = cp.empty(shape, dtype=dtype) if out is None else out if self._fits(out, shape, dtype, a, b) else None
            if res is not None:
                handle = self._current_handle()
                status = function(handle, *head, b.data.ptr, *after_b, a.data.ptr, *after_a, res.data.ptr, *after_c)
                if status:
                    self._check(status, "cublasGemm")
                return res
        if not (a.dtype == b.dtype and a.dtype.char in "fd" and a.ndim and b.ndim):
            return cp.matmul(a, b, out=out)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a2.shape[-1] != b2.shape[-2]:
            return cp.matmul(a, b, out=out)  # CuPy's error for mismatched shapes
        batch = tuple(np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]))
        (m, k), n = a2.shape[-2:], b2.shape[-1]
        count = math.prod(batch)
        shape = batch + (m, n)
        if a.ndim == 1:
            shape = shape[:-2] + shape[-1:]
        if b.ndim == 1:
            shape = shape[:-1]
        res = out if out is not None and self._fits(out, shape, a.dtype, a, b) else cp.empty(shape, dtype=a.dtype)
        if res.size and k == 0:
            res.fill(0)
        elif res.size:
            a3 = cp.broadcast_to(a2, batch + (m, k)).reshape(count, m, k)
            b3 = cp.broadcast_to(b2, batch + (k, n)).reshape(count, k, n)
            call = plan(a3.shape, _elements(a3), b3.shape, _elements(b3))
            if call is None:
                a3, b3 = cp.ascontiguousarray(a3), cp.ascontiguousarray(b3)
                call = plan(a3.shape, _elements(a3), b3.shape, _elements(b3))
            elif a3.data.ptr == a.data.ptr and b3.data.ptr == b.data.ptr:
                self._remember(a, b, call, shape)  # the operands read as they lie: the call fits any like them
            self._gemm(call, a3, b3, res.reshape(count, m, n))
        return res if out is None or res is out else _into(out, res)

    def _fits(self, out: Any, shape: tuple, dtype: Any, a: Any, b: Any) -> bool:
        """Whether the product can be written straight into ``out``: its shape and dtype, C-contiguous, and
        sharing no memory with an operand (the recurrent layers' per-step products write into their blocks)."""
        cp = self.cupy
        return (
            out.shape == shape
            and out.dtype == dtype
            and out.flags.c_contiguous
            and not cp.may_share_memory(out, a)
            and not cp.may_share_memory(out, b)
        )

    def _remember(self, a: Any, b: Any, call: Plan, shape: tuple) -> None:
        """Keep a product's cuBLAS call, by the operands' shapes, strides and dtypes, for the next one alike."""
        if len(self._calls) >= 1024:  # a program of ever-new shapes: start over rather than grow
            self._calls.clear()
        self._calls[(a.shape, a.strides, a.dtype, b.shape, b.strides, b.dtype)] = (
            self._function(a.dtype, call.batch),
            shape,
            a.dtype,
            *self._arguments(call, a.dtype),
        )

    def _function(self, dtype: Any, batch: int) -> Any:
        kind = "S" if dtype == np.float32 else "D"
        return getattr(self._library(), f"cublas{kind}gemm_v2" if batch == 1 else f"cublas{kind}gemmStridedBatched")

    def _arguments(self, call: Plan, dtype: Any) -> tuple:
        """A call's arguments but the handle and the three pointers: those before B, between B and A, between A
        and C, and after C."""
        one, zero = self._scalars[dtype]  # constants: cuBLAS reads them at the call (or once, at capture)
        f, s = call.first, call.second
        head = (f.op, s.op, call.m, call.n, call.k, ctypes.addressof(one))
        ldc = max(1, call.m)
        if call.batch == 1:
            return head, (f.ld,), (s.ld, ctypes.addressof(zero)), (ldc,)
        return (
            head,
            (f.ld, f.batch_stride),
            (s.ld, s.batch_stride, ctypes.addressof(zero)),
            (ldc, call.m * call.n, call.batch),
        )

    def _current_handle(self) -> Any:
        """The current device's handle, set up for the current stream and TF32 setting."""
        dev, stream = self.cupy.cuda.runtime.getDevice(), self.cupy.cuda.get_current_stream().ptr
        entry = self._handles.get(dev)
        if entry is not None and self._settings.get(dev) == (stream, self.allow_tf32):
            return entry[0]
        lib = self._library()
        handle, workspace = self.prepare()
        self._check(lib.cublasSetStream_v2(handle, stream), "cublasSetStream")
        # cublasSetStream resets the workspace to cuBLAS's pool: ours again, so a graph allocates nothing
        self._check(lib.cublasSetWorkspace_v2(handle, workspace.data.ptr, workspace.nbytes), "cublasSetWorkspace")
        mode = _TF32_MATH if self.allow_tf32 else _DEFAULT_MATH
        self._check(lib.cublasSetMathMode(handle, mode), "cublasSetMathMode")
        self._settings[dev] = (stream, self.allow_tf32)
        return handle

    def _gemm(self, call: Plan | None, a: Any, b: Any, c: Any) -> None:
        """``c = a @ b`` for 3-D operands by ``call``."""
        assert call is not None  # contiguous operands always have a plan
        head, after_b, after_a, after_c = self._arguments(call, c.dtype)
        function = self._function(c.dtype, call.batch)
        status = function(
            self._current_handle(), *head, b.data.ptr, *after_b, a.data.ptr, *after_a, c.data.ptr, *after_c
        )
        self._check(status, f"{function.__name__}")


def _into(out: Any, res: Any) -> Any:  # pragma: no cover - needs a GPU
    out[...] = res
    return out


def _elements(x: Any) -> tuple:  # pragma: no cover - needs a GPU
    """An array's strides in elements (a broadcast batch dim keeps its 0)."""
    return tuple(s // x.itemsize for s in x.strides)
