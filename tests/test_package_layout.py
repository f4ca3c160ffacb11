"""The library is PyTorch's API only: importing it loads no application, no torch, no plotting; imports point one way.

``minitorch`` is the library; ``minitorch_app`` (with ``benchmarks/`` and ``reference/``,
installed inside it) is the application built on it. The library never imports the
application. The one exception is ``minitorch/__main__.py``, which ``python -m minitorch``
runs (``import minitorch`` never does) to hand over to the application's command line.
"""

from __future__ import annotations

import ast
import json
import pathlib
import subprocess
import sys
from collections.abc import Iterator

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "minitorch"
APPLICATION = ROOT / "minitorch_app"
# What the library must never import: the application and the source tree's other top-level packages.
NOT_LIBRARY = ("minitorch_app", "benchmarks", "reference", "examples", "tests")
# The launcher of `python -m minitorch`, and the one module it may import.
LAUNCHER, LAUNCHED = LIBRARY / "__main__.py", "minitorch_app.cli"


def _loaded_after(code: str, cwd: pathlib.Path) -> dict:
    """The modules in sys.modules (``all``) and their top-level names (``top``) after running ``code`` in a fresh
    interpreter started in ``cwd``."""
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=cwd, timeout=120
    ).stdout
    names = set(json.loads(out.strip().splitlines()[-1]))
    return {"top": {n.split(".")[0] for n in names}, "all": names}


@pytest.mark.parametrize(
    "code", ["import minitorch", "import minitorch, minitorch.nn, minitorch.optim, minitorch.utils.data"]
)
def test_importing_the_library_loads_no_torch_plotting_progress_bars_or_application(code, tmp_path):
    loaded = _loaded_after(code, tmp_path)
    assert "minitorch" in loaded["top"]
    forbidden = {"torch", "matplotlib", "tqdm", "pytest", "pytest_benchmark", "hypothesis", *NOT_LIBRARY}
    assert loaded["top"] & forbidden == set()
    assert not [m for m in loaded["all"] if "bench" in m or m.startswith("minitorch.models")]


def test_the_application_loads_torch_only_when_asked_for_it(tmp_path):
    loaded = _loaded_after("import minitorch_app.cli", tmp_path)
    assert {"minitorch", "minitorch_app"} <= loaded["top"]
    assert loaded["top"] & {"torch", "matplotlib", "tqdm", "pytest", "benchmarks", "reference"} == set()


def _imports(path: pathlib.Path, package: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``, a module of ``package``, including
    ``importlib.import_module("...")`` and ``__import__("...")`` with a literal name."""
    tree = ast.parse(path.read_text(), str(path))
    here = package.split(".") + [path.stem]  # a package's __init__ too: `from . import x` is a sibling of it
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield from (
                (node.lineno, f"{module}.{alias.name}" if node.module is None else module) for alias in node.names
            )
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def _modules(root: pathlib.Path) -> Iterator[tuple[pathlib.Path, str]]:
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        yield path, ".".join(parts[:-1])


def test_the_library_never_imports_the_application():
    found = []
    for path, package in _modules(LIBRARY):
        for line, name in _imports(path, package):
            if name.split(".")[0] in NOT_LIBRARY and not (path == LAUNCHER and name == LAUNCHED):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert found == []
    assert [name for _, name in _imports(LAUNCHER, "minitorch")] == [LAUNCHED]


def test_the_application_is_built_on_the_library():
    imported = {name.split(".")[0] for path, package in _modules(APPLICATION) for _, name in _imports(path, package)}
    assert "minitorch" in imported


def test_the_import_check_sees_relative_lazy_and_dynamic_imports(tmp_path):
    module = tmp_path / "minitorch" / "nn" / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "from ..ops import add\nfrom . import init\n\ndef f():\n    import minitorch_app.cli\n"
        "    importlib.import_module('benchmarks.driver')\n"
    )
    assert [name for _, name in _imports(module, "minitorch.nn")] == [
        "minitorch.ops",
        "minitorch.nn.init",
        "minitorch_app.cli",
        "benchmarks.driver",
    ]
