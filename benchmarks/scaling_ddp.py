"""Data-parallel scaling of the LeNet training step: 1 and 2 MPI processes, one thread each.

Run: .venv/bin/python -m benchmarks.scaling_ddp [--batches 64 256] [--steps 150] [--repeat 3] [--write]

For each per-rank batch it times the LeNet-5 step (zero_grad, forward, cross-entropy, backward,
SGD momentum 0.9, float32, random images) in four jobs started with ``mpiexec``: one process
without DDP (the baseline), one process with DDP (DDP's own overhead), and two processes with
DDP (each rank its own batch, so a global step handles twice the images), plus two processes without
DDP: independent ranks that never communicate, whose efficiency is the most this machine gives two
processes (on a VM whose two vCPUs share one physical core's time it is near 0.5). The time of a global
step is the slowest rank's time for that step (an all-reduce MAX over ranks), median over the
timed steps. The jobs run ``--repeat`` times, interleaved, and the table gives the median of
those medians (and their range). Weak-scaling efficiency = baseline step time / two-process step
time (1.0: twice the images in the same time). ``--write`` saves the table to benchmarks/scaling.md.

Every rank runs one BLAS/OpenMP thread, ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` are dropped
and glibc's malloc thresholds raised, as ``minitorch bench`` does; the BLAS kernel and the load
average are printed with the figures. Two ranks on a 2-core machine need both cores to
themselves: on a shared machine the figures say more about the neighbours than about DDP.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MALLOC_MMAP_THRESHOLD_": "1073741824",
    "MALLOC_TRIM_THRESHOLD_": "1073741824",
}
DROP = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def worker(batch: int, steps: int, warmup: int, use_ddp: bool) -> None:
    """One rank: time ``steps`` LeNet steps; rank 0 prints one JSON line with the result."""
    import numpy as np

    import minitorch
    import minitorch.distributed as dist
    from minitorch.nn.parallel import DistributedDataParallel
    from minitorch_app.models import build

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    minitorch.manual_seed(0)
    model = build("lenet")
    if use_ddp:
        model = DistributedDataParallel(model)
    opt = minitorch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(rank)
    x = minitorch.from_numpy(rng.standard_normal((batch, 1, 32, 32), dtype=np.float32))
    y = minitorch.from_numpy(rng.integers(0, 10, batch))

    def step() -> None:
        opt.zero_grad()
        minitorch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(warmup):
        step()
    times = np.empty(steps)
    dist.barrier()
    for i in range(steps):
        t0 = time.perf_counter()
        step()
        times[i] = time.perf_counter() - t0
    slowest = minitorch.from_numpy(times)
    dist.all_reduce(slowest, op=dist.ReduceOp.MAX)
    if rank == 0:
        from threadpoolctl import threadpool_info

        blas = [
            f"{i.get('internal_api')} {i.get('version')} kernel={i.get('architecture')} threads={i.get('num_threads')}"
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        ]
        print(
            json.dumps(
                {
                    "world": world,
                    "ddp": use_ddp,
                    "batch": batch,
                    "step_ms": statistics.median(slowest.tolist()) * 1e3,
                    "rank0_ms": statistics.median(times.tolist()) * 1e3,
                    "blas": "; ".join(blas),
                }
            )
        )
    dist.destroy_process_group()


def launch(world: int, batch: int, steps: int, warmup: int, use_ddp: bool) -> dict:
    mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")
    if mpiexec is None:
        raise SystemExit("mpiexec not found: pip install mpi4py mpich (minitorch's `distributed` extra)")
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    env.update(ENV, PYTHONPATH=str(ROOT))
    cmd = [
        mpiexec,
        "-n",
        str(world),
        sys.executable,
        "-m",
        "benchmarks.scaling_ddp",
        "--worker",
        "--batches",
        str(batch),
        "--steps",
        str(steps),
        "--warmup",
        str(warmup),
    ] + ([] if use_ddp else ["--no-ddp"])
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(rows: list[dict]) -> str:
    """One line per (batch, job): the median over repeats of the per-job median step time, and its range."""
    lines = [
        "| per-rank batch | job | images per global step | time per global step (range) | images/s | efficiency |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    jobs = sorted({(r["batch"], r["world"], r["ddp"]) for r in rows})
    ms = {job: sorted(r["step_ms"] for r in rows if (r["batch"], r["world"], r["ddp"]) == job) for job in jobs}
    for batch, world, ddp in jobs:
        step = statistics.median(ms[batch, world, ddp])
        base = statistics.median(ms[batch, 1, False])
        name = f"{world} process{'es' if world > 1 else ''}" + (", DDP" if ddp else ", no DDP")
        if world > 1 and not ddp:
            name += " (independent ranks: the machine's ceiling)"
        eff = f"{base / step:.2f}"
        lines.append(
            f"| {batch} | {name} | {batch * world} | {step:.2f} ms ({ms[batch, world, ddp][0]:.2f}-"
            f"{ms[batch, world, ddp][-1]:.2f}) | {batch * world / step * 1e3:,.0f} | "
            + (f"**{eff}** |" if world > 1 else f"{eff} |")
        )
    for batch in sorted({b for b, _, _ in jobs}):
        if (batch, 2, False) in ms and (batch, 2, True) in ms:
            ceiling = statistics.median(ms[batch, 2, False])
            lines.append(
                f"\nBatch {batch}: DDP's two-process step takes {statistics.median(ms[batch, 2, True]) / ceiling:.2f}x "
                "the step of two independent processes (1.00: communication and DDP cost nothing beyond what "
                "the machine gives two processes)."
            )
    return "\n".join(lines)


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 256], help="per-rank batch sizes")
    parser.add_argument("--steps", type=int, default=150, help="timed steps per job")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps first")
    parser.add_argument("--repeat", type=int, default=3, help="run every job this many times, interleaved")
    parser.add_argument("--write", action="store_true", help="save the table to benchmarks/scaling.md")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-ddp", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.batches[0], args.steps, args.warmup, not args.no_ddp)
        return
    load_before = os.getloadavg()
    rows = []
    for _ in range(args.repeat):
        for batch in args.batches:
            for world, use_ddp in ((1, False), (1, True), (2, False), (2, True)):
                rows.append(launch(world, batch, args.steps, args.warmup, use_ddp))
                print(f"batch {batch}, {world} process(es), ddp={use_ddp}: {rows[-1]['step_ms']:.2f} ms", flush=True)
    load_after = os.getloadavg()
    report = "\n".join(
        [
            table(rows),
            "",
            f"Machine: {cpu_name()}, {os.cpu_count()} cores; {rows[0]['blas']}; one thread per rank; "
            f"{args.steps} timed steps after {args.warmup} warm-up steps per job, every job {args.repeat} times; "
            f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after.",
            "Command: `.venv/bin/python -m benchmarks.scaling_ddp "
            + " ".join(sys.argv[1:] if argv is None else argv)
            + "`",
        ]
    )
    print(report)
    if args.write:
        (ROOT / "benchmarks" / "scaling.md").write_text("# Data-parallel scaling of the LeNet step\n\n" + report + "\n")


if __name__ == "__main__":
    main()
