"""The CUDA backend's cuBLAS products (minitorch/backend/cuda_blas.py), on the host: each plan, carried out by a
numpy emulation of column-major cuBLAS, must give numpy's ``a @ b``; and ``CublasGemm`` itself, over a stand-in
for CuPy and one for libcublas that carries out every call on host memory (remembered calls, products into
``out``, copies). On a GPU the same calls run for real (tests/test_device_training.py, scripts/gpu_check.sh)."""

from __future__ import annotations

import ctypes
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minitorch.backend.cuda import CupyNamespace
from minitorch.backend.cuda_blas import OP_N, OP_T, CublasGemm, Operand, layout, plan


def stored(x: np.ndarray, o: Operand, rows: int, cols: int) -> np.ndarray:
    """op(X) (rows x cols per batch item) as cuBLAS reads it from x's first element: column-major, ld, stride."""
    r, c = (rows, cols) if o.op == OP_N else (cols, rows)
    assert o.ld >= max(1, r), "cuBLAS requires ld >= max(1, rows of the stored matrix)"
    item = x.itemsize
    view = np.lib.stride_tricks.as_strided(x, (x.shape[0], r, c), (o.batch_stride * item, item, o.ld * item))
    return view if o.op == OP_N else view.transpose(0, 2, 1)


def emulate(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Row-major a @ b by the plan's one column-major GEMM (C^T = B^T A^T), or None without a plan."""
    elems = [tuple(s // x.itemsize for s in x.strides) for x in (a, b)]
    call = plan(a.shape, elems[0], b.shape, elems[1])
    if call is None:
        return None
    assert (call.m, call.n, call.k, call.batch) == (b.shape[2], a.shape[1], a.shape[2], a.shape[0])
    c_t = stored(b, call.first, call.m, call.k) @ stored(a, call.second, call.k, call.n)  # (batch, m, n) col-major
    return c_t.transpose(0, 2, 1)


def arranged(draw: Any, shape: tuple, how: str) -> np.ndarray:
    """An array of ``shape`` laid out as ``how`` says, with distinct values."""
    batch, r, c = shape
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if how == "row":
        return rng.standard_normal(shape)
    if how == "col":
        return rng.standard_normal((batch, c, r)).transpose(0, 2, 1)
    if how == "gaps":  # a window of a larger array: leading dimension above the row length
        return rng.standard_normal((batch, r + 2, c + 3))[:, 1 : r + 1, 2 : c + 2]
    if how == "col_gaps":
        return rng.standard_normal((batch, c + 3, r + 2))[:, 2 : c + 2, 1 : r + 1].transpose(0, 2, 1)
    if how == "broadcast_batch":
        return np.broadcast_to(rng.standard_normal((1, r, c)), shape)
    if how == "flipped":
        return rng.standard_normal(shape)[:, ::-1]
    assert how == "every_other_column"
    return rng.standard_normal((batch, r, 2 * c))[:, :, ::2]


LAYOUTS = ["row", "col", "gaps", "col_gaps", "broadcast_batch", "flipped", "every_other_column"]


@st.composite
def operands(draw: Any) -> tuple:
    batch, m, k, n = (draw(st.integers(1, 4)) for _ in range(4))
    a = arranged(draw, (batch, m, k), draw(st.sampled_from(LAYOUTS)))
    b = arranged(draw, (batch, k, n), draw(st.sampled_from(LAYOUTS)))
    return a, b


@given(operands())
def test_every_plan_computes_the_row_major_product(ab: tuple) -> None:
    a, b = ab
    got = emulate(a, b)
    if got is None:  # what the backend does then: contiguous copies, which always have a plan
        got = emulate(np.ascontiguousarray(a), np.ascontiguousarray(b))
        assert got is not None
    np.testing.assert_allclose(got, a @ b, rtol=1e-12, atol=1e-12)


def test_layouts_read_without_a_copy_where_cublas_can() -> None:
    x = np.zeros((2, 3, 4))
    assert layout(x.shape, (12, 4, 1)) == Operand(OP_N, 4, 12)  # row-major
    assert layout((2, 4, 3), (12, 1, 4)) == Operand(OP_T, 4, 12)  # its transpose, read with operation T
    assert layout((2, 3, 4), (0, 4, 1)) == Operand(OP_N, 4, 0)  # a broadcast batch keeps its stride 0
    assert layout((1, 1, 5), (5, 5, 1)).ld == 5  # a single row: ld need only cover the row
    assert layout((2, 3, 4), (12, -4, 1)) is None  # flipped rows: copied first
    assert layout((2, 3, 4), (24, 8, 2)) is None  # every other column: copied first
    assert layout((2, 3, 4), (-12, 4, 1)) is None
    assert layout((1, 3, 4), (-5, 4, 1)) == Operand(OP_N, 4, 0)  # a lone matrix's batch stride is never used


class _Recorder:
    def __init__(self) -> None:
        self.calls = 0

    def matmul(self, a: Any, b: Any, out: Any = None) -> Any:
        self.calls += 1
        return np.matmul(a, b)


def test_the_cuda_namespace_sends_matmul_to_cublas_and_the_rest_to_the_module() -> None:
    xp = CupyNamespace(np, backend=None)  # type: ignore[arg-type]  # numpy stands in for CuPy: routing only
    xp._gemm = recorder = _Recorder()
    a, b = np.ones((2, 3)), np.ones((3, 4))
    np.testing.assert_array_equal(xp.matmul(a, b), a @ b)
    assert recorder.calls == 1
    assert xp.float32 is np.float32 and xp.zeros is np.zeros  # everything else is the module's own
    with pytest.raises(AttributeError):
        xp.no_such_function


# Host-only modules, whose arrays are numpy's: the numba kernels' twins and the threaded BLAS blocks.
HOST_ONLY = ("_numba.py", "linalg_threads.py")


def test_op_code_multiplies_through_the_backend_not_the_operator() -> None:
    """CuPy's ``@`` cannot be recorded by graph capture: op code multiplies with ``matrix_product`` (the
    backend's ``matmul``), and this scan finds any matrix-product operator left in minitorch/ops."""
    import io
    import pathlib
    import tokenize

    import minitorch.ops

    found = []
    for path in sorted(pathlib.Path(minitorch.ops.__file__).parent.glob("*.py")):
        if path.name.endswith(HOST_ONLY):
            continue
        for tok in tokenize.tokenize(io.BytesIO(path.read_bytes()).readline):
            line = tok.line.strip()
            if tok.type == tokenize.OP and tok.string in ("@", "@=") and not line.startswith("@"):
                if "differentiable matmul" in line:  # matrix_product's branch for tensors
                    continue
                found.append(f"{path.name}:{tok.start[0]}: {tok.line.strip()}")
    assert not found, "matrix products by operator in op code:\n" + "\n".join(found)


# ------------------------------------------------- CublasGemm itself, on host memory
# CublasGemm's own bookkeeping (the remembered calls, products into ``out``, copies where cuBLAS cannot read an
# operand) runs here against a stand-in for CuPy whose arrays are numpy's and a stand-in for libcublas that
# carries out each column-major call on host memory: every argument CublasGemm passes is checked by computing
# with it.
class _DeviceArray(np.ndarray):
    """A numpy array with CuPy's ``data.ptr``."""

    @property
    def data(self) -> Any:  # type: ignore[override]
        return SimpleNamespace(ptr=self.__array_interface__["data"][0])


def _on_device(x: np.ndarray) -> _DeviceArray:
    return x.view(_DeviceArray)


def _fake_cupy() -> Any:
    stream = SimpleNamespace(ptr=0)
    return SimpleNamespace(
        empty=lambda shape, dtype: _on_device(np.empty(shape, dtype)),
        matmul=lambda a, b, out=None: np.matmul(a, b, out=out),
        broadcast_to=lambda x, shape: np.broadcast_to(x, shape, subok=True),
        ascontiguousarray=lambda x: _on_device(np.ascontiguousarray(x)),
        may_share_memory=np.may_share_memory,
        cuda=SimpleNamespace(runtime=SimpleNamespace(getDevice=lambda: 0), get_current_stream=lambda: stream),
    )


class _HostCublas:
    """libcublas's GEMMs (column-major, host pointers for alpha and beta) on host memory."""

    def __init__(self) -> None:
        self.calls: list = []
        for kind, dtype in (("S", np.float32), ("D", np.float64)):
            setattr(self, f"cublas{kind}gemm_v2", self._named(f"cublas{kind}gemm_v2", dtype, batched=False))
            setattr(self, f"cublas{kind}gemmStridedBatched", self._named(f"{kind}StridedBatched", dtype, batched=True))

    def cublasSetStream_v2(self, *args: Any) -> int:
        return 0

    cublasSetWorkspace_v2 = cublasSetMathMode = cublasSetStream_v2

    def _named(self, name: str, dtype: Any, batched: bool) -> Any:
        def call(*args: Any) -> int:
            self.calls.append(name)
            return self._gemm(dtype, batched, *args)

        call.__name__ = name
        return call

    @staticmethod
    def _matrix(ptr: int, dtype: Any, rows: int, cols: int, ld: int, batch: int, stride: int) -> np.ndarray:
        assert ld >= max(1, rows), "cuBLAS requires ld >= max(1, rows)"
        ctype = ctypes.c_float if dtype == np.float32 else ctypes.c_double
        count = (batch - 1) * stride + (cols - 1) * ld + rows
        base = np.ctypeslib.as_array((ctype * count).from_address(ptr))
        item = np.dtype(dtype).itemsize
        return np.lib.stride_tricks.as_strided(base, (batch, rows, cols), (stride * item, item, ld * item))

    def _gemm(
        self, dtype: Any, batched: bool, handle: Any, ta: int, tb: int, m: int, n: int, k: int, *rest: Any
    ) -> int:
        if batched:
            alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, count = rest
        else:
            (alpha, a, lda, b, ldb, beta, c, ldc), sa, sb, sc, count = rest, 0, 0, 0, 1
        ctype = ctypes.c_float if dtype == np.float32 else ctypes.c_double
        al, be = ctype.from_address(alpha).value, ctype.from_address(beta).value
        opa = self._matrix(a, dtype, *((m, k) if ta == OP_N else (k, m)), lda, count, sa)
        opb = self._matrix(b, dtype, *((k, n) if tb == OP_N else (n, k)), ldb, count, sb)
        opa = opa if ta == OP_N else opa.transpose(0, 2, 1)
        opb = opb if tb == OP_N else opb.transpose(0, 2, 1)
        out = self._matrix(c, dtype, m, n, ldc, count, sc)
        # Tile by tile, each written before the next is read, as a GPU's blocks do: an output aliasing either
        # operand gives a wrong product here too.
        rows, cols = (slice(0, m // 2), slice(m // 2, m)), (slice(0, n // 2), slice(n // 2, n))
        for r, c in ((rows[0], cols[0]), (rows[1], cols[1]), (rows[0], cols[1]), (rows[1], cols[0])):
            out[:, r, c] = al * (opa[:, r, :] @ opb[:, :, c]) + (be * out[:, r, c] if be else 0)
        return 0


def _host_gemm() -> tuple:
    gemm = CublasGemm(_fake_cupy())
    gemm._lib = lib = _HostCublas()
    gemm._handles[0] = (ctypes.c_void_p(1), _on_device(np.empty(16, np.uint8)))
    return gemm, lib


@given(operands(), st.sampled_from([np.float32, np.float64]))
def test_cublas_gemm_computes_numpys_matmul_and_remembers_its_calls(ab: tuple, dtype: Any) -> None:
    gemm, lib = _host_gemm()
    a, b = (_on_device(x.astype(dtype)) for x in ab)
    for operands_ in ((a, b), (a[0], b[0]), (a[0, 0], b[0]), (a[0], b[0, :, 0])):  # 3-D, 2-D, vector @ matrix, ...
        want = np.matmul(*(np.asarray(x) for x in operands_))
        for _ in range(2):  # the second time through the remembered call
            np.testing.assert_allclose(gemm.matmul(*operands_), want, rtol=1e-5, atol=1e-5)
    assert lib.calls and all(
        c in ("cublasSgemm_v2", "cublasDgemm_v2", "SStridedBatched", "DStridedBatched") for c in lib.calls
    )


def test_cublas_gemm_writes_into_out_where_it_fits_and_copies_otherwise() -> None:
    gemm, lib = _host_gemm()
    rng = np.random.default_rng(0)
    a, b = _on_device(rng.standard_normal((5, 4))), _on_device(rng.standard_normal((4, 3)))
    blocks = _on_device(np.zeros((9, 3)))
    for _ in range(2):  # straight into a contiguous block of rows: the very array comes back
        assert gemm.matmul(a, b, out=blocks[2:7]) is not None
        np.testing.assert_allclose(blocks[2:7], np.asarray(a) @ np.asarray(b))
        assert not blocks[:2].any() and not blocks[7:].any()
    strided = _on_device(np.zeros((5, 6)))[:, ::2]  # not contiguous: computed, then copied in
    gemm.matmul(a, b, out=strided)
    np.testing.assert_allclose(strided, np.asarray(a) @ np.asarray(b))
    other = _on_device(rng.standard_normal((4, 4)))
    for left in (True, False):  # out is an operand (either one): a fresh product, then copied
        square = _on_device(rng.standard_normal((4, 4)))
        pair = (square, other) if left else (other, square)
        want = np.asarray(pair[0]) @ np.asarray(pair[1])
        gemm.matmul(*pair, out=square)
        np.testing.assert_allclose(square, want)
    assert len(gemm._calls) == 2  # one remembered call per (shapes, strides, dtypes) of operands read as they lie
