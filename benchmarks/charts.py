"""The report's charts (matplotlib, drawn without a display): ratios per case and LeNet's step against batch size."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ENGINES = ("minitorch", "torch")
# The batch-size chart: the LeNet training-step cases (their extra info holds the batch size).
LENET_STEP_PREFIX = "lenet_step_b"


def _label(row: dict) -> str:
    return row["title"] + ("" if row.get("device", "cpu") == "cpu" else f" [{row['device']}]")


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
