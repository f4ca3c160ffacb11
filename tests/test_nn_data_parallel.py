"""nn.DataParallel against torch's on a machine without a GPU (the module runs as it is; state dicts carry the
``module.`` prefix), and its refusal of several GPUs in one process (minitorch's multi-GPU path is DDP)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import minitorch


def twins() -> tuple:
    minitorch.manual_seed(0)
    ours = minitorch.nn.Sequential(minitorch.nn.Linear(4, 3), minitorch.nn.ReLU(), minitorch.nn.Linear(3, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, theirs


X = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)


@pytest.mark.skipif(minitorch.cuda.is_available(), reason="the CPU-only behaviour")
def test_without_a_gpu_the_module_runs_as_it_is_like_torch() -> None:
    ours, theirs = twins()
    dp, tdp = minitorch.nn.DataParallel(ours), torch.nn.DataParallel(theirs)
    assert dp.module is ours and dp.device_ids == tdp.device_ids == []
    assert (
        list(dp.state_dict())
        == list(tdp.state_dict())
        == ["module.0.weight", "module.0.bias", "module.2.weight", "module.2.bias"]
    )
    assert repr(dp) == repr(tdp)
    out, tout = dp(minitorch.tensor(X)), tdp(torch.tensor(X))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-6)
    out.sum().backward()
    tout.sum().backward()
    for p, tp in zip(ours.parameters(), theirs.parameters()):  # the gradients reach the wrapped module
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-7)
    again = minitorch.nn.DataParallel(twins()[0])
    again.load_state_dict({k: minitorch.tensor(v.detach().numpy()) for k, v in tdp.state_dict().items()})
    np.testing.assert_array_equal(again.module[0].weight.detach().numpy(), theirs[0].weight.detach().numpy())
    fn = minitorch.nn.parallel.data_parallel(ours, minitorch.tensor(X))
    np.testing.assert_allclose(fn.detach().numpy(), out.detach().numpy())


def test_several_gpus_in_one_process_point_to_ddp(monkeypatch: Any) -> None:
    monkeypatch.setattr(minitorch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(minitorch.cuda, "device_count", lambda: 2)
    with pytest.raises(NotImplementedError, match="DistributedDataParallel"):
        minitorch.nn.DataParallel(minitorch.nn.Linear(2, 2))
    with pytest.raises(NotImplementedError, match="over 2 GPUs"):
        minitorch.nn.DataParallel(minitorch.nn.Linear(2, 2), device_ids=["cuda:0", 1])
