"""Training on a device: modules, optimizers and state dicts against torch, a step that never waits for the
device, and graph capture with torch's spelling.

``device`` runs cpu, the host-backed test device ``fake`` (plumbing only) and, with a GPU, cuda; torch
always runs on the CPU. The capture tests need a GPU to replay; on the fake device they check the
plumbing: the captured block runs with every synchronisation forbidden, input checks are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from minitorch.cuda import graphs, streams

from .fake_device import FAKE, SYNCS, fake_device, forbid_sync
from .nn_models import lenet
from .test_cuda_kernels import VARIANTS

RNG = np.random.default_rng(0)
IMAGES = RNG.standard_normal((8, 1, 32, 32)).astype(np.float32)
LABELS = RNG.integers(0, 10, 8)


def twins(device: str) -> tuple:
    """A minitorch LeNet on ``device`` and a torch LeNet on the CPU with the same weights."""
    theirs = lenet(torch)
    ours = lenet(minitorch)
    ours.load_state_dict({k: minitorch.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours.to(device), theirs


def host(t: Any) -> np.ndarray:
    return t.detach().cpu().numpy()


OPTIMIZERS = {
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "Adam": dict(lr=1e-3),
    "AdamW": dict(lr=1e-3, amsgrad=True),
    "RMSprop": dict(lr=1e-3, momentum=0.5),
    "Adagrad": dict(lr=1e-2),
    "Adadelta": dict(),
    "NAdam": dict(lr=1e-3),
    "RAdam": dict(lr=1e-3),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_training_steps_on_the_device_match_torch(device: str, name: str) -> None:
    # float64: adaptive steps divide by running gradient norms, which magnify float32 rounding of tiny gradients
    ours, theirs = twins(device)
    ours, theirs = ours.double(), theirs.double()
    opt_m = getattr(minitorch.optim, name)(ours.parameters(), **OPTIMIZERS[name])
    opt_t = getattr(torch.optim, name)(theirs.parameters(), **OPTIMIZERS[name])
    x_m, y_m = minitorch.tensor(IMAGES.astype(np.float64), device=device), minitorch.tensor(LABELS, device=device)
    x_t, y_t = torch.tensor(IMAGES.astype(np.float64)), torch.tensor(LABELS)
    for _ in range(4):
        for opt, model, x, y, F in (
            (opt_m, ours, x_m, y_m, minitorch.nn.functional),
            (opt_t, theirs, x_t, y_t, torch.nn.functional),
        ):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
    for (k, p), q in zip(ours.named_parameters(), theirs.parameters()):
        assert p.device.type == device and p.grad.device == p.device
        np.testing.assert_allclose(host(p), q.detach().numpy(), rtol=1e-5, atol=1e-7, err_msg=k)
        for v in opt_m.state[p].values():
            if isinstance(v, minitorch.Tensor) and v.ndim:
                assert v.device == p.device, (k, v.device)


def test_module_output_and_gradients_on_the_device_match_torch(device: str) -> None:
    ours, theirs = twins(device)
    x = minitorch.tensor(IMAGES, device=device, requires_grad=True)
    out = minitorch.nn.functional.log_softmax(ours(x), dim=1).sum()
    out.backward()
    xt = torch.tensor(IMAGES, requires_grad=True)
    torch.nn.functional.log_softmax(theirs(xt), dim=1).sum().backward()
    np.testing.assert_allclose(out.item(), torch.nn.functional.log_softmax(theirs(xt), dim=1).sum().item(), rtol=1e-4)
    np.testing.assert_allclose(host(x.grad), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(host(p.grad), q.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_state_dicts_move_between_devices(device: str, tmp_path: Any) -> None:
    model, _ = twins(device)
    model.register_buffer("running", minitorch.ones(3))
    model.to(device)
    sd = model.state_dict()
    assert {t.device.type for t in sd.values()} == {device}
    opt = minitorch.optim.Adam(model.parameters())
    model(minitorch.tensor(IMAGES, device=device)).sum().backward()
    opt.step()
    path = str(tmp_path / "ckpt.pt")
    minitorch.save({"model": sd, "opt": opt.state_dict()}, path)
    on_cpu = minitorch.load(path, map_location="cpu")
    assert {t.device.type for t in on_cpu["model"].values()} == {"cpu"}
    back = minitorch.load(path)  # where they were saved
    assert {t.device.type for t in back["model"].values()} == {device}
    cpu_model, _ = twins("cpu")
    cpu_model.register_buffer("running", minitorch.zeros(3))
    cpu_model.load_state_dict(back["model"])  # device tensors into a CPU model
    assert {p.device.type for p in cpu_model.state_dict().values()} == {"cpu"}
    cpu_opt = minitorch.optim.Adam(cpu_model.parameters())
    cpu_opt.load_state_dict(back["opt"])  # moment buffers follow their parameters to the CPU
    for p, q in zip(cpu_model.parameters(), model.parameters()):
        assert cpu_opt.state[p]["exp_avg"].device.type == "cpu"
        np.testing.assert_array_equal(host(cpu_opt.state[p]["exp_avg"]), host(opt.state[q]["exp_avg"]))


def test_a_cuda_checkpoint_loads_on_a_cpu_only_machine_with_map_location(tmp_path: Any, monkeypatch: Any) -> None:
    if minitorch.cuda.is_available():
        pytest.skip("checks a machine without a GPU")
    with fake_device():
        monkeypatch.setattr(FAKE, "device_of", lambda a: minitorch.device("cuda", 0))  # tensors that say cuda:0
        path = str(tmp_path / "cuda.pt")
        minitorch.save({"w": minitorch.ones(2, device="fake")}, path)
    with pytest.raises(RuntimeError, match=r"Attempting to deserialize object on a CUDA device but .*map_location"):
        minitorch.load(path)
    assert minitorch.load(path, map_location="cpu")["w"].tolist() == [1.0, 1.0]
    assert minitorch.load(path, map_location={"cuda:0": "cpu"})["w"].device.type == "cpu"


def test_pin_memory_is_torch_s_without_a_gpu() -> None:
    if minitorch.cuda.is_available():
        pytest.skip("checks a machine without a GPU")
    x = minitorch.ones(3)
    assert not x.is_pinned()
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
        x.pin_memory()
    with pytest.warns(UserWarning, match="pin_memory"):
        batches = list(
            minitorch.utils.data.DataLoader(
                minitorch.utils.data.TensorDataset(minitorch.ones(4, 2)), batch_size=2, pin_memory=True
            )
        )
    assert len(batches) == 2


# ------------------------------------------------------------ no synchronisation in a step
@pytest.fixture
def fake_gpu() -> Iterator[Any]:
    """The fake device with the GPU's kernel variants (run as their emulations): the code path cuda runs."""
    with fake_device():
        undo = [FAKE.register_kernel(plain, fast) for plain, fast in VARIANTS.items()]
        try:
            yield FAKE
        finally:
            for u in undo:
                u()


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_a_training_step_never_waits_for_the_device(fake_gpu: Any, optimizer: str) -> None:
    model = lenet(minitorch).to("fake")
    opt = (
        minitorch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        if optimizer == "SGD"
        else minitorch.optim.Adam(model.parameters())
    )
    x, y = minitorch.tensor(IMAGES, device="fake"), minitorch.tensor(LABELS, device="fake")
    for _ in range(3):  # the first step creates the optimizer's state: it must not wait either
        with forbid_sync("inside a training step"):
            opt.zero_grad()
            loss = minitorch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
    before = SYNCS.count
    assert np.isfinite(loss.item()) and SYNCS.count == before + 1  # asking for a value is the one wait


def test_batches_move_to_the_device_without_waiting(fake_gpu: Any) -> None:
    loader = minitorch.utils.data.DataLoader(
        minitorch.utils.data.TensorDataset(minitorch.tensor(IMAGES), minitorch.tensor(LABELS)), batch_size=4
    )
    with forbid_sync("moving batches to the device"):
        for xb, yb in loader:
            xb, yb = xb.to("fake", non_blocking=True), yb.to("fake", non_blocking=True)
            assert xb.device.type == "fake"


# ------------------------------------------------------------ graph capture
@pytest.fixture
def fake_streams(fake_gpu: Any, monkeypatch: Any) -> Any:
    """minitorch.cuda's streams, events and graphs driven by the fake device."""
    monkeypatch.setattr(streams, "BACKEND", fake_gpu)
    monkeypatch.setattr(graphs.graph, "default_capture_stream", None)
    return fake_gpu


def capture_recipe(device: str) -> tuple:
    """torch's CUDA-graph recipe for a whole training step, written as for torch, run with minitorch."""
    torch_ = minitorch
    model = lenet(minitorch).to(device)
    opt = torch_.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    static_x, static_y = torch_.tensor(IMAGES, device=device), torch_.tensor(LABELS, device=device)

    def step() -> Any:
        opt.zero_grad(set_to_none=True)
        loss = torch_.nn.functional.cross_entropy(model(static_x), static_y)
        loss.backward()
        opt.step()
        return loss

    s = torch_.cuda.Stream()
    s.wait_stream(torch_.cuda.current_stream())
    with torch_.cuda.stream(s):
        for _ in range(3):
            step()
    torch_.cuda.current_stream().wait_stream(s)
    g = torch_.cuda.CUDAGraph()
    opt.zero_grad(set_to_none=True)
    with torch_.cuda.graph(g):
        static_loss = step()
    return g, static_x, static_y, static_loss, model


def test_capturing_a_step_runs_with_every_synchronisation_forbidden(fake_streams: Any) -> None:
    seen = []
    original = fake_streams.begin_capture

    def begin(stream: Any, pool: Any) -> Any:
        seen.append(stream)
        return original(stream, pool)

    fake_streams.begin_capture = begin
    try:
        g, static_x, _, static_loss, _ = capture_recipe("fake")
    finally:
        del fake_streams.begin_capture
    assert seen and seen[0].ptr != 0  # captured on a side stream, never the default one
    assert not minitorch.cuda.is_current_stream_capturing()
    assert np.isfinite(static_loss.item())
    with pytest.raises(NotImplementedError, match="cannot replay"):
        g.replay()


def test_a_synchronisation_inside_capture_fails(fake_streams: Any) -> None:
    x = minitorch.ones(3, device="fake")
    g = minitorch.cuda.CUDAGraph()
    with pytest.raises(AssertionError, match="during graph capture"):
        with minitorch.cuda.graph(g):
            x.sum().item()
    assert not minitorch.cuda.is_current_stream_capturing()
    with minitorch.cuda.graph(minitorch.cuda.CUDAGraph()):  # the state was restored: capture works again
        x * 2


def test_input_checks_are_skipped_while_capturing(fake_streams: Any) -> None:
    x, target = minitorch.ones(4, 3, device="fake"), minitorch.tensor([0, 7, 1, 2], device="fake")
    with minitorch.cuda.graph(minitorch.cuda.CUDAGraph()):  # (a copy from the host could not be captured)
        assert minitorch.cuda.is_current_stream_capturing()
        minitorch.nn.functional.cross_entropy(x, target)
    assert x.sum().item() == 12.0  # no deferred error: the capture did not record one


def test_capture_refuses_the_default_stream(fake_streams: Any) -> None:
    g = minitorch.cuda.CUDAGraph()
    with pytest.raises(RuntimeError, match="non-default stream"):
        g.capture_begin()
    with pytest.raises(RuntimeError, match="without a preceding successful capture"):
        g.replay()


def test_streams_and_events_have_torch_s_methods(fake_streams: Any) -> None:
    s = minitorch.cuda.Stream()
    assert s != minitorch.cuda.current_stream() and minitorch.cuda.current_stream() == minitorch.cuda.default_stream()
    with minitorch.cuda.stream(s):
        assert minitorch.cuda.current_stream() == s
    e = s.record_event()
    e.wait(minitorch.cuda.current_stream())
    start, end = minitorch.cuda.Event(enable_timing=True), minitorch.cuda.Event(enable_timing=True)
    start.record()
    end.record()
    assert e.query() and s.query() and start.elapsed_time(end) == 0.0


def test_without_a_gpu_the_cuda_api_says_so() -> None:
    if minitorch.cuda.is_available():
        pytest.skip("checks a machine without a GPU")
    for make in (
        minitorch.cuda.Stream,
        minitorch.cuda.Event,
        minitorch.cuda.current_stream,
        minitorch.cuda.graph_pool_handle,
    ):
        with pytest.raises(RuntimeError, match="CUDA"):
            make()
    assert minitorch.cuda.memory_allocated() == 0 and minitorch.cuda.max_memory_allocated() == 0
    minitorch.cuda.reset_peak_memory_stats()
    minitorch.cuda.empty_cache()
    assert not minitorch.backends.cuda.matmul.allow_tf32 and not minitorch.backends.cudnn.is_available()


@pytest.mark.skipif(not minitorch.cuda.is_available(), reason="replaying a graph needs a GPU")
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_a_captured_step_gives_the_eager_step_s_parameters(optimizer: str) -> None:  # pragma: no cover - GPU
    rng = np.random.default_rng(1)
    batches = [(rng.standard_normal((64, 1, 32, 32)).astype(np.float32), rng.integers(0, 10, 64)) for _ in range(5)]
    finals = []
    for captured in (False, True):
        model = lenet(minitorch).to("cuda")
        make = minitorch.optim.SGD if optimizer == "SGD" else minitorch.optim.Adam
        opt = make(model.parameters(), lr=0.01, **({"momentum": 0.9} if optimizer == "SGD" else {}))
        sx, sy = (
            minitorch.zeros(64, 1, 32, 32, device="cuda"),
            minitorch.zeros(64, dtype=minitorch.int64, device="cuda"),
        )

        def step() -> Any:
            opt.zero_grad(set_to_none=True)
            loss = minitorch.nn.functional.cross_entropy(model(sx), sy)
            loss.backward()
            opt.step()
            return loss

        sx.copy_(minitorch.tensor(batches[0][0], device="cuda"))
        sy.copy_(minitorch.tensor(batches[0][1], device="cuda"))
        step()  # one eager step in both runs: it creates the optimizer's state
        g = minitorch.cuda.CUDAGraph()
        if captured:
            s = minitorch.cuda.Stream()
            s.wait_stream(minitorch.cuda.current_stream())
            minitorch.cuda.current_stream().wait_stream(s)
            with minitorch.cuda.graph(g):
                step()
        for x, y in batches[1:]:
            sx.copy_(minitorch.tensor(x, device="cuda"))
            sy.copy_(minitorch.tensor(y, device="cuda"))
            g.replay() if captured else step()
        minitorch.cuda.synchronize()
        finals.append([host(p) for p in model.parameters()])
    for eager, replayed in zip(*finals):
        np.testing.assert_allclose(replayed, eager, rtol=1e-5, atol=1e-6)
