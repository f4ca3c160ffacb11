"""The compatibility table: minitorch's public API, each name with the tests that exercise it.

    python -m minitorch.testing.compat --write     # regenerate docs/COMPATIBILITY.md
    python -m minitorch.testing.compat --check     # exit 1 when it is stale

The API is enumerated from the package (top-level functions, ``nn.functional``,
Tensor methods and operators, ``nn`` modules and losses, optimizers and schedulers).
Coverage comes from a static scan of ``tests/test_*.py`` with ``ast`` (``compat_scan.py``): a test covers a
name when its body, its decorators, or a module-level table or helper it refers to
calls it (``lib.exp``, ``F.relu``, ``nn.Conv2d``, ``x.sum()``, ``x + y``). Tolerances
are read the same way: the parity helpers' ``TOL`` and any literal ``rtol=``/``atol=``.
A test checks second derivatives when it calls ``gradgradcheck`` or a parity helper with
``order=`` 2 or more; the names it covers get a mark in the "2nd order" column.
Nothing is imported from the tests and nothing runs, so the output is deterministic
and takes about a second.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import os
import sys
from typing import Any

import minitorch
from minitorch import nn, optim
from minitorch.nn import functional
from minitorch.optim import lr_scheduler

from .compat_scan import DEFAULT_TESTS, ROOT, scan, scan_second_order, scan_tests  # noqa: F401  (compat.scan: the public scan)

DEFAULT_OUT = os.path.join(ROOT, "docs", "COMPATIBILITY.md")

SYMBOLS = {
    "__add__": "x + y",
    "__sub__": "x - y",
    "__mul__": "x * y",
    "__truediv__": "x / y",
    "__floordiv__": "x // y",
    "__mod__": "x % y",
    "__pow__": "x ** y",
    "__matmul__": "x @ y",
    "__and__": "x & y",
    "__or__": "x | y",
    "__xor__": "x ^ y",
    "__neg__": "-x",
    "__invert__": "~x",
    "__eq__": "x == y",
    "__ne__": "x != y",
    "__lt__": "x < y",
    "__le__": "x <= y",
    "__gt__": "x > y",
    "__ge__": "x >= y",
    "__getitem__": "x[i]",
    "__setitem__": "x[i] = v",
}
SECTIONS = [
    ("functions", "Functions (`minitorch.*`)"),
    ("functional", "`minitorch.nn.functional`"),
    ("tensor", "Tensor methods and properties"),
    ("operators", "Tensor operators"),
    ("modules", "Modules (`minitorch.nn`)"),
    ("losses", "Losses (`minitorch.nn`)"),
    ("optim", "Optimizers (`minitorch.optim`)"),
    ("sched", "LR schedulers (`minitorch.optim.lr_scheduler`)"),
    ("init", "`minitorch.nn.init`"),
    ("nn_utils", "`minitorch.nn.utils`"),
    ("tensorboard", "`minitorch.utils.tensorboard.SummaryWriter` methods"),
]
WRITER = os.path.join(ROOT, "minitorch", "utils", "tensorboard", "writer.py")


# ------------------------------------------------------------------ the API
def public_api() -> dict:
    """Section -> sorted public names of minitorch."""

    def functions_of(mod: Any) -> list:
        return sorted(
            n
            for n, v in vars(mod).items()
            if not n.startswith("_")
            and callable(v)
            and not inspect.isclass(v)
            and not inspect.ismodule(v)
            and type(v).__name__ not in ("dtype", "device")
        )

    def own_functions_of(mod: Any) -> list:
        return [n for n in functions_of(mod) if getattr(getattr(mod, n), "__module__", "").startswith(mod.__name__)]

    def classes_of(mod: Any, base: type) -> list:
        return sorted(
            n
            for n, v in vars(mod).items()
            if not n.startswith("_") and inspect.isclass(v) and issubclass(v, base) and v is not base
        )

    modules = classes_of(nn, nn.Module)
    tensor_names = sorted(n for n in dir(minitorch.Tensor) if not n.startswith("_"))
    return {
        "functions": functions_of(minitorch),
        "functional": functions_of(functional),
        "tensor": tensor_names,
        "operators": sorted(s for s in SYMBOLS if hasattr(minitorch.Tensor, s)),
        "modules": [m for m in modules if not m.endswith("Loss")],
        "losses": [m for m in modules if m.endswith("Loss")],
        "optim": classes_of(optim, optim.Optimizer),
        "sched": sorted(
            n
            for n, v in vars(lr_scheduler).items()
            if not n.startswith("_")
            and inspect.isclass(v)
            and getattr(v, "__module__", "").startswith(lr_scheduler.__name__)
            and n != "LRScheduler"
        ),
        "init": own_functions_of(nn.init),
        "nn_utils": own_functions_of(nn.utils) + sorted(f"rnn.{n}" for n in nn.utils.rnn.__all__),
        "tensorboard": _writer_methods(),
    }


def _writer_methods() -> list:
    """SummaryWriter's public methods, read from its source (the tensorboard package is optional)."""
    with open(WRITER, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "SummaryWriter")
    return sorted(n.name for n in cls.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_"))


# ------------------------------------------------------------- the table
def generate(tests_dir: str = DEFAULT_TESTS, max_tests: int = 3) -> str:
    """The whole of COMPATIBILITY.md as text."""
    api, (cover, second) = public_api(), scan_tests(tests_dir)
    out = [
        "# minitorch compatibility table",
        "",
        "Generated from the test suite by `python -m minitorch.testing.compat --write`; do not edit by hand",
        "(`tests/test_compat_table.py` fails when this file is stale).",
        "",
        "Each public name of minitorch, with the tests that exercise it (a static scan of `tests/test_*.py`:",
        "a test counts when its body or a table or helper it uses calls the name) and the tolerances",
        "those tests compare with PyTorch at. `f64: rtol 1e-7 atol 1e-9, f32: ...` is the parity helpers'",
        "`TOL` (outputs and every input's gradient against torch's); `same error` means the test checks",
        "that minitorch raises torch's exception type and message; `exact` means bit-for-bit equality.",
        "The `2nd order` column marks the names whose second derivatives a test checks (`gradgradcheck`, or",
        "`assert_parity(..., order=2)` against torch: gradients taken with `create_graph=True`, differentiated",
        "again); see `tests/test_ops_double_backward.py`.",
        "",
    ]
    summary = []
    body = []
    for key, title in SECTIONS:
        names = api[key]
        covered = sum(1 for n in names if cover.get((key, n)))
        twice = sum(1 for n in names if second.get((key, n)))
        summary.append(f"| {title} | {len(names)} | {covered} | {twice} |")
        body += [f"## {title}", "", "| name | tests | tolerances | 2nd order |", "|---|---|---|---|"]
        for n in names:
            tests = cover.get((key, n), {})
            shown = sorted(tests)[:max_tests]
            more = f" +{len(tests) - len(shown)} more" if len(tests) > len(shown) else ""
            tols = sorted(set().union(*tests.values()), key=lambda t: (not t.startswith("f64"), t)) if tests else []
            if len(tols) > 4:
                tols = tols[:4] + [f"+{len(tols) - 4} more"]
            label = f"`{SYMBOLS[n]}`" if key == "operators" else f"`{n}`"
            body.append(
                f"| {label} | {', '.join(f'`{t}`' for t in shown) + more or 'not covered'} | {'; '.join(tols) or '-'} "
                f"| {'yes' if second.get((key, n)) else '-'} |"
            )
        body.append("")
    out += ["| section | names | covered by a test | 2nd order |", "|---|---|---|---|"] + summary + [""] + body
    return "\n".join(out).rstrip() + "\n"


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minitorch.testing.compat", description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write the table to --out")
    parser.add_argument("--check", action="store_true", help="exit 1 when --out differs from a fresh table")
    parser.add_argument("--tests", default=DEFAULT_TESTS, help="the tests directory (default: the repo's tests/)")
    parser.add_argument("--out", default=DEFAULT_OUT, help="the table's path (default: docs/COMPATIBILITY.md)")
    args = parser.parse_args(argv)
    text = generate(args.tests)
    if args.check:
        current = open(args.out, encoding="utf-8").read() if os.path.exists(args.out) else ""
        if current != text:
            print(f"{args.out} is stale: run python -m minitorch.testing.compat --write", file=sys.stderr)
            return 1
        return 0
    if args.write:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {args.out}")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
