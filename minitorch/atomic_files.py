"""Files replaced atomically: a locked temporary beside the target, renamed over it, the directory synced.

Where the platform has ``flock`` (POSIX), a temporary is locked for as long as its writer lives, so the
temporaries that a killed save left behind can be told from ones being written, and removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets

try:  # POSIX: locks tell a temporary being written from one a killed save left behind
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def temp_name(path: str) -> str:
    """A fresh name for a temporary of ``path``: ``.<name>.<12 hex digits>.tmp`` in the same directory."""
    return os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")


def create_temp(path: str) -> tuple[str, int]:
    """A new file next to ``path`` (same directory, so ``os.replace`` is atomic), with ``path``'s mode if it exists.

    Where the platform has ``flock``, the file is locked for as long as this process writes it: the kernel
    drops the lock when the process ends, however it ends (SIGKILL included), which is how ``remove_stale_temps``
    tells an orphan from a file being written.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = temp_name(path)
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        if fcntl is None:
            break
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a cleaner took the fresh file for an orphan and is removing it: use another name
            os.close(fd)
            continue
        if os.fstat(fd).st_nlink:
            break
        os.close(fd)  # removed by a cleaner between our open and our lock
    with contextlib.suppress(OSError, AttributeError):
        os.fchmod(fd, os.stat(path).st_mode & 0o7777)
    return tmp, fd


def remove_stale_temps(path: str) -> None:
    """Remove the temporaries that saves of ``path`` killed mid-write left behind (``.<name>.<hex>.tmp``).

    A temporary is stale when no process holds its lock: a live writer keeps its own locked until the
    rename, and the kernel releases the lock of a writer that died. Taking the lock (without waiting) is
    therefore the test, and holding it while removing the file keeps a writer from starting on it. Without
    ``flock`` (Windows) nothing is removed: there is no safe way there to tell an orphan from a live write.
    """
    if fcntl is None:
        return
    directory, base = os.path.split(path)
    pattern = re.compile(r"\." + re.escape(base) + r"\.[0-9a-f]{12}\.tmp\Z")
    try:
        names = [n for n in os.listdir(directory) if pattern.match(n)]
    except OSError:
        return
    for n in names:
        candidate = os.path.join(directory, n)
        try:
            fd = os.open(candidate, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)  # a live writer (ours included) holds it
            continue
        with contextlib.suppress(OSError):
            os.unlink(candidate)
        os.close(fd)


def fsync_directory(directory: str) -> None:
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
