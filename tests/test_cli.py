"""``minitorch train`` end to end on a tiny generated Fashion-MNIST (IDX files, see conftest.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import minitorch
from minitorch.vision.datasets import MNIST, FashionMNIST
from minitorch_app import cli, data, models

CLASSES = FashionMNIST.classes


@pytest.fixture(scope="module")
def data_dir(tiny_fashion_mnist) -> str:
    return tiny_fashion_mnist


def _train(data_dir: str, out, *extra: str) -> int:
    argv = [
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
        "256",
        "--limit-test",
        "100",
        "--seed",
        "3",
        "--lr",
        "0.05",
    ]
    return cli.main(argv + list(extra))


def _metrics(out) -> dict:
    with open(os.path.join(out, "metrics.json")) as fh:
        return json.load(fh)


def test_train_writes_metrics_checkpoint_model_and_plot(data_dir, tmp_path, capsys):
    out = tmp_path / "run"
    assert _train(data_dir, out) == 0
    stdout = capsys.readouterr().out
    assert "epoch 2/2: train loss" in stdout
    assert "Accuracy for class: T-shirt/top is" in stdout and "Accuracy for class: Ankle boot is" in stdout
    m = _metrics(out)
    assert {"status", "engine", "args", "versions", "model", "dataset", "epochs", "loss_curve"} <= set(m)
    assert m["status"] == "finished" and m["engine"] == "minitorch"
    assert m["args"]["lr"] == 0.05 and m["args"]["momentum"] == 0.9 and m["args"]["model"] == "lenet"
    assert m["versions"]["minitorch"] == minitorch.__version__ and "numpy" in m["versions"]
    assert m["model"] == {"name": "lenet", "parameters": 61706, "input_shape": [1, 32, 32]}
    assert m["dataset"]["train_samples"] == 256 and m["dataset"]["test_samples"] == 100
    assert [e["epoch"] for e in m["epochs"]] == [1, 2]
    for e in m["epochs"]:
        assert {"train_loss", "test_accuracy", "per_class_accuracy", "samples_per_second"} <= set(e)
        assert list(e["per_class_accuracy"]) == CLASSES and e["samples_per_second"] > 0
    assert m["epochs"][1]["train_loss"] < m["epochs"][0]["train_loss"]
    assert m["epochs"][1]["test_accuracy"] >= 40  # the bars are easy; chance is 10 %

    ckpt = minitorch.load(out / "checkpoint.pt")
    assert ckpt["position"]["epoch"] == 2 and ckpt["position"]["step"] == 0 and ckpt["engine"] == "minitorch"
    net = models.build("lenet")
    assert not net.load_state_dict(ckpt["model"]).missing_keys
    net.load_state_dict(minitorch.load(out / "model.pt"))
    assert set(ckpt["optimizer"]) == {"state", "param_groups"}
    assert (out / "training.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_padding_once_matches_pad_then_totensor_per_sample(data_dir):
    from minitorch.vision import transforms

    config = {"dataset": "fashion-mnist", "data_dir": data_dir, "download": False, "limit_train": None, "limit_test": 5}
    train_set, test_set, classes, shape = data.load_data(config, 32)
    assert shape == (1, 32, 32) and classes == CLASSES and len(test_set) == 5
    per_sample = FashionMNIST(
        data_dir,
        train=True,
        transform=transforms.Compose(
            [transforms.Pad(2), transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))]
        ),
    )
    for i in (0, 7, 319):
        np.testing.assert_allclose(train_set[i][0].numpy(), per_sample[i][0].numpy(), rtol=1e-6, atol=1e-6)
        assert train_set[i][1] == per_sample[i][1]


def _interrupt_at(monkeypatch, engine: str, call: int, how: str) -> None:
    """Make the ``call``-th training step see a Ctrl-C: a real SIGINT during the optimizer step, or a
    KeyboardInterrupt raised inside the forward pass."""
    if engine == "torch":
        import torch

        sgd, loss = torch.optim.SGD, torch.nn.CrossEntropyLoss
    else:
        sgd, loss = minitorch.optim.SGD, minitorch.nn.CrossEntropyLoss
    count = {"n": 0}
    if how == "sigint":
        original = sgd.step

        def step(self, *args, **kwargs):
            count["n"] += 1
            if count["n"] == call:
                os.kill(os.getpid(), signal.SIGINT)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(sgd, "step", step)
    else:
        original = loss.forward

        def forward(self, *args, **kwargs):
            if self.training:
                count["n"] += 1
                if count["n"] == call:
                    raise KeyboardInterrupt
            return original(self, *args, **kwargs)

        monkeypatch.setattr(loss, "forward", forward)


# cifar-cnn has Dropout, so these runs also need the global generators restored (minitorch's, and torch's).
@pytest.mark.parametrize(
    "engine,how,call,model",
    [("minitorch", "sigint", 11, "cifar-cnn"), ("minitorch", "raise", 4, "lenet"), ("torch", "sigint", 6, "cifar-cnn")],
)
def test_resume_after_ctrl_c_gives_the_uninterrupted_result(
    data_dir, tmp_path, capsys, monkeypatch, engine, how, call, model
):
    straight, stopped = tmp_path / "straight", tmp_path / "stopped"
    assert _train(data_dir, straight, "--engine", engine, "--model", model) == 0
    with monkeypatch.context() as patch:
        _interrupt_at(patch, engine, call, how)
        assert _train(data_dir, stopped, "--engine", engine, "--model", model) == 130
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "interrupted" in ln]
    assert len(lines) == 1 and "checkpoint saved" in lines[0] and "Traceback" not in err
    ckpt = minitorch.load(stopped / "checkpoint.pt")
    done = call if how == "sigint" else call - 1  # a SIGINT lets the step finish; a raise in forward does not
    assert (ckpt["position"]["epoch"], ckpt["position"]["step"]) == divmod(done, 8)  # 256 / 32 = 8 steps an epoch
    assert _metrics(stopped)["status"] == "interrupted"

    assert cli.main(["train", "--resume", str(stopped)]) == 0
    a, b = _metrics(straight), _metrics(stopped)
    assert b["status"] == "finished"
    for key in ("train_loss", "test_accuracy", "per_class_accuracy"):
        assert [e[key] for e in a["epochs"]] == [e[key] for e in b["epochs"]], key
    assert a["loss_curve"] == b["loss_curve"]
    for (k, p), q in zip(minitorch.load(straight / "model.pt").items(), minitorch.load(stopped / "model.pt").values()):
        np.testing.assert_array_equal(p.numpy(), q.numpy(), err_msg=k)


def test_resume_can_extend_a_finished_run(data_dir, tmp_path):
    three, extended = tmp_path / "three", tmp_path / "extended"
    assert _train(data_dir, three, "--epochs", "3") == 0
    assert _train(data_dir, extended, "--epochs", "2") == 0
    assert cli.main(["train", "--resume", str(extended), "--epochs", "3"]) == 0
    losses = [[e["train_loss"] for e in _metrics(run)["epochs"]] for run in (three, extended)]
    assert losses[0] == losses[1] and len(losses[0]) == 3


def test_engine_torch_is_minitorchs_twin(data_dir, tmp_path):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    assert _train(data_dir, ours) == 0
    assert _train(data_dir, theirs, "--engine", "torch") == 0
    a, b = _metrics(ours), _metrics(theirs)
    assert b["engine"] == "torch" and "torch" in b["versions"]
    np.testing.assert_allclose([c[1] for c in a["loss_curve"]], [c[1] for c in b["loss_curve"]], rtol=1e-4)
    assert abs(a["epochs"][-1]["test_accuracy"] - b["epochs"][-1]["test_accuracy"]) <= 1.0
    net = models.build("lenet")  # a torch run's checkpoint is in minitorch's format
    net.load_state_dict(minitorch.load(theirs / "checkpoint.pt")["model"])


def _one_line_error(rc: int, err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == 2, err
    assert len(lines) == 1, err
    assert "Traceback" not in err and "error" in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["train", "--model", "resnet"], "invalid choice: 'resnet'"),
        (["train", "--batch-size", "0"], "--batch-size: expected a value >= 1, got 0"),
        (["train", "--lr", "-0.1"], "--lr: expected a value > 0, got -0.1"),
        (["train", "--epochs", "two"], "--epochs: expected an integer, got 'two'"),
        (["train", "--momentum", "-1"], "--momentum: expected a value >= 0"),
        (["train", "--optimizer", "rmsprop"], "invalid choice: 'rmsprop'"),
        (["train", "--resume", "/nonexistent/run"], "no checkpoint found"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_arguments_give_one_line_and_status_2(argv, expected, capsys):
    line = _one_line_error(cli.main(argv), capsys.readouterr().err)
    assert expected in line


def test_missing_data_set_without_download(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(MNIST, "system_dirs", [])
    monkeypatch.setattr(FashionMNIST, "system_dirs", [])
    rc = cli.main(["train", "--data-dir", str(tmp_path), "--out", str(tmp_path / "run")])
    line = _one_line_error(rc, capsys.readouterr().err)
    assert "FashionMNIST" in line and "not found" in line and "download" in line
    assert not (tmp_path / "run").exists()


def test_cuda_without_a_gpu_and_reused_run_directory(data_dir, tmp_path, capsys):
    if not minitorch.cuda.is_available():
        line = _one_line_error(cli.main(["train", "--device", "cuda", "--data-dir", data_dir]), capsys.readouterr().err)
        assert "CUDA is not available" in line
    out = tmp_path / "run"
    assert _train(data_dir, out, "--epochs", "1") == 0
    capsys.readouterr()
    assert "already holds a run" in _one_line_error(_train(data_dir, out), capsys.readouterr().err)
    line = _one_line_error(cli.main(["train", "--resume", str(out), "--lr", "0.5"]), capsys.readouterr().err)
    assert "--lr 0.5 conflicts with the resumed run's 0.05" in line


def _not_training_checkpoints() -> dict:
    """What minitorch.load reads back but --resume cannot continue from, by what it is."""
    from minitorch_app.training import Trainer, make_engine

    engine = make_engine()
    net = models.build("lenet")
    trainer = Trainer(engine, net, engine.optimizer("sgd", net.parameters(), 0.1, 0.0), [], [], 10)
    hand_edited = {**trainer.state_dict(), "args": {"model": "resnet"}}
    return {
        "a model's state dict": net.state_dict(),
        "a tensor": minitorch.ones(3),
        "another format": {"format": "minitorch-train/0", "args": {}},
        "a trainer's state without the run's settings": trainer.state_dict(),
        "settings that are not a dict": {**trainer.state_dict(), "args": [1, 2]},
        "an unknown model": hand_edited,
    }


@pytest.mark.parametrize(
    "what,expected",
    [
        (
            "a model's state dict",
            "is not a training checkpoint: it holds a state dict of 10 tensors (a model's weights, like model.pt)",
        ),
        ("a tensor", "is not a training checkpoint: it holds a Tensor"),
        (
            "another format",
            "is not a training checkpoint: format 'minitorch-train/0', expected format 'minitorch-train/2'",
        ),
        ("a trainer's state without the run's settings", "is not a training checkpoint: it has no 'args'"),
        ("settings that are not a dict", "its 'args' is a list, not the run's settings"),
        ("an unknown model", "the checkpoint's model 'resnet' is not one of twolayer, lenet"),
    ],
)
def test_resume_from_a_file_that_is_not_a_training_checkpoint_says_so(tmp_path, capsys, what, expected):
    run = tmp_path / "run"
    run.mkdir()
    minitorch.save(_not_training_checkpoints()[what], run / "checkpoint.pt")
    for target in (run, run / "checkpoint.pt"):
        line = _one_line_error(cli.main(["train", "--resume", str(target)]), capsys.readouterr().err)
        assert line.startswith(f"minitorch train: error: --resume {target}: ") and expected in line, line
        assert "KeyError" not in line


def test_engine_torch_and_bench_without_torch_say_what_to_install(tmp_path, capsys, monkeypatch):
    no_torch = (
        "import sys; sys.modules['torch'] = None; from minitorch_app import cli; "
        "sys.exit(cli.main(['train', '--engine', 'torch', '--data-dir', sys.argv[1]]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", no_torch, str(tmp_path)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    line = _one_line_error(proc.returncode, proc.stderr)
    assert "--engine torch: the torch engine needs PyTorch: pip install 'minitorch[reference]'" in line
    from minitorch_app.benchmarks import driver

    monkeypatch.setitem(driver.REQUIRES, "no_such_module_for_minitorch_bench", "no-such-dist")
    line = _one_line_error(cli.main(["bench", "--quick", "--out", str(tmp_path / "bench")]), capsys.readouterr().err)
    assert line.startswith("minitorch bench: error: the benchmarks compare against torch") and "no-such-dist" in line
    assert not (tmp_path / "bench").exists()


def test_python_dash_m_minitorch_reports_without_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "minitorch", "train", "--batch-size", "0"], capture_output=True, text=True, timeout=120
    )
    assert _one_line_error(proc.returncode, proc.stderr).startswith("minitorch train: error:")
    assert proc.stdout == ""
    help_ = subprocess.run(
        [sys.executable, "-m", "minitorch", "train", "--help"], capture_output=True, text=True, timeout=120
    )
    assert help_.returncode == 0 and "--limit-train" in help_.stdout and "--engine" in help_.stdout
