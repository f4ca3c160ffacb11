"""Finding, checking and downloading data set files.

Every failure is a :class:`DatasetError` that names the file, what was expected and what
was found. Downloads go to a temporary file next to their destination, are checked
against the published MD5 while they stream in, and are renamed into place only when
they match, so an interrupted or altered download never leaves a file that looks valid.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import secrets
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Sequence

_CHUNK = 1 << 20

# The opener used by download(); a test swaps it to serve files without a network.
urlopen: Callable = urllib.request.urlopen


class DatasetError(RuntimeError):
    """A data set file is missing, truncated, corrupted or not what its name says."""


def md5_bytes(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def md5_file(path: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def find(dirs: Iterable[str], names: Sequence[str]) -> str | None:
    """The first ``dir/name`` that exists, trying every name in each directory before the next one."""
    for d in dirs:
        for name in names:
            path = os.path.join(d, name)
            if os.path.isfile(path):
                return path
    return None


def read_maybe_gzip(path: str) -> bytes:
    """The file's bytes, decompressed when it is gzip (by its magic bytes, whatever its name)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
            fh.seek(0)
            if head != b"\x1f\x8b":
                return fh.read()
            with gzip.GzipFile(fileobj=fh) as gz:
                return gz.read()
    except EOFError:
        raise DatasetError(
            f"{path}: the gzip stream ends early (the file is truncated); delete it and pass "
            "download=True, or copy it again"
        ) from None
    except (gzip.BadGzipFile, zlib.error) as err:
        raise DatasetError(f"{path}: not a valid gzip file ({err}); the file is corrupted") from None
    except OSError as err:
        raise DatasetError(f"{path}: cannot be read ({err.strerror or err})") from None


def check_md5(path: str, data: bytes, expected: str, what: str) -> None:
    """Compare ``data``'s MD5 with the published one for the canonical file."""
    got = md5_bytes(data)
    if got != expected:
        raise DatasetError(
            f"{path}: {what} has MD5 {got}, expected {expected} (the canonical file's); the file "
            "is corrupted: delete it and pass download=True"
        )


def download(url: str, dest: str, md5: str | None) -> None:
    """Fetch ``url`` into ``dest`` atomically, verifying ``md5`` (when given) before the file appears.

    Args:
        url: where to fetch from (http(s) or file).
        dest: the final path; its directory is created when missing.
        md5: the published MD5 of the file.
    """
    directory = os.path.dirname(os.path.abspath(dest))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(dest)}.{secrets.token_hex(6)}.part")
    digest = hashlib.md5(usedforsecurity=False)
    try:
        try:
            with urlopen(url) as response, open(tmp, "xb") as out:
                for block in iter(lambda: response.read(_CHUNK), b""):
                    digest.update(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
        except OSError as err:  # URLError is an OSError
            raise DatasetError(f"downloading {url} to {dest} failed: {getattr(err, 'reason', err)}") from None
        if md5 is not None and digest.hexdigest() != md5:
            raise DatasetError(
                f"downloaded {url}: MD5 {digest.hexdigest()}, expected {md5}; the download is "
                "corrupted or the server sent something else, and was discarded"
            )
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def write_atomic(dest: str, data: bytes) -> None:
    """Write ``data`` to ``dest`` through a temporary file and a rename."""
    tmp = f"{dest}.{secrets.token_hex(6)}.part"
    try:
        with open(tmp, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def missing_message(name: str, looked: list[str], wanted: Sequence[str]) -> str:
    return (
        f"{name} not found: looked for {', '.join(wanted)} in {', '.join(looked)}. Pass download=True to download it."
    )


__all__ = [
    "DatasetError",
    "check_md5",
    "download",
    "find",
    "md5_file",
    "missing_message",
    "read_maybe_gzip",
    "write_atomic",
]
