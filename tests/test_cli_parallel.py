"""``minitorch train --nproc 2`` (and ``mpiexec -n 2 ... train``) on the tiny Fashion-MNIST, in float64.

Two processes at per-rank batch 32 must compute the run of one process at batch 64; a run stopped by
a Ctrl-C that reached one rank must resume to the uninterrupted run exactly; rank 0 alone writes;
a rank that fails ends the job with a message. The MPI jobs are skipped only when mpiexec or mpi4py
is missing. tests/cli_ranks.py runs the ranks that need a Ctrl-C, a failure or a write guard.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

import minitorch
from minitorch_app import cli, parallel

ROOT = Path(__file__).resolve().parent.parent
MPIEXEC = parallel.find_mpiexec()
JOB_LIMIT_S = 120
needs_mpi = pytest.mark.skipif(
    MPIEXEC is None or importlib.util.find_spec("mpi4py") is None,
    reason="mpiexec or mpi4py not found: `pip install mpi4py mpich` (the test extra) provides both",
)
# 256 images, 2 epochs of 4 steps at batch 64 (32 per rank); 100 test images (50 per rank).
STEPS_PER_EPOCH = 4


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
        "64",
        "--limit-train",
        "256",
        "--limit-test",
        "100",
        "--seed",
        "3",
        "--lr",
        "0.05",
        "--dtype",
        "float64",
        *extra,
    ]


def _environment() -> dict:
    return dict(
        os.environ,
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )


def _job(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=ROOT, env=_environment(), capture_output=True, text=True, timeout=JOB_LIMIT_S, check=False
    )


def _ranks(*options: str, argv: list[str]) -> subprocess.CompletedProcess:
    """``mpiexec -n 2 python -m tests.cli_ranks OPTIONS -- ARGV``: the ranks started directly, as the README shows."""
    return _job([str(MPIEXEC), "-n", "2", sys.executable, "-m", "tests.cli_ranks", *options, "--", *argv])


def _messages(stderr: str) -> list[str]:
    """stderr without progress bars."""
    lines = (ln.strip() for ln in re.split(r"[\r\n]", stderr))
    return [ln for ln in lines if ln and not re.match(r"epoch \d+/\d+:.*batch", ln)]


def _metrics(out: Path) -> dict:
    return json.loads((out / "metrics.json").read_text())


@pytest.fixture(scope="session")
def two_processes(tiny_fashion_mnist: str, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """(run directory, stdout, stderr) of one ``minitorch train --nproc 2 --tensorboard`` run, shared by the
    test processes (pytest-xdist's workers) through a file lock."""
    out = tmp_path_factory.getbasetemp().parent / "cli_parallel_two"
    with FileLock(str(out) + ".lock"):
        if not (out / "done.json").exists():
            argv = _args(tiny_fashion_mnist, out, "--nproc", "2", "--tensorboard")
            job = _job([sys.executable, "-m", "minitorch_app", *argv])
            assert job.returncode == 0, job.stdout + job.stderr
            (out / "done.json").write_text(json.dumps([job.stdout, job.stderr]))
    stdout, stderr = json.loads((out / "done.json").read_text())
    return out, stdout, stderr


def _assert_same_run(a: Path, b: Path, rtol: float) -> None:
    ma, mb = _metrics(a), _metrics(b)
    for key in ("train_loss", "test_loss"):
        np.testing.assert_allclose([e[key] for e in ma["epochs"]], [e[key] for e in mb["epochs"]], rtol=rtol)
    for key in ("test_accuracy", "per_class_accuracy", "test_samples", "train_samples"):
        assert [e[key] for e in ma["epochs"]] == [e[key] for e in mb["epochs"]], key
    np.testing.assert_allclose(np.array(ma["loss_curve"]), np.array(mb["loss_curve"]), rtol=rtol)
    pa, pb = minitorch.load(a / "model.pt"), minitorch.load(b / "model.pt")
    assert list(pa) == list(pb)
    for k in pa:
        np.testing.assert_allclose(pa[k].numpy(), pb[k].numpy(), rtol=rtol, atol=rtol * 1e-2, err_msg=k)


@needs_mpi
def test_two_processes_compute_one_process_at_the_whole_batch(two_processes, tiny_fashion_mnist, tmp_path):
    two, stdout, stderr = two_processes
    one = tmp_path / "one"
    assert cli.main(_args(tiny_fashion_mnist, one)) == 0
    _assert_same_run(one, two, rtol=1e-12)
    m = _metrics(two)
    assert m["processes"] == 2 and m["args"]["nproc"] == 2 and m["status"] == "finished"
    assert m["dataset"] == _metrics(one)["dataset"]
    # Rank 0 alone reports and writes: one banner, one line per epoch, one TensorBoard writer.
    assert "in 2 processes (batch 32 each)" in stdout
    assert stdout.count("epoch 2/2: train loss") == 1 and stdout.count("Accuracy of the network") == 1
    assert "Traceback" not in stderr and _messages(stderr) == []
    assert {p.name for p in two.iterdir()} == {
        "checkpoint.pt",
        "metrics.json",
        "model.pt",
        "training.png",
        "tensorboard",
        "done.json",
    }
    assert len(list((two / "tensorboard").glob("events.out.tfevents.*"))) == 1


@needs_mpi
def test_ctrl_c_on_one_rank_stops_both_after_the_same_step_and_resumes_exactly(
    two_processes, tiny_fashion_mnist, tmp_path
):
    two, _, _ = two_processes
    stopped = tmp_path / "stopped"
    # Rank 1 alone gets the Ctrl-C, during its 6th step (epoch 2, step 2); ranks other than 0 may not write.
    job = _ranks("--sigint", "1", "6", argv=_args(tiny_fashion_mnist, stopped, "--tensorboard"))
    assert job.returncode == 130, job.stdout + job.stderr
    messages = _messages(job.stderr)
    assert messages == [
        f"minitorch train: interrupted at epoch 2, step 2; checkpoint saved, continue with: "
        f"minitorch train --resume {stopped}"
    ], job.stderr
    ckpt = minitorch.load(stopped / "checkpoint.pt")
    assert (ckpt["position"]["epoch"], ckpt["position"]["step"]) == divmod(6, STEPS_PER_EPOCH)
    assert ckpt["args"]["nproc"] == 2 and _metrics(stopped)["status"] == "interrupted"

    # --resume starts the two processes again (the run's nproc) and ends bit for bit where the straight run did.
    resumed = _job([sys.executable, "-m", "minitorch_app", "train", "--resume", str(stopped)])
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "in 2 processes" in resumed.stdout and "resuming at epoch 2, step 2" in resumed.stdout
    _assert_same_run(two, stopped, rtol=0)
    assert _metrics(two)["loss_curve"] == _metrics(stopped)["loss_curve"]
    # TensorBoard: the resumed writer continues the series, each step once.
    from tests.test_cli_tensorboard import scalars

    assert scalars(stopped, "Loss/train") == scalars(two, "Loss/train")


@needs_mpi
def test_a_rank_that_raises_aborts_the_job_with_a_message(tiny_fashion_mnist, tmp_path):
    start = time.monotonic()
    job = _ranks("--fail", "1", "3", argv=_args(tiny_fashion_mnist, tmp_path / "run"))
    output = job.stdout + job.stderr
    assert job.returncode != 0 and time.monotonic() - start < JOB_LIMIT_S
    assert "RuntimeError: deliberate failure on rank 1 at step 3" in output
    assert "rank 1 of 2 stopped on an uncaught RuntimeError; aborting all 2 ranks" in output


@needs_mpi
def test_a_rank_that_cannot_start_stops_every_rank_with_one_line(tiny_fashion_mnist, tmp_path):
    job = _ranks("--no-data", "1", argv=_args(tiny_fashion_mnist, tmp_path / "run"))
    assert job.returncode == 2, job.stdout + job.stderr
    assert _messages(job.stderr) == ["minitorch train: error: rank 1 of 2: no data set on rank 1"]
    assert "Traceback" not in job.stdout + job.stderr
    assert not (tmp_path / "run" / "checkpoint.pt").exists()


@pytest.mark.parametrize(
    "extra,expected",
    [
        (["--nproc", "0"], "--nproc: expected a value >= 1, got 0"),
        (["--nproc", "2", "--engine", "torch"], "--engine torch cannot train data-parallel"),
        (["--nproc", "2", "--batch-size", "63"], "--batch-size 63 cannot be split evenly among 2 processes"),
        (["--nproc", "2", "--device", "cuda"], "--device cuda cannot train data-parallel yet"),
    ],
)
def test_bad_data_parallel_arguments_give_one_line(tmp_path, capsys, extra, expected):
    rc = cli.main(["train", "--out", str(tmp_path / "run"), *extra])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and expected in err, err
    assert not (tmp_path / "run").exists()


def test_help_describes_the_data_parallel_run(capsys):
    assert cli.main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--nproc N train data-parallel in N processes started with mpiexec" in text
    assert "mpiexec -n N minitorch train" in text and "--batch-size stays the whole batch" in text
    assert "--tensorboard also write TensorBoard event files" in text


def test_nproc_without_mpiexec_says_what_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(parallel, "find_mpiexec", lambda: None)
    rc = cli.main(["train", "--out", str(tmp_path / "run"), "--nproc", "2"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert "mpiexec is missing: pip install 'minitorch[distributed]'" in err


def test_the_launcher_shares_the_cores_unless_told(monkeypatch):
    monkeypatch.setattr(parallel, "usable_cores", lambda: 8)
    env = parallel.rank_environment(2, {"PATH": "/bin"})
    assert {env[v] for v in parallel.THREAD_VARIABLES} == {"4"}
    assert parallel.rank_environment(16, {})["OMP_NUM_THREADS"] == "1"
    mine = parallel.rank_environment(2, {"OPENBLAS_NUM_THREADS": "3"})
    assert mine["OPENBLAS_NUM_THREADS"] == "3" and "OMP_NUM_THREADS" not in mine


def test_a_process_knows_whether_an_mpi_launcher_started_it(monkeypatch):
    for size, rank in parallel.LAUNCHER_VARIABLES:
        monkeypatch.delenv(size, raising=False)
        monkeypatch.delenv(rank, raising=False)
    assert parallel.launched_size() is None
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "3")
    assert parallel.launched_size() == 3
    world = parallel.World()  # one process: the collectives return their input
    assert (world.rank, world.size, world.main) == (0, 1, True)
    np.testing.assert_array_equal(world.sum([1, 2]), [1, 2])
    assert world.failed_ranks(True) == [0] and world.failed_ranks(False) == []
    assert world.shard(10) == range(10) and world.broadcast_text("x") == "x"
    for n in (0, 1, 7, 100):
        for size in (2, 3):
            shards = []
            for rank in range(size):
                world.rank, world.size = rank, size
                shards.append(world.shard(n))
            assert [i for s in shards for i in s] == list(range(n))  # disjoint, in order, no padding
            assert max(map(len, shards)) - min(map(len, shards)) <= 1
