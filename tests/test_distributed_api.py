"""minitorch.distributed without a running job: names, errors before init, backends, Work's timeout."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
import torch.distributed as torch_dist

import minitorch
import minitorch.distributed as dist
from minitorch.distributed.work import DistBackendError, Work


def test_reduce_ops_and_backend_names_are_torchs():
    for name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX"):
        ours, theirs = getattr(dist.ReduceOp, name), getattr(torch_dist.ReduceOp, name)
        assert int(ours) == int(theirs) and repr(ours) == repr(theirs)
    assert dist.Backend("MPI") == "mpi" == torch_dist.Backend("MPI") and repr(dist.Backend("NCCL")) == "'nccl'"
    assert issubclass(dist.DistBackendError, dist.DistError) and issubclass(dist.DistError, RuntimeError)
    assert dist.default_pg_timeout.total_seconds() == 1800 and dist.is_available()


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.distributed.get_rank(),
        lambda lib: lib.distributed.get_world_size(),
        lambda lib: lib.distributed.barrier(),
        lambda lib: lib.distributed.all_reduce(lib.ones(2)),
        lambda lib: lib.distributed.broadcast(lib.ones(2), src=0),
    ],
)
def test_collectives_before_init_raise_torchs_error(call):
    for lib in (torch, minitorch):
        with pytest.raises(
            ValueError,
            match="Default process group has not been initialized, please make sure to call init_process_group.",
        ):
            call(lib)
    assert not dist.is_initialized() and not torch_dist.is_initialized()


def test_destroy_without_a_group_and_unknown_backends():
    for lib in (torch, minitorch):
        with pytest.raises(AssertionError, match="Process group cannot be None"):
            lib.distributed.destroy_process_group()
    with pytest.raises(ValueError, match="Backend 'gloo' is not available in minitorch.distributed"):
        dist.init_process_group("gloo")
    with pytest.raises(ValueError, match="no key-value store"):
        dist.init_process_group("mpi", store=object())
    assert not dist.is_initialized()


@pytest.mark.skipif(minitorch.cuda.is_available(), reason="checks the message given when CuPy is missing")
def test_nccl_without_cupy_says_what_is_missing():
    with pytest.raises(RuntimeError, match="the 'nccl' backend needs CuPy built with NCCL"):
        dist.init_process_group("nccl")
    assert not dist.is_initialized() and not dist.is_nccl_available()


def test_importing_loads_neither_mpi_nor_cupy():
    code = "import sys, minitorch; print('mpi4py' in sys.modules, 'cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_work_times_out_with_a_clear_error_and_finishes_once():
    aborted, finished = [], []
    never = Work(
        "all_reduce",
        lambda: False,
        0.05,
        "minitorch.distributed (mpi, rank 0 of 2)",
        on_timeout=lambda: aborted.append(True),
    )
    with pytest.raises(DistBackendError, match=r"rank 0 of 2\): all_reduce did not complete within 0.05 s"):
        never.wait()
    assert aborted == [True] and not never.is_completed()
    polls = iter([False, False, True])
    soon = Work("broadcast", lambda: next(polls), 5.0, "here", finish=lambda: finished.append("avg"))
    soon.then(lambda: finished.append("copy back"))
    assert soon.wait() and soon.is_completed() and soon.wait()
    assert finished == ["avg", "copy back"]


@pytest.mark.parametrize(
    "name",
    [
        "init_process_group",
        "all_reduce",
        "broadcast",
        "all_gather",
        "reduce",
        "barrier",
        "destroy_process_group",
        "get_rank",
        "get_world_size",
        "is_initialized",
        "get_backend",
    ],
)
def test_signatures_are_torchs(name):
    import inspect

    theirs = [p for p in inspect.signature(getattr(torch_dist, name)).parameters if not p.startswith("_")]
    assert list(inspect.signature(getattr(dist, name)).parameters) == theirs
