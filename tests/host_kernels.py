"""The GPU's CUDA C++ kernels compiled for the host CPU with g++ and run block by block, for tests.

The fake device runs each kernel's numpy emulation; this runs the kernel's own source, so that its
indexing and arithmetic are checked on a CPU against the plain twins, before a GPU is at hand. A small
shim stands in for CUDA's built-ins: ``threadIdx``/``blockIdx`` (thread-local), ``blockDim``/``gridDim``,
``__shared__`` as a function-static array (shared by the block's threads; blocks run one after another),
``__syncthreads()`` as a barrier, ``atomicAdd`` as an atomic reference, ``max``/``min``. A kernel that
synchronises runs each block's threads as real threads; any other runs them one after another (grid-stride
loops make that equivalent). What this cannot show is the GPU's own behaviour (its memory model, races
between blocks, the compiler's float contractions): the GPU run of the same tests does.

A ``TensorTable`` (the fused optimizer steps' struct of pointers and sizes) is passed by value as its bytes.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from typing import Any

import numpy as np

from minitorch.backend.cuda_kernels import SCALAR_TYPES, T_OF_DTYPE, CudaKernel, TensorTable

COMPILER = shutil.which("g++")

SHIM = r"""
#include <math.h>
#include <string.h>
#include <atomic>
#include <barrier>
#include <thread>
#include <vector>
struct Dim3 { unsigned int x = 0, y = 0, z = 0; };
static thread_local Dim3 threadIdx, blockIdx;
static Dim3 blockDim, gridDim;
static std::barrier<>* block_barrier = nullptr;
#define __global__
#define __device__ inline
#define __shared__ static
#define __syncthreads() block_barrier->arrive_and_wait()
template <class A, class B> inline auto max(A a, B b) -> decltype(a + b) { return a > b ? a : b; }
template <class A, class B> inline auto min(A a, B b) -> decltype(a + b) { return a < b ? a : b; }
template <class V> inline V atomicAdd(V* p, V v) { return std::atomic_ref<V>(*p).fetch_add(v); }
inline double __longlong_as_double(long long v) { double d; memcpy(&d, &v, sizeof d); return d; }
"""

RUNNER = r"""
extern "C" int run_{name}(unsigned grid_x_, unsigned grid_y_, unsigned grid_z_, unsigned block_x_, unsigned block_y_,
                          unsigned block_z_, {params}) {{
    gridDim = {{grid_x_, grid_y_, grid_z_}};
    blockDim = {{block_x_, block_y_, block_z_}};
    const unsigned threads_ = block_x_ * block_y_ * block_z_;
    for (unsigned z_ = 0; z_ < grid_z_; ++z_) for (unsigned y_ = 0; y_ < grid_y_; ++y_) for (unsigned x_ = 0; x_ < grid_x_; ++x_) {{
        const Dim3 block_{{x_, y_, z_}};
        auto thread_ = [&](unsigned t_) {{
            blockIdx = block_;
            threadIdx = {{t_ % block_x_, (t_ / block_x_) % block_y_, t_ / (block_x_ * block_y_)}};
            {name}({args});
        }};
        if ({sync}) {{
            std::barrier<> barrier_(threads_);
            block_barrier = &barrier_;
            std::vector<std::thread> pool_;
            for (unsigned t_ = 0; t_ < threads_; ++t_) pool_.emplace_back(thread_, t_);
            for (auto& th_ : pool_) th_.join();
        }} else {{
            for (unsigned t_ = 0; t_ < threads_; ++t_) thread_(t_);
        }}
    }}
    return 0;
}}
"""

_CTYPES = {
    "float": ctypes.c_float,
    "double": ctypes.c_double,
    "int": ctypes.c_int,
    "unsigned int": ctypes.c_uint,
    "long long": ctypes.c_longlong,
    "unsigned long long": ctypes.c_ulonglong,
}


def _by_value(table: TensorTable) -> Any:
    """A TensorTable's struct as a ctypes value of its size and 8-byte alignment: passed by value as the kernel's
    ``Table<R>`` is (a struct this large travels in memory, whatever its fields)."""
    packed = table.struct(lambda a: a.ctypes.data)
    words = packed.dtype.itemsize // 8
    blob = type("Table", (ctypes.Structure,), {"_fields_": [("words", ctypes.c_uint64 * words)]})()
    ctypes.memmove(ctypes.addressof(blob), packed.ctypes.data, packed.dtype.itemsize)
    return blob


class HostKernels:
    """Compiles kernels for the host (one shared library per kernel set and dtype, cached by source) and runs them."""

    def __init__(self, kernels: list, directory: str | None = None) -> None:
        self.kernels = list(kernels)
        self.directory = directory or os.path.join(tempfile.gettempdir(), "minitorch-host-kernels")
        self._libraries: dict = {}

    def source(self, dtype: Any) -> str:
        units = []
        for i, k in enumerate(self.kernels):  # each in a namespace of its own (its T, its preamble), runner beside
            runner = RUNNER.format(
                name=k.name,
                params=k.param_list,
                args=", ".join(p.name for p in k.params),
                sync="true" if "__syncthreads" in k.preamble + k.body else "false",
            )
            units.append(f"namespace unit{i} {{\n{k.source(dtype)}\n{runner}\n}}")
        return SHIM + "\n".join(units)

    def library(self, dtype: Any) -> Any:
        dtype = np.dtype(dtype)
        lib = self._libraries.get(dtype)
        if lib is None:
            if COMPILER is None:
                raise RuntimeError("no g++ to compile the kernels for the host")
            source = self.source(dtype)
            digest = hashlib.sha256(source.encode()).hexdigest()[:16]
            os.makedirs(self.directory, exist_ok=True)
            path = os.path.join(self.directory, f"kernels_{dtype.name}_{digest}.so")
            if not os.path.exists(path):
                src = path[:-3] + ".cpp"
                with open(src, "w") as fh:
                    fh.write(source)
                partial = f"{path}.{os.getpid()}"  # renamed into place: a concurrent worker never loads half a file
                run = subprocess.run(
                    [COMPILER, "-std=c++20", "-O1", "-shared", "-fPIC", "-pthread", "-o", partial, src],
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                if run.returncode != 0:
                    raise RuntimeError(f"g++ failed on the kernels ({dtype}):\n{run.stderr[-4000:]}")
                os.replace(partial, path)
            lib = self._libraries[dtype] = ctypes.CDLL(path)
        return lib

    def run(self, kernel: CudaKernel, dtype: Any, grid: tuple, block: tuple, args: tuple) -> None:
        """Launch ``kernel`` for ``dtype`` on host arrays (C-contiguous numpy arrays and numbers, as declared)."""
        function = getattr(self.library(dtype), f"run_{kernel.name}")
        t = T_OF_DTYPE[np.dtype(dtype)]
        values = []
        for p, a in zip(kernel.params, args):
            if isinstance(a, TensorTable):
                values.append(_by_value(a))
            elif p.pointer:
                assert isinstance(a, np.ndarray) and a.flags.c_contiguous, f"{kernel.name}: {p.name} must be an array"
                values.append(ctypes.c_void_p(a.ctypes.data))
            else:
                base = t if p.base == "T" else p.base
                assert base in SCALAR_TYPES, f"{kernel.name}: parameter type {p.ctype} not supported here"
                values.append(_CTYPES[base](a))
        dims = tuple(grid) + (1,) * (3 - len(grid)) + tuple(block) + (1,) * (3 - len(block))
        function(*(ctypes.c_uint(int(d)) for d in dims), *values)
