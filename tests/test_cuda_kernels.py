"""The GPU's kernels against their plain twins, and every kernel compiled for Hopper without a GPU.

``on`` is where the kernel variants run: ``fake`` (always) registers them on the host-backed test
device, where each kernel runs as its numpy emulation after the launch checks the CUDA backend
makes, so the op code around the kernels is exercised here; ``compiled`` (with g++) does the same but
runs each kernel's own CUDA source compiled for the host (tests/host_kernels.py); ``cuda`` (with CuPy
and a GPU) runs the real kernels. Either way the results are compared with the plain twins on the host.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import minitorch
from minitorch.backend import CUDA
from minitorch.backend import cuda_kernels as ck
from minitorch.nn import functional as F
from minitorch.ops import (
    conv_cuda,
    cross_entropy_cuda,
    normalization_cuda,
    pool_cuda,
    recurrence_cuda,
    unary_cuda,
)
from minitorch.optim import fused_cuda

from . import host_kernels
from .fake_device import FAKE, FakeArray, fake_device, forbid_sync
from .nn_models import lenet

VARIANTS: dict = {}
for _module in (unary_cuda, pool_cuda, conv_cuda, cross_entropy_cuda, normalization_cuda, recurrence_cuda, fused_cuda):
    VARIANTS.update(_module.VARIANTS)
PLACES = ["fake", "compiled"] + (["cuda"] if minitorch.cuda.is_available() else [])
_HOST_KERNELS: list = []  # one HostKernels for the session: each dtype's library compiled once
TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}


@pytest.fixture(params=PLACES)
def on(request: pytest.FixtureRequest) -> Iterator[str]:
    """Where the kernels run: ``fake`` (their numpy emulations), ``compiled`` (their CUDA source compiled for the
    host by g++, tests/host_kernels.py; on the fake device too), ``cuda`` (a GPU)."""
    if request.param == "cuda":
        yield "cuda"
        return
    if request.param == "compiled":
        if host_kernels.COMPILER is None:
            pytest.skip("no g++ to compile the kernels for the host")
        if not _HOST_KERNELS:
            _HOST_KERNELS.append(host_kernels.HostKernels(ck.kernels_of(CUDA)))
    with fake_device():
        undo = [FAKE.register_kernel(plain, fast) for plain, fast in VARIANTS.items()]
        FAKE.launches.clear()
        FAKE.host_kernels = _HOST_KERNELS[0] if request.param == "compiled" else None
        try:
            yield "fake"
        finally:
            FAKE.host_kernels = None
            for u in undo:
                u()


def host(t: minitorch.Tensor | None) -> Any:
    return None if t is None else t.detach().cpu().numpy()


def twin(fn: Callable, arrays: list, on: str, dtype: Any, grad: bool = True, seed: int = 0) -> None:
    """``fn(*tensors)`` on ``on`` (the kernels) and on the host (the plain twins): outputs and gradients agree."""
    results = []
    for device in (on, "cpu"):
        ts = [
            minitorch.tensor(
                a.astype(dtype) if a.dtype.kind == "f" else a, device=device, requires_grad=grad and a.dtype.kind == "f"
            )
            for a in arrays
        ]
        out = fn(*ts)
        outs = out if isinstance(out, tuple) else (out,)
        if grad:
            rng = np.random.default_rng(seed)
            for o in outs:
                if o.requires_grad:
                    o.backward(
                        minitorch.tensor(rng.uniform(-1, 1, tuple(o.shape)).astype(dtype), device=device),
                        retain_graph=True,
                    )
        results.append(([host(o) for o in outs], [host(t.grad) for t in ts]))
    (got, got_g), (want, want_g) = results
    for g, w in zip(got + got_g, want + want_g):
        if w is None:
            assert g is None
        elif w.dtype.kind == "f":
            # float32 sums of hundreds of terms in another order: absolute error relative to the largest value
            finite = np.abs(w[np.isfinite(w)])
            scale = float(finite.max()) if finite.size else 1.0
            np.testing.assert_allclose(g, w, rtol=TOL[dtype]["rtol"], atol=TOL[dtype]["atol"] * max(1.0, scale))
        else:
            np.testing.assert_array_equal(g, w)


def ran(on: str, *names: str) -> None:
    """On the fake device, each named kernel was launched (the variant ran, not the plain twin)."""
    if on == "fake":
        assert set(names) <= set(FAKE.launches), f"launched {FAKE.launches}, expected {names}"


RNG = np.random.default_rng(0)
DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu(on: str, dtype: Any) -> None:
    x = RNG.standard_normal((4, 5, 6))
    x[0, 0, :3] = 0.0
    twin(lambda t: F.relu(t) * 2, [x], on, dtype)
    ran(on, "relu_backward")


POOLS = {
    "tiled_2x2": (lambda t: F.max_pool2d(t, 2), (3, 4, 28, 28)),
    "tiled_odd": (lambda t: F.max_pool2d(t, 2), (2, 3, 9, 7)),
    "overlap": (lambda t: F.max_pool2d(t, 3, 2, 1), (2, 3, 11, 10)),
    "indices": (lambda t: F.max_pool2d(t, (3, 2), (2, 1), (1, 0), return_indices=True), (2, 2, 9, 8)),
    "ceil_dilated": (lambda t: F.max_pool2d(t, 3, 2, 1, dilation=2, ceil_mode=True), (1, 3, 13, 12)),
    "unbatched": (lambda t: F.max_pool2d(t, 2), (3, 8, 8)),
}


@pytest.mark.parametrize("name", sorted(POOLS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool(on: str, name: str, dtype: Any) -> None:
    fn, shape = POOLS[name]
    x = RNG.standard_normal(shape)
    x.reshape(-1)[::7] = x.reshape(-1)[1]  # ties: the first maximum wins
    twin(fn, [x], on, dtype)
    ran(on, "max_pool_forward")


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool_nan_and_infinite_windows_follow_torch(on: str, dtype: Any) -> None:
    x = RNG.standard_normal((2, 2, 8, 8))
    x[0, 0, 1, 1] = x[0, 0, 0, 1] = np.nan  # the last NaN of a window is picked
    x[1, 1, :2, :2] = -np.inf  # a window with nothing above -inf points at its first tap
    twin(lambda t: F.max_pool2d(t, 2, return_indices=True), [x], on, dtype, grad=False)
    twin(lambda t: F.max_pool2d(t, 3, 2, 1, return_indices=True), [x], on, dtype, grad=False)


CONVS = {
    "lenet_conv1": ((8, 1, 32, 32), (6, 1, 5, 5), {}),
    "lenet_conv2": ((8, 6, 14, 14), (16, 6, 5, 5), {}),
    "padded": ((2, 3, 9, 8), (4, 3, 3, 3), dict(padding=1)),
    "strided": ((2, 3, 11, 10), (4, 3, 3, 2), dict(stride=(2, 3), padding=(1, 2))),
    "dilated_same": ((2, 2, 9, 9), (3, 2, 3, 3), dict(padding="same", dilation=2)),
    "groups": ((2, 4, 7, 7), (6, 2, 3, 3), dict(groups=2, stride=2)),
    "wide": ((2, 3, 8, 8), (20, 3, 3, 3), dict(padding=1)),  # more than conv_columns' 16 channels: cuBLAS
    "many_taps": ((2, 60, 6, 6), (8, 60, 3, 3), {}),  # o * k past conv_columns' shared weights: cuBLAS
}


@pytest.mark.parametrize("name", sorted(CONVS))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d(on: str, name: str, dtype: Any, bias: bool) -> None:
    xs, ws, kw = CONVS[name]
    arrays = [RNG.standard_normal(xs), RNG.standard_normal(ws) * 0.3] + ([RNG.standard_normal(ws[0])] if bias else [])
    twin(lambda x, w, *b: F.conv2d(x, w, b[0] if b else None, **kw), arrays, on, dtype)
    ran(on, "im2col", "col2im")
    if on == "fake":  # which product ran: the small-channel kernel, batched GEMMs, or the grouped path's layout passes
        groups = kw.get("groups", 1)
        few = ws[0] <= conv_cuda.SMALL_O and groups == 1 and ws[0] * np.prod(ws[1:]) <= conv_cuda.SMALL_W
        assert ("conv_columns" in FAKE.launches) == few
        assert FAKE.launches.count("swap_leading") == (0 if groups == 1 else 2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy(on: str, dtype: Any, reduction: str) -> None:
    x, target = RNG.standard_normal((64, 10)) * 3, RNG.integers(0, 10, 64)
    twin(lambda t, y: F.cross_entropy(t, y, reduction=reduction), [x, target], on, dtype)
    twin(lambda t, y: F.cross_entropy(t, y, ignore_index=3, reduction=reduction), [x, target], on, dtype)
    ran(on, "softmax_xent_forward", "softmax_xent_backward")


def _recurrent(kind: str, seed: int, **kw: Any) -> Callable:
    """An nn.LSTM or nn.GRU of seeded weights, as a function of the input and the initial state(s) (the weights
    are reset before each call, so that both devices run the same layer)."""
    minitorch.manual_seed(seed)
    hidden = kw.pop("hidden", 5)
    layer = getattr(minitorch.nn, kind)(3, hidden, **kw)
    weights = {k: v.detach().numpy().copy() for k, v in layer.state_dict().items()}

    def run(x: minitorch.Tensor, h0: minitorch.Tensor, *c0: minitorch.Tensor) -> tuple:
        with minitorch.no_grad():
            for k, v in layer.state_dict().items():
                v.copy_(minitorch.tensor(weights[k]))
        moved = layer.to(device=h0.device, dtype=h0.dtype)
        if kind == "GRU":
            return moved(x, h0)
        out, (h, c) = moved(x, (h0, c0[0]))
        return out, h, c

    return run


def _lstm(seed: int, **kw: Any) -> Callable:
    return _recurrent("LSTM", seed, **kw)


LSTMS = {
    "one_layer": (dict(), (7, 4, 3), 1),
    "two_layers_bidirectional": (dict(num_layers=2, bidirectional=True), (6, 3, 3), 4),
    "batch_first_wide": (dict(batch_first=True, hidden=40), (4, 9, 3), 1),
}


@pytest.mark.parametrize("name", sorted(LSTMS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_lstm(on: str, name: str, dtype: Any) -> None:
    kw, shape, states = LSTMS[name]
    kw = dict(kw)
    hidden = kw.get("hidden", 5)
    batch = shape[0] if kw.get("batch_first") else shape[1]
    run = _lstm(1, **kw)
    arrays = [
        RNG.standard_normal(shape),
        RNG.standard_normal((states, batch, hidden)),
        RNG.standard_normal((states, batch, hidden)),
    ]
    twin(run, arrays, on, dtype)
    ran(on, "lstm_cell_forward", "lstm_cell_backward")


def test_lstm_packed_and_projected_sequences(on: str) -> None:
    """A packed batch (fewer rows at later steps) runs the kernels; a projection (proj_size) takes the plain twin."""
    pack = minitorch.nn.utils.rnn.pack_padded_sequence

    def packed(x: minitorch.Tensor, h0: minitorch.Tensor, c0: minitorch.Tensor) -> tuple:
        seq = pack(x, [5, 3, 2], enforce_sorted=True)
        out, h, c = _lstm(2)(seq, h0, c0)
        return out.data, h, c

    arrays = [RNG.standard_normal((5, 3, 3)), RNG.standard_normal((1, 3, 5)), RNG.standard_normal((1, 3, 5))]
    twin(packed, arrays, on, np.float64)
    ran(on, "lstm_cell_forward", "lstm_cell_backward")
    arrays = [RNG.standard_normal((4, 2, 3)), RNG.standard_normal((1, 2, 2)), RNG.standard_normal((1, 2, 5))]
    FAKE.launches.clear()
    twin(_lstm(3, proj_size=2), arrays, on, np.float64)
    assert "lstm_cell_forward" not in FAKE.launches and "lstm_cell_backward" not in FAKE.launches


GRUS = {
    "one_layer": (dict(), (7, 4, 3), 1),
    "two_layers_bidirectional": (dict(num_layers=2, bidirectional=True), (6, 3, 3), 4),
    "no_bias_wide": (dict(bias=False, hidden=40), (5, 2, 3), 1),
}


@pytest.mark.parametrize("name", sorted(GRUS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_gru(on: str, name: str, dtype: Any) -> None:
    kw, shape, states = GRUS[name]
    kw = dict(kw)
    hidden = kw.get("hidden", 5)
    run = _recurrent("GRU", 4, **kw)
    twin(run, [RNG.standard_normal(shape), RNG.standard_normal((states, shape[1], hidden))], on, dtype)
    ran(on, "gru_cell_forward", "gru_cell_backward")


def test_gru_packed_sequence(on: str) -> None:
    pack = minitorch.nn.utils.rnn.pack_padded_sequence
    run = _recurrent("GRU", 5)

    def packed(x: minitorch.Tensor, h0: minitorch.Tensor) -> tuple:
        out, h = run(pack(x, [4, 4, 1], enforce_sorted=True), h0)
        return out.data, h

    twin(packed, [RNG.standard_normal((4, 3, 3)), RNG.standard_normal((1, 3, 5))], on, np.float64)
    ran(on, "gru_cell_forward", "gru_cell_backward")


BATCH_NORMS = {
    "2d_affine": ((6, 4, 5, 7), True),
    "2d_plain": ((3, 2, 4, 4), False),
    "1d_rows": ((9, 5), True),
    "1d_sequence": ((4, 3, 11), True),
    "offset": ((8, 3, 6, 6), True),  # a large common offset: the two-step mean keeps the variance exact
}


@pytest.mark.parametrize("name", sorted(BATCH_NORMS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_norm(on: str, name: str, dtype: Any) -> None:
    shape, affine = BATCH_NORMS[name]
    x = RNG.standard_normal(shape) * 2 + (1000.0 if name == "offset" else 0.5)
    params = [RNG.standard_normal(shape[1]) * 0.5 + 1, RNG.standard_normal(shape[1])] if affine else []
    rm, rv = RNG.standard_normal(shape[1]), RNG.uniform(0.5, 2, shape[1])

    def bn(t: minitorch.Tensor, *wb: minitorch.Tensor) -> tuple:
        running = [minitorch.tensor(a.astype(dtype), device=t.device) for a in (rm, rv)]
        out = F.batch_norm(t, *running, *(wb or (None, None)), training=True, momentum=0.3)
        return out, *running

    twin(bn, [x, *params], on, dtype)
    ran(on, "batch_norm_forward", "batch_norm_backward")


def test_batch_norm_other_cases_take_the_plain_op(on: str) -> None:
    x = RNG.standard_normal((4, 3, 5))
    FAKE.launches.clear()
    rm, rv = RNG.standard_normal(3), RNG.uniform(0.5, 2, 3)

    def evaluation(t: minitorch.Tensor) -> minitorch.Tensor:
        return F.batch_norm(t, minitorch.tensor(rm, device=t.device), minitorch.tensor(rv, device=t.device))

    twin(evaluation, [x], on, np.float64)
    assert "batch_norm_forward" not in FAKE.launches


def test_cross_entropy_other_cases_take_the_plain_op(on: str) -> None:
    x, target = RNG.standard_normal((6, 4)), RNG.integers(0, 4, 6)
    twin(lambda t, y: F.cross_entropy(t, y, label_smoothing=0.2), [x, target], on, np.float32)
    twin(lambda t, y: F.cross_entropy(t, y, reduction="none"), [x, target], on, np.float32)


def test_a_bad_target_is_reported_at_the_next_synchronisation(on: str) -> None:
    x = minitorch.tensor(RNG.standard_normal((4, 3)).astype(np.float32), device=on, requires_grad=True)
    loss = F.cross_entropy(x, minitorch.tensor([0, 5, 1, 2], device=on))  # no error yet: nothing was read back
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        loss.item()


# Under create_graph a kernel's backward hands its tensors to the plain twin's differentiable one: the
# gradients and the second derivatives on the device are the host's.
SECOND_ORDER = {
    "relu": (lambda t: F.relu(t) ** 2, [(3, 4, 5)], "relu_backward"),
    "max_pool_tiled": (lambda t: F.max_pool2d(t * t, 2) ** 2, [(2, 3, 8, 8)], "max_pool_forward"),
    "max_pool_indices": (lambda t: F.max_pool2d(t * t, 3, 2, 1) ** 2, [(2, 2, 9, 8)], "max_pool_forward"),
    "conv_flat": (lambda x, w, b: F.conv2d(x, w, b) ** 2, [(2, 3, 7, 6), (4, 3, 3, 3), (4,)], "im2col"),
    "conv_strided": (lambda x, w: F.conv2d(x, w, stride=2, padding=1) ** 2, [(2, 3, 9, 8), (4, 3, 3, 2)], "im2col"),
    "cross_entropy": (lambda t, y: F.cross_entropy(t * t, y), [(16, 10), "target"], "softmax_xent_forward"),
    "lstm": (lambda x, h, c: _lstm(1)(x, h, c)[0] ** 2, [(4, 2, 3), (1, 2, 5), (1, 2, 5)], "lstm_cell_forward"),
    "gru": (lambda x, h: _recurrent("GRU", 4)(x, h)[0] ** 2, [(4, 2, 3), (1, 2, 5)], "gru_cell_forward"),
    "batch_norm": (
        lambda x, w, b: F.batch_norm(x * x, None, None, w, b, training=True) ** 2,
        [(4, 3, 5, 5), (3,), (3,)],
        "batch_norm_forward",
    ),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_kernels_are_twice_differentiable_like_their_twins(on: str, name: str) -> None:
    fn, shapes, kernel = SECOND_ORDER[name]
    rng = np.random.default_rng(3)
    arrays = [rng.integers(0, 10, 16) if s == "target" else rng.standard_normal(s) for s in shapes]
    results = []
    for device in (on, "cpu"):
        ts = [minitorch.tensor(a, device=device, requires_grad=a.dtype.kind == "f") for a in arrays]
        xs = [t for t in ts if t.requires_grad]
        out = fn(*ts)
        seed = minitorch.tensor(np.random.default_rng(4).uniform(-1, 1, tuple(out.shape)), device=device)
        grads = minitorch.autograd.grad(out, xs, seed, create_graph=True)
        assert all(g.grad_fn is not None for g in grads)
        total = sum((g * g).sum() for g in grads)
        results.append([host(g) for g in grads] + [host(h) for h in minitorch.autograd.grad(total, xs)])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * max(1.0, float(np.abs(want).max())))
    ran(on, kernel)


OPTIMIZERS = {
    "sgd": lambda ps: minitorch.optim.SGD(ps, lr=0.1),
    "sgd_momentum": lambda ps: minitorch.optim.SGD(ps, lr=0.05, momentum=0.9),
    "sgd_nesterov_wd": lambda ps: minitorch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2),
    "sgd_dampening_max": lambda ps: minitorch.optim.SGD(ps, lr=0.05, momentum=0.5, dampening=0.2, maximize=True),
    "adam": lambda ps: minitorch.optim.Adam(ps, lr=0.01),
    "adam_amsgrad_wd": lambda ps: minitorch.optim.Adam(ps, lr=0.01, amsgrad=True, weight_decay=1e-2, betas=(0.3, 0.8)),
    "adamw_max": lambda ps: minitorch.optim.AdamW(ps, lr=0.01, maximize=True),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_fused_optimizer_steps(on: str, name: str, dtype: Any) -> None:
    shapes = [(5, 3), (4,), (2, 2, 3), (7,)]
    rng = np.random.default_rng(2)
    start = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(6)]
    finals = []
    for device in (on, "cpu"):
        params = [minitorch.tensor(a, device=device, requires_grad=True) for a in start]
        opt = OPTIMIZERS[name](params)
        for i, step in enumerate(grads):
            for k, (p, g) in enumerate(zip(params, step)):
                p.grad = None if (k == 3 and i % 2) else minitorch.tensor(g, device=device)  # one skips steps
            opt.step()
        for p in params:
            for v in opt.state[p].values():
                assert v.device == p.device
        finals.append([host(p) for p in params])
    # Adam off the host computes its bias corrections from a float32 counter on the device, as torch's
    # capturable=True does, where the host's come from a Python float: float64 runs agree to ~1e-7 there.
    rtol = 1e-5 if dtype == np.float32 or "adam" in name else 1e-10
    for g, w in zip(*finals):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol / 10)
    # float64 parameters with torch's float32 counters take Adam's plain device path (one dtype per kernel)
    if dtype == np.float32 or "adam" not in name:
        ran(on, "adam_step" if "adam" in name else "sgd_step")


def test_a_fused_step_reads_nothing_back(on: str) -> None:
    if on != "fake":
        pytest.skip("synchronisations are counted on the fake device")
    params = [minitorch.randn(3, 4, device=on, requires_grad=True) for _ in range(3)]
    for opt in (minitorch.optim.SGD(params, lr=0.1, momentum=0.9), minitorch.optim.Adam(params)):
        for _ in range(2):
            for p in params:
                p.grad = minitorch.ones_like(p)
            with forbid_sync("in an optimizer step"):
                opt.step()


# -------------------------------------------------------------- launch checks
def test_a_launch_checks_its_arguments_as_the_gpu_needs_them() -> None:
    with fake_device():
        y = FakeArray(np.ones(8, dtype=np.float32))
        gx = FakeArray(np.empty(8, dtype=np.float32))
        k = unary_cuda.RELU_BACKWARD
        FAKE.launch(k, (1,), (256,), (gx, y, y, 8))
        with pytest.raises(TypeError, match="needs dtype float32, got float64"):
            FAKE.launch(k, (1,), (256,), (gx, y, FakeArray(np.ones(8)), 8))
        with pytest.raises(TypeError, match="needs an array on the device"):
            FAKE.launch(k, (1,), (256,), (gx, np.ones(8, dtype=np.float32), y, 8))
        with pytest.raises(TypeError, match="passed by value"):
            FAKE.launch(k, (1,), (256,), (gx, y, y, y))
        with pytest.raises(ValueError, match="C-contiguous"):
            FAKE.launch(k, (1,), (256,), (gx, FakeArray(np.ones(16, dtype=np.float32)[::2]), y, 8))
        with pytest.raises(ValueError, match="beyond the hardware"):
            FAKE.launch(k, (1,), (2048,), (gx, y, y, 8))
        with pytest.raises(TypeError, match="4 arguments declared, 3 given"):
            FAKE.launch(k, (1,), (256,), (gx, y, y))


def test_scalars_are_converted_to_the_declared_c_type() -> None:
    _, args = ck.prepare_launch(
        unary_cuda.RELU_BACKWARD, (1,), (32,), (*[np.ones(2, np.float32)] * 3, 2), 0, np.ndarray
    )
    assert type(args[3]) is np.int64
    _, args = ck.prepare_launch(
        fused_cuda.SGD_STEP, (1, 1), (32,), (_table(), 0.1, 0.9, 0, 0, 0, 0, 1, 1), 0, np.ndarray
    )
    assert [type(a) for a in args[1:5]] == [np.float32] * 4 and type(args[5]) is np.int32


def test_the_fast_launch_path_converts_as_the_checked_one(on: str) -> None:
    """Every launch of a LeNet training step: the common-case path (what eager steps take) accepts each
    kernel without a TensorTable and gives the full checks' dtype and converted arguments, types included."""
    if on != "fake":
        pytest.skip("the launches are recorded on the fake device")
    seen: list = []
    original = FAKE.launch

    def record(kernel: Any, grid: tuple, block: tuple, args: tuple, shared_mem: int = 0) -> None:
        seen.append((kernel, grid, block, args, shared_mem))
        original(kernel, grid, block, args, shared_mem)

    FAKE.launch = record  # type: ignore[method-assign]
    try:
        model = lenet(minitorch).to("fake")
        opt = minitorch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x = minitorch.tensor(RNG.standard_normal((4, 1, 32, 32)).astype(np.float32), device="fake")
        F.cross_entropy(model(x), minitorch.tensor([1, 2, 3, 4], device="fake")).backward()
        opt.step()
    finally:
        del FAKE.launch
    assert len({k.name for k, *_ in seen}) >= 8
    for kernel, grid, block, args, shared in seen:
        want = ck._checked_prepare(kernel, grid, block, args, shared, FakeArray)
        got = ck._fast_prepare(kernel, grid, block, args, shared, FakeArray)
        if kernel.table_rows() is not None:
            assert got is None  # the fused optimizer steps take the full checks
            continue
        assert got is not None, kernel.name
        assert got[0] == want[0]
        for g, w in zip(got[1], want[1]):
            assert type(g) is type(w) and (g is w if isinstance(w, FakeArray) else g == w), kernel.name


def _table() -> ck.TensorTable:
    a = np.ones(3, np.float32)
    return ck.TensorTable({"param": [a], "grad": [a.copy()], "buf": [None]})


def test_a_tensor_table_packs_pointers_sizes_and_count() -> None:
    t = _table()
    packed = t.struct(lambda a: 1000)
    assert packed.dtype.itemsize == 3 * ck.MAX_TABLE * 8 + ck.MAX_TABLE * 8 + 8
    assert packed["ptr"][0, 0, 0] == 1000 and packed["ptr"][0, 2, 0] == 0 and packed["count"][0] == 1
    assert packed["size"][0, 0] == 3
    with pytest.raises(ValueError, match="at most 32"):
        ck.TensorTable({"p": [np.ones(1)] * 33})


def test_every_kernel_registers_a_variant_on_the_cuda_backend() -> None:
    assert {k.name for k in ck.kernels_of(CUDA)} >= {"relu_backward", "im2col", "max_pool_forward", "adam_step"}
    for plain, fast in VARIANTS.items():
        assert CUDA.kernel(plain) is fast


# ---------------------------------------------------------- compiling without a GPU
COMPILER = "nvrtc" if ck.nvrtc_available() else ("nvcc" if ck.nvcc_path() else None)


@pytest.mark.skipif(COMPILER is None, reason="neither CuPy's NVRTC nor nvcc is installed")
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_kernel_compiles_for_hopper(dtype: Any) -> None:
    """Each kernel's source, as CuPy will compile it on the GPU, compiles for sm_90 (the H200)."""
    if COMPILER == "nvrtc":
        for k in ck.kernels_of(CUDA):
            ck.compile_source(k.source(dtype), f"{k.name}.cu", arch="90")
    else:  # one nvcc run for all of them: each is seconds
        ck.compile_source(
            ck.combined_source([k.source(dtype) for k in ck.kernels_of(CUDA)]), "kernels.cu", arch="90", compiler="nvcc"
        )
