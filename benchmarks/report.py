"""The benchmark report: pairs each case's minitorch and torch rows and writes REPORT.md, results.json, charts.

:func:`assemble` turns pytest-benchmark's JSON and the peak-memory rows into one
results document; :func:`write_report` renders it. The ratio is always minitorch / torch
(median time, or peak memory growth): below 1.0, minitorch is faster (or smaller). The
targets shown beside the ratios, and the headline cases, come from ``targets.py``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import charts as charts_module
from .targets import DEFAULT, HEADLINE, ONE_THREAD, TARGETS, target

FORMAT = "minitorch-bench/1"
RESULTS = "results.json"
REPORT = "REPORT.md"
RATIO_CHART = "ratios.png"
BATCH_CHART = "lenet_batch.png"
ENGINES = ("minitorch", "torch")
ENV_PREFIXES = ("OPENBLAS_", "OMP_", "MKL_", "MALLOC_", "GOMP_", "KMP_", "MINITORCH_BENCH_")


# ---------------------------------------------------------------------------- assembling
def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def pair_timings(benchmarks: Iterable[dict]) -> list[dict]:
    """One row per (case, device) from pytest-benchmark's ``benchmarks`` list, both engines' stats side by side."""
    rows: dict[tuple, dict] = {}
    for b in benchmarks:
        info, stats = b.get("extra_info", {}), b["stats"]
        key = (info.get("case", b.get("group") or b["name"]), info.get("device", "cpu"))
        row = rows.setdefault(
            key,
            {"case": key[0], "device": key[1], "title": info.get("title", key[0]), "level": info.get("level", "op")},
        )
        for extra in ("batch", "batches"):
            if extra in info:
                row[extra] = info[extra]
        q1, q3 = stats.get("q1"), stats.get("q3")
        row[info.get("engine", b["name"])] = {
            "median_s": stats["median"],
            "mean_s": stats.get("mean"),
            "min_s": stats.get("min"),
            "stddev_s": stats.get("stddev"),
            "iqr_s": (q3 - q1) if q1 is not None and q3 is not None else None,
            "rounds": stats.get("rounds"),
            "name": b.get("fullname", b["name"]),
        }
        if stats.get("session_medians"):
            row[info.get("engine", b["name"])]["session_medians_s"] = stats["session_medians"]
    for row in rows.values():
        row["ratio"] = _session_ratio(row) or _ratio(*(row.get(e, {}).get("median_s") for e in ENGINES))
    return list(rows.values())


def _session_ratio(row: dict) -> float | None:
    """The median over sessions of each session's ratio (both engines timed minutes apart at most, under the
    same load), where several sessions ran: steadier than the ratio of the medians when the machine's
    speed drifts from session to session."""
    sessions = [row.get(e, {}).get("session_medians_s") or [] for e in ENGINES]
    if len(sessions[0]) < 2 or len(sessions[0]) != len(sessions[1]):
        return None
    ratios = sorted(m / t for m, t in zip(*sessions) if t)
    if len(ratios) != len(sessions[0]):
        return None
    mid = len(ratios) // 2
    return ratios[mid] if len(ratios) % 2 else (ratios[mid - 1] + ratios[mid]) / 2


def merge_sessions(raws: list[dict]) -> dict:
    """pytest-benchmark JSON of several sessions as one: per benchmark, the median of the sessions' medians.

    A session is a minute or two; a machine shared with other work drifts over that time, and one
    session's ratio can be off by 10-20 %. The median over sessions is far steadier.
    """
    if len(raws) == 1:
        return raws[0]
    by_name: dict[str, list[dict]] = {}
    for raw in raws:
        for b in raw.get("benchmarks", []):
            by_name.setdefault(b.get("fullname", b["name"]), []).append(b)
    merged = []
    for runs in by_name.values():
        stats = [b["stats"] for b in runs]

        def median_of(key: str, stats: list = stats) -> float | None:
            values = sorted(st[key] for st in stats if st.get(key) is not None)
            if not values:
                return None
            mid = len(values) // 2
            return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

        combined = {key: median_of(key) for key in ("median", "mean", "stddev", "q1", "q3")}
        combined["min"] = min(st["min"] for st in stats if st.get("min") is not None)
        combined["rounds"] = sum(st.get("rounds") or 0 for st in stats)
        combined["session_medians"] = [st["median"] for st in stats]
        merged.append({**runs[0], "stats": combined})
    return {**raws[0], "benchmarks": merged, "sessions": len(raws)}


def pair_memory(memory: Iterable[dict], titles: dict[str, str]) -> list[dict]:
    """One row per case from ``benchmarks/memory.py``'s per-engine rows; the ratio is of peak growth."""
    rows: dict[str, dict] = {}
    for m in memory:
        title = titles.get(m["case"]) or m.get("title") or m["case"]
        row = rows.setdefault(m["case"], {"case": m["case"], "title": title})
        row[m["engine"]] = {k: v for k, v in m.items() if k not in ("case", "engine", "title")}
    for row in rows.values():
        row["ratio"] = _ratio(*(row.get(e, {}).get("growth_mib") for e in ENGINES))
    return list(rows.values())


def assemble(
    raw: dict,
    memory: list[dict],
    machine: dict,
    env: dict[str, str],
    run: dict,
    one_thread: tuple[dict, dict[str, str]] | None = None,
) -> dict:
    """The results document from pytest-benchmark's JSON, the memory rows, the machine and the environment.

    ``one_thread``: the pytest-benchmark JSON and environment of the pass with one thread per engine
    (the model cases again), reported beside the headline's default environment.
    """
    cases = pair_timings(raw.get("benchmarks", []))
    titles = {c["case"]: c["title"] for c in cases}
    removed = sorted(k for k in os.environ if k.startswith(ENV_PREFIXES) and k not in env)
    extra = {}
    if one_thread is not None:
        raw1, env1 = one_thread
        extra["one_thread"] = {
            "cases": pair_timings(raw1.get("benchmarks", [])),
            "environment": {k: v for k, v in sorted(env1.items()) if k.startswith(ENV_PREFIXES)},
        }
    return {
        "format": FORMAT,
        "created": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "run": {**run, "environment_removed": removed},
        "machine": machine,
        "environment": {k: v for k, v in sorted(env.items()) if k.startswith(ENV_PREFIXES)},
        "cases": cases,
        "memory": pair_memory(memory, titles),
        **extra,
    }


# ---------------------------------------------------------------------------- Markdown
def _time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def _num(x: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if x is None else fmt.format(x)


def _label(row: dict) -> str:
    return row["title"] + ("" if row.get("device", "cpu") == "cpu" else f" [{row['device']}]")


def _target(case: str, ratio: float | None, measure: str = "time", env: str = DEFAULT) -> str:
    bound = target(case, measure, env)
    if bound is None:
        return ""
    if ratio is None:
        return f"≤ {bound:g}"
    return f"≤ {bound:g} ({'met' if ratio <= bound else 'not met'})"


def _timing_table(rows: list[dict], targets: bool = False, one_thread: dict | None = None) -> list[str]:
    """Both engines' medians and the ratio per case; with ``one_thread`` (case -> row of the one-thread
    pass) the one-thread times and ratio beside them, each ratio with its target when ``targets``."""
    head = "| case | minitorch | torch | ratio |" + (" target |" if targets else "")
    rule = "|---|---:|---:|---:|" + ("---|" if targets else "")
    if one_thread is not None:
        head += " minitorch, 1 thread | torch, 1 thread | ratio, 1 thread |" + (
            " target, 1 thread |" if targets else ""
        )
        rule += "---:|---:|---:|" + ("---|" if targets else "")
    lines = [head, rule]
    for r in rows:
        m, t = r.get("minitorch", {}), r.get("torch", {})
        cpu = r.get("device", "cpu") == "cpu"
        line = f"| {_label(r)} | {_time(m.get('median_s'))} | {_time(t.get('median_s'))} | **{_num(r['ratio'])}** |"
        if targets:
            line += f" {_target(r['case'], r['ratio']) if cpu else ''} |"
        if one_thread is not None:
            o = one_thread.get(r["case"]) if cpu else None
            o = o or {"ratio": None}
            m1, t1 = o.get("minitorch", {}), o.get("torch", {})
            line += f" {_time(m1.get('median_s'))} | {_time(t1.get('median_s'))} | **{_num(o['ratio'])}** |"
            if targets:
                line += f" {_target(r['case'], o['ratio'], env=ONE_THREAD) if cpu else ''} |"
        lines.append(line)
    return lines


def _memory_table(rows: list[dict]) -> list[str]:
    lines = [
        "| case | minitorch growth | torch growth | ratio | minitorch peak RSS | torch peak RSS | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        m, t = r.get("minitorch", {}), r.get("torch", {})
        lines.append(
            f"| {r['title']} | {_num(m.get('growth_mib'), '{:.1f} MiB')} | "
            f"{_num(t.get('growth_mib'), '{:.1f} MiB')} | **{_num(r['ratio'])}** | "
            f"{_num(m.get('peak_mib'), '{:.0f} MiB')} | {_num(t.get('peak_mib'), '{:.0f} MiB')} | "
            f"{_target(r['case'], r['ratio'], 'memory')} |"
        )
    return lines


def blas_summary(machine: dict) -> list[str]:
    """One line per BLAS library loaded in a benchmark process (threadpoolctl's view)."""
    pools = machine.get("threadpools") or []
    return [
        f"{p.get('internal_api')} {p.get('version')}, kernel {p.get('architecture')}, {p.get('num_threads')} "
        f"threads ({os.path.basename(str(p.get('filepath')))})"
        for p in pools
        if p.get("user_api") == "blas"
    ]


# The GPU targets of the LeNet step (issue 12): (label, numerator, denominator, bound).
GPU_TARGETS = (
    ("minitorch eager / torch eager", ("gpu_lenet_step", "minitorch"), ("gpu_lenet_step", "torch"), 1.0),
    ("minitorch captured / torch eager", ("gpu_lenet_graph", "minitorch"), ("gpu_lenet_step", "torch"), 0.5),
    ("minitorch captured / torch captured", ("gpu_lenet_graph", "minitorch"), ("gpu_lenet_graph", "torch"), 1.0),
)


def gpu_section(rows: list[dict], machine: dict) -> list[str]:
    """REPORT.md's GPU section: every GPU case, then the LeNet step's ratios against the GPU targets."""
    out = ["## GPU", "", f"On {machine.get('gpu', 'the GPU')}; each call is followed by a device synchronisation.", ""]
    out += _timing_table(rows) + [""]
    by_case = {r["case"]: r for r in rows}
    batches = sorted({int(r["case"].rsplit("_b", 1)[1]) for r in rows if r["case"].startswith("gpu_lenet_")})
    if batches:
        out += ["| LeNet step | " + " | ".join(f"batch {b}" for b in batches) + " | target |"]
        out += ["|---|" + "---:|" * len(batches) + "---|"]
        for label, (num_case, num_engine), (den_case, den_engine), bound in GPU_TARGETS:
            cells = []
            for b in batches:
                num = by_case.get(f"{num_case}_b{b}", {}).get(num_engine, {}).get("median_s")
                den = by_case.get(f"{den_case}_b{b}", {}).get(den_engine, {}).get("median_s")
                ratio = num / den if num and den else None
                cells.append("-" if ratio is None else f"**{ratio:.2f}**" + ("" if ratio <= bound else " (not met)"))
            out.append(f"| {label} | " + " | ".join(cells) + f" | ≤ {bound:g} |")
        out.append("")
    return out


def headline_rows(results: dict) -> list[dict]:
    """The headline cases (CPU), in HEADLINE's order, as present in ``results``."""
    by_case = {r["case"]: r for r in results.get("cases", []) if r.get("device", "cpu") == "cpu"}
    return [by_case[c] for c in HEADLINE if c in by_case]


def render_markdown(results: dict, charts: list[str]) -> str:
    """REPORT.md's text."""
    run, machine = results.get("run", {}), results.get("machine", {})
    cases = results.get("cases", [])
    on_cpu = [r for r in cases if r.get("device", "cpu") == "cpu"]
    model = [r for r in on_cpu if r.get("level") == "model"]
    ops = [r for r in on_cpu if r.get("level") != "model"]
    gpu = [r for r in cases if r.get("device", "cpu") != "cpu"]
    out = [
        "# minitorch vs torch: benchmark report",
        "",
        f"Written by `{run.get('command', 'minitorch bench')}` on {results.get('created', '?')}"
        + (f" in {run['seconds']:.0f} s" if run.get("seconds") else "")
        + (" (**quick run**: few rounds, short epoch)" if run.get("quick") else "")
        + (f", filter `{run['filter']}`" if run.get("filter") else "")
        + ".",
        (
            "Times are medians over pytest-benchmark's rounds, both engines in the same session with the same "
            "environment"
            + (
                f"; the suites ran {run['sessions']} times and each time shown is the median of the "
                f"{run['sessions']} sessions' medians, each ratio the median of the {run['sessions']} sessions' "
                "ratios (each case timed for both engines back to back in every session, seconds apart, torch "
                "first in every other session)"
                if run.get("sessions", 1) > 1
                else ""
            )
            + ". **ratio = minitorch / torch**: below 1.0 minitorch is faster."
        ),
        "",
    ]
    head = headline_rows(results)
    single = results.get("one_thread")
    by_case_1 = {r["case"]: r for r in single["cases"]} if single else None
    if head:
        out += ["## Headline", ""]
        if single:
            threads = results.get("environment", {}).get("OMP_NUM_THREADS") or results.get("machine", {}).get(
                "usable_cores", "all usable"
            )
            out += [
                f"The default environment ({threads} threads per engine: every usable core) first, then both "
                "engines on one thread (the same cases, run again in a second pass).",
                "",
            ]
        out += _timing_table(head, targets=True, one_thread=by_case_1)
        memory = {m["case"]: m for m in results.get("memory", [])}
        for t in TARGETS:
            row = memory.get(t.case) if t.measure == "memory" else None
            if row is not None and row.get("ratio") is not None:
                out += [
                    "",
                    f"Peak memory growth of {row['title']}: ratio **{row['ratio']:.2f}** "
                    f"({_target(t.case, row['ratio'], 'memory')}).",
                ]
        out.append("")
    for chart in charts:
        out += [f"![{Path(chart).stem}]({Path(chart).name})", ""]
    if model:
        out += ["## Model level", ""] + _timing_table(model, targets=True, one_thread=by_case_1) + [""]
    if ops:
        out += ["## Op level", ""] + _timing_table(ops) + [""]
    if gpu:
        out += gpu_section(gpu, machine)
    if results.get("memory"):
        out += [
            "## Peak memory (model level)",
            "",
            "Each case and engine in a fresh process: set-up, then the resident-set high-water mark is reset "
            "and one warm-up call plus a few more run; *growth* is that peak minus the resident set before "
            "them (what the work itself needs), *peak RSS* includes the imported libraries.",
            "",
        ]
        out += _memory_table(results["memory"]) + [""]
    out += [
        "## Machine",
        "",
        f"- CPU: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores "
        f"({machine.get('usable_cores', '?')} usable)",
    ]
    if machine.get("gpu"):
        out.append(f"- GPU: {machine['gpu']}")
    out.append(
        "- versions: "
        + ", ".join(f"{k} {machine.get(k) or '-'}" for k in ("python", "minitorch", "numpy", "torch", "cupy"))
    )
    for line in blas_summary(machine) or ["none found (threadpoolctl missing?)"]:
        out.append(f"- BLAS: {line}")
    if machine.get("torch_threads") is not None:
        out.append(f"- torch intra-op threads: {machine['torch_threads']}")
    if "minitorch_threads" in machine:
        kernels = machine.get("fast_kernels") or []
        out.append(
            f"- minitorch threads: {machine['minitorch_threads']}; host kernels: "
            + (
                f"numba {machine['numba']} ({', '.join(kernels)}; parallel loops on numba's "
                f"{machine.get('numba_layer') or '?'} threading layer, GEMMs from "
                f"{machine.get('blas_gemm') or 'no BLAS found: plain twins'}; first use in a fresh process: "
                f"{machine.get('numba_load_seconds', 0):.2f} s to compile or load them)"
                if machine.get("numba")
                else "plain numpy (numba not installed or turned off)"
            )
        )
    if machine.get("loadavg"):
        out.append(
            "- load average (1, 5, 15 min) at start: "
            + ", ".join(f"{x:.2f}" for x in machine["loadavg"])
            + (
                "; at end: " + ", ".join(f"{x:.2f}" for x in machine["loadavg_end"])
                if machine.get("loadavg_end")
                else ""
            )
        )
    env = results.get("environment", {})
    out += ["", "## Environment of the benchmark processes (both engines)", ""]
    out += [f"- `{k}={v}`" for k, v in env.items()] or ["- (no BLAS/OpenMP/malloc variables set)"]
    if single:
        changed = {k: v for k, v in single.get("environment", {}).items() if env.get(k) != v}
        out.append("- one-thread pass: " + (", ".join(f"`{k}={v}`" for k, v in changed.items()) or "the same"))
    if run.get("environment_removed"):
        out.append(
            "- removed from the caller's environment: " + ", ".join(f"`{k}`" for k in run["environment_removed"])
        )
    out += [
        "",
        "Re-run with `minitorch bench` (`--quick` for a smoke run, `--filter EXPR` for some cases); "
        "the raw numbers are in [results.json](results.json).",
        "",
    ]
    return "\n".join(out)


def write_report(results: dict, out: Any) -> list[str]:
    """Write results.json, the charts (when matplotlib is installed) and REPORT.md into ``out``; returns the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    path = out / RESULTS
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n")
    os.replace(tmp, path)
    written.append(str(path))
    charts: list[str] = []
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        pass  # the 'cli' extra brings matplotlib; the Markdown holds the same numbers
    else:
        for draw, name in ((charts_module.ratio_chart, RATIO_CHART), (charts_module.batch_chart, BATCH_CHART)):
            chart = draw(results, out / name)
            if chart:
                charts.append(chart)
    written += charts
    report = out / REPORT
    report.write_text(render_markdown(results, charts))
    written.append(str(report))
    return written
