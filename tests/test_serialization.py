"""minitorch.save / minitorch.load: round trips, integrity checks, atomic writes, torch files, and no pickle."""

from __future__ import annotations

import io
import math
import os
import pathlib
import pickle
import sys
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from minitorch import serialization
from minitorch.serialization import CheckpointError

DTYPES = [
    minitorch.bool,
    minitorch.uint8,
    minitorch.int8,
    minitorch.int16,
    minitorch.int32,
    minitorch.int64,
    minitorch.float16,
    minitorch.float32,
    minitorch.float64,
]


def round_trip(obj: Any, path: pathlib.Path, **load_kw: Any) -> Any:
    minitorch.save(obj, path)
    return minitorch.load(path, **load_kw)


def sample(dtype: Any, shape: tuple, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 100).astype(dtype.np_dtype)


@pytest.mark.parametrize("shape", [(), (0, 3), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_tensor_round_trip_keeps_dtype_shape_values(dtype: Any, shape: tuple, tmp_path: pathlib.Path) -> None:
    t = minitorch.tensor(sample(dtype, shape), requires_grad=dtype.is_floating_point)
    out = round_trip(t, tmp_path / "t.mt")
    assert out.dtype == dtype and tuple(out.shape) == shape and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), t.detach().numpy())
    if out.numel():
        out.add_(out[(0,) * len(shape)].clone())  # loaded tensors are ordinary writable tensors
    assert out._data.flags.aligned


def test_non_contiguous_and_shared_tensors(tmp_path: pathlib.Path) -> None:
    base = minitorch.tensor(sample(minitorch.float64, (3, 4)))
    small = minitorch.tensor(np.arange(3, dtype=np.int8))
    out = round_trip({"t": base.T, "small": small, "after_small": base, "again": base}, tmp_path / "x.mt")
    np.testing.assert_array_equal(out["t"].numpy(), base.numpy().T)
    assert out["again"] is out["after_small"]  # a tensor stored twice comes back as one object
    assert out["after_small"]._data.flags.aligned and out["after_small"]._data.ctypes.data % 8 == 0


def test_nested_containers_round_trip(tmp_path: pathlib.Path) -> None:
    sd: OrderedDict = OrderedDict(
        [
            ("fc.weight", minitorch.ones(2, 3)),
            ("fc.bias", minitorch.zeros(2)),
            ("bn.num_batches_tracked", minitorch.tensor(7)),
        ]
    )
    sd._metadata = OrderedDict([("", {"version": 1}), ("bn", {"version": 2})])  # type: ignore[attr-defined]
    obj = {
        "model": sd,
        3: [1, 2.5, (None, True, "ünï"), []],
        "floats": [math.inf, -math.inf, 1e-310, 0.1],
        "big": 2**70,
        "np": np.float32(0.5),
        "dtype": minitorch.float16,
        "device": minitorch.device("cpu"),
        (1, "k"): {},
    }
    out = round_trip(obj, tmp_path / "nested.mt")
    assert type(out["model"]) is OrderedDict and list(out["model"]) == list(sd)
    assert out["model"]._metadata == sd._metadata  # type: ignore[attr-defined]
    assert out["model"]["bn.num_batches_tracked"].dtype == minitorch.int64
    assert out[3] == [1, 2.5, (None, True, "ünï"), []] and isinstance(out[3][2], tuple)
    assert out["floats"] == obj["floats"] and out["big"] == 2**70 and out["np"] == 0.5
    assert out["dtype"] is minitorch.float16 and out["device"] == minitorch.device("cpu") and out[(1, "k")] == {}
    nan = round_trip([math.nan], tmp_path / "nan.mt")[0]
    assert math.isnan(nan)


def test_unsupported_object_names_its_place_and_writes_nothing(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "never.mt"
    with pytest.raises(TypeError, match=r"obj\['layers'\]\[1\]"):
        minitorch.save({"layers": [1, object()]}, path)
    assert not path.exists() and os.listdir(tmp_path) == []


def test_optimizer_state_dict_round_trip_resumes_training(tmp_path: pathlib.Path) -> None:
    rng = np.random.default_rng(0)
    init = [rng.standard_normal((4, 3)), rng.standard_normal(3)]
    grads = [[rng.standard_normal(a.shape) for a in init] for _ in range(20)]

    def steps(params: list, opt: Any, gs: list) -> None:
        for g in gs:
            for p, gi in zip(params, g):
                p.grad = minitorch.tensor(gi)
            opt.step()

    def make(arrays: list) -> tuple:
        params = [minitorch.tensor(a.copy(), requires_grad=True) for a in arrays]
        return params, minitorch.optim.Adam(
            [{"params": params[:1]}, {"params": params[1:], "lr": 0.1}], lr=0.01, amsgrad=True
        )

    straight, opt = make(init)
    steps(straight, opt, grads)
    first, opt = make(init)
    steps(first, opt, grads[:10])
    minitorch.save({"params": [p.detach() for p in first], "optim": opt.state_dict()}, tmp_path / "ckpt.mt")
    ckpt = minitorch.load(tmp_path / "ckpt.mt")
    resumed, fresh = make([t.numpy() for t in ckpt["params"]])
    fresh.load_state_dict(ckpt["optim"])
    assert fresh.param_groups[1]["betas"] == (0.9, 0.999) and fresh.param_groups[1]["lr"] == 0.1
    steps(resumed, fresh, grads[10:])
    for r, s in zip(resumed, straight):
        np.testing.assert_array_equal(r.detach().numpy(), s.detach().numpy())


@pytest.mark.parametrize("kind", ["str", "pathlike", "bytesio"])
def test_paths_and_file_objects(kind: str, tmp_path: pathlib.Path) -> None:
    obj = {"w": minitorch.arange(6).reshape(2, 3)}
    target: Any = {"str": str(tmp_path / "a.mt"), "pathlike": tmp_path / "a.mt", "bytesio": io.BytesIO()}[kind]
    minitorch.save(obj, target)
    if kind == "bytesio":
        target.seek(0)
    out = minitorch.load(target)
    np.testing.assert_array_equal(out["w"].numpy(), obj["w"].numpy())


@pytest.mark.parametrize("map_location", [None, "cpu", minitorch.device("cpu"), {"cpu": "cpu"}], ids=str)
def test_map_location(map_location: Any, tmp_path: pathlib.Path) -> None:
    out = round_trip(minitorch.ones(2), tmp_path / "m.mt", map_location=map_location)
    assert out.device == minitorch.device("cpu")


def test_map_location_function_is_refused(tmp_path: pathlib.Path) -> None:
    minitorch.save(minitorch.ones(2), tmp_path / "m.mt")
    with pytest.raises(TypeError, match="map_location"):
        minitorch.load(tmp_path / "m.mt", map_location=lambda storage, loc: storage)


def test_save_replaces_the_file_and_keeps_its_mode(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "ckpt.mt"
    minitorch.save({"step": 1}, path)
    os.chmod(path, 0o600)
    minitorch.save({"step": 2}, path)
    assert minitorch.load(path) == {"step": 2}
    assert os.listdir(tmp_path) == ["ckpt.mt"]
    assert os.stat(path).st_mode & 0o777 == 0o600


def _flip(i: int) -> Callable[[bytes], bytes]:
    return lambda b: b[: i % len(b)] + bytes([b[i % len(b)] ^ 0x01]) + b[i % len(b) + 1 :]


CORRUPTIONS = {
    "empty": (lambda b: b"", "truncated.*found 0 bytes"),
    "inside-magic": (lambda b: b[:5], "truncated.*found 5 bytes"),
    "inside-prefix": (lambda b: b[:40], "truncated.*found 40 bytes"),
    "half": (lambda b: b[: len(b) // 2], "truncated: expected \\d+ bytes, found \\d+"),
    "last-byte": (lambda b: b[:-1], "truncated: expected \\d+ bytes, found \\d+"),
    "trailing-byte": (lambda b: b + b"\0", "trailing bytes: expected \\d+ bytes, found \\d+"),
    "flip-data": (_flip(-3), "corrupted: SHA-256 .* is [0-9a-f]{64}, expected [0-9a-f]{64}"),
    "flip-header": (_flip(70), "corrupted: SHA-256"),
    "flip-checksum": (_flip(40), "corrupted: SHA-256"),
    "flip-length": (_flip(20), "expected \\d+ bytes, found \\d+"),
    "flip-version": (_flip(8), "format version 0 is not supported"),
}


@pytest.mark.parametrize("corrupt,pattern", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_damaged_file_is_detected_and_named(corrupt: Callable, pattern: str, tmp_path: pathlib.Path) -> None:
    good = tmp_path / "good.mt"
    minitorch.save({"w": minitorch.tensor(sample(minitorch.float32, (16, 16))), "lr": 0.1}, good)
    before = good.read_bytes()
    bad = tmp_path / "damaged.mt"
    bad.write_bytes(corrupt(before))
    with pytest.raises(CheckpointError, match=pattern) as err:
        minitorch.load(bad)
    assert "damaged.mt" in str(err.value)
    assert isinstance(err.value, RuntimeError)
    assert good.read_bytes() == before
    minitorch.load(good)


def _fail_midway(exc: BaseException) -> Callable:
    def write(fh: Any, chunks: list) -> None:
        fh.write(chunks[0])
        fh.write(bytes(chunks[1])[:10])
        raise exc

    return write


def _raise(exc: BaseException) -> Callable:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise exc

    return fail


CRASHES = {
    "disk-full-mid-write": (serialization, "_write_chunks", _fail_midway(OSError(28, "No space left on device"))),
    "interrupt-mid-write": (serialization, "_write_chunks", _fail_midway(KeyboardInterrupt())),
    "fsync-fails": (os, "fsync", _raise(OSError(5, "Input/output error"))),
    "rename-fails": (os, "replace", _raise(PermissionError(13, "Permission denied"))),
}


@pytest.mark.parametrize("module,name,fake", CRASHES.values(), ids=CRASHES.keys())
def test_crash_mid_save_leaves_previous_checkpoint(
    module: Any, name: str, fake: Callable, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ckpt.mt"
    minitorch.save({"epoch": 1, "w": minitorch.ones(64)}, path)
    before = path.read_bytes()
    monkeypatch.setattr(module, name, fake)
    with pytest.raises((OSError, KeyboardInterrupt)):
        minitorch.save({"epoch": 2, "w": minitorch.zeros(64)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.mt"]  # the temporary file was removed
    assert minitorch.load(path)["epoch"] == 1


def test_own_files_load_without_pickle(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    minitorch.save({"w": minitorch.ones(3), "opt": {"state": {}, "param_groups": []}}, tmp_path / "a.mt")
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, _raise(AssertionError(f"pickle.{name} was used")))
    assert minitorch.load(tmp_path / "a.mt")["w"].tolist() == [1.0, 1.0, 1.0]


# ------------------------------------------------------------------ torch files
def test_loads_torch_save_state_dicts_and_resumes_torch_training(tmp_path: pathlib.Path) -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)).double()
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=0.01, amsgrad=True)
    rng = np.random.default_rng(1)
    grads = [[rng.standard_normal(tuple(p.shape)) for p in params] for _ in range(10)]
    for g in grads[:5]:
        for p, gi in zip(params, g):
            p.grad = torch.tensor(gi)
        opt.step()
    shared = torch.arange(4)
    torch.save(
        {
            "model": model.state_dict(),
            "optim": opt.state_dict(),
            "a": shared,
            "b": shared,
            "half": torch.ones(2, dtype=torch.float16),
        },
        tmp_path / "torch.pt",
    )
    ckpt = minitorch.load(tmp_path / "torch.pt")

    sd, want = ckpt["model"], model.state_dict()
    assert type(sd) is OrderedDict and list(sd) == list(want) and sd._metadata == want._metadata
    for k in want:
        assert str(sd[k].dtype) == str(want[k].dtype) and isinstance(sd[k], minitorch.Tensor)
        np.testing.assert_array_equal(sd[k].numpy(), want[k].numpy())
    assert ckpt["a"] is ckpt["b"] and ckpt["half"].dtype == minitorch.float16

    mine = [minitorch.tensor(sd[k].numpy().copy(), requires_grad=True) for k, _ in model.named_parameters()]
    m_opt = minitorch.optim.Adam(mine)
    m_opt.load_state_dict(ckpt["optim"])
    for g in grads[5:]:
        for p, gi in zip(params, g):
            p.grad = torch.tensor(gi)
        opt.step()
        for p, gi in zip(mine, g):
            p.grad = minitorch.tensor(gi)
        m_opt.step()
    for m, t in zip(mine, params):
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_torch_dtype_without_equivalent_is_named(tmp_path: pathlib.Path) -> None:
    torch.save({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf16.pt")
    with pytest.raises(CheckpointError, match=r"bf16.pt\['w'\].*bfloat16"):
        minitorch.load(tmp_path / "bf16.pt")


def test_torch_file_without_torch_says_so(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch.save({"w": torch.ones(2)}, tmp_path / "w.pt")
    monkeypatch.setitem(sys.modules, "torch", None)  # ``import torch`` now raises ImportError
    with pytest.raises(CheckpointError, match="w.pt is not a minitorch checkpoint.*needs PyTorch installed"):
        minitorch.load(tmp_path / "w.pt")


class _Evil:
    """Unpickling this runs code: it writes a marker file."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> Any:
        return (exec, (f"open({self.marker!r}, 'w').write('pwned')",))


@pytest.mark.parametrize("container", ["pickle", "torch.save"])
@pytest.mark.parametrize("setting", ["default", "weights_only=False", "torch-absent"])
def test_malicious_pickle_is_refused(
    container: str, setting: str, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    control = tmp_path / "control-marker"
    pickle.loads(pickle.dumps(_Evil(control)))
    assert control.exists()  # the payload does run when unpickled

    marker, path = tmp_path / "marker", tmp_path / "evil.pt"
    if container == "pickle":
        path.write_bytes(pickle.dumps({"w": _Evil(marker)}, protocol=2))
    else:
        torch.save({"w": _Evil(marker)}, path)
    kw = {"weights_only": False} if setting == "weights_only=False" else {}
    if setting == "torch-absent":
        monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(CheckpointError, match="evil.pt"):
        minitorch.load(path, **kw)
    assert not marker.exists()


@pytest.mark.parametrize(
    "whole",
    [
        lambda: minitorch.nn.Linear(2, 3),
        lambda: {"epoch": 3, "model": minitorch.nn.Sequential(minitorch.nn.ReLU())},
        lambda: minitorch.optim.SGD([minitorch.zeros(2, requires_grad=True)], lr=0.1),
    ],
    ids=["module", "module-in-a-dict", "optimizer"],
)
def test_saving_a_whole_object_says_in_one_line_to_save_its_state_dict(whole: Callable, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "whole.pt"
    with pytest.raises(TypeError) as err:
        minitorch.save(whole(), path)
    message = str(err.value)
    assert "\n" not in message and "no pickle" in message
    assert "save its state_dict() instead, minitorch.save(obj.state_dict(), f)" in message
    assert "load_state_dict(minitorch.load(f))" in message
    assert not path.exists() and list(tmp_path.iterdir()) == []  # nothing half-written


# ---------------------------------------------------------------- issue 13: every byte, bounded work, clear errors
def _handmade(
    path: pathlib.Path,
    header: bytes,
    data: bytes = b"",
    header_len: Any = None,
    data_len: Any = None,
    reserved: bytes = bytes(4),
) -> pathlib.Path:
    """A file in minitorch's format whose checksum is valid whatever its header says."""
    import hashlib

    body_header = header + b" " * (-len(header) % 64)
    h = len(body_header) if header_len is None else header_len
    d = len(data) if data_len is None else data_len
    digest = hashlib.sha256(body_header + data).digest()
    path.write_bytes(serialization._PREFIX.pack(serialization.MAGIC, 1, h, d, digest, reserved) + body_header + data)
    return path


def _entry(**kw: Any) -> dict:
    return {"dtype": "float32", "shape": [2], "offset": 0, "device": "cpu", **kw}


def _header(tree: Any, tensors: list) -> bytes:
    import json

    return json.dumps({"tree": tree, "tensors": tensors}, separators=(",", ":")).encode()


HANDMADE = {
    "deep-tree": (
        lambda: b'{"tree":' + b'{"list":[' * 100_000 + b"1" + b"]}" * 100_000 + b',"tensors":[]}',
        b"",
        "nested too deeply",
    ),
    "tpu-device": (lambda: _header({"tensor": 0}, [_entry(device="tpu:0")]), bytes(8), "device 'tpu:0'"),
    "device-in-tree": (lambda: _header({"device": "tpu"}, []), b"", "device 'tpu'"),
    "unknown-dtype": (lambda: _header({"tensor": 0}, [_entry(dtype="complex64")]), bytes(8), "unknown dtype"),
    "alias-dtype": (lambda: _header({"tensor": 0}, [_entry(dtype="float")]), bytes(8), "unknown dtype"),
    "bool-shape": (lambda: _header({"tensor": 0}, [_entry(shape=[True, 2])]), bytes(8), "not a list of sizes"),
    "negative-shape": (lambda: _header({"tensor": 0}, [_entry(shape=[-2])]), bytes(8), "not a list of sizes"),
    "huge-shape": (lambda: _header({"tensor": 0}, [_entry(shape=[2**40, 2**40])]), bytes(8), "lie outside"),
    "moved-offset": (lambda: _header({"tensor": 0}, [_entry(offset=8)]), bytes(16), "offset 8, expected 0"),
    "second-offset": (
        lambda: _header({"list": [{"tensor": 0}, {"tensor": 1}]}, [_entry(), _entry(offset=8)]),
        bytes(72),
        "offset 8, expected 64",
    ),
    "nonzero-gap": (
        lambda: _header({"list": [{"tensor": 0}, {"tensor": 1}]}, [_entry(), _entry(offset=64)]),
        bytes(8) + b"\1" + bytes(63),
        "nonzero bytes in the padding",
    ),
    "extra-data": (lambda: _header({"tensor": 0}, [_entry()]), bytes(16), "tensors end at 8"),
    "negative-index": (lambda: _header({"tensor": -1}, [_entry()]), bytes(8), "tensor index -1"),
    "float-node": (lambda: _header({"float": "1.5"}, []), b"", "not inf, -inf or nan"),
    "two-kinds": (lambda: _header({"list": [], "tuple": []}, []), b"", "unexpected node"),
    "list-of-dict": (lambda: _header({"list": {"a": 1}}, []), b"", "expected a list"),
    "extra-key": (lambda: b'{"tree":1,"tensors":[],"x":0}', b"", "expected an object"),
}


@pytest.mark.parametrize("make,data,pattern", HANDMADE.values(), ids=HANDMADE.keys())
def test_handmade_files_with_a_valid_checksum_give_one_clear_error(
    make: Callable, data: bytes, pattern: str, tmp_path: pathlib.Path
) -> None:
    path = _handmade(tmp_path / "made.mt", make(), data)
    with pytest.raises(CheckpointError, match=pattern) as err:
        minitorch.load(path)
    assert "made.mt" in str(err.value)
    with pytest.raises(CheckpointError, match=pattern):  # the same from a stream
        minitorch.load(io.BytesIO(path.read_bytes()))


def test_every_byte_of_a_checkpoint_is_checked(tmp_path: pathlib.Path) -> None:
    """Flipping any one bit of any byte (prefix included), or moving bytes between header and data in the
    prefix's lengths (which leaves the checksum valid), is detected."""
    good = tmp_path / "good.mt"
    minitorch.save({"w": minitorch.arange(20.0), "n": [1, None, "a"]}, good)
    raw = good.read_bytes()
    bad = tmp_path / "bad.mt"
    for i in range(len(raw)):
        for bit in (0x01, 0x80):
            bad.write_bytes(raw[:i] + bytes([raw[i] ^ bit]) + raw[i + 1 :])
            with pytest.raises(CheckpointError, match="bad.mt"):
                minitorch.load(bad)
    _, _, h, d, digest, _ = serialization._PREFIX.unpack(raw[:64])
    assert h > 64 and d > 64
    for shift in (-64, 64):
        moved = serialization._PREFIX.pack(serialization.MAGIC, 1, h + shift, d - shift, digest, bytes(4))
        bad.write_bytes(moved + raw[64:])
        with pytest.raises(CheckpointError, match="bad.mt"):
            minitorch.load(bad)


def test_reserved_prefix_bytes_must_be_zero(tmp_path: pathlib.Path) -> None:
    path = _handmade(tmp_path / "r.mt", _header(1, []), reserved=b"\0\0\1\0")
    with pytest.raises(CheckpointError, match="r.mt: checkpoint corrupted: the reserved prefix bytes are 00000100"):
        minitorch.load(path)


class _Pipe(io.RawIOBase):
    """A stream that can only be read (no seek, no size), like a pipe or a socket."""

    def __init__(self, data: bytes) -> None:
        self._data, self.name = io.BytesIO(data), "<pipe>"

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        return self._data.readinto(b)


@pytest.mark.parametrize("kind", ["seekable", "pipe"])
def test_a_stream_claiming_huge_sizes_fails_before_allocating(kind: str) -> None:
    import tracemalloc

    raw = serialization._PREFIX.pack(serialization.MAGIC, 1, 64, 2**62, bytes(32), bytes(4)) + b" " * 64
    stream = io.BytesIO(raw) if kind == "seekable" else _Pipe(raw)
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match="truncated: expected 4611686018427388032 bytes, found 128"):
            minitorch.load(stream)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20


def test_a_pipe_stream_loads() -> None:
    buf = io.BytesIO()
    minitorch.save({"w": minitorch.arange(5.0)}, buf)
    assert minitorch.load(_Pipe(buf.getvalue()))["w"].tolist() == [0, 1, 2, 3, 4]


def test_torch_file_with_shared_references_loads_fast_and_keeps_the_sharing(tmp_path: pathlib.Path) -> None:
    t = torch.ones(2)
    x: Any = [t]
    for _ in range(40):
        x = [x, x]
    cyclic: list = [t]
    cyclic.append(cyclic)
    looped: dict = {"t": t}
    looped["self"] = looped
    torch.save({"pairs": x, "cyclic": cyclic, "looped": looped}, tmp_path / "shared.pt")
    got = minitorch.load(tmp_path / "shared.pt")
    y = got["pairs"]
    for _ in range(40):
        assert y[0] is y[1]
        y = y[0]
    assert y[0].tolist() == [1.0, 1.0]
    assert got["cyclic"][1] is got["cyclic"] and got["cyclic"][0] is y[0]
    assert got["looped"]["self"] is got["looped"] and got["looped"]["t"] is y[0]


_KILLED_SAVE = r"""
import os, signal, sys
import minitorch
from minitorch import serialization

def write_then_die(fh, chunks):
    fh.write(chunks[0])
    fh.flush()
    os.kill(os.getpid(), signal.SIGKILL)

serialization._write_chunks = write_then_die
minitorch.save({"w": minitorch.ones(1000)}, sys.argv[1])
"""

_LIVE_WRITER = r"""
import sys, time
from minitorch import atomic_files
tmp, fd = atomic_files.create_temp(sys.argv[1])
print(tmp, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs flock (POSIX)")
def test_next_save_removes_what_a_killed_save_left_but_never_a_live_writers_file(tmp_path: pathlib.Path) -> None:
    import subprocess

    path = tmp_path / "ckpt.mt"
    minitorch.save({"epoch": 1}, path)
    killed = subprocess.run([sys.executable, "-c", _KILLED_SAVE, str(path)])
    assert killed.returncode == -9
    orphans = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert len(orphans) == 1 and orphans[0].startswith(".ckpt.mt.")
    others = [tmp_path / ".other.mt.0123456789ab.tmp", tmp_path / ".ckpt.mt.backup.tmp"]
    for p in others:
        p.write_bytes(b"not ours")
    live = subprocess.Popen([sys.executable, "-c", _LIVE_WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        live_tmp = live.stdout.readline().strip()
        minitorch.save({"epoch": 2}, path)
        assert os.path.exists(live_tmp)  # its writer is alive: kept
        assert not (tmp_path / orphans[0]).exists()  # its writer was killed: removed
        assert all(p.exists() for p in others)  # not temporaries of this target
    finally:
        live.kill()
        live.wait()
    minitorch.save({"epoch": 3}, path)
    assert not os.path.exists(live_tmp)
    assert minitorch.load(path) == {"epoch": 3}
