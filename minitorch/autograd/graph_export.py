"""The autograd graph of a result as Graphviz DOT text, and rendering it with the ``dot`` binary."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from typing import Any

from .function import AccumulateGrad, BackwardNode


def _shape(shape: tuple) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def _dtype(dt: Any) -> str:
    return str(getattr(dt, "name", dt))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(
    tensor: Any, params: Mapping[str, Any] | Any | None = None, name: str = "output", graph_name: str = "autograd"
) -> str:
    """The backward graph that produced ``tensor``, written as Graphviz DOT text.

    Each recorded op is a box labelled with its node name (``AddmmBackward0``) and the
    shape and dtype of what its forward returned; each leaf that receives a gradient is
    an ellipse with its shape and dtype, and with its name when it is in ``params``.
    Edges point the way data flowed in forward (from inputs to ``tensor``). Node ids are
    numbered in a fixed walk of the graph, so the same graph always gives the same text.

    Args:
        tensor: a result whose ``grad_fn`` is the root of the graph.
        params: names for leaves: a ``{name: tensor}`` mapping (``dict(model.named_parameters())``)
            or a Module, whose named parameters are used.
        name: the label of the result's own node.
        graph_name: the DOT graph's name.
    """
    if params is not None and hasattr(params, "named_parameters"):
        params = dict(params.named_parameters())
    names = {id(t): n for n, t in (params or {}).items()}
    lines = [
        f"digraph {graph_name} {{",
        '  graph [rankdir=BT, fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize=10];',
    ]
    out_label = f"{name}\n{_shape(tuple(tensor.shape))} {_dtype(tensor.dtype)}"
    lines.append(f"  out [label={_quote(out_label)}, shape=box, style=filled, fillcolor=darkolivegreen1];")
    root = tensor.grad_fn
    if root is None:
        lines.append("}")
        return "\n".join(lines) + "\n"
    ids: dict = {}
    order = []
    queue = [root]
    ids[root] = "n0"
    while queue:  # breadth first, children in next_functions order: a deterministic numbering
        node = queue.pop(0)
        order.append(node)
        for child, _ in node.next_functions:
            if child is not None and child not in ids:
                ids[child] = f"n{len(ids)}"
                queue.append(child)
    for node in order:
        lines.append(f"  {ids[node]} [{_node_attrs(node, names)}];")
    lines.append(f"  {ids[root]} -> out;")
    for node in order:
        for child, nr in node.next_functions:
            if child is not None:
                label = f' [label="{nr}"]' if isinstance(child, BackwardNode) and len(child._output_meta) > 1 else ""
                lines.append(f"  {ids[child]} -> {ids[node]}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node_attrs(node: Any, names: dict) -> str:
    if isinstance(node, AccumulateGrad):
        var = node.variable
        head = names.get(id(var), "leaf")
        label = f"{head}\n{_shape(tuple(var.shape))} {_dtype(var.dtype)}"
        color = "lightblue" if id(var) in names else "lightgray"
        return f"label={_quote(label)}, shape=ellipse, style=filled, fillcolor={color}"
    label = node.name()
    if isinstance(node, BackwardNode):
        outs = [f"{_shape(tuple(s))} {_dtype(d)}" for s, d, _ in node._output_meta]
        label += "\n" + "\n".join(outs)
    return f"label={_quote(label)}, shape=box"


def render_dot(dot_text: str, path: str, format: str | None = None) -> str:
    """Render DOT text to an image file with Graphviz's ``dot`` binary; returns ``path``.

    Args:
        dot_text: what ``to_dot`` returned.
        path: the file to write (``lenet.svg``, ``lenet.png``).
        format: ``svg``, ``png``, ``pdf``...; by default the extension of ``path``.

    Raises:
        RuntimeError: when the ``dot`` binary is not installed (``apt-get install graphviz``).
    """
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError(
            "rendering needs Graphviz's `dot` binary, which is not on PATH "
            "(install graphviz, e.g. `apt-get install graphviz`); to_dot's text needs nothing"
        )
    fmt = format or (path.rsplit(".", 1)[-1] if "." in path else "svg")
    subprocess.run([exe, f"-T{fmt}", "-o", path], input=dot_text.encode(), check=True, capture_output=True)
    return path
