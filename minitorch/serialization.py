"""Safe checkpoints: ``save`` and ``load`` for tensors and nested containers, without pickle.

A file is a fixed 64-byte prefix, a JSON header and the raw tensor bytes::

    offset  size  field
    0       8     magic b"\\x89MTC\\r\\n\\x1a\\n" (catches text-mode and line-ending mangling)
    8       4     format version, uint32 little-endian (1)
    12      8     header length H, uint64 LE (a multiple of 64)
    20      8     data length D, uint64 LE
    28      32    SHA-256 of the H + D bytes that follow the prefix
    60      4     reserved, zero
    64      H     UTF-8 JSON {"tree": ..., "tensors": [{"dtype", "shape", "offset", "device"}]}, space-padded
    64+H    D     each tensor's elements in C order, little-endian, at a 64-byte-aligned offset, zeros between

Every byte is checked on loading: the prefix field by field (the reserved bytes must be zero), the rest by
the checksum, and the layout must be exactly the one ``save`` writes (H and D follow from the header, the
offsets from the shapes), so no byte can change unnoticed. Sizes are checked against the file before
anything large is allocated.

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
import struct
from collections import OrderedDict
from typing import Any, Union

import numpy as np

from . import atomic_files, backend, dtypes
from .checkpoint_base import MAGIC, CheckpointError, target_device
from .tensor import Tensor
from .torch_checkpoints import load_foreign

__all__ = ["save", "load", "CheckpointError"]

VERSION = 1
_PREFIX = struct.Struct("<8sIQQ32s4s")  # magic, version, header length, data length, sha256, reserved
_ALIGN = 64

FileLike = Union[str, os.PathLike, io.IOBase, Any]


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
    return _PREFIX.pack(MAGIC, VERSION, len(header), size, digest.digest(), bytes(4)), pieces


def _write_chunks(fh: Any, chunks: list[Any]) -> None:
    for chunk in chunks:
        fh.write(chunk)


def save(obj: Any, f: FileLike) -> None:
    """Write ``obj`` (tensors and nested dicts/lists/tuples of them and of plain values) to ``f``.

    A path is written atomically: the data goes to a temporary file in the same
    directory, is flushed to disk, and then replaces ``f`` in one step, so a crash
    leaves either the old file or the new one. Temporaries that earlier saves of the
    same path left when killed are removed (on POSIX; see ``atomic_files``). Tensors
    are stored detached (their ``requires_grad`` is not kept), as state dicts hold them.

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
    tmp, fd = atomic_files.create_temp(path)
    try:
        atomic_files.remove_stale_temps(path)  # what killed saves of this file left; never a live writer's
        with os.fdopen(fd, "wb") as fh:
            _write_chunks(fh, [prefix] + pieces)
            fh.flush()
            os.fsync(fh.fileno())
            if atomic_files.fcntl is not None:  # renamed while still locked: no cleaner takes it for an orphan
                os.replace(tmp, path)
        if atomic_files.fcntl is None:  # (Windows cannot rename an open file)
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    atomic_files.fsync_directory(directory)


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
        return load_foreign(source, name, bytes(prefix[: len(MAGIC)]), map_location)
    _, version, header_len, data_len, digest, reserved = _PREFIX.unpack(bytes(prefix))
    if version != VERSION:
        raise CheckpointError(
            f"{name}: checkpoint format version {version} is not supported (this minitorch reads version {VERSION})"
        )
    if reserved != bytes(4):
        raise CheckpointError(
            f"{name}: checkpoint corrupted: the reserved prefix bytes are {reserved.hex()}, expected zeros"
        )
    if header_len == 0 or header_len % _ALIGN:
        raise CheckpointError(
            f"{name}: checkpoint corrupted: header length {header_len} is not a positive multiple of {_ALIGN}"
        )
    expected = _PREFIX.size + header_len + data_len
    if file_size is not None and file_size != expected:
        what = "truncated" if file_size < expected else "has trailing bytes"
        raise CheckpointError(f"{name}: checkpoint {what}: expected {expected} bytes, found {file_size}")
    left = _bytes_left(fh) if file_size is None else None
    if left is not None and left < header_len + data_len:  # a stream: what follows may belong to someone else
        raise CheckpointError(f"{name}: checkpoint truncated: expected {expected} bytes, found {_PREFIX.size + left}")
    buf = _read_body(fh, header_len + data_len, name, expected, known=file_size is not None or left is not None)
    found = hashlib.sha256(buf.data).digest()
    if found != digest:
        raise CheckpointError(
            f"{name}: checkpoint corrupted: SHA-256 of the contents is {found.hex()}, expected {digest.hex()}"
        )
    try:
        header = _parse_header(buf[:header_len].tobytes())
        tensors = _tensors_from(buf, header_len, data_len, header["tensors"], map_location)
        return _decode(header["tree"], tensors)
    except CheckpointError:
        raise
    except RecursionError:
        raise CheckpointError(f"{name}: malformed checkpoint header: nested too deeply to decode") from None
    except (ValueError, KeyError, TypeError, IndexError) as e:
        raise CheckpointError(f"{name}: malformed checkpoint header: {e}") from None


# Streams of unknown length are read in pieces of this size, so a prefix claiming more bytes than the stream
# holds costs at most one piece of memory before the truncation is found.
_PIECE = 16 << 20


def _bytes_left(fh: Any) -> int | None:
    """How many bytes a seekable stream holds after its current position (None when it cannot tell)."""
    try:
        if not fh.seekable():
            return None
        here = fh.tell()
        end = fh.seek(0, io.SEEK_END)
        fh.seek(here)
        return end - here
    except (AttributeError, OSError, ValueError):
        return None


def _read_body(fh: Any, n: int, name: str, expected: int, known: bool) -> np.ndarray:
    """``n`` bytes of ``fh`` in one aligned array; ``known``: the size was checked, so allocate it at once."""
    if known or n <= _PIECE:
        buf = np.empty(n, dtype=np.uint8)  # numpy's allocation keeps the arrays aligned
        got = _readinto(fh, buf)
    else:
        pieces = []
        got = 0
        while got < n:
            piece = np.empty(min(_PIECE, n - got), dtype=np.uint8)
            k = _readinto(fh, piece)
            pieces.append(piece[:k])
            got += k
            if k < piece.size:
                break
        buf = np.concatenate(pieces) if got == n else np.empty(0, dtype=np.uint8)
    if got != n:
        raise CheckpointError(f"{name}: checkpoint truncated: expected {expected} bytes, found {_PREFIX.size + got}")
    return buf


def _parse_header(raw: bytes) -> dict[str, Any]:
    """The header's JSON, which must be padded exactly as ``save`` pads it (spaces up to the next 64 bytes)."""
    text = raw.rstrip(b" ")
    if _round_up(len(text)) != len(raw):
        raise ValueError(f"{len(raw) - len(text)} bytes of padding after the JSON, expected fewer than {_ALIGN}")
    header = json.loads(text.decode("utf-8"))
    if not isinstance(header, dict) or sorted(header) != ["tensors", "tree"] or not isinstance(header["tensors"], list):
        raise ValueError("expected an object with a 'tree' and a list of 'tensors'")
    return header


_DTYPE_NAMES = {d.name: d for d in dtypes.ALL}


def _tensors_from(buf: np.ndarray, header_len: int, data_len: int, entries: list[Any], map_location: Any) -> list[Any]:
    """The tensors of the data section, which must be laid out exactly as ``save`` lays them out."""
    tensors: list[Any] = []
    end = 0
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or sorted(entry) != ["device", "dtype", "offset", "shape"]:
            raise ValueError(f"tensor {i}: expected the keys dtype, shape, offset and device")
        dt = _DTYPE_NAMES.get(entry["dtype"]) if isinstance(entry["dtype"], str) else None
        if dt is None:
            raise ValueError(f"tensor {i}: unknown dtype {entry['dtype']!r}")
        shape = entry["shape"]
        if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
            raise ValueError(f"tensor {i}: shape {shape!r} is not a list of sizes")
        offset = _round_up(end) if tensors else 0
        if entry["offset"] != offset or type(entry["offset"]) is not int:
            raise ValueError(f"tensor {i}: offset {entry['offset']!r}, expected {offset}")
        nbytes = math.prod(shape) * dt.itemsize
        if offset + nbytes > data_len:
            raise ValueError(
                f"tensor {i}: bytes [{offset}, {offset + nbytes}) lie outside the {data_len}-byte data section"
            )
        if buf[header_len + end : header_len + offset].any():
            raise ValueError(f"tensor {i}: nonzero bytes in the padding before offset {offset}")
        device = _saved_device(entry["device"], f"tensor {i}")
        start = header_len + offset
        arr = buf[start : start + nbytes].view(dt.np_dtype.newbyteorder("<")).reshape(shape)
        if not arr.dtype.isnative:
            arr = arr.astype(dt.np_dtype)
        tensors.append(Tensor._wrap(backend.to_device(arr, target_device(device, map_location))))
        end = offset + nbytes
    if end != data_len:
        raise ValueError(f"the data section holds {data_len} bytes, its tensors end at {end}")
    return tensors


def _saved_device(value: Any, what: str) -> str:
    """A device string from the header, checked (minitorch knows cpu and cuda)."""
    try:
        return str(backend.device(value))
    except (RuntimeError, TypeError) as e:
        raise ValueError(f"{what}: device {value!r} is not a device minitorch knows ({e})") from None


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


_NON_FINITE = {"inf", "-inf", "nan"}


def _decode(node: Any, tensors: list[Tensor]) -> Any:
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if not isinstance(node, dict) or len(node) != 1 + ("metadata" in node and "odict" in node):
        raise ValueError(f"unexpected node {str(node)[:80]}")
    if "tensor" in node:
        i = node["tensor"]
        if type(i) is not int or not 0 <= i < len(tensors):
            raise ValueError(f"tensor index {i!r} is not one of the {len(tensors)} tensors")
        return tensors[i]
    if "float" in node:
        if node["float"] not in _NON_FINITE:
            raise ValueError(f"float {node['float']!r} is not inf, -inf or nan")
        return float(node["float"])
    kind = next(iter(node)) if "odict" not in node else "odict"
    items = node[kind]
    if kind in ("list", "tuple", "dict", "odict") and not isinstance(items, list):
        raise ValueError(f"a {kind} node holds {type(items).__name__}, expected a list")
    if kind in ("dict", "odict") and not all(isinstance(kv, list) and len(kv) == 2 for kv in items):
        raise ValueError(f"a {kind} node holds something other than [key, value] pairs")
    if kind == "list":
        return [_decode(v, tensors) for v in items]
    if kind == "tuple":
        return tuple(_decode(v, tensors) for v in items)
    if kind == "dict":
        return {_decode(k, tensors): _decode(v, tensors) for k, v in items}
    if kind == "odict":
        out = OrderedDict((_decode(k, tensors), _decode(v, tensors)) for k, v in items)
        if "metadata" in node:
            out._metadata = _decode(node["metadata"], tensors)  # type: ignore[attr-defined]
        return out
    if "dtype" in node:
        if node["dtype"] not in _DTYPE_NAMES:
            raise ValueError(f"unknown dtype {node['dtype']!r}")
        return _DTYPE_NAMES[node["dtype"]]
    if "device" in node:
        return backend.device(_saved_device(node["device"], "a device in the tree"))
    raise ValueError(f"unknown node {sorted(node)}")
