"""minitorch.distributed, DistributedDataParallel and DistributedSampler in a real 2-process MPI job.

``mpiexec -n 2`` runs tests/distributed_checks.py once per test session (shared by pytest-xdist's
workers through a file lock); the tests here compare what each rank saw with numpy and with a
single process. tests/distributed_failures.py makes rank 1 fail in four ways; the job must end,
non-zero and with a message, within a bounded time. Skipped only when mpiexec or mpi4py is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

from tests.distributed_checks import DTYPES, OPS, WORLD, inputs

ROOT = Path(__file__).resolve().parent.parent
# The launcher next to this Python first: another MPI's mpiexec would start N unconnected singletons.
MPIEXEC = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")
JOB_LIMIT_S = 120  # no job may take longer, whatever happens inside it

pytestmark = pytest.mark.skipif(
    MPIEXEC is None or not __import__("importlib").util.find_spec("mpi4py"),
    reason="mpiexec or mpi4py not found: `pip install mpi4py mpich` (the test extra) provides both",
)


def run_job(module: str, *args: str) -> subprocess.CompletedProcess:
    """``mpiexec -n 2 python -m module args``, one BLAS thread per rank, stdout and stderr together."""
    env = dict(
        os.environ,
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    return subprocess.run(
        [MPIEXEC, "-n", str(WORLD), sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=JOB_LIMIT_S,
    )


@pytest.fixture(scope="session")
def ranks(tmp_path_factory: pytest.TempPathFactory) -> list:
    """[(arrays, info)] per rank from one run of tests/distributed_checks.py."""
    out = tmp_path_factory.getbasetemp().parent / "distributed_checks"
    with FileLock(str(out) + ".lock"):
        if not (out / "done").exists():
            out.mkdir(exist_ok=True)
            job = run_job("tests.distributed_checks", str(out))
            assert job.returncode == 0, f"the MPI checks failed:\n{job.stdout}"
            (out / "done").write_text(job.stdout)
    return [
        (dict(np.load(out / f"rank{r}.npz")), json.loads((out / f"rank{r}.json").read_text())) for r in range(WORLD)
    ]


def everyone(dtype: str) -> np.ndarray:
    return np.stack([inputs(r, dtype) for r in range(WORLD)])


NUMPY_OPS = {"SUM": np.sum, "AVG": np.mean, "MAX": np.max, "MIN": np.min, "PRODUCT": np.prod}


# ------------------------------------------------------------------------------------------- collectives
def test_world(ranks):
    for _r, (_, info) in enumerate(ranks):
        assert info["world_size"] == WORLD and info["backend"] == "mpi"
        assert info["initialized_after_destroy"] is False


@pytest.mark.parametrize("dtype", DTYPES)
def test_all_reduce_matches_numpy(ranks, dtype):
    for op in OPS:
        if op == "AVG" and dtype == "int64":
            continue
        want = NUMPY_OPS[op](everyone(dtype), axis=0).astype(dtype)
        for arrays, _ in ranks:
            got = arrays[f"all_reduce_{op}_{dtype}"]
            assert got.dtype == np.dtype(dtype)
            np.testing.assert_array_equal(got, want, err_msg=op)


@pytest.mark.parametrize("dtype", DTYPES)
def test_broadcast_all_gather_reduce_match_numpy(ranks, dtype):
    for r, (arrays, _) in enumerate(ranks):
        for src in range(WORLD):
            np.testing.assert_array_equal(arrays[f"broadcast_{src}_{dtype}"], inputs(src, dtype))
        np.testing.assert_array_equal(arrays[f"all_gather_{dtype}"], everyone(dtype))
        # reduce: the result on dst=1 only; rank 0 keeps its input.
        want = everyone(dtype).max(axis=0) if r == 1 else inputs(r, dtype)
        np.testing.assert_array_equal(arrays[f"reduce_MAX_to_1_{dtype}"], want)


def test_async_handle_and_non_contiguous_tensor(ranks):
    for arrays, info in ranks:
        assert info["async_work_type"] == "Work" and info["async_wait"] is True and info["async_completed"] is True
        np.testing.assert_array_equal(arrays["all_reduce_SUM_transposed"], everyone("float64").sum(axis=0).T)


def test_argument_errors_match_torch(ranks):
    errors = ranks[0][1]["errors"]
    assert errors["gather_length"].startswith(
        "RuntimeError: all_gather: invalid output tensor list at index 0 (expected length 2, got 1)"
    )
    assert errors["broadcast_no_src"] == "ValueError: Must specify global_rank or group_rank"
    assert errors["avg_int"].startswith("ValueError: ReduceOp.AVG needs a floating-point tensor")
    assert errors["bad_root"] == "RuntimeError: broadcast: invalid root rank: 5"
    assert errors["not_tensor"].startswith("TypeError: Invalid function argument. Expected parameter `tensor`")
    assert errors["second_init"] == "ValueError: trying to initialize the default process group twice!"


# ----------------------------------------------------------------------------- DistributedDataParallel
def test_ddp_matches_one_process_at_twice_the_batch(ranks):
    """20 SGD-momentum steps of LeNet in float64: 2 ranks x 32 images == 1 process x 64 images."""
    ref = {k[4:]: v for k, v in ranks[0][0].items() if k.startswith("ref_")}
    assert len(ref) == 10
    for arrays, _ in ranks:
        for name, want in ref.items():
            np.testing.assert_allclose(arrays[f"ddp_{name}"], want, rtol=1e-12, atol=1e-15, err_msg=name)
    for name in ref:  # and the replicas are bit-for-bit the same
        np.testing.assert_array_equal(ranks[0][0][f"ddp_{name}"], ranks[1][0][f"ddp_{name}"])


def test_buckets_rebuilt_in_arrival_order_and_started_during_backward(ranks):
    for _, info in ranks:
        assert info["bucket_params_first_iteration"] == [10]
        # bucket_cap_mb=0.05 (52,428 bytes) over the order backward delivers gradients in
        assert info["bucket_names"] == [
            ["fc3.weight", "fc2.weight"],
            ["fc1.weight"],
            ["conv2.bias", "conv2.weight", "conv1.bias", "conv1.weight", "fc1.bias", "fc2.bias", "fc3.bias"],
        ]
        # when conv2.weight's gradient arrives, the fully connected layers' buckets are already on their way
        assert info["buckets_started_before_conv2_weight"] == [True, True, False]
        assert info["state_dict_keys"][:2] == ["module.conv1.weight", "module.conv1.bias"]


def test_no_sync_accumulates_locally_then_averages(ranks):
    local = [arrays for arrays, _ in ranks]
    names = [k[len("nosync_expected_") :] for k in local[0] if k.startswith("nosync_expected_")]
    assert sorted(names) == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"]
    for name in names:
        assert not np.allclose(local[0][f"nosync_local_{name}"], local[1][f"nosync_local_{name}"])
        for arrays in local:
            np.testing.assert_allclose(
                arrays[f"nosync_final_{name}"], local[0][f"nosync_expected_{name}"], rtol=1e-12, atol=1e-15
            )


def test_buffers_come_from_rank_0(ranks):
    for _, info in ranks:
        assert info["buffer_after_init"] == [2.0] * 4
        assert info["buffer_after_forward"] == [7.0] * 4


def test_find_unused_parameters(ranks):
    for arrays, info in ranks:
        assert info["unused_everywhere_grad_is_none"] is True
        np.testing.assert_allclose(
            arrays["partly_used_extra_weight_grad"], ranks[0][0]["partly_used_expected"], rtol=1e-12, atol=1e-15
        )
        assert info["unfinished_reduction"].startswith(
            "RuntimeError: Expected to have finished reduction in the prior iteration before starting a new one."
        )
        assert info["unfinished_reduction"].endswith(
            f"did not receive grad for rank {ranks.index((arrays, info))}: 4 5"
        )


def test_different_models_are_refused_on_every_rank(ranks):
    for _, info in ranks:
        assert info["model_mismatch"].startswith("RuntimeError: DDP expects same model across all ranks")
        assert "rank 0: 4 parameters" in info["model_mismatch"] and "rank 1: 6 parameters" in info["model_mismatch"]


def test_sampler_takes_rank_and_world_from_the_group(ranks):
    from minitorch.utils.data.distributed import DistributedSampler

    for r, (_, info) in enumerate(ranks):
        want = DistributedSampler(list(range(11)), num_replicas=WORLD, rank=r, seed=3)
        want.set_epoch(2)
        assert info["sampler"] == {"rank": r, "replicas": WORLD, "indices": list(want)}


# ------------------------------------------------------------------------------------------------ failure
@pytest.mark.parametrize(
    "mode, timeout_s, limit_s, says",
    [
        (
            "raise",
            60,
            20,
            [
                "ValueError: deliberate failure on rank 1",
                "rank 1 of 2 stopped on an uncaught ValueError; aborting all 2 ranks",
            ],
        ),
        ("kill", 60, 20, []),  # mpiexec itself reports the killed rank and ends the job
        (
            "hang",
            3,
            25,
            ["all_reduce did not complete within 3 s", "rank 0 of 2 stopped on an uncaught DistBackendError"],
        ),
        ("exit", 3, 25, ["all_reduce did not complete within 3 s"]),
    ],
)
def test_a_failing_rank_ends_the_job(mode, timeout_s, limit_s, says):
    start = time.monotonic()
    job = run_job("tests.distributed_failures", mode, str(timeout_s))
    took = time.monotonic() - start
    assert job.returncode != 0, job.stdout
    assert took < limit_s, f"{mode}: the job took {took:.1f} s to end"
    # Both ranks got through step 1 (rank 1 prints it just before it fails; rank 0's own line may be cut off: the
    # launcher can end rank 0 between step 1's gradient exchange and its print) and no rank through step 2.
    assert "rank 1 finished step 1" in job.stdout and "rank 0 finished step 0" in job.stdout, job.stdout
    assert "finished step 2" not in job.stdout, job.stdout
    for text in says:
        assert text in job.stdout, job.stdout


def test_the_scaling_benchmark_runs_all_four_jobs_and_reports_the_ceiling() -> None:
    # benchmarks/scaling_ddp.py is run by hand on a quiet machine: a tiny run keeps it working between runs.
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.scaling_ddp",
            "--batches",
            "4",
            "--steps",
            "2",
            "--warmup",
            "1",
            "--repeat",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=4 * JOB_LIMIT_S,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    for job in ("1 process, no DDP", "1 process, DDP", "2 processes, no DDP (independent", "2 processes, DDP"):
        assert f"| 4 | {job}" in out.stdout
    assert "Batch 4: DDP's two-process step takes" in out.stdout
