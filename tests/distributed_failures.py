"""A DDP training loop in which rank 1 fails: ``mpiexec -n 2 python -m tests.distributed_failures MODE TIMEOUT_S``.

At step 2 rank 1 raises (``raise``), sleeps for ten minutes (``hang``), kills itself with SIGKILL
(``kill``) or calls ``sys.exit(3)`` (``exit``), while rank 0 goes on into backward, where DDP
waits for rank 1's gradients. tests/test_distributed.py checks that the whole job ends, non-zero,
quickly and with a message saying why; it must never hang.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import timedelta

import minitorch
import minitorch.distributed as dist
from minitorch.nn.parallel import DistributedDataParallel as DDP


def fail(mode: str) -> None:
    if mode == "raise":
        raise ValueError("deliberate failure on rank 1")
    if mode == "hang":
        time.sleep(600)
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "exit":
        sys.exit(3)


def main(mode: str, timeout_s: float) -> None:
    dist.init_process_group("mpi", timeout=timedelta(seconds=timeout_s))
    dist.barrier(timeout=timedelta(seconds=60))  # the short timeout only from here: imports may finish far apart
    rank = dist.get_rank()
    minitorch.manual_seed(0)
    model = DDP(minitorch.nn.Linear(4, 2))
    opt = minitorch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(5):
        if step == 2 and rank == 1:
            fail(mode)
        opt.zero_grad()
        model(minitorch.ones(3, 4)).sum().backward()
        opt.step()
        print(f"rank {rank} finished step {step}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
