"""The capture-time cuBLAS path's layout logic (minitorch/backend/cuda_blas.py), on the host: each plan, carried
out by a numpy emulation of column-major cuBLAS, must give numpy's ``a @ b``. The calls themselves run on a
GPU (tests/test_device_training.py's captured steps, scripts/gpu_check.sh)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minitorch.backend.cuda import CupyNamespace
from minitorch.backend.cuda_blas import OP_N, OP_T, Operand, layout, plan


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
