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

from .targets import HEADLINE, TARGETS, target

FORMAT = "minitorch-bench/1"
RESULTS = "results.json"
REPORT = "REPORT.md"
RATIO_CHART = "ratios.png"
BATCH_CHART = "lenet_batch.png"
ENGINES = ("minitorch", "torch")
ENV_PREFIXES = ("OPENBLAS_", "OMP_", "MKL_", "MALLOC_", "GOMP_", "KMP_", "MINITORCH_BENCH_")
# The batch-size chart: the LeNet training-step cases (their extra info holds the batch size).
LENET_STEP_PREFIX = "lenet_step_b"


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
        row["ratio"] = _ratio(*(row.get(e, {}).get("median_s") for e in ENGINES))
    return list(rows.values())


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


def assemble(raw: dict, memory: list[dict], machine: dict, env: dict[str, str], run: dict) -> dict:
    """The results document from pytest-benchmark's JSON, the memory rows, the machine and the environment."""
    cases = pair_timings(raw.get("benchmarks", []))
    titles = {c["case"]: c["title"] for c in cases}
    removed = sorted(k for k in os.environ if k.startswith(ENV_PREFIXES) and k not in env)
    return {
        "format": FORMAT,
        "created": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "run": {**run, "environment_removed": removed},
        "machine": machine,
        "environment": {k: v for k, v in sorted(env.items()) if k.startswith(ENV_PREFIXES)},
        "cases": cases,
        "memory": pair_memory(memory, titles),
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


def _target(case: str, ratio: float | None, measure: str = "time") -> str:
    bound = target(case, measure)
    if bound is None:
        return ""
    if ratio is None:
        return f"≤ {bound:g}"
    return f"≤ {bound:g} ({'met' if ratio <= bound else 'not met'})"


def _timing_table(rows: list[dict], targets: bool = False) -> list[str]:
    head = "| case | minitorch | torch | ratio |" + (" target |" if targets else "")
    lines = [head, "|---|---:|---:|---:|" + ("---|" if targets else "")]
    for r in rows:
        m, t = r.get("minitorch", {}), r.get("torch", {})
        line = f"| {_label(r)} | {_time(m.get('median_s'))} | {_time(t.get('median_s'))} | **{_num(r['ratio'])}** |"
        if targets:
            line += f" {_target(r['case'], r['ratio']) if r.get('device', 'cpu') == 'cpu' else ''} |"
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
                f"{run['sessions']} sessions' medians"
                if run.get("sessions", 1) > 1
                else ""
            )
            + ". **ratio = minitorch / torch**: below 1.0 minitorch is faster."
        ),
        "",
    ]
    head = headline_rows(results)
    if head:
        out += ["## Headline", ""] + _timing_table(head, targets=True)
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
        out += ["## Model level", ""] + _timing_table(model, targets=True) + [""]
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


# ---------------------------------------------------------------------------- charts
def _figure(size: tuple) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: Path) -> str:
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=100)
    os.replace(tmp, path)
    return str(path)


def ratio_chart(results: dict, path: Path) -> str | None:
    """Horizontal bars of minitorch/torch per case (log scale) with a line at 1.0."""
    rows = [r for r in results.get("cases", []) if r.get("ratio")]
    rows += [
        {"title": "peak memory: " + m["title"], "ratio": m["ratio"]}
        for m in results.get("memory", [])
        if m.get("ratio")
    ]
    if not rows:
        return None
    fig = _figure((10, 0.32 * len(rows) + 1.4))
    ax = fig.subplots()
    ratios = [r["ratio"] for r in rows]
    ax.barh(range(len(rows)), ratios, color=["C2" if x <= 1 else "C3" for x in ratios])
    ax.set_yticks(range(len(rows)), [_label(r) if "device" in r else r["title"] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(1.0, color="k", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("minitorch / torch (median time; peak memory growth)  —  below 1: minitorch better")
    ax.set_title("minitorch vs torch, per case")
    fig.tight_layout()
    return _save(fig, path)


def batch_chart(results: dict, path: Path) -> str | None:
    """LeNet training-step time against batch size, both engines (log-log)."""
    points = sorted(
        (r["batch"], r)
        for r in results.get("cases", [])
        if r.get("device", "cpu") == "cpu" and r["case"].startswith(LENET_STEP_PREFIX) and r.get("batch")
    )
    if not points:
        return None
    fig = _figure((6, 4))
    ax = fig.subplots()
    for i, engine in enumerate(ENGINES):
        xy = [(b, r[engine]["median_s"] * 1e3) for b, r in points if engine in r]
        if xy:
            ax.plot([p[0] for p in xy], [p[1] for p in xy], "o-", color=f"C{i}", label=engine)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks([b for b, _ in points], [str(b) for b, _ in points])
    ax.set(xlabel="batch size", ylabel="ms per training step (median)", title="LeNet-5 training step (CPU)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return _save(fig, path)


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
        for draw, name in ((ratio_chart, RATIO_CHART), (batch_chart, BATCH_CHART)):
            chart = draw(results, out / name)
            if chart:
                charts.append(chart)
    written += charts
    report = out / REPORT
    report.write_text(render_markdown(results, charts))
    written.append(str(report))
    return written
