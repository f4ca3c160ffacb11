"""to_dot: LeNet's autograd graph as Graphviz DOT, with every layer's ops and named parameters."""

from __future__ import annotations

import re
import shutil

import pytest

import minitorch
from minitorch.autograd import render_dot, to_dot
from tests.nn_models import blitz_net


def lenet_dot() -> tuple:
    minitorch.manual_seed(0)
    net = blitz_net(minitorch)
    out = net(minitorch.randn(2, 1, 32, 32))
    return net, to_dot(out, dict(net.named_parameters()))


def test_lenet_graph_has_every_layer_op_and_parameter():
    net, dot = lenet_dot()
    assert dot.startswith("digraph autograd {") and dot.rstrip().endswith("}")
    for name, p in net.named_parameters():
        shape = "[" + ", ".join(str(n) for n in p.shape) + "]"
        assert f'label="{name}\\n{shape} float32"' in dot, name
    counts = {
        op: len(re.findall(rf'label="{op}\\n', dot))
        for op in (
            "ConvolutionBackward0",
            "ReluBackward0",
            "MaxPool2DWithIndicesBackward0",
            "AddmmBackward0",
            "ViewBackward0",
            "TBackward0",
        )
    }
    assert counts == {
        "ConvolutionBackward0": 2,
        "ReluBackward0": 4,
        "MaxPool2DWithIndicesBackward0": 2,
        "AddmmBackward0": 3,
        "ViewBackward0": 1,
        "TBackward0": 3,
    }
    assert 'label="output\\n[2, 10] float32"' in dot and "ConvolutionBackward0\\n[2, 16, 10, 10] float32" in dot


def test_every_node_is_connected_and_the_text_is_deterministic():
    _, dot = lenet_dot()
    nodes = set(re.findall(r"^  (n\d+) \[", dot, re.M))
    sources = set(re.findall(r"^  (n\d+) -> ", dot, re.M))
    assert nodes == sources  # every node feeds something (the root feeds `out`)
    assert len(nodes) == 10 + 2 + 4 + 2 + 3 + 1 + 3  # 10 parameters and 15 ops
    assert lenet_dot()[1] == dot


def test_unnamed_leaves_and_results_without_a_graph():
    x = minitorch.ones(3, requires_grad=True)
    dot = to_dot((x * 2).sum(), name="loss")
    assert 'label="leaf\\n[3] float32"' in dot and 'label="loss\\n[] float32"' in dot
    assert "->" not in to_dot(minitorch.ones(2))


def test_a_module_can_name_the_leaves():
    net, dot = lenet_dot()
    assert to_dot(net(minitorch.zeros(1, 1, 32, 32)), net).count("fc3.weight") == 1


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot binary is not installed")
def test_render_svg(tmp_path):
    _, dot = lenet_dot()
    path = render_dot(dot, str(tmp_path / "lenet.svg"))
    text = open(path).read()
    assert "<svg" in text and "conv2.weight" in text


def test_render_without_graphviz_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        render_dot("digraph g {}", str(tmp_path / "g.svg"))
