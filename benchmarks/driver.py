"""``minitorch bench``: run the benchmark suites against torch and write the report.

The suites sit beside this file (pytest-benchmark; each case for minitorch and torch in
one session), in a source checkout's ``benchmarks/`` or, installed, in
``minitorch_app/benchmarks/``. This module runs them in a subprocess with
``--benchmark-json``, measures peak memory of each model-level case for each engine in
a fresh process (``memory.py``), probes the machine under the very same environment,
and hands everything to ``report.py``, which writes ``REPORT.md``, ``results.json`` and
the charts: by default into the checkout's ``benchmarks/``, or ``./minitorch-bench/``
when minitorch is installed rather than checked out.

Every benchmark process, torch's included, gets one environment: OpenBLAS's
``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` (which some machines set, and which slow
numpy's GEMM) are removed and the BLAS/OpenMP thread counts are set to ``--threads`` (default:
the usable cores, what both engines use by default: the report's headline). Without ``--threads``,
a second pass times the model cases again with one thread per engine, the per-core comparison the
report shows beside the headline (``--no-one-thread`` skips it). ``--malloc-env`` raises glibc's
``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_`` for both engines (minitorch raises them for
itself, ``backend/malloc.py``). ``--keep-env`` leaves the caller's environment as it is; ``--env
KEY=VALUE`` adds to it. The test suite never goes through here.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import report

SUITES = Path(__file__).resolve().parent
# What the benchmark processes import besides minitorch: module -> the distribution that provides it.
REQUIRES = {"torch": "torch==2.13.0", "pytest": "pytest", "pytest_benchmark": "pytest-benchmark"}

UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# glibc malloc: serve every block from the heap and never hand freed memory back, so arrays allocated
# afresh in each step reuse warm pages instead of faulting in new mmap'ed ones (both engines alike).
MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class MissingRequirement(Exception):
    """A package the benchmarks need is not installed."""


def default_out() -> Path:
    """Where the report goes without ``--out``: the checkout's ``benchmarks/`` (where the published report
    lives) when the suites run from a source checkout, else ``minitorch-bench/`` in the current directory."""
    if (SUITES.parent / "pyproject.toml").is_file() and (SUITES.parent / "minitorch").is_dir():
        return SUITES
    return Path("minitorch-bench")


def check_requirements() -> None:
    """Raise :class:`MissingRequirement`, naming what to install, unless torch and pytest-benchmark are there."""
    missing = [dist for module, dist in REQUIRES.items() if importlib.util.find_spec(module) is None]
    if missing:
        raise MissingRequirement(
            f"the benchmarks compare against torch with pytest-benchmark; missing: "
            f"{', '.join(missing)}. Install the 'test' extra (pip install 'minitorch[test]') "
            f"or pip install {' '.join(repr(m) for m in missing)}"
        )


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``minitorch bench``'s options."""
    p.add_argument("--quick", action="store_true", help="fewer rounds and a shorter epoch: a smoke run (~1-2 min)")
    p.add_argument(
        "--out",
        help="directory for REPORT.md, results.json and the charts (default: a source "
        "checkout's benchmarks/, else ./minitorch-bench)",
    )
    p.add_argument(
        "--filter",
        "-k",
        dest="filter",
        metavar="EXPR",
        help="run only the cases matching this pytest -k expression (also filters the memory cases)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="BLAS/OpenMP threads for both engines (default: the CPUs this process may use)",
    )
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set an environment variable in every benchmark process (repeatable)",
    )
    p.add_argument(
        "--keep-env",
        action="store_true",
        help="leave OPENBLAS_*/OMP_*/MKL_*/MALLOC_* as they are in the caller's environment",
    )
    p.add_argument(
        "--malloc-env",
        action="store_true",
        help="raise glibc's MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ for both engines (default: leave "
        "them; minitorch tunes its own allocator, torch runs as users run it)",
    )
    p.add_argument(
        "--no-one-thread",
        action="store_true",
        help="skip the second pass that times the model cases with one thread per engine",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run the suites N times and report each case's median over the sessions (steadier on a "
        "machine shared with other work)",
    )
    p.add_argument(
        "--device",
        choices=["all", "cpu", "cuda"],
        default="all",
        help="the devices to time: cpu, cuda (the GPU cases: ops, LeNet steps eager and captured as CUDA "
        "graphs), or all that are present (default)",
    )
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurements")
    p.add_argument(
        "--report-only",
        action="store_true",
        help="re-render REPORT.md and the charts from an existing results.json in --out",
    )


def bench_env(threads: int | None, extra: list[str], keep: bool, malloc: bool = False) -> dict[str, str]:
    """The environment every benchmark process runs with (both engines alike)."""
    env = dict(os.environ)
    if not keep:
        if malloc:
            env.update(MALLOC)
        for key in UNSET:
            env.pop(key, None)
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        n = str(threads or usable or 1)
        env.update({key: n for key in THREAD_VARS})
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--env expects KEY=VALUE, got {item!r}")
        env[key] = value
    return env


_PROBE = r"""
import json, platform, sys
import numpy
info = {"python": platform.python_version(), "numpy": numpy.__version__}
try:
    import torch
    info["torch"] = torch.__version__
    info["torch_threads"] = torch.get_num_threads()
except ImportError:
    info["torch"] = None
try:
    import cupy
    info["cupy"] = cupy.__version__
except Exception:
    info["cupy"] = None
import minitorch
from minitorch.backend import HOST, jit
info["minitorch"] = minitorch.__version__
info["minitorch_threads"] = minitorch.get_num_threads()
info["numba"] = jit.version()
info["fast_kernels"] = sorted(v.__name__ for v in HOST.kernels().values() if v.__module__.endswith("_numba"))
if info["numba"]:  # what a user's first step pays: compiling the kernels (or loading them from numba's cache)
    x = minitorch.randn(2, 1, 12, 12, requires_grad=True)
    minitorch.nn.functional.max_pool2d(minitorch.nn.functional.conv2d(x, minitorch.randn(2, 1, 3, 3)), 2).sum().backward()
    minitorch.zeros(1 << 17).add_(1)  # a large array's update: a parallel loop, which starts numba's threading layer
    info["numba_load_seconds"] = jit.compile_seconds()
    info["numba_layer"] = jit.threading_layer()
    from minitorch.backend import blas
    found = blas.routines()
    info["blas_gemm"] = None if found is None else found.library.rsplit("/", 1)[-1]
if minitorch.cuda.is_available():
    info["gpu"] = minitorch.cuda.get_device_name(0)
try:
    from threadpoolctl import threadpool_info
    info["threadpools"] = threadpool_info()
except ImportError:
    info["threadpools"] = None
print(json.dumps(info))
"""


def probe_machine(env: dict[str, str]) -> dict:
    """CPU, cores, library versions and the BLAS actually loaded, as a benchmark process sees them."""
    machine: dict = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": sys.platform,
        "python_executable": sys.executable,
    }
    done = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True)
    if done.returncode == 0:
        machine.update(json.loads(done.stdout.strip().splitlines()[-1]))
    else:
        machine["probe_error"] = done.stderr.strip()[-500:]
    try:
        machine["loadavg"] = list(os.getloadavg())
    except OSError:
        pass
    return machine


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown"


def run_suites(env: dict[str, str], quick: bool, expr: str | None, json_path: str) -> int:
    """pytest-benchmark over the suites in a subprocess; its JSON goes to ``json_path``."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        str(SUITES),
        "-q",
        "-p",
        "no:cacheprovider",
        "--benchmark-only",
        f"--benchmark-json={json_path}",
        "--benchmark-sort=name",
        "--benchmark-columns=median,iqr,rounds",
        "--benchmark-warmup=on",
    ]
    cmd += (
        ["--benchmark-max-time=0.1", "--benchmark-min-rounds=3", "--benchmark-warmup-iterations=1"]
        if quick
        else ["--benchmark-max-time=1.0", "--benchmark-min-rounds=5", "--benchmark-warmup-iterations=3"]
    )
    if expr:
        cmd += ["-k", expr]
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, env=env).returncode


def matches(expr: str | None, name: str) -> bool:
    """Whether ``name`` matches a pytest ``-k``-style expression (substrings joined by and/or/not, parentheses)."""
    if not expr:
        return True
    tokens = re.findall(r"\(|\)|[^\s()]+", expr)
    code = " ".join(t if t in ("(", ")", "and", "or", "not") else repr(t.lower() in name.lower()) for t in tokens)
    try:
        return bool(eval(code, {"__builtins__": {}}))  # only True/False/and/or/not/() can reach here
    except SyntaxError:
        raise ValueError(f"cannot parse --filter {expr!r}") from None


def run_memory(env: dict[str, str], expr: str | None) -> list[dict]:
    """Peak memory of each model-level case, for each engine, each in a fresh process."""
    memory = f"{__package__}.memory"  # this package, under the name it was imported by
    listed = subprocess.run(
        [sys.executable, "-m", memory, "--list"], env=env, capture_output=True, text=True, check=True
    )
    rows = []
    for case in json.loads(listed.stdout):
        for engine in ("minitorch", "torch"):
            if not matches(expr, f"memory {case} {engine}"):
                continue
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", memory, case, engine], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                row = {"case": case, "engine": engine, "error": done.stderr.strip()[-500:]}
            else:
                row = json.loads(done.stdout.strip().splitlines()[-1])
            shown = row.get("growth_mib")
            print(
                f"memory {case:18s} {engine:9s} "
                + (
                    f"+{shown:.1f} MiB"
                    if shown is not None
                    else row.get("skipped") or "failed: " + row.get("error", "")
                )
                + f" ({time.perf_counter() - t0:.1f} s)",
                flush=True,
            )
            rows.append(row)
    return rows


def run(args: argparse.Namespace) -> int:
    """``minitorch bench``: returns the exit status (0, or 1 when a suite failed; the report is written anyway)."""
    out = Path(args.out) if args.out else default_out()
    if args.report_only:
        path = out / report.RESULTS
        if not path.is_file():
            raise FileNotFoundError(f"--report-only: no {path} to render")
        results = json.loads(path.read_text())
        for written in report.write_report(results, out):
            print(f"wrote {written}")
        return 0
    if not (SUITES / "conftest.py").is_file():
        raise FileNotFoundError(f"the benchmark suites are missing from {SUITES}; reinstall minitorch")
    check_requirements()
    env = bench_env(args.threads, args.env, args.keep_env, args.malloc_env)
    if args.quick:
        env["MINITORCH_BENCH_QUICK"] = "1"
    env["MINITORCH_BENCH_DEVICE"] = args.device
    # the per-core pass: the model cases with one thread per engine, beside the default environment's
    one_thread = not (args.no_one_thread or args.threads or args.keep_env or args.device == "cuda")
    env1 = {**bench_env(1, args.env, False, args.malloc_env), **{k: v for k, v in env.items() if "BENCH" in k}}
    expr1 = "test_model" + (f" and ({args.filter})" if args.filter else "")
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    machine = probe_machine(env)
    if args.repeat < 1:
        raise ValueError(f"--repeat expects a positive count, got {args.repeat}")
    raws: list[dict] = []
    raws1: list[dict] = []
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        for session in range(args.repeat):
            if args.repeat > 1:
                print(f"session {session + 1} of {args.repeat}", flush=True)
            passes = [(env, args.filter, raws, "default")] + (
                [(env1, expr1, raws1, "one-thread")] if one_thread else []
            )
            for pass_env, expr, into, name in passes:
                raw_path = os.path.join(tmp, f"pytest-benchmark-{name}-{session}.json")
                code = run_suites({**pass_env, "MINITORCH_BENCH_SESSION": str(session)}, args.quick, expr, raw_path)
                status = status or (0 if code == 5 and name == "one-thread" else code)
                into.append(json.loads(Path(raw_path).read_text()) if os.path.isfile(raw_path) else {"benchmarks": []})
    raw = report.merge_sessions(raws)
    # peak memory is measured for the CPU cases (a process's resident set)
    memory = [] if args.no_memory or args.device == "cuda" else run_memory(env, args.filter)
    try:
        machine["loadavg_end"] = list(os.getloadavg())
    except OSError:
        pass
    results = report.assemble(
        raw,
        memory,
        machine,
        env,
        {
            "command": " ".join(["minitorch bench"] + (sys.argv[2:] if sys.argv[1:2] == ["bench"] else [])),
            "quick": bool(args.quick),
            "filter": args.filter,
            "seconds": time.perf_counter() - started,
            "pytest_status": status,
            "sessions": args.repeat,
            "device": args.device,
        },
        (report.merge_sessions(raws1), env1) if one_thread else None,
    )
    for written in report.write_report(results, out):
        print(f"wrote {written}")
    return 0 if status in (0, 5) else 1  # 5: the filter selected nothing
