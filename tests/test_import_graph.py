"""The library's import graph, read from its source: one documented tie, every other import pointing down.

The tie: ``tensor.py`` imports ``ops`` and ``creation`` (which build on Tensor) as its last
statement, because Tensor's methods call them. Without those two edges the graph must have no
cycle, the core must import only its own layer or lower ones, and no library module may hide an
import of another inside a function.
"""

from __future__ import annotations

import ast
import pathlib

import minitorch

ROOT = pathlib.Path(minitorch.__file__).parent
TIE = {("minitorch.tensor", "minitorch.ops"), ("minitorch.tensor", "minitorch.creation")}

# The core, lowest layer first: a module imports from its own layer or lower ones only.
CORE_LAYERS = [
    ("minitorch.caches", "minitorch.size", "minitorch.backend", "minitorch.dtypes", "minitorch.type_info"),
    # amp beside autograd: ops read its autocast state, and it knows tensors only through autograd.nodes
    ("minitorch.random", "minitorch.autograd", "minitorch.amp", "minitorch.cuda", "minitorch.accelerator"),
    (
        "minitorch._tensor_str",
        "minitorch.tensor_methods",
        "minitorch.tensor_operators",
        "minitorch.tensor_inplace",
        "minitorch.tensor_convert",
        "minitorch.tensor_math",
        "minitorch.tensor_forms",
        "minitorch.tensor_autograd",
        "minitorch.tensor",
        "minitorch.tensor_legacy",
        "minitorch.nested_data",
        "minitorch.creation",
    ),
    ("minitorch.ops",),
]
# The application (trainer, CLI, ready-made models, benchmark driver) may import lazily; it is moving out.
APPLICATION = (
    "minitorch.cli",
    "minitorch.training",
    "minitorch.bench",
    "minitorch.bench_report",
    "minitorch.models",
    "minitorch.__main__",
)


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in ROOT.rglob("*.py")}


def _target(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str) -> list:
    """(imported minitorch module, inside a function?) for every import statement of ``module``,
    skipping those under ``if TYPE_CHECKING:`` (annotations only)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    found: list = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child, in_function)
            return
        if isinstance(node, ast.ImportFrom):
            target = _target(module, path.name == "__init__.py", node)
            for alias in node.names:
                full = f"{target}.{alias.name}"
                found.append((full if full in MODULES else target, in_function))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, in_function) for alias in node.names)
        inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, False)
    # Importing a.b.c runs package a.b's __init__ first (the root package's aside: everything is in it).
    parents = [(".".join(name.split(".")[:i]), inner) for name, inner in found for i in range(2, name.count(".") + 1)]
    return [
        (name, inner)
        for name, inner in found + parents
        if name in MODULES and name != module and not module.startswith(name + ".")
    ]


GRAPH = {m: {name for name, _ in imports_of(m)} for m in MODULES}


def find_cycle(graph: dict) -> list | None:
    """One cycle of ``graph`` as a list of modules, or None (iterative depth-first search)."""
    state: dict = {}
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = "open"
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = "done"
                stack.pop()
            elif state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            elif nxt not in state:
                state[nxt] = "open"
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def layer_of(module: str) -> int | None:
    for i, members in enumerate(CORE_LAYERS):
        if any(module == m or module.startswith(m + ".") for m in members):
            return i
    return None


def test_the_tie_is_the_only_cycle() -> None:
    assert find_cycle(GRAPH) is not None, "the Tensor <-> ops tie should be a cycle; is the test reading the source?"
    untied = {m: {t for t in targets if (m, t) not in TIE} for m, targets in GRAPH.items()}
    cycle = find_cycle(untied)
    assert cycle is None, "an import cycle besides tensor.py's tie: " + " -> ".join(cycle or [])


def test_the_tie_is_tensor_py_last_import() -> None:
    tree = ast.parse(MODULES["minitorch.tensor"].read_text())
    class_line = next(n.lineno for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    after_class = [n for n in imports if n.lineno > class_line]
    # The formatter puts one imported name per statement: the last imports after the class are the tie.
    assert after_class and after_class == imports[-len(after_class) :]
    assert {a.name for n in after_class for a in n.names} == {"ops", "creation"}


def test_the_core_imports_only_its_own_layer_or_lower() -> None:
    wrong = []
    for module, targets in GRAPH.items():
        layer = layer_of(module)
        if layer is None:
            continue
        for target in targets:
            if (module, target) in TIE:
                continue
            other = layer_of(target)
            if other is None or other > layer:
                wrong.append(f"{module} (layer {layer}) imports {target} (layer {other})")
    assert not wrong, "\n".join(wrong)


def test_the_autograd_engine_does_not_import_tensor() -> None:
    for module in ("minitorch.autograd.engine", "minitorch.autograd.function"):
        assert not any(t.startswith(("minitorch.tensor", "minitorch.ops")) for t in GRAPH[module]), module


def test_no_library_module_imports_another_inside_a_function() -> None:
    hidden = [
        f"{m} imports {name} inside a function"
        for m in MODULES
        if not m.startswith(APPLICATION)
        for name, inner in imports_of(m)
        if inner
    ]
    assert not hidden, "\n".join(hidden)
