"""The embedding's weight gradient, row by row in a compiled loop: the host's variant of ``embedding.add_rows``.

numpy's ``add.at`` (the plain twin, through ``HOST.scatter_add``) adds element by element through a
generic indexed loop: 2.8 ms for the char LSTM's 2,240 rows of 128 at every step, where this loop takes
tens of microseconds. It adds the rows in the same order, one IEEE addition per element, so the result
has the plain twin's bits (``tests/test_ops_numba.py`` checks them, and against torch). One thread: rows
that repeat an index would race on two. Registered on the host when numba is present.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import HOST, jit
from .embedding import add_rows

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@jit.kernel
def add_rows_kernel(target, index, rows):  # pragma: no cover - compiled by numba
    """target[index[i], :] += rows[i, :] for i in order (C-contiguous matrices of one dtype, indices in range)."""
    width = rows.shape[1]
    for i in range(index.size):
        r = index[i]
        for j in range(width):
            target[r, j] += rows[i, j]


def add_rows_numba(target: Any, index: Any, rows: Any) -> None:
    """``add_rows`` compiled for float matrices and integer indices in range; anything else, the plain twin."""
    if (
        type(target) is np.ndarray
        and type(rows) is np.ndarray
        and type(index) is np.ndarray
        and target.dtype in DTYPES
        and rows.dtype == target.dtype
        and target.ndim == 2
        and rows.shape == (index.size, target.shape[1])
        and index.ndim == 1
        and index.dtype.kind in "iu"
        and target.flags.c_contiguous
        and target.flags.writeable
        and index.size
        and 0 <= index.min()
        and index.max() < target.shape[0]
    ):
        try:
            add_rows_kernel(target, index, np.ascontiguousarray(rows))
            return
        except jit.KernelUnavailable:
            pass
    add_rows(target, index, rows)


KERNELS = (add_rows_kernel,)
jit.register(HOST, add_rows, add_rows_numba)
