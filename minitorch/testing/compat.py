"""The compatibility table: minitorch's public API, each name with the tests that exercise it.

    python -m minitorch.testing.compat --write     # regenerate docs/COMPATIBILITY.md
    python -m minitorch.testing.compat --check     # exit 1 when it is stale

The API is enumerated from the package (top-level functions, ``nn.functional``,
Tensor methods and operators, ``nn`` modules and losses, optimizers and schedulers).
Coverage comes from a static scan of ``tests/test_*.py`` with ``ast``: a test covers a
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
from collections.abc import Iterable
from typing import Any

import minitorch
from minitorch import nn, optim
from minitorch.nn import functional
from minitorch.optim import lr_scheduler

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_TESTS = os.path.join(ROOT, "tests")
DEFAULT_OUT = os.path.join(ROOT, "docs", "COMPATIBILITY.md")

OPERATORS = {
    ast.Add: "__add__",
    ast.Sub: "__sub__",
    ast.Mult: "__mul__",
    ast.Div: "__truediv__",
    ast.FloorDiv: "__floordiv__",
    ast.Mod: "__mod__",
    ast.Pow: "__pow__",
    ast.MatMult: "__matmul__",
    ast.BitAnd: "__and__",
    ast.BitOr: "__or__",
    ast.BitXor: "__xor__",
    ast.USub: "__neg__",
    ast.Invert: "__invert__",
    ast.Eq: "__eq__",
    ast.NotEq: "__ne__",
    ast.Lt: "__lt__",
    ast.LtE: "__le__",
    ast.Gt: "__gt__",
    ast.GtE: "__ge__",
}
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
NOT_TENSORS = {
    "np",
    "numpy",
    "pytest",
    "st",
    "hnp",
    "S",
    "math",
    "os",
    "re",
    "io",
    "json",
    "random",
    "sys",
    "parity",
    "strategies",
    "hypothesis",
    "warnings",
    "time",
    "tempfile",
    "pathlib",
    "shutil",
    "itertools",
    "functools",
    "collections",
    "subprocess",
    "struct",
    "hashlib",
    "zipfile",
}
PARITY_HELPERS = {"check_parity", "check_both", "check_layer", "check_module", "assert_parity", "check_against_torch"}
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


# -------------------------------------------------------------- the scan
def _chain(node: ast.Attribute) -> list:
    parts = [node.attr]
    cur = node.value
    while isinstance(cur, ast.Attribute):
        parts.append(cur.attr)
        cur = cur.value
    if isinstance(cur, ast.Call) and isinstance(cur.func, ast.Name):
        cur = cur.func  # F(lib).relu: a test's helper that returns a namespace names it
    parts.append(cur.id if isinstance(cur, ast.Name) else "")
    return parts[::-1]


class _FileScan:
    """One test file: its tests, what each uses, and the tolerances they hold."""

    def __init__(self, path: str) -> None:
        with open(path, encoding="utf-8") as f:
            self.tree = ast.parse(f.read(), path)
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.libs = {"lib", "minitorch", "mt"}
        self.real_torch = False
        self.tensorboard = False  # the file uses minitorch's SummaryWriter: its method calls count
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("minitorch.utils.tensorboard"):
                self.tensorboard = True
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == "minitorch" and a.asname:
                        self.libs.add(a.asname)
                    if a.name == "torch":
                        self.real_torch = True
        self.globals: dict = {}
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                self.globals[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(t, ast.Name):
                        self.globals[t.id] = node

    def tests(self) -> Iterable[tuple]:
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                yield node.name, node
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name.startswith("test"):
                        yield f"{node.name}::{item.name}", item

    def closure(self, test: ast.AST) -> list:
        """The test's nodes plus the module-level definitions it refers to, transitively."""
        seen, todo, nodes = set(), [test], []
        while todo:
            node = todo.pop()
            nodes.append(node)
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and sub.id in self.globals and sub.id not in seen:
                    seen.add(sub.id)
                    if not sub.id.startswith("test"):
                        todo.append(self.globals[sub.id])
        return nodes

    def uses(self, nodes: list) -> set:
        found = set()
        for node in nodes:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute):
                    found.update(self._attribute(_chain(sub)))
                elif isinstance(sub, ast.BinOp) and not (
                    isinstance(sub.left, ast.Constant) and isinstance(sub.right, ast.Constant)
                ):
                    found.add(("operators", OPERATORS.get(type(sub.op), "")))
                elif isinstance(sub, ast.UnaryOp) and not isinstance(sub.operand, ast.Constant):
                    found.add(("operators", OPERATORS.get(type(sub.op), "")))
                elif isinstance(sub, ast.Compare):
                    found.update(("operators", OPERATORS.get(type(op), "")) for op in sub.ops)
                elif isinstance(sub, ast.Subscript):
                    store = isinstance(sub.ctx, ast.Store)
                    found.add(("operators", "__setitem__" if store else "__getitem__"))
        return found

    def _attribute(self, parts: list) -> list:
        base, name, middle = parts[0], parts[-1], parts[1:-1]
        if "init" in middle:
            return [("init", name)]
        if base == "init":  # a lambda's ``init`` parameter; the name was long read as a tensor method too
            return [("init", name), ("tensor", name)]
        if "utils" in middle and "nn" in middle:
            return [("nn_utils", f"rnn.{name}" if "rnn" in middle else name)]
        if base == "F" or "functional" in middle:
            return [("functional", name)]
        if "lr_scheduler" in middle or base == "lr_scheduler":
            return [("sched", name)]
        if "optim" in middle or base == "optim":
            return [("optim", name)]
        if base == "nn" or "nn" in middle:
            return [("modules", name), ("losses", name)]
        if base in self.libs and not middle:
            return [("functions", name)]
        if base in NOT_TENSORS or (base == "torch" and self.real_torch and "torch" not in self.libs):
            return []
        if self.tensorboard and not middle:
            return [("tensorboard", name), ("tensor", name)]
        return [("tensor", name)]

    def second_order(self, nodes: list) -> bool:
        """Whether the test checks second derivatives (gradgradcheck, or a parity helper with order >= 2)."""
        for node in nodes:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Call):
                    fname = sub.func.attr if isinstance(sub.func, ast.Attribute) else getattr(sub.func, "id", "")
                    if fname == "gradgradcheck":
                        return True
                    order = next((_number(k.value) for k in sub.keywords if k.arg == "order"), None)
                    if fname in PARITY_HELPERS and order is not None and order >= 2:
                        return True
        return False

    def tolerances(self, nodes: list, parity_tol: str) -> set:
        tols = set()
        for node in nodes:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Call):
                    fname = sub.func.attr if isinstance(sub.func, ast.Attribute) else getattr(sub.func, "id", "")
                    kw = {k.arg: k.value for k in sub.keywords}
                    if fname in PARITY_HELPERS and "rtol" not in kw and "atol" not in kw:
                        tols.add(parity_tol)
                    vals = {k: _number(v) for k, v in kw.items() if k in ("rtol", "atol")}
                    if any(v is not None for v in vals.values()):
                        tols.add(" ".join(f"{k} {_fmt(v)}" for k in ("rtol", "atol") if (v := vals.get(k)) is not None))
                    if fname in ("assert_array_equal", "equal") or (fname == "raises_like"):
                        tols.add("exact" if fname != "raises_like" else "same error")
        return tols


def _number(node: ast.AST) -> float | None:
    try:
        v = ast.literal_eval(node)
    except ValueError:
        return None
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _fmt(x: float) -> str:
    """1e-07 -> '1e-7', 0.002 -> '2e-3', 1.3e-06 -> '1.3e-6'."""
    if x == 0:
        return "0"
    mant, exp = f"{x:e}".split("e")
    return f"{mant.rstrip('0').rstrip('.')}e{int(exp)}"


def _parity_tolerance(tests_dir: str) -> str:
    """The parity helpers' TOL, read from tests/parity.py."""
    path = os.path.join(tests_dir, "parity.py")
    if not os.path.exists(path):
        return "parity"
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(getattr(t, "id", "") == "TOL" for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            parts = []
            for k, v in zip(node.value.keys, node.value.values):
                assert k is not None  # a plain dict literal: no ** entries
                dt = k.attr if isinstance(k, ast.Attribute) else ast.literal_eval(k)
                r, a = ast.literal_eval(v)
                parts.append(f"{str(dt).replace('float', 'f')}: rtol {_fmt(r)} atol {_fmt(a)}")
            return ", ".join(parts)
    return "parity"


def scan(tests_dir: str = DEFAULT_TESTS) -> dict:
    """(section, name) -> {test id: set of tolerance strings}, from every tests/test_*.py."""
    return _scan(tests_dir)[0]


def scan_second_order(tests_dir: str = DEFAULT_TESTS) -> dict:
    """(section, name) -> the tests that check its second derivatives."""
    return _scan(tests_dir)[1]


def _scan(tests_dir: str) -> tuple:
    parity_tol = _parity_tolerance(tests_dir)
    cover: dict = {}
    second: dict = {}
    for fname in sorted(os.listdir(tests_dir)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        f = _FileScan(os.path.join(tests_dir, fname))
        for test_name, node in f.tests():
            nodes = f.closure(node)
            tols = f.tolerances(nodes, parity_tol)
            twice = f.second_order(nodes)
            for key in f.uses(nodes):
                cover.setdefault(key, {})[f"{f.name}::{test_name}"] = tols
                if twice:
                    second.setdefault(key, set()).add(f"{f.name}::{test_name}")
    return cover, second


# ------------------------------------------------------------- the table
def generate(tests_dir: str = DEFAULT_TESTS, max_tests: int = 3) -> str:
    """The whole of COMPATIBILITY.md as text."""
    api, (cover, second) = public_api(), _scan(tests_dir)
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
