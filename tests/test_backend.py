"""Device plumbing that needs no GPU: parsing, errors, and life without CuPy."""

import subprocess
import sys
import warnings

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
    first = backend.HOST.filled_like(big, 0)
    assert first.shape == big.shape and first.dtype == big.dtype and not first.any()
    assert not first.flags.writeable
    assert backend.HOST.filled_like(big, 0) is first  # cached
    assert backend.HOST.filled_like(big, np.asarray(np.float32(2.5))).tolist()[0][0] == 2.5  # a 0-d bound
    assert backend.HOST.filled_like(small, 0) == 0  # small arrays: the number itself


# ------------------------------------------------------------------ the backend objects
def test_arrays_and_tensors_name_their_backend() -> None:
    a = np.zeros(3)
    assert backend.backend_of(a) is backend.HOST and backend.backend_of(a, 2.0, None) is backend.HOST
    assert backend.backend_of(np.float32(1)) is backend.HOST  # numpy scalars live on the host
    assert minitorch.zeros(2).backend is backend.HOST
    assert backend.backend_for(minitorch.device("cpu")) is backend.HOST
    assert backend.HOST.xp is np and backend.HOST.type == "cpu"
    assert set(backend.all_backends()) >= {backend.HOST, backend.CUDA}


@pytest.mark.skipif(minitorch.cuda.is_available(), reason="checks the CUDA backend without a GPU")
def test_the_cuda_backend_is_inert_without_a_gpu() -> None:
    cuda = backend.CUDA
    assert not cuda.is_available() and cuda.device_count() == 0
    with pytest.raises(RuntimeError, match="CUDA"):
        backend.backend_for(minitorch.device("cuda:1"))
    with pytest.raises(RuntimeError, match="CUDA"):
        cuda.current_device()
    cuda.synchronize()  # no-ops without a GPU
    cuda.manual_seed(3)
    assert not isinstance(np.zeros(1), cuda.array_type)


def test_host_scatter_add_accumulates_repeated_indices() -> None:
    target = np.zeros(4)
    backend.HOST.scatter_add(target, np.array([0, 0, 3]), np.array([1.0, 2.0, 5.0]))
    assert target.tolist() == [3.0, 0.0, 0.0, 5.0]


def test_host_views_and_their_writeability() -> None:
    a = np.arange(12.0)
    win = backend.HOST.strided_view(a, (5, 3), (16, 8))  # overlapping windows of 3, two apart
    assert win[1].tolist() == [2.0, 3.0, 4.0] and not backend.HOST.is_writeable(win)
    assert backend.HOST.is_writeable(a)
    assert backend.HOST.reshape_view(a, (3, 4)).base is a
    with pytest.raises(ValueError):
        backend.HOST.reshape_view(a.reshape(3, 4).T, (12,))  # needs a copy


def test_host_partial_overlap_follows_torch() -> None:
    a = np.zeros((4, 4))
    host = backend.HOST
    assert host.partial_overlap(a, a[1:3]) and host.partial_overlap(a[0], a[0:2].reshape(-1)[2:6])
    assert not host.partial_overlap(a, a) and not host.partial_overlap(a, np.zeros(3))
    assert not host.partial_overlap(a[0], a[1])


def test_host_quiet_silences_numpy_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with backend.HOST.quiet():
            assert np.isinf(np.array([1.0]) / 0)[0]


def test_to_device_is_the_identity_on_the_host() -> None:
    a = np.ones(2)
    assert backend.to_device(a, backend.CPU) is a
    assert backend.device_of(a) == backend.CPU and backend.is_array(a) and not backend.is_array([1.0])
