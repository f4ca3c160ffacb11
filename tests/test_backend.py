"""Device plumbing that needs no GPU: parsing, errors, and life without CuPy."""

import subprocess
import sys

import numpy as np
import pytest
import torch

import minitorch
from minitorch import backend


@pytest.mark.parametrize("spec", ["cpu", "cuda", "cuda:0", "cuda:3"])
def test_device_parsing_matches_torch(spec):
    ours, theirs = minitorch.device(spec), torch.device(spec)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)


def test_device_type_and_index_arguments():
    assert minitorch.device("cuda", 1) == minitorch.device("cuda:1")
    assert minitorch.device(minitorch.device("cpu")) == minitorch.device("cpu")
    assert hash(minitorch.device("cuda:1")) == hash(minitorch.device("cuda", 1))


@pytest.mark.parametrize("spec,match", [("gpu", "Expected one of cpu, cuda"), ("cuda:x", "Invalid device string")])
def test_bad_device_strings_raise_like_torch(spec, match):
    with pytest.raises(RuntimeError, match=match):
        torch.device(spec)
    with pytest.raises(RuntimeError, match=match):
        minitorch.device(spec)


def test_tensors_know_their_device():
    x = minitorch.zeros(2, 3)
    assert x.device == minitorch.device("cpu")
    assert x.device.type == "cpu" and not x.is_cuda
    assert x.to("cpu") is x and x.cpu() is x


def test_array_module_is_numpy_for_cpu_arrays():
    a = np.zeros(3)
    assert backend.array_module(a) is np
    assert backend.array_module(a, 1.0) is np
    assert backend.device_of(a) == backend.CPU


@pytest.mark.skipif(minitorch.cuda.is_available(), reason="checks the no-GPU error path")
def test_moving_to_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(RuntimeError, match="CUDA"):
        minitorch.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match="CUDA"):
        minitorch.ones(2, device="cuda")
    assert minitorch.cuda.device_count() == 0


def test_imports_and_works_without_cupy():
    code = (
        "import sys; sys.modules['cupy'] = None\n"
        "import minitorch as torch\n"
        "assert not torch.cuda.is_available()\n"
        "x = torch.ones(3, requires_grad=True); (x * 2).sum().backward()\n"
        "assert x.grad.tolist() == [2.0, 2.0, 2.0]\n"
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_cuda_device_tutorial_line_falls_back_to_cpu():
    device = minitorch.device("cuda:0" if minitorch.cuda.is_available() else "cpu")
    x = minitorch.ones(2, 2).to(device)
    assert x.device == device


def test_filled_like_caches_a_read_only_array_for_large_host_arrays() -> None:
    big, small = np.ones((80, 80), dtype=np.float32), np.ones(3, dtype=np.float32)
    first = backend.filled_like(big, 0)
    assert first.shape == big.shape and first.dtype == big.dtype and not first.any()
    assert not first.flags.writeable
    assert backend.filled_like(big, 0) is first  # cached
    assert backend.filled_like(big, np.asarray(np.float32(2.5))).tolist()[0][0] == 2.5  # a 0-d bound
    assert backend.filled_like(small, 0) == 0  # small arrays: the number itself
