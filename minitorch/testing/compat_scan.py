"""Which public names each test exercises, and at what tolerances: a static scan of ``tests/test_*.py`` with
``ast`` for the compatibility table (``compat.py``). Nothing is imported from the tests and nothing runs.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_TESTS = os.path.join(ROOT, "tests")

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
    return scan_tests(tests_dir)[0]


def scan_second_order(tests_dir: str = DEFAULT_TESTS) -> dict:
    """(section, name) -> the tests that check its second derivatives."""
    return scan_tests(tests_dir)[1]


def scan_tests(tests_dir: str) -> tuple:
    """(``scan``'s map, ``scan_second_order``'s map) in one pass over the files."""
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
