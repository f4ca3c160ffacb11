"""CUDA C++ kernels as the CUDA backend runs them: source, typed parameters, numpy emulation, launch checks.

A ``CudaKernel`` is one ``extern "C" __global__`` function written once over a scalar type ``T``
and compiled per dtype (``typedef float T;`` or ``double``) by CuPy's NVRTC on first use.
Its parameters are declared as a C parameter list, and every launch converts each argument to
exactly that type: CuPy passes a number by its numpy dtype, so a Python float handed to a
``float`` parameter would be read as half of a double; an array must have the declared dtype and
be C-contiguous. Each kernel also carries a numpy emulation computing the same result on whole
arrays: the test-only fake device runs it (tests/fake_device.py), so the op code around a kernel
is exercised on a CPU, and the GPU tests compare the kernel with it.

Kernels that update many tensors in one launch (the fused optimizer steps) take a ``TensorTable``:
the tensors' device pointers and sizes passed by value as one struct (CuPy passes a one-element
numpy array by value), whose layout is checked by a ``static_assert`` compiled into the kernel.

Op code launches a kernel through its arrays' backend: ``backend_of(x).launch(KERNEL, grid, block, args)``.
``compile_source`` compiles a kernel's source for a given architecture without a GPU (NVRTC through
CuPy's binding, else ``nvcc``): the test suite and ``scripts/gpu_check.sh`` check every kernel so.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

# The C type of each scalar parameter -> the numpy type a launch converts the argument to.
SCALAR_TYPES = {
    "float": np.float32,
    "double": np.float64,
    "int": np.int32,
    "unsigned int": np.uint32,
    "long long": np.int64,
    "unsigned long long": np.uint64,
}
# What ``T`` is for each dtype a kernel is compiled for.
T_OF_DTYPE = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
# The options CuPy's RawModule compiles with (it adds -ftz=true, --device-as-default-execution-space and
# -arch itself); compile_source passes the same ones so that the check compiles what the GPU will.
OPTIONS = ("--std=c++17",)
CUPY_OPTIONS = ("-ftz=true", "--device-as-default-execution-space")
MAX_THREADS = 1024
MAX_STATIC_SHARED = 48 * 1024
MAX_TABLE = 32  # tensors per TensorTable launch: the struct stays well under the 4 KiB parameter limit


def kernels_of(backend: Any) -> list:
    """Every CudaKernel behind the variants registered on ``backend``: each kernel module lists its own in
    ``KERNELS`` (the modules are imported with minitorch)."""
    found: list = []
    for fast in backend.kernels().values():
        for k in getattr(sys.modules[fast.__module__], "KERNELS", ()):
            if k not in found:
                found.append(k)
    return found


def grid_for(n: int, block: int = 256, cap: int = 4096) -> tuple:
    """A 1-D grid for ``n`` elements with grid-stride loops: enough blocks to fill the GPU, at most ``cap``."""
    return (max(1, min(cap, -(-int(n) // block))),)


class Param:
    """One declared parameter: its C type, name, whether it is a pointer, and its base type."""

    def __init__(self, decl: str) -> None:
        words = decl.replace("*", " * ").split()
        self.name = words[-1]
        self.ctype = " ".join(words[:-1])
        self.pointer = "*" in words
        self.base = " ".join(w for w in words[:-1] if w not in ("const", "*", "__restrict__"))

    def __repr__(self) -> str:
        return f"Param({self.ctype} {self.name})"


class TensorTable:
    """Several tensors handed to one launch: per role (``param``, ``grad``, ...) a list of arrays.

    On a GPU it travels by value as ``struct Table<R>`` (see ``TABLE_PREAMBLE``): R rows of device
    pointers, the sizes, the count. Arrays of one index share a size; a role's list may hold None
    where a kernel ignores the role (a null pointer).
    """

    def __init__(self, roles: dict) -> None:
        self.roles = roles
        lists = list(roles.values())
        self.count = len(lists[0])
        if self.count > MAX_TABLE or any(len(v) != self.count for v in lists):
            raise ValueError(f"a TensorTable holds at most {MAX_TABLE} tensors per role, the same number in each")
        self.sizes = [int(a.size) for a in lists[0]]

    @staticmethod
    def numpy_dtype(rows: int) -> np.dtype:
        """The struct's layout: rows x MAX_TABLE pointers, MAX_TABLE sizes, the count, padding to 8 bytes."""
        return np.dtype(
            [
                ("ptr", np.uint64, (rows, MAX_TABLE)),
                ("size", np.int64, (MAX_TABLE,)),
                ("count", np.int32),
                ("pad", np.int32),
            ]
        )

    def struct(self, address: Callable[[Any], int]) -> np.ndarray:
        """The one-element numpy array CuPy copies into the kernel's parameter (``address``: a device pointer)."""
        table = np.zeros(1, dtype=self.numpy_dtype(len(self.roles)))
        # one assignment per field: element by element this was ~1 us a pointer, every optimizer step
        table["ptr"][0, :, : self.count] = [
            [0 if a is None else address(a) for a in arrays] for arrays in self.roles.values()
        ]
        table["size"][0, : self.count] = self.sizes
        table["count"][0] = self.count
        return table


TABLE_PREAMBLE = """
#define MAX_TABLE {max_table}
template <int R> struct Table {{
    unsigned long long ptr[R][MAX_TABLE];
    long long size[MAX_TABLE];
    int count;
    int pad;
}};
static_assert(sizeof(Table<{rows}>) == {itemsize}, "Table layout differs from TensorTable.numpy_dtype");
"""


class CudaKernel:
    """One CUDA kernel over a scalar type ``T``, with its typed parameters and its numpy emulation.

    Args:
        name: the kernel's name (``extern "C"``, so unmangled).
        params: the C parameter list, e.g. ``"T* out, const T* x, long long n, T alpha"``; a
            ``Table<R> name`` parameter takes a ``TensorTable`` with R roles.
        body: the kernel's body (grid-stride loops, so any grid covers the work).
        emulate: the same computation in numpy on whole arrays, writing the same outputs.
        preamble: device functions and constants placed before the kernel.
    """

    def __init__(self, name: str, params: str, body: str, emulate: Callable[..., None], preamble: str = "") -> None:
        self.name, self.body, self.emulate, self.preamble = name, body, emulate, preamble
        self.param_list = params
        self.params = [Param(p) for p in params.split(",")]
        tables = [int(p.base[len("Table<") : -1]) for p in self.params if p.base.startswith("Table<")]
        self._table_rows = tables[0] if tables else None
        self.launch_plan = _slots(self.params)  # what prepare_launch's fast path checks and converts

    def __repr__(self) -> str:
        return f"<CudaKernel {self.name}>"

    def table_rows(self) -> int | None:
        return self._table_rows

    def source(self, dtype: Any) -> str:
        """The complete CUDA C++ source of this kernel for ``dtype`` (float32 or float64)."""
        ctype = T_OF_DTYPE[np.dtype(dtype)]
        rows = self.table_rows()
        table = ""
        if rows is not None:
            itemsize = TensorTable.numpy_dtype(rows).itemsize
            table = TABLE_PREAMBLE.format(max_table=MAX_TABLE, rows=rows, itemsize=itemsize)
        return (
            f"typedef {ctype} T;\n{table}{self.preamble}\n"
            f'extern "C" __global__ void {self.name}({self.param_list}) {{\n{self.body}\n}}\n'
        )


def _dtype_of(kernel: CudaKernel, args: tuple) -> np.dtype:
    """The dtype ``T`` stands for in this launch: that of the first array argument declared with ``T``."""
    for p, a in zip(kernel.params, args):
        if p.pointer and p.base == "T":
            return np.dtype(a.dtype)
        if isinstance(a, TensorTable):
            return np.dtype(next(x for arrays in a.roles.values() for x in arrays if x is not None).dtype)
    return np.dtype(np.float32)


def prepare_launch(
    kernel: CudaKernel, grid: tuple, block: tuple, args: tuple, shared_mem: int, array_type: Any
) -> tuple:
    """Check a launch as the GPU would need it and convert its scalars: returns (dtype, converted args).

    Raises TypeError or ValueError naming the kernel and parameter for a wrong count, a wrong
    array dtype, a non-contiguous array, a host array, a number where a pointer is declared (or
    the reverse), or a launch shape the hardware refuses.
    """
    # Every launch of an eager step passes through here: the common case is checked in one tight loop, and
    # anything it does not accept goes through the full checks, which name the culprit (or convert alike).
    fast = _fast_prepare(kernel, grid, block, args, shared_mem, array_type)
    return fast if fast is not None else _checked_prepare(kernel, grid, block, args, shared_mem, array_type)


def _slots(params: list) -> tuple | None:
    """A kernel's launch plan: the array parameters as (index, numpy dtype or None for ``T``), the by-value ones
    as (index, C type or None for ``T``), the index of the first ``T*`` (which fixes T) and the cache of converted
    numbers; None for kernels the fast path leaves to the full checks (a TensorTable, no ``T*``)."""
    pointers: list = []
    values: list = []
    first_t = None
    for i, p in enumerate(params):
        if p.base.startswith("Table<"):
            first_t = None
            break
        if p.pointer and p.base == "T":
            pointers.append((i, None))
            first_t = i if first_t is None else first_t
        elif p.pointer:
            pointers.append((i, np.dtype(SCALAR_TYPES[p.base])))
        else:
            values.append((i, None if p.base == "T" else p.base))
    return None if first_t is None else (tuple(pointers), tuple(values), first_t, {})


_NUMBERS = (int, float, bool)


def _fast_prepare(kernel: CudaKernel, grid: tuple, block: tuple, args: tuple, shared_mem: int, array_type: Any) -> Any:
    plan = kernel.launch_plan
    if plan is None or len(args) != len(kernel.params) or shared_mem > MAX_STATIC_SHARED:
        return None
    if not 0 < len(grid) <= 3 or not 0 < len(block) <= 3:
        return None
    threads = 1
    for v in block:
        if type(v) is not int or v <= 0:
            return None
        threads *= v
    if threads > MAX_THREADS:
        return None
    for i, v in enumerate(grid):
        if type(v) is not int or v <= 0 or v > (2**31 - 1 if i == 0 else 65535):
            return None
    pointers, values, first_t, converted = plan
    lead = args[first_t]
    if not isinstance(lead, array_type):
        return None
    dtype = lead.dtype
    ctype = T_OF_DTYPE.get(dtype)
    if ctype is None:
        return None
    for i, want in pointers:
        a = args[i]
        if not isinstance(a, array_type) or a.dtype != (dtype if want is None else want) or not a.flags.c_contiguous:
            return None
    # The numbers of a launch repeat from step to step (shapes, flags): their C-typed twins are kept.
    raw = tuple(args[i] for i, _ in values)
    for a in raw:
        if type(a) not in _NUMBERS:
            return None
    key = (ctype, raw)
    typed = converted.get(key)
    if typed is None:
        typed = tuple(SCALAR_TYPES[ctype if base is None else base](a) for (_, base), a in zip(values, raw))
        if len(converted) > 512:
            converted.clear()
        converted[key] = typed
    out = list(args)
    for (i, _), a in zip(values, typed):
        out[i] = a
    return dtype, tuple(out)


def _checked_prepare(
    kernel: CudaKernel, grid: tuple, block: tuple, args: tuple, shared_mem: int, array_type: Any
) -> tuple:
    """``prepare_launch`` with every check spelled out (and its error named)."""
    if len(args) != len(kernel.params):
        raise TypeError(f"{kernel.name}: {len(kernel.params)} arguments declared, {len(args)} given")
    grid, block = tuple(grid), tuple(block)
    if not all(isinstance(v, (int, np.integer)) and v > 0 for v in grid + block) or len(grid) > 3 or len(block) > 3:
        raise ValueError(f"{kernel.name}: bad launch shape grid={grid} block={block}")
    if int(np.prod(block)) > MAX_THREADS or grid[0] > 2**31 - 1 or any(g > 65535 for g in grid[1:]):
        raise ValueError(f"{kernel.name}: launch shape beyond the hardware's limits: grid={grid} block={block}")
    if shared_mem > MAX_STATIC_SHARED:
        raise ValueError(f"{kernel.name}: {shared_mem} bytes of shared memory asked for, at most {MAX_STATIC_SHARED}")
    dtype = _dtype_of(kernel, args)
    if dtype not in T_OF_DTYPE:
        raise TypeError(f"{kernel.name}: no instance for dtype {dtype} (float32 and float64 only)")
    out: list[Any] = []
    for p, a in zip(kernel.params, args):
        where = f"{kernel.name}: parameter '{p.ctype} {p.name}'"
        if p.base.startswith("Table<"):
            if not isinstance(a, TensorTable) or len(a.roles) != kernel.table_rows():
                raise TypeError(f"{where} takes a TensorTable of {kernel.table_rows()} roles, got {a!r}")
            for arrays in a.roles.values():
                for k, x in enumerate(arrays):
                    if x is not None:
                        _check_array(where, x, dtype, array_type)
                        if x.size != a.sizes[k] and x.ndim != 0:  # 0-d: a per-tensor scalar (a counter)
                            raise ValueError(
                                f"{where}: tensor {k} has {x.size} elements in one role, {a.sizes[k]} in another"
                            )
            out.append(a)
        elif p.pointer:
            want = dtype if p.base == "T" else np.dtype(SCALAR_TYPES[p.base])
            _check_array(where, a, want, array_type)
            out.append(a)
        else:
            if isinstance(a, (np.ndarray, array_type)) or hasattr(a, "shape"):
                raise TypeError(f"{where} is passed by value: give a number, not an array")
            ctype = T_OF_DTYPE[dtype] if p.base == "T" else p.base
            out.append(SCALAR_TYPES[ctype](a))
    return dtype, tuple(out)


def _check_array(where: str, a: Any, dtype: np.dtype, array_type: Any) -> None:
    if not isinstance(a, array_type):
        raise TypeError(f"{where} needs an array on the device, got {type(a).__name__}")
    if np.dtype(a.dtype) != dtype:
        raise TypeError(f"{where} needs dtype {dtype}, got {a.dtype}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{where} needs a C-contiguous array")


def check_launch(kernel: CudaKernel, grid: tuple, block: tuple, args: tuple, shared_mem: int, array_type: Any) -> None:
    """``prepare_launch`` for its checks alone (the fake device's launch)."""
    prepare_launch(kernel, grid, block, args, shared_mem, array_type)


# ----------------------------------------------------------------- compiling without a GPU
def nvcc_path() -> str | None:
    """nvcc on PATH, under $CUDA_HOME or /usr/local/cuda*, else None."""
    found = shutil.which("nvcc")
    if found:
        return found
    roots = [os.environ.get("CUDA_HOME", ""), os.environ.get("CUDA_PATH", ""), "/usr/local/cuda"]
    roots += sorted(
        (os.path.join("/usr/local", d) for d in _listdir("/usr/local") if d.startswith("cuda-")), reverse=True
    )
    for root in roots:
        candidate = os.path.join(root, "bin", "nvcc")
        if root and os.path.exists(candidate):
            return candidate
    return None


def _listdir(path: str) -> list:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _nvrtc() -> Any:
    """CuPy's NVRTC binding (it compiles without a GPU), imported when first needed, like CuPy itself."""
    return importlib.import_module("cupy.cuda.nvrtc")


def nvrtc_available() -> bool:
    """Whether CuPy's NVRTC binding loads (it needs no GPU)."""
    try:
        _nvrtc().getVersion()
        return True
    except Exception:
        return False


def combined_source(sources: list) -> str:
    """Several kernels' sources as one translation unit, each in a namespace of its own (one nvcc run)."""
    return "\n".join(f"namespace unit{i} {{\n{src}\n}}" for i, src in enumerate(sources))


def compile_source(source: str, name: str = "kernel.cu", arch: str = "90", compiler: str = "nvrtc") -> str:
    """Compile ``source`` for ``sm_<arch>`` with CuPy's options; returns the compiler's log, raises on error.

    ``compiler``: ``"nvrtc"`` (CuPy's binding, as CuPy compiles at run time) or ``"nvcc"``.
    """
    options = OPTIONS + CUPY_OPTIONS
    if compiler == "nvrtc":
        nvrtc = _nvrtc()
        prog = nvrtc.createProgram(source, name, [], [])
        try:
            try:
                nvrtc.compileProgram(prog, list(options) + [f"-arch=sm_{arch}"])
            except Exception as err:
                raise RuntimeError(f"NVRTC failed on {name}: {err}\n{nvrtc.getProgramLog(prog)}") from None
            nvrtc.getCUBIN(prog)
            return nvrtc.getProgramLog(prog)
        finally:
            nvrtc.destroyProgram(prog)
    nvcc = nvcc_path()
    if nvcc is None:
        raise RuntimeError("nvcc not found")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, name)
        with open(path, "w") as fh:
            fh.write(source)
        flags = ["-std=c++17", "-ftz=true", f"-arch=sm_{arch}", "-cubin", "-Xptxas", "-v"]
        run = subprocess.run(
            [nvcc, *flags, "-o", os.path.join(tmp, "out.cubin"), path], capture_output=True, text=True, timeout=300
        )
        if run.returncode != 0:
            raise RuntimeError(f"nvcc failed on {name}:\n{run.stderr}")
        return run.stderr
