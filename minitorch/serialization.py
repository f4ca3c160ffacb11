"""Safe checkpoints: ``save`` and ``load`` for tensors and nested containers, without pickle.

A file is a fixed 64-byte prefix, a JSON header and the raw tensor bytes::

    offset  size  field
    0       8     magic b"\\x89MTC\\r\\n\\x1a\\n" (catches text-mode and line-ending mangling)
    8       4     format version, uint32 little-endian (1)
    12      8     header length H, uint64 LE (a multiple of 64)
    20      8     data length D, uint64 LE
    28      32    SHA-256 of the H + D bytes that follow the prefix
    60      4     zero
    64      H     UTF-8 JSON {"tree": ..., "tensors": [{"dtype", "shape", "offset", "device"}]}, space-padded
    64+H    D     each tensor's elements in C order, little-endian, at a 64-byte-aligned offset

Loading parses JSON and wraps byte ranges as arrays: no code from the file ever runs.
Files that are not ours (``torch.save`` output) are read with torch's own weights-only
loader when torch is installed. Saving to a path is atomic: a crash mid-save leaves the
previous file as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import secrets
import struct
from collections import OrderedDict
from typing import Any, Union

import numpy as np

from . import backend, dtypes
from .tensor import Tensor

__all__ = ["save", "load", "CheckpointError"]

MAGIC = b"\x89MTC\r\n\x1a\n"
VERSION = 1
_PREFIX = struct.Struct("<8sIQQ32s4x")  # magic, version, header length, data length, sha256
_ALIGN = 64

FileLike = Union[str, os.PathLike, io.IOBase, Any]


class CheckpointError(RuntimeError):
    """A checkpoint could not be read: corrupt, truncated, not a checkpoint, or unsupported."""


# ---------------------------------------------------------------------------- encoding
class _Encoder:
    """Turns a tree of containers and tensors into JSON-ready nodes plus a list of arrays."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.entries: list[dict[str, Any]] = []
        self._index: dict[int, int] = {}  # id(tensor) -> position, so a shared tensor is stored once
        self._keep: list[Tensor] = []  # holds the tensors so their ids stay unique while encoding

    def encode(self, obj: Any, where: str) -> Any:
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj) if math.isfinite(obj) else {"float": repr(float(obj))}
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            return self.encode(obj.item(), where)
        if isinstance(obj, Tensor):
            return {"tensor": self._tensor(obj)}
        if isinstance(obj, dtypes.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, backend.device):
            return {"device": str(obj)}
        if isinstance(obj, dict):
            items = [[self.encode(k, f"{where} (a key)"), self.encode(v, f"{where}[{k!r}]")] for k, v in obj.items()]
            if not isinstance(obj, OrderedDict):
                return {"dict": items}
            node: dict[str, Any] = {"odict": items}
            meta = getattr(obj, "_metadata", None)  # module state dicts carry per-module versions here
            if meta is not None:
                node["metadata"] = self.encode(meta, f"{where}._metadata")
            return node
        if isinstance(obj, (list, tuple)):
            kind = "list" if isinstance(obj, list) else "tuple"
            return {kind: [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        if callable(getattr(obj, "state_dict", None)):  # a Module, Optimizer or scheduler: say what to save
            raise TypeError(
                f"minitorch.save cannot store a whole {type(obj).__name__} (at {where}; no pickle, by "
                "design): save its state_dict() instead, minitorch.save(obj.state_dict(), f), and "
                "restore it with new_obj.load_state_dict(minitorch.load(f))"
            )
        raise TypeError(
            f"minitorch.save cannot store {type(obj).__module__}.{type(obj).__qualname__} at {where}: "
            "checkpoints hold tensors, numbers, strings, bools, None, dtypes, devices and "
            "dicts/lists/tuples of them (no pickle)"
        )

    def _tensor(self, t: Tensor) -> int:
        if id(t) in self._index:
            return self._index[id(t)]
        arr = t._cpu_array()
        if not arr.flags.c_contiguous:  # (np.ascontiguousarray would turn a 0-d array into 1-d)
            arr = arr.copy(order="C")
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        offset = 0
        if self.entries:
            last = self.entries[-1]
            offset = _round_up(last["offset"] + self.arrays[-1].nbytes)
        self._index[id(t)] = len(self.entries)
        self._keep.append(t)
        self.entries.append(
            {"dtype": t.dtype.name, "shape": list(arr.shape), "offset": offset, "device": str(t.device)}
        )
        self.arrays.append(arr)
        return self._index[id(t)]


def _round_up(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


def _chunks(obj: Any) -> tuple[bytes, list[Any]]:
    """The file as (prefix, [header, data pieces...]); the pieces are views, not copies."""
    enc = _Encoder()
    tree = enc.encode(obj, "obj")
    header = json.dumps({"tree": tree, "tensors": enc.entries}, separators=(",", ":"), allow_nan=False).encode()
    header += b" " * (_round_up(len(header)) - len(header))
    pieces: list[Any] = [header]
    size = 0
    for entry, arr in zip(enc.entries, enc.arrays):
        if entry["offset"] > size:
            pieces.append(bytes(entry["offset"] - size))
        pieces.append(arr.reshape(-1).view(np.uint8).data)
        size = entry["offset"] + arr.nbytes
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece)
    return _PREFIX.pack(MAGIC, VERSION, len(header), size, digest.digest()), pieces


def _write_chunks(fh: Any, chunks: list[Any]) -> None:
    for chunk in chunks:
        fh.write(chunk)


def save(obj: Any, f: FileLike) -> None:
    """Write ``obj`` (tensors and nested dicts/lists/tuples of them and of plain values) to ``f``.

    A path is written atomically: the data goes to a temporary file in the same
    directory, is flushed to disk, and then replaces ``f`` in one step, so a crash
    leaves either the old file or the new one. Tensors are stored detached (their
    ``requires_grad`` is not kept), as state dicts hold them.

    Args:
        obj: the object to store, typically ``model.state_dict()`` or a dict of state dicts.
        f: a path (``str`` or ``os.PathLike``) or a writable binary file object.
    """
    prefix, pieces = _chunks(obj)
    if not isinstance(f, (str, os.PathLike)):
        _write_chunks(f, [prefix] + pieces)
        return
    path = os.path.realpath(os.fspath(f))  # through a symlink, as an ordinary write would go
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise RuntimeError(f"Parent directory {directory} does not exist.")
    tmp, fd = _create_temp(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_chunks(fh, [prefix] + pieces)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _create_temp(path: str) -> tuple[str, int]:
    """A new file next to ``path`` (same directory, so ``os.replace`` is atomic), with ``path``'s mode if it exists."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:
            continue
    with contextlib.suppress(OSError, AttributeError):
        os.fchmod(fd, os.stat(path).st_mode & 0o7777)
    return tmp, fd


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); where directories cannot be opened, there is nothing to do."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------- decoding
def load(f: FileLike, map_location: Any = None, *, weights_only: bool | None = True) -> Any:
    """Read what ``save`` wrote (or a ``torch.save`` file, through torch's weights-only loader).

    The checksum is verified before anything is decoded; a truncated or altered file
    raises :class:`CheckpointError` naming the file. Files that are not minitorch
    checkpoints are handed to ``torch.load(..., weights_only=True)`` when torch is
    installed, whatever ``weights_only`` says: arbitrary pickled code is never run.

    Args:
        f: a path (``str`` or ``os.PathLike``) or a readable binary file object.
        map_location: where tensors go: None (where they were saved), a device or
            string (``"cpu"``), or a dict mapping saved device strings to new ones.
        weights_only: accepted for torch's signature; loading is always weights-only.
    """
    if not (map_location is None or isinstance(map_location, (str, backend.device, int, dict))):
        raise TypeError(
            "minitorch.load: map_location must be None, a device, a string or a dict, not "
            f"{type(map_location).__name__}"
        )
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        with open(name, "rb") as fh:
            return _load_stream(fh, name, map_location, os.fstat(fh.fileno()).st_size)
    name = getattr(f, "name", None) or f"<{type(f).__name__}>"
    return _load_stream(f, str(name), map_location, None)


def _load_stream(fh: Any, name: str, map_location: Any, file_size: int | None) -> Any:
    prefix = _read(fh, _PREFIX.size)
    if len(prefix) < _PREFIX.size and MAGIC.startswith(bytes(prefix[: len(MAGIC)])):
        raise CheckpointError(
            f"{name}: checkpoint truncated: expected a {_PREFIX.size}-byte prefix starting with "
            f"{MAGIC!r}, found {len(prefix)} bytes"
        )
    if prefix[: len(MAGIC)] != MAGIC:
        if isinstance(fh, io.IOBase) and fh.seekable() and file_size is not None:
            fh.seek(0)
            source: Any = fh
        else:
            source = io.BytesIO(bytes(prefix) + fh.read())
        return _load_foreign(source, name, bytes(prefix[: len(MAGIC)]), map_location)
    _, version, header_len, data_len, digest = _PREFIX.unpack(bytes(prefix))
    if version != VERSION:
        raise CheckpointError(
            f"{name}: checkpoint format version {version} is not supported (this minitorch reads version {VERSION})"
        )
    expected = _PREFIX.size + header_len + data_len
    if file_size is not None and file_size != expected:
        what = "truncated" if file_size < expected else "has trailing bytes"
        raise CheckpointError(f"{name}: checkpoint {what}: expected {expected} bytes, found {file_size}")
    buf = np.empty(header_len + data_len, dtype=np.uint8)  # numpy's allocation keeps the arrays aligned
    got = _readinto(fh, buf)
    if got != buf.size:
        raise CheckpointError(f"{name}: checkpoint truncated: expected {expected} bytes, found {_PREFIX.size + got}")
    found = hashlib.sha256(buf.data).digest()
    if found != digest:
        raise CheckpointError(
            f"{name}: checkpoint corrupted: SHA-256 of the contents is {found.hex()}, expected {digest.hex()}"
        )
    try:
        header = json.loads(buf[:header_len].tobytes().decode("utf-8"))
        tensors = [_tensor_from(buf, header_len, data_len, e, map_location) for e in header["tensors"]]
        return _decode(header["tree"], tensors)
    except CheckpointError:
        raise
    except (ValueError, KeyError, TypeError, IndexError) as e:
        raise CheckpointError(f"{name}: malformed checkpoint header: {e}") from None


def _read(fh: Any, n: int) -> bytearray:
    buf = bytearray(n)
    got = _readinto(fh, memoryview(buf))
    return buf[:got]


def _readinto(fh: Any, buf: Any) -> int:
    """Fill ``buf`` from ``fh`` as far as the stream goes; the number of bytes read."""
    view = memoryview(buf).cast("B")
    total = 0
    while total < len(view):
        if hasattr(fh, "readinto"):
            n = fh.readinto(view[total:])
        else:
            data = fh.read(len(view) - total)
            n = len(data)
            view[total : total + n] = data
        if not n:
            break
        total += n
    return total


def _tensor_from(buf: np.ndarray, header_len: int, data_len: int, entry: dict[str, Any], map_location: Any) -> Tensor:
    dt = dtypes._BY_NAME[entry["dtype"]]
    shape = tuple(int(s) for s in entry["shape"])
    if any(s < 0 for s in shape):
        raise ValueError(f"negative size in shape {shape}")
    nbytes = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
    offset = int(entry["offset"])
    if offset < 0 or offset + nbytes > data_len:
        raise ValueError(f"tensor bytes [{offset}, {offset + nbytes}) lie outside the {data_len}-byte data section")
    start = header_len + offset
    arr = buf[start : start + nbytes].view(dt.np_dtype.newbyteorder("<")).reshape(shape)
    if not arr.dtype.isnative:
        arr = arr.astype(dt.np_dtype)
    return Tensor._wrap(backend.to_device(arr, _target_device(entry["device"], map_location)))


def _target_device(saved: str, map_location: Any) -> backend.device:
    if map_location is None:
        target = backend.device(saved)
        if target.type == "cuda" and not backend.cuda_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but minitorch.cuda.is_available() "
                "is False. If you are running on a CPU-only machine, please use minitorch.load with "
                "map_location=torch.device('cpu') to map your storages to the CPU."
            )
        return target
    if isinstance(map_location, dict):
        return backend.device(map_location.get(saved, saved))
    return backend.as_device(map_location)


def _decode(node: Any, tensors: list[Tensor]) -> Any:
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if not isinstance(node, dict):
        raise ValueError(f"unexpected node {node!r}")
    if "tensor" in node:
        return tensors[node["tensor"]]
    if "float" in node:
        return float(node["float"])
    if "list" in node:
        return [_decode(v, tensors) for v in node["list"]]
    if "tuple" in node:
        return tuple(_decode(v, tensors) for v in node["tuple"])
    if "dict" in node:
        return {_decode(k, tensors): _decode(v, tensors) for k, v in node["dict"]}
    if "odict" in node:
        out = OrderedDict((_decode(k, tensors), _decode(v, tensors)) for k, v in node["odict"])
        if "metadata" in node:
            out._metadata = _decode(node["metadata"], tensors)  # type: ignore[attr-defined]
        return out
    if "dtype" in node:
        return dtypes._BY_NAME[node["dtype"]]
    if "device" in node:
        return backend.device(node["device"])
    raise ValueError(f"unknown node {sorted(node)}")


# ---------------------------------------------------------------------------- torch files
def _load_foreign(source: Any, name: str, head: bytes, map_location: Any) -> Any:
    """A file that is not ours: torch's weights-only loader reads it, and its tensors become ours."""
    not_ours = f"{name} is not a minitorch checkpoint (expected magic {MAGIC!r}, found {head!r})"
    try:
        import torch
    except ImportError:
        raise CheckpointError(
            f"{not_ours}. If it was written by torch.save, reading it needs PyTorch installed "
            "(pip install torch); minitorch never unpickles files itself."
        ) from None
    try:
        obj = torch.load(source, map_location="cpu", weights_only=True)
    except Exception as e:
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        # torch's weights-only refusal explains itself in the 'WeightsUnpickler error' line
        reason = next((ln for ln in lines if ln.startswith("WeightsUnpickler error")), lines[0] if lines else "")
        raise CheckpointError(
            f"{not_ours}, and torch.load(weights_only=True) refused it "
            f"({type(e).__name__}: {reason}); minitorch never runs code stored in a file"
        ) from None
    return _from_torch(obj, torch, map_location, name, {})


def _from_torch(obj: Any, torch: Any, map_location: Any, where: str, memo: dict[int, Any]) -> Any:
    if isinstance(obj, torch.Tensor):
        if id(obj) not in memo:
            try:
                dt = dtypes._BY_NAME[str(obj.dtype).replace("torch.", "")]
            except KeyError:
                raise CheckpointError(f"{where}: dtype {obj.dtype} has no minitorch equivalent") from None
            arr = obj.detach().cpu().numpy()
            memo[id(obj)] = Tensor._wrap(
                backend.to_device(arr, _target_device("cpu", map_location)).astype(dt.np_dtype, copy=False)
            )
        return memo[id(obj)]
    if isinstance(obj, torch.dtype):
        return dtypes._BY_NAME[str(obj).replace("torch.", "")]
    if isinstance(obj, torch.device):
        return backend.device(obj.type, obj.index)
    if isinstance(obj, dict):
        items = [(k, _from_torch(v, torch, map_location, f"{where}[{k!r}]", memo)) for k, v in obj.items()]
        if isinstance(obj, OrderedDict):
            out = OrderedDict(items)
            if hasattr(obj, "_metadata"):
                out._metadata = obj._metadata  # type: ignore[attr-defined]
            return out
        return dict(items)
    if isinstance(obj, list):
        return [_from_torch(v, torch, map_location, f"{where}[{i}]", memo) for i, v in enumerate(obj)]
    if isinstance(obj, tuple):
        return tuple(_from_torch(v, torch, map_location, f"{where}[{i}]", memo) for i, v in enumerate(obj))
    return obj
