"""minitorch.utils.tensorboard.SummaryWriter against torch's: the same calls, read back with TensorBoard's own
EventAccumulator, give the same runs, tags, steps, values, images, histograms, text and hparams."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import torch

import minitorch

pytest.importorskip("tensorboard")
from PIL import Image  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from torch.utils.tensorboard import SummaryWriter as TorchWriter  # noqa: E402

from minitorch.utils.tensorboard import SummaryWriter  # noqa: E402

WRITERS = {torch: TorchWriter, minitorch: SummaryWriter}
WALL = 1_700_000_000.0


def log_everything(lib: Any, log_dir: str) -> None:
    """One session of every kind of record, with fixed wall times so both libraries' files can be compared."""
    rng = np.random.default_rng(0)
    t = lambda a: lib.tensor(a)  # noqa: E731
    with WRITERS[lib](log_dir) as w:
        for step in range(6):
            w.add_scalar("Loss/train", 1.0 / (step + 1), step, walltime=WALL + step)
            w.add_scalar("Accuracy", t(np.array(0.5 + step / 20)), step, walltime=WALL + step)
            w.add_scalars("lr", {"group0": 0.1 * 0.9**step, "group1": 0.01}, step, walltime=WALL + step)
        w.add_scalar("new-style", 3.25, 1, walltime=WALL, new_style=True)
        weights = rng.standard_normal(2000)
        w.add_histogram("weights", t(weights), 0, walltime=WALL)
        w.add_histogram("weights-numpy-bins", weights, 1, bins=20, walltime=WALL)
        w.add_histogram("weights-auto-merged", t(weights * 1e-3), 2, bins="auto", max_bins=7, walltime=WALL)
        w.add_histogram("ints", t(rng.integers(0, 5, 100)), 0, walltime=WALL)
        w.add_histogram_raw(
            "raw",
            min=-1.0,
            max=2.0,
            num=5,
            sum=3.0,
            sum_squares=7.0,
            bucket_limits=[0.0, 1.0, 2.0],
            bucket_counts=[1, 3, 1],
            global_step=4,
            walltime=WALL,
        )
        w.add_image("chw", t(rng.random((3, 10, 7))), 0, walltime=WALL)
        w.add_image("hw-uint8", t(rng.integers(0, 256, (6, 9)).astype(np.uint8)), 1, walltime=WALL, dataformats="HW")
        w.add_image("hwc-one-channel", t(rng.random((5, 4, 1))), 2, walltime=WALL, dataformats="HWC")
        w.add_images("batch", t(rng.random((11, 1, 6, 5))), 0, walltime=WALL)
        w.add_images("batch-nhwc", t(rng.random((3, 4, 4, 3))), 0, walltime=WALL, dataformats="NHWC")
        w.add_text("notes", "lr **0.1**, momentum 0.9 — ünïcode", 3, walltime=WALL)
        w.add_hparams(
            {"lr": 0.1, "optimizer": "SGD", "bn": True, "depth": 3, "skip": None},
            {"hparam/accuracy": 0.91, "hparam/loss": 0.3},
            hparam_domain_discrete={"depth": [2, 3, 4]},
            run_name="trial-1",
        )


def read(log_dir: str) -> dict[str, Any]:
    """Everything in every run under ``log_dir``, by run path, without wall times of hparams runs."""
    runs = {}
    for root, _, files in sorted(os.walk(log_dir)):
        if not any(f.startswith("events.out.tfevents") for f in files):
            continue
        ea = EventAccumulator(root, size_guidance={"scalars": 0, "images": 0, "histograms": 0, "tensors": 0})
        ea.Reload()
        tags = ea.Tags()
        run: dict[str, Any] = {"tags": {k: sorted(v) for k, v in tags.items() if isinstance(v, list)}}
        hparams_run = os.path.basename(root) == "trial-1"
        for tag in tags["scalars"]:
            run["scalar " + tag] = [((None if hparams_run else e.wall_time), e.step, e.value) for e in ea.Scalars(tag)]
        for tag in tags["histograms"]:
            run["histogram " + tag] = [(e.wall_time, e.step, e.histogram_value) for e in ea.Histograms(tag)]
        for tag in tags["images"]:
            run["image " + tag] = [
                (
                    e.wall_time,
                    e.step,
                    e.width,
                    e.height,
                    np.asarray(Image.open(io.BytesIO(e.encoded_image_string))).tolist(),
                )
                for e in ea.Images(tag)
            ]
        for tag in tags["tensors"]:
            run["tensor " + tag] = [
                ((None if hparams_run else e.wall_time), e.step, e.tensor_proto) for e in ea.Tensors(tag)
            ]
        run["plugins"] = {name: _plugin_content(ea, name) for name in ("hparams", "text", "scalars")}
        runs[os.path.relpath(root, log_dir)] = run
    return runs


def _plugin_content(ea: EventAccumulator, name: str) -> Any:
    try:
        return ea.PluginTagToContent(name)
    except KeyError:  # no record of that plugin in this run
        return None


def test_event_files_read_back_like_torchs(tmp_path: Any) -> None:
    for lib in WRITERS:
        log_everything(lib, str(tmp_path / lib.__name__))
    got, want = read(str(tmp_path / "minitorch")), read(str(tmp_path / "torch"))
    assert sorted(got) == sorted(want) == [".", "lr_group0", "lr_group1", "trial-1"]
    for run in want:
        assert list(got[run]) == list(want[run]), run
        for key in want[run]:
            assert got[run][key] == want[run][key], (run, key)
    assert len(want["."]["scalar Loss/train"]) == 6 and len(want["."]["image batch"]) == 1
    assert len(want["trial-1"]["plugins"]["hparams"]) == 3 and want["."]["plugins"]["text"]


def test_default_log_dir_is_runs_date_host_comment_like_torch(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    dirs = []
    for lib in WRITERS:
        w = WRITERS[lib](comment="-lenet")
        w.add_scalar("x", 1.0, 0)
        w.close()
        dirs.append(w.get_logdir())
    pattern = r"runs/[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_" + re.escape(socket.gethostname()) + "-lenet"
    assert all(re.fullmatch(pattern, d) for d in dirs), dirs
    assert all(any(f.startswith("events.out.tfevents") for f in os.listdir(tmp_path / d)) for d in dirs)


def test_flush_makes_records_readable_and_close_then_write_reopens(tmp_path: Any) -> None:
    w = SummaryWriter(tmp_path, flush_secs=10_000, max_queue=1000)
    w.add_scalar("a", 1.0, 0)
    w.flush()
    ea = EventAccumulator(str(tmp_path))
    ea.Reload()
    assert [e.value for e in ea.Scalars("a")] == [1.0]
    w.close()
    w.add_scalar("a", 2.0, 1)  # after close, a new event file, as torch does
    w.close()
    assert len([f for f in os.listdir(tmp_path) if f.startswith("events")]) == 2


def test_purge_step_writes_torchs_session_start(tmp_path: Any) -> None:
    for lib in WRITERS:
        with WRITERS[lib](str(tmp_path / lib.__name__), purge_step=3) as w:
            w.add_scalar("a", 1.0, 3, walltime=WALL)
    assert read(str(tmp_path / "minitorch")) == read(str(tmp_path / "torch"))


@pytest.mark.parametrize(
    "call",
    [
        lambda w, lib: w.add_hparams([("lr", 0.1)], {"acc": 1.0}),
        lambda w, lib: w.add_hparams({"lr": [0.1]}, {"acc": 1.0}),
        lambda w, lib: w.add_hparams({"lr": 0.1}, {"acc": 1.0}, hparam_domain_discrete={"lr": [1, 2]}),
        lambda w, lib: w.add_histogram_raw("h", 0, 1, 1, 1, 1, [1.0, 2.0], [1]),
        lambda w, lib: w.add_histogram("h", np.zeros(0)),
        lambda w, lib: w.add_scalar("s", lib.ones(2)),
        lambda w, lib: w.add_image("i", lib.ones(3, 4, 4), dataformats="CHWC"),
        lambda w, lib: w.add_image("i", lib.ones(3, 4, 4), dataformats="CCH"),
    ],
    ids=[
        "hparams-not-dict",
        "hparam-type",
        "domain-type",
        "raw-lengths",
        "empty-histogram",
        "non-scalar",
        "format-length",
        "format-repeat",
    ],
)
def test_bad_input_is_refused_like_torch(call: Any, tmp_path: Any) -> None:
    errors = []
    for lib in WRITERS:
        with WRITERS[lib](str(tmp_path / lib.__name__)) as w:
            with pytest.raises(Exception) as err:
                call(w, lib)
            errors.append((type(err.value), " ".join(str(err.value).split())))
    assert errors[0] == errors[1]


def test_figures_are_logged_as_images(tmp_path: Any) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for lib in WRITERS:
        with WRITERS[lib](str(tmp_path / lib.__name__)) as w:
            fig = plt.figure(figsize=(2, 1), dpi=50)
            plt.plot([0, 1], [1, 0])
            w.add_figure("fig", fig, 0, walltime=WALL)
            w.add_figure("figs", [plt.figure(figsize=(1, 1), dpi=30) for _ in range(2)], 0, walltime=WALL)
            assert not plt.get_fignums()  # closed
    assert read(str(tmp_path / "minitorch")) == read(str(tmp_path / "torch"))


def _run(code: str, tmp_path: Any) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)


def test_the_writer_never_imports_torch(tmp_path: Any) -> None:
    done = _run(
        "import sys\nfrom minitorch.utils.tensorboard import SummaryWriter\nimport minitorch\n"
        "with SummaryWriter('run') as w:\n    w.add_scalar('a', minitorch.tensor(1.0), 0)\n"
        "    w.add_histogram('h', minitorch.randn(10), 0)\n    w.add_hparams({'lr': 0.1}, {'a': 1.0})\n"
        "print('torch' in sys.modules)",
        tmp_path,
    )
    assert done.returncode == 0 and done.stdout.strip() == "False", done.stderr


def test_missing_tensorboard_says_how_to_install_it(tmp_path: Any) -> None:
    done = _run(
        "import sys\nsys.modules['tensorboard'] = None\nimport minitorch\n"
        "from minitorch.utils.tensorboard import SummaryWriter",
        tmp_path,
    )
    assert done.returncode == 1 and "pip install 'minitorch[tensorboard]'" in done.stderr
