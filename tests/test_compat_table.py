"""docs/COMPATIBILITY.md is generated from the suite and must be current (this is how CI catches a stale table)."""

from __future__ import annotations

import os
import textwrap
import time

from minitorch.testing import compat

TABLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "COMPATIBILITY.md")


def test_the_table_is_current():
    start = time.perf_counter()
    fresh = compat.generate()
    assert time.perf_counter() - start < 10
    with open(TABLE, encoding="utf-8") as f:
        current = f.read()
    assert current == fresh, (
        "docs/COMPATIBILITY.md is stale (the tests or the API changed): regenerate it with "
        "`.venv/bin/python -m minitorch.testing.compat --write`"
    )
    assert compat.generate() == fresh  # deterministic


def test_known_rows():
    cover = compat.scan()
    unary = cover[("functions", "exp")]["test_ops_elementwise::test_unary"]
    assert unary == {"f64: rtol 1e-7 atol 1e-9, f32: rtol 1e-4 atol 1e-5"}
    assert "test_nn_layers::test_conv2d" in cover[("modules", "Conv2d")]
    api = compat.public_api()
    assert "relu" in api["functional"] and "CrossEntropyLoss" in api["losses"] and "SGD" in api["optim"]
    assert "Conv2d" in api["modules"] and "CrossEntropyLoss" not in api["modules"] and "sum" in api["tensor"]


def test_the_scan_reads_calls_tables_and_tolerances(tmp_path):
    (tmp_path / "test_fake.py").write_text(
        textwrap.dedent("""
        import numpy as np
        import torch
        CASES = [("exp", lambda lib, x: lib.exp(x).sum())]

        def helper(x):
            return F.relu(x) @ x

        def test_a(lib):
            np.testing.assert_allclose(helper(CASES), torch.exp(1), rtol=1e-3, atol=0)

        def test_b():
            m = nn.Linear(2, 2)
            opt = lib.optim.SGD(m.parameters())
            check_parity(lambda lib, x: x[0] - x.mean(), 1)
    """)
    )
    cover = compat.scan(str(tmp_path))
    assert cover[("functions", "exp")] == {"test_fake::test_a": {"rtol 1e-3 atol 0"}}
    assert set(cover[("functional", "relu")]) == {"test_fake::test_a"}
    assert set(cover[("operators", "__matmul__")]) == {"test_fake::test_a"}
    assert cover[("tensor", "sum")] == {"test_fake::test_a": {"rtol 1e-3 atol 0"}}
    assert ("functions", "exp") in cover and ("tensor", "exp") not in cover  # torch.exp is torch's, not ours
    assert cover[("optim", "SGD")] == {"test_fake::test_b": {"parity"}}
    assert {"test_fake::test_b"} == set(cover[("modules", "Linear")]) == set(cover[("tensor", "mean")])
    assert set(cover[("operators", "__sub__")]) == {"test_fake::test_b"}


def test_check_fails_on_a_stale_file(tmp_path, capsys):
    out = tmp_path / "COMPAT.md"
    out.write_text("old\n")
    assert compat.main(["--check", "--out", str(out)]) == 1
    assert "stale" in capsys.readouterr().err
    assert compat.main(["--write", "--out", str(out)]) == 0
    assert compat.main(["--check", "--out", str(out)]) == 0


def test_sections_of_optim_init_utils_and_tensorboard(tmp_path):
    api = compat.public_api()
    assert {"RMSprop", "Adagrad", "Adadelta", "NAdam", "RAdam"} <= set(api["optim"])
    assert {"OneCycleLR", "ReduceLROnPlateau", "SequentialLR"} <= set(api["sched"])
    assert "orthogonal_" in api["init"] and "from_numpy" not in api["init"]  # its own functions, not imports
    assert "clip_grad_norm_" in api["nn_utils"] and "add_scalar" in api["tensorboard"]
    (tmp_path / "test_fake.py").write_text(
        textwrap.dedent("""
        from minitorch.utils.tensorboard import SummaryWriter

        def test_a(lib, w):
            lib.nn.init.eye_(x)
            lib.nn.utils.clip_grad_norm_(p, 1.0)
            w.add_scalar("a", 1.0)
            (lambda lr_scheduler, o: lr_scheduler.StepLR(o, 2))(lib.optim.lr_scheduler, o)
    """)
    )
    cover = compat.scan(str(tmp_path))
    for key in [("init", "eye_"), ("nn_utils", "clip_grad_norm_"), ("tensorboard", "add_scalar"), ("sched", "StepLR")]:
        assert set(cover[key]) == {"test_fake::test_a"}, key


def test_the_scan_marks_tests_of_second_derivatives(tmp_path):
    (tmp_path / "test_fake.py").write_text(
        textwrap.dedent("""
        ROWS = [("tanh", lambda lib, x: lib.tanh(x))]

        def test_first():
            check_parity(lambda lib, x: lib.exp(x), 1)

        def test_second():
            check_parity(ROWS[0][1], 1, order=2)

        def test_gradgrad():
            assert gradgradcheck(lambda x: minitorch.sin(x), (1,))
    """)
    )
    second = compat.scan_second_order(str(tmp_path))
    assert second[("functions", "tanh")] == {"test_fake::test_second"}
    assert second[("functions", "sin")] == {"test_fake::test_gradgrad"}
    assert ("functions", "exp") not in second
