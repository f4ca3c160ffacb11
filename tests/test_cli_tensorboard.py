"""``minitorch train --tensorboard``: the event files, read back with TensorBoard's own EventAccumulator.

A run logs Loss/train at every global step, and Loss/test, Accuracy/test, the learning rate and
parameter histograms at each epoch's last step, then its hyperparameters; a run that crashed
and resumed from its last checkpoint hides what it logged after it (purge_step), so each step
appears once, with the straight run's values. tests/test_cli_parallel.py checks rank 0 alone
writes them under --nproc.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import minitorch
from minitorch_app import cli

pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
STEPS_PER_EPOCH = 4  # 128 images at batch 32


def _args(data_dir: str, out: Path, *extra: str) -> list[str]:
    return [
        "train",
        "--data-dir",
        data_dir,
        "--out",
        str(out),
        "--epochs",
        "2",
        "--batch-size",
        "32",
        "--limit-train",
        "128",
        "--limit-test",
        "50",
        "--seed",
        "5",
        "--lr",
        "0.05",
        "--tensorboard",
        *extra,
    ]


def _accumulator(log_dir: Path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "histograms": 0})
    events.Reload()
    return events


def scalars(out: Path, tag: str) -> list[tuple]:
    """(step, value) of every ``tag`` event of the run in ``out``, in the order TensorBoard shows them."""
    return [(e.step, e.value) for e in _accumulator(out / "tensorboard").Scalars(tag)]


def _metrics(out: Path) -> dict:
    return json.loads((out / "metrics.json").read_text())


@pytest.fixture(scope="module")
def straight(tiny_fashion_mnist, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("straight") / "run"
    assert cli.main(_args(tiny_fashion_mnist, out)) == 0
    return out


def test_a_run_logs_steps_epochs_and_hyperparameters(straight):
    m = _metrics(straight)
    events = _accumulator(straight / "tensorboard")
    last = [STEPS_PER_EPOCH - 1, 2 * STEPS_PER_EPOCH - 1]  # the global step of each epoch's last step
    train = events.Scalars("Loss/train")
    assert [e.step for e in train] == list(range(2 * STEPS_PER_EPOCH))
    # The curve's points are means over steps: here one point per step (20 points an epoch asked, 4 steps).
    np.testing.assert_allclose([e.value for e in train], [c[1] for c in m["loss_curve"]], rtol=1e-6)
    for tag, key in (("Loss/test", "test_loss"), ("Accuracy/test", "test_accuracy")):
        logged = events.Scalars(tag)
        assert [e.step for e in logged] == last
        np.testing.assert_allclose([e.value for e in logged], [e[key] for e in m["epochs"]], rtol=1e-6)
    assert [(e.step, e.value) for e in events.Scalars("LearningRate/group0")] == [
        (s, pytest.approx(0.05)) for s in last
    ]
    histograms = events.Histograms("Parameters/fc3.bias")
    assert [h.step for h in histograms] == last and histograms[-1].histogram_value.num == 10
    weights = minitorch.load(straight / "model.pt")["conv1.weight"].numpy()
    final = events.Histograms("Parameters/conv1.weight")[-1].histogram_value
    assert final.num == weights.size and final.min == pytest.approx(weights.min())

    (hparams_dir,) = [p for p in (straight / "tensorboard").iterdir() if p.is_dir()]
    run = _accumulator(hparams_dir)
    assert run.Scalars("hparam/test_accuracy")[0].value == pytest.approx(m["epochs"][-1]["test_accuracy"])
    plugin = run.summary_metadata["_hparams_/session_start_info"].plugin_data.content
    assert b"lenet" in plugin and b"batch_size" in plugin


def test_a_crashed_run_resumes_its_series_without_duplicates(straight, tiny_fashion_mnist, tmp_path, monkeypatch):
    out = tmp_path / "crashed"
    step, calls = minitorch.optim.SGD.step, []

    def crash_in_the_second_step_of_epoch_2(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == STEPS_PER_EPOCH + 2:
            raise RuntimeError("crash")
        return step(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(minitorch.optim.SGD, "step", crash_in_the_second_step_of_epoch_2)
        with pytest.raises(RuntimeError, match="crash"):
            cli.main(_args(tiny_fashion_mnist, out))
    # The writer was closed on the way out: epoch 2's first step is on disk, after the epoch-1 checkpoint.
    assert [s for s, _ in scalars(out, "Loss/train")] == list(range(STEPS_PER_EPOCH + 1))
    assert minitorch.load(out / "checkpoint.pt")["position"]["epoch"] == 1

    assert cli.main(["train", "--resume", str(out)]) == 0
    assert scalars(out, "Loss/train") == scalars(straight, "Loss/train")
    assert scalars(out, "Accuracy/test") == scalars(straight, "Accuracy/test")


def test_the_torch_engine_logs_the_same_series(straight, tiny_fashion_mnist, tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "torch"
    assert cli.main(_args(tiny_fashion_mnist, out, "--engine", "torch", "--epochs", "1")) == 0
    ours, theirs = scalars(straight, "Loss/train")[:STEPS_PER_EPOCH], scalars(out, "Loss/train")
    assert [s for s, _ in ours] == [s for s, _ in theirs]
    np.testing.assert_allclose([v for _, v in ours], [v for _, v in theirs], rtol=1e-4)
    (step, accuracy), (their_step, their_accuracy) = (
        scalars(straight, "Accuracy/test")[0],
        scalars(out, "Accuracy/test")[0],
    )
    assert step == their_step and abs(accuracy - their_accuracy) <= 2.0  # at most one of the 50 images differs
    assert len(_accumulator(out / "tensorboard").Histograms("Parameters/conv1.weight")) == 1


def test_without_the_tensorboard_package_one_line_says_what_to_install(tmp_path, capsys, monkeypatch):
    for name in [
        m for m in sys.modules if m == "tensorboard" or m.startswith(("tensorboard.", "minitorch.utils.tensorboard"))
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    rc = cli.main(
        ["train", "--tensorboard", "--out", str(tmp_path / "run"), "--nproc", "1", "--data-dir", str(tmp_path)]
    )
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1, err
    assert "--tensorboard needs the tensorboard package: pip install 'minitorch[tensorboard]'" in err
