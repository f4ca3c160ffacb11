"""The BLAS numpy already loaded, called from inside compiled kernels: one GEMM per slice of a parallel loop.

A compiled kernel that runs its batch on numba's thread pool (``prange``) needs matrix products
inside the loop, on each thread. numba's own ``np.dot`` reaches the BLAS through SciPy, which
minitorch does not require; but numpy ships a BLAS and exports its CBLAS entry points, and
threadpoolctl tells which library file that is. ``routines()`` looks up ``cblas_sgemm`` and
``cblas_dgemm`` there (under the names OpenBLAS, SciPy's OpenBLAS builds and MKL give them) and
returns their addresses with the width of their integer arguments. A kernel receives those as
ordinary arguments and calls them through ``gemm`` (a numba intrinsic made by ``gemm_intrinsic``),
so nothing process-specific is compiled in and numba's on-disk cache stays valid across runs.

Where no such library is found (another BLAS, no threadpoolctl), ``routines()`` is None and the
kernels that need it run their plain twins. The BLAS itself stays on one thread while kernels run
on numba's pool (``threads.own_pool_started``): two pools of spinning threads on the same cores
slowed each other down.
"""

from __future__ import annotations

import ctypes
from typing import Any, NamedTuple

import numpy as np

# CBLAS's enumerations (cblas.h): row-major storage, and whether an operand is transposed.
ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112

# Symbol names of cblas_?gemm, with whether the integers are 64 bits wide (ILP64), in the order tried.
_NAMES = (
    ("scipy_cblas_{t}gemm64_", True),  # numpy's own OpenBLAS wheels (scipy-openblas64)
    ("cblas_{t}gemm64_", True),  # OpenBLAS built with a 64_ suffix
    ("scipy_cblas_{t}gemm", False),  # scipy-openblas32
    ("cblas_{t}gemm", False),  # plain OpenBLAS, MKL's runtime, reference CBLAS
)


class Routines(NamedTuple):
    """Addresses of cblas_sgemm and cblas_dgemm in the loaded BLAS, and whether their ints are 64-bit."""

    sgemm: int
    dgemm: int
    ilp64: bool
    library: str

    def gemm_for(self, dtype: np.dtype) -> int:
        """The address of the GEMM of ``dtype`` (float32 or float64)."""
        return self.sgemm if dtype == np.float32 else self.dgemm


_state: dict = {"routines": None, "looked": False, "intrinsic": None, "arguments": {}}


def kernel_argument(dtype: np.dtype) -> np.ndarray | None:
    """What a kernel passes to ``gemm`` for matrices of ``dtype`` (float32 or float64): the int64 pair (address of
    the GEMM, 1 if its integers are 64-bit), made once per dtype; None where the BLAS's GEMM was not found."""
    found = routines()
    if found is None:
        return None
    key = np.dtype(dtype)
    argument = _state["arguments"].get(key)
    if argument is None:
        argument = _state["arguments"][key] = np.array([found.gemm_for(key), int(found.ilp64)], dtype=np.int64)
    return argument


def routines() -> Routines | None:
    """The GEMM entry points of the BLAS numpy uses, or None where they cannot be found (looked up once)."""
    if not _state["looked"]:
        _state["looked"] = True
        try:
            _state["routines"] = _find()
        except (ImportError, OSError, AttributeError):
            _state["routines"] = None
    return _state["routines"]


def _find() -> Routines | None:
    from threadpoolctl import threadpool_info

    for info in threadpool_info():
        if info.get("user_api") != "blas" or not info.get("filepath"):
            continue
        library = ctypes.CDLL(info["filepath"])
        for pattern, wide in _NAMES:
            try:
                s, d = getattr(library, pattern.format(t="s")), getattr(library, pattern.format(t="d"))
            except AttributeError:
                continue
            sgemm, dgemm = (ctypes.cast(f, ctypes.c_void_p).value for f in (s, d))
            if sgemm and dgemm:
                return Routines(sgemm, dgemm, wide, str(info["filepath"]))
    return None


def gemm_intrinsic() -> Any:
    """A numba intrinsic ``gemm(address, ilp64, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)``.

    C (m, n) = alpha * op(A) @ op(B) + beta * C in row-major storage, calling cblas_?gemm at
    ``address``; ``a``, ``b``, ``c`` are data addresses (``array.ctypes.data`` plus an offset in
    bytes), ``trans_*`` CBLAS's NO_TRANS/TRANS, ``alpha``/``beta`` of the matrices' float type. The
    integer width is chosen at run time from ``ilp64``. Built on first use (it imports numba).
    """
    if _state["intrinsic"] is None:
        _state["intrinsic"] = _build_intrinsic()
    return _state["intrinsic"]


def _build_intrinsic() -> Any:
    from llvmlite import ir
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    @intrinsic
    def gemm(typingctx, address, ilp64, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
        signature = types.void(address, ilp64, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

        def codegen(context, builder, sig, args):
            (address, ilp64, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) = args
            i32, pointer = ir.IntType(32), cgutils.voidptr_t
            real = context.get_value_type(sig.args[7])
            enum = [ir.Constant(i32, ROW_MAJOR), builder.trunc(trans_a, i32), builder.trunc(trans_b, i32)]
            wide = builder.icmp_unsigned(
                "!=", context.cast(builder, ilp64, sig.args[1], types.boolean), cgutils.false_bit
            )
            with builder.if_else(wide) as (then, otherwise):
                for width, block in ((64, then), (32, otherwise)):
                    with block:
                        it = ir.IntType(width)

                        def integer(v: Any, it: Any = it) -> Any:
                            return builder.trunc(v, it) if v.type.width > it.width else builder.sext(v, it)

                        fnty = ir.FunctionType(
                            ir.VoidType(),
                            [i32, i32, i32, it, it, it, real, pointer, it, pointer, it, real, pointer, it],
                        )
                        fn = builder.inttoptr(address, fnty.as_pointer())
                        builder.call(
                            fn,
                            [
                                *enum,
                                integer(m),
                                integer(n),
                                integer(k),
                                alpha,
                                builder.inttoptr(a, pointer),
                                integer(lda),
                                builder.inttoptr(b, pointer),
                                integer(ldb),
                                beta,
                                builder.inttoptr(c, pointer),
                                integer(ldc),
                            ],
                        )
            return context.get_dummy_value()

        return signature, codegen

    return gemm
