"""Tensor printing with torch's rules (precision 4, summarised past 1000 elements by default), and
``set_printoptions`` to change them as torch's does."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .dtypes import bool_, get_default_dtype, int64


class PrintOptions:
    """What printing follows: digits after the point, the element count past which a print is summarised, the
    items kept at each edge then, the line width, and scientific notation forced on or off (None: automatic)."""

    def __init__(self) -> None:
        self.precision, self.threshold, self.edgeitems, self.linewidth = 4, 1000.0, 3, 80
        self.sci_mode: bool | None = None

    def __repr__(self) -> str:
        return (
            f"PrintOptions(precision={self.precision}, threshold={self.threshold}, edgeitems={self.edgeitems}, "
            f"linewidth={self.linewidth}, sci_mode={self.sci_mode})"
        )


PRINT_OPTS = PrintOptions()
_PROFILES = {"default": (4, 1000.0, 3, 80), "short": (2, 1000.0, 2, 80), "full": (4, math.inf, 3, 80)}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Change how tensors print (torch's ``set_printoptions``).

    Args:
        precision: digits after the decimal point (default 4).
        threshold: elements past which a print is summarised (default 1000).
        edgeitems: items kept at each edge of a summarised dimension (default 3).
        linewidth: characters per line (default 80).
        profile: "default", "short" or "full" (never summarised): sets the four above first.
        sci_mode: force scientific notation on (True) or off (False); None (what every call without it sets):
            chosen from the values, as by default.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"Unknown profile {profile!r}: expected 'default', 'short' or 'full'")
        PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def _summarized(a: np.ndarray) -> np.ndarray:
    """Only the edge items of every dimension (what a summarised print shows)."""
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * PRINT_OPTS.edgeitems:
        a = np.concatenate([a[: PRINT_OPTS.edgeitems], a[-PRINT_OPTS.edgeitems :]])
    return np.stack([_summarized(x) for x in a]) if a.ndim > 1 else a


class _Formatter:
    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.ravel()
        if not self.floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if finite.size == 0:
            return
        absvals = np.abs(finite)
        # Python floats, compared without dividing: hi / lo overflowed (numpy's warning) for a subnormal lo
        lo, hi = float(absvals.min()), float(absvals.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            if hi > 1000.0 * lo or hi > 1.0e8:
                self.sci_mode = True
                widths = [len(f"{v:.{PRINT_OPTS.precision}e}") for v in finite.tolist()]
            else:
                widths = [len(f"{v:.0f}") + 1 for v in finite.tolist()]
        else:
            if hi > 1000.0 * lo or hi > 1.0e8 or lo < 1.0e-4:
                self.sci_mode = True
                widths = [len(f"{v:.{PRINT_OPTS.precision}e}") for v in finite.tolist()]
            else:
                widths = [len(f"{v:.{PRINT_OPTS.precision}f}") for v in finite.tolist()]
        if PRINT_OPTS.sci_mode is not None:  # forced on or off (set_printoptions)
            self.sci_mode = PRINT_OPTS.sci_mode
            p = PRINT_OPTS.precision
            if self.sci_mode:
                widths = [len(f"{v:.{p}e}") for v in finite.tolist()]
            elif self.int_mode:
                widths = [len(f"{v:.0f}") + 1 for v in finite.tolist()]
            else:
                widths = [len(f"{v:.{p}f}") for v in finite.tolist()]
        self.max_width = max([self.max_width] + widths)

    def format(self, value: Any) -> str:
        if self.floating:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{PRINT_OPTS.precision}f}"
        else:
            text = str(value)
        return (self.max_width - len(text)) * " " + text


def _vector(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / (fmt.max_width + 2))))
    if summarize and a.shape[0] > 2 * PRINT_OPTS.edgeitems:
        items = (
            [fmt.format(v) for v in a[: PRINT_OPTS.edgeitems].tolist()]
            + [" ..."]
            + [fmt.format(v) for v in a[-PRINT_OPTS.edgeitems :].tolist()]
        )
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    if summarize and a.shape[0] > 2 * PRINT_OPTS.edgeitems:
        parts = (
            [_nested(a[i], indent + 1, summarize, fmt) for i in range(PRINT_OPTS.edgeitems)]
            + ["..."]
            + [_nested(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0] - PRINT_OPTS.edgeitems, a.shape[0])]
        )
    else:
        parts = [_nested(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    out = [text]
    last_len = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last_len + len(s) + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + s)
            last_len = indent + len(s)
        else:
            out.append(", " + s)
            last_len += len(s) + 2
    out.append(")")
    return "".join(out)


def tensor_repr(t: Any, prefix: str = "tensor(") -> str:
    """``tensor([...], dtype=..., grad_fn=<...>)`` as torch prints it."""
    a = np.asarray(t._cpu_array())
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if t.dtype is not get_default_dtype():
            suffixes.append(f"dtype={t.dtype!r}")
        body = "[]"
    else:
        if t.dtype not in (get_default_dtype(), int64, bool_):
            suffixes.append(f"dtype={t.dtype!r}")
        summarize = a.size > PRINT_OPTS.threshold
        view = _summarized(a) if summarize else a
        if view.dtype == np.float16:
            view, a = view.astype(np.float32), a.astype(np.float32)
        body = _nested(a, indent, summarize, _Formatter(view))
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
