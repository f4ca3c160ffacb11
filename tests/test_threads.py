"""Thread counts with torch's conventions, and the worker pool that shares a batch over them."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

import pytest
import torch

import minitorch
from minitorch.backend import threads, workers


def _in_fresh_process(code: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    environment.update(env)
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_default_is_the_cores_this_process_may_use() -> None:
    assert _in_fresh_process("import minitorch; print(minitorch.get_num_threads())") == str(
        len(os.sched_getaffinity(0))
    )


def test_omp_num_threads_sets_the_default_as_in_torch() -> None:
    code = "import minitorch, torch; print(minitorch.get_num_threads(), torch.get_num_threads())"
    for value in ("1", "2", "64"):  # torch caps it at the machine's CPUs
        ours, theirs = _in_fresh_process(code, OMP_NUM_THREADS=value).split()
        assert ours == theirs == str(min(int(value), os.cpu_count() or 1))


def test_a_process_pinned_to_one_core_uses_one_thread() -> None:
    code = "import os, minitorch; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); print(minitorch.get_num_threads())"
    assert _in_fresh_process(code) == "1"


def test_set_num_threads_round_trips_and_limits_the_blas() -> None:
    from threadpoolctl import threadpool_info

    before = minitorch.get_num_threads()
    try:
        minitorch.set_num_threads(3)
        assert minitorch.get_num_threads() == 3
        blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(n == threads.blas_threads() for n in blas)
    finally:
        minitorch.set_num_threads(before)


@pytest.mark.parametrize("value", [0, -2, 1.5, True, "2"])
@pytest.mark.parametrize("name", ["set_num_threads", "set_num_interop_threads"])
def test_bad_thread_counts_raise_torch_s_error(name: str, value: Any) -> None:
    with pytest.raises(RuntimeError) as theirs:
        getattr(torch, name)(value)
    with pytest.raises(RuntimeError) as ours:
        getattr(minitorch, name)(value)
    assert str(ours.value) == str(theirs.value)


def test_interop_threads_default_to_the_usable_cores_and_are_set_once() -> None:
    code = (
        "import minitorch\n"
        "print(minitorch.get_num_interop_threads())\n"
        "minitorch.set_num_interop_threads(1)\n"
        "print(minitorch.get_num_interop_threads())\n"
        "try:\n"
        "    minitorch.set_num_interop_threads(2)\n"
        "except RuntimeError as e:\n"
        "    print('refused')\n"
    )
    cores = len(os.sched_getaffinity(0))
    assert _in_fresh_process(code).split() == [str(cores), "1", "refused"]


def test_slices_cover_the_range_in_order_without_overlap() -> None:
    for n in (1, 5, 7, 64):
        for parts in (1, 2, 3, 10):
            cuts = workers.slices(n, parts)
            assert len(cuts) == min(n, parts)
            assert cuts[0][0] == 0 and cuts[-1][1] == n
            assert all(a[1] == b[0] for a, b in zip(cuts, cuts[1:]))
            assert max(e - s for s, e in cuts) - min(e - s for s, e in cuts) <= 1


def test_run_calls_every_slice_once_on_several_threads_and_raises_a_slice_s_error() -> None:
    seen: list = []
    names: set = set()

    def work(start: int, stop: int, part: int) -> None:
        seen.append((start, stop, part))
        names.add(threading.current_thread().name)

    workers.run(work, 10, 3)
    assert sorted(seen) == [(0, 3, 0), (3, 6, 1), (6, 10, 2)]
    assert threading.current_thread().name in names and len(names) == 3

    def failing(start: int, stop: int, part: int) -> None:
        if part == 1:
            raise ValueError("slice 1 failed")

    with pytest.raises(ValueError, match="slice 1 failed"):
        workers.run(failing, 4, 2)


def test_one_thread_means_one_slice() -> None:
    before = minitorch.get_num_threads()
    try:
        minitorch.set_num_threads(1)
        assert workers.parts_for(1000, 1e12) == 1
        minitorch.set_num_threads(2)
        assert workers.parts_for(1000, 1e12) == 2
        assert workers.parts_for(1000, 10.0) == 1  # too little work to wake a worker
    finally:
        minitorch.set_num_threads(before)


def test_a_slice_that_splits_its_own_work_runs_it_inline_instead_of_waiting_on_itself() -> None:
    seen: list = []

    def inner(start: int, stop: int, part: int) -> None:
        seen.append((start, stop))

    def outer(start: int, stop: int, part: int) -> None:
        workers.run(inner, 4, 2)

    workers.run(outer, 2, 2)  # deadlocks if a worker queued the inner slices on itself
    assert sorted(seen) == [(0, 2), (0, 2), (2, 4), (2, 4)]
