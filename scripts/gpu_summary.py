"""The table scripts/gpu_check.sh prints last: each stage's status and the figures that answer issue 12.

Usage: ``python scripts/gpu_summary.py OUT DATA_DIR`` with ``GPU_CHECK_SUMMARY`` holding
``stage=status|seconds`` lines (set by gpu_check.sh). Reads what the stages wrote to OUT: smoke.json,
tests.xml, bench/results.json, train/metrics.json, and DATA_DIR/cpu_metrics.json (the CPU reference run).
"""

from __future__ import annotations

import json
import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

# The GPU targets of the LeNet step (issue 12): label, (case, engine) over (case, engine), bound.
TARGETS = (
    ("minitorch eager / torch eager", ("gpu_lenet_step", "minitorch"), ("gpu_lenet_step", "torch"), 1.0),
    ("minitorch captured / torch eager", ("gpu_lenet_graph", "minitorch"), ("gpu_lenet_step", "torch"), 0.5),
    ("minitorch captured / torch captured", ("gpu_lenet_graph", "minitorch"), ("gpu_lenet_graph", "torch"), 1.0),
)


def load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def smoke_line(out: Path) -> str:
    doc = load(out / "smoke.json")
    if doc is None:
        return "no smoke.json"
    marks = {True: "ok", False: "FAIL", None: "skip"}
    line = ", ".join(f"{k} {marks[v['ok']]}" for k, v in doc.items())
    timing = doc.get("step_timing_batch64", {}).get("detail")
    if isinstance(timing, dict):
        line += f"; batch 64: eager {timing['eager_ms']} ms, replay {timing['replay_ms']} ms"
    return line


def tests_line(out: Path) -> str:
    try:
        root = ET.parse(out / "tests.xml").getroot()
    except (OSError, ET.ParseError):
        return "no tests.xml"
    suites = [root] if root.tag == "testsuite" else list(root)
    n = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    passed = n["tests"] - n["failures"] - n["errors"] - n["skipped"]
    failed = [
        f"{c.get('classname', '').rsplit('.', 1)[-1]}::{c.get('name')}"
        for s in suites
        for c in s.iter("testcase")
        if c.find("failure") is not None or c.find("error") is not None
    ]
    line = f"{passed} passed, {n['failures'] + n['errors']} failed, {n['skipped']} skipped"
    return line + ("; failed: " + ", ".join(failed[:8]) + (" ..." if len(failed) > 8 else "") if failed else "")


def bench_lines(out: Path) -> list[str]:
    doc = load(out / "bench" / "results.json")
    if doc is None:
        return ["no bench/results.json"]
    rows = {(r["case"], r.get("device", "cpu")): r for r in doc.get("cases", [])}
    gpu = [r for (case, dev), r in rows.items() if dev == "cuda"]
    lines = [f"{len(gpu)} GPU cases timed ({'quick run' if doc.get('run', {}).get('quick') else 'full run'})"]
    for b in (64, 256, 1024):
        cells = []
        for label, (nc, ne), (dc, de), bound in TARGETS:
            num = rows.get((f"{nc}_b{b}", "cuda"), {}).get(ne, {}).get("median_s")
            den = rows.get((f"{dc}_b{b}", "cuda"), {}).get(de, {}).get("median_s")
            if num and den:
                ratio = num / den
                missed = "" if ratio <= bound else f" (target <= {bound:g} not met)"
                cells.append(f"{label} {ratio:.2f}{missed}")
        if cells:
            step = rows.get((f"gpu_lenet_step_b{b}", "cuda"), {})
            graph = rows.get((f"gpu_lenet_graph_b{b}", "cuda"), {})
            times = [
                f"{who} {what} {1e3 * r[who]['median_s']:.3f} ms"
                for what, r in (("eager", step), ("captured", graph))
                for who in ("minitorch", "torch")
                if r.get(who, {}).get("median_s")
            ]
            lines.append(f"LeNet step batch {b}: " + ", ".join(times) + " | " + "; ".join(cells))
    return lines


def train_line(out: Path, data: Path) -> str:
    doc = load(out / "train" / "metrics.json")
    if doc is None or not doc.get("epochs"):
        return "no train/metrics.json"
    last = doc["epochs"][-1]
    line = (
        f"{doc['args'].get('device')} epoch {last['epoch']}: test accuracy {last['test_accuracy']:.2f} %, "
        f"train loss {last['train_loss']:.4f}, {last['train_seconds']:.1f} s per epoch"
    )
    ref = load(data / "cpu_metrics.json")
    same_data = ref and ref.get("dataset", {}).get("train_samples") == doc.get("dataset", {}).get("train_samples")
    if same_data and len(ref.get("epochs", [])) >= last["epoch"]:
        cpu = ref["epochs"][last["epoch"] - 1]["test_accuracy"]
        diff = last["test_accuracy"] - cpu
        line += (
            f"; CPU run {cpu:.2f} % ({diff:+.2f} points, target within 0.5: {'met' if abs(diff) <= 0.5 else 'NOT met'})"
        )
    return line


def main() -> int:
    out, data = Path(sys.argv[1]), Path(sys.argv[2])
    stages = dict(line.split("=", 1) for line in os.environ.get("GPU_CHECK_SUMMARY", "").splitlines() if "=" in line)
    details = {
        "smoke": [smoke_line(out)],
        "tests": [tests_line(out)],
        "bench": bench_lines(out),
        "train": [train_line(out, data)],
        "env": [(out / "kernels.txt").read_text().strip().splitlines()[0] if (out / "kernels.txt").exists() else ""],
        "profile": ["kernel tables and the eager step's cProfile: in gpu_check.log"],
    }
    title = "gpu_check summary" + (
        " (DRY RUN: fake device and CPU, no GPU figures)" if os.environ.get("GPU_CHECK_DRY") == "1" else ""
    )
    print("=" * len(title) + f"\n{title}\n" + "=" * len(title))
    for name in ("env", "smoke", "tests", "bench", "train", "profile"):
        status, _, seconds = stages.get(name, "skipped|0").partition("|")
        print(f"{name:7s} {status:14s} {seconds:>4s} s  {details[name][0] if status != 'skipped' else ''}")
        for more in details[name][1:] if status != "skipped" else []:
            print(" " * 28 + more)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
