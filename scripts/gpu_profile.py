"""Where a LeNet training step's time goes on the GPU (issue 12), for the next round of GPU work.

- the host: cProfile of minitorch's eager step at batch 64 (the eager step is bound by Python and launches);
- the device: every kernel of minitorch's eager and captured steps at batch 256, and of torch's, from
  torch.profiler (CUPTI records the kernels of the whole process, CuPy's included).

Run on the GPU machine from the repository root (after ``pip install -e .`` as scripts/gpu_check.sh does):
    python scripts/gpu_profile.py --out "$OUT"
It writes profile.txt there and prints the same.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
import traceback
from collections.abc import Callable
from functools import partial
from typing import Any

sys.path.insert(0, __file__.rsplit("/scripts/", 1)[0])

from benchmarks.cases import make_lenet_graph, make_lenet_step  # noqa: E402
from minitorch_app.training import make_engine  # noqa: E402

OUT: list = []


def say(text: str) -> None:
    print(text, flush=True)
    OUT.append(text)


def per_call_ms(fn: Callable[[], Any], sync: Callable[[], None], n: int) -> float:
    for _ in range(5):
        fn()
    sync()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    sync()
    return (time.perf_counter() - t0) / n * 1e3


def host_profile(batch: int) -> None:
    import minitorch

    step = make_lenet_step(make_engine("minitorch", "cuda"), batch)
    say(f"minitorch eager step, batch {batch}: {per_call_ms(step, minitorch.cuda.synchronize, 50):.3f} ms")
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(40):
        step()
    prof.disable()
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(45)
        say(f"--- cProfile of 40 eager steps, by {key} ---\n" + buf.getvalue()[-9000:])


def kernel_table(title: str, make: Callable[[], Callable[[], Any]], sync: Callable[[], None], n: int) -> None:
    import torch
    from torch.profiler import ProfilerActivity, profile

    fn = make()
    for _ in range(3):
        fn()
    sync()
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        for _ in range(n):
            fn()
        sync()
        torch.cuda.synchronize()
    table = None
    for key in ("self_device_time_total", "self_cuda_time_total"):
        try:
            table = prof.key_averages().table(sort_by=key, row_limit=40, max_name_column_width=70)
            break
        except Exception:  # the sort key's name differs between torch versions
            continue
    say(f"--- kernels: {title}, {n} calls ---\n{table}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    import torch

    import minitorch

    sections = [
        ("host", lambda: host_profile(64)),
        (
            "torch eager",
            lambda: say(
                "torch eager step, batch 64: "
                f"{per_call_ms(make_lenet_step(make_engine('torch', 'cuda'), 64), torch.cuda.synchronize, 50):.3f} ms"
            ),
        ),
    ]
    batch = 256
    for label, engine, factory, sync, calls in (
        ("minitorch captured", "minitorch", make_lenet_graph, minitorch.cuda.synchronize, 20),
        ("torch captured", "torch", make_lenet_graph, torch.cuda.synchronize, 20),
        ("minitorch eager", "minitorch", make_lenet_step, minitorch.cuda.synchronize, 10),
    ):
        build = partial(lambda f, e: f(make_engine(e, "cuda"), batch), factory, engine)  # inside the section's try
        run = partial(kernel_table, f"{label} b{batch}", build, sync, calls)
        sections.append((label, run))
    for name, run in sections:
        try:
            run()
        except Exception:
            say(f"--- {name} failed ---\n{traceback.format_exc()[-3000:]}")
    if args.out:
        with open(f"{args.out}/profile.txt", "w") as f:
            f.write("\n".join(OUT))


if __name__ == "__main__":
    main()
