"""Streams and events with torch's names: ``Stream``, ``Event``, ``current_stream``, ``stream(s)``.

Work is queued on the current stream; ``with minitorch.cuda.stream(s):`` makes ``s`` current for
the block (CuPy's current stream, so every op inside queues there). The objects wrap the backend's
own (CuPy's ``Stream`` and ``Event``); ``BACKEND`` is the CUDA backend, which a test may swap
for the host-backed fake device to exercise the plumbing on a CPU.
"""

from __future__ import annotations

from typing import Any

from ..backend import CUDA, Backend

BACKEND: Backend = CUDA


class Stream:
    """A queue of GPU work (``torch.cuda.Stream``); work on different streams may overlap.

    Args:
        device: the GPU (default: the current one).
        priority: lower numbers run first when both streams have work ready.
    """

    def __init__(self, device: Any = None, priority: int = 0, *, _raw: Any = None) -> None:
        self._raw = _raw if _raw is not None else BACKEND.new_stream(device, priority)

    @property
    def cuda_stream(self) -> int:
        """The raw ``cudaStream_t`` handle."""
        return int(self._raw.ptr)

    def wait_stream(self, stream: Stream) -> None:
        """Make work queued on this stream from now on wait for what ``stream`` has queued so far."""
        self.wait_event(stream.record_event())

    def wait_event(self, event: Event) -> None:
        self._raw.wait_event(event._raw)

    def record_event(self, event: Event | None = None) -> Event:
        """Record an event on this stream (a new one unless given) and return it."""
        event = Event() if event is None else event
        event.record(self)
        return event

    def query(self) -> bool:
        """True when every piece of work queued on this stream has finished."""
        return bool(self._raw.done)

    def synchronize(self) -> None:
        """Wait until this stream's work has finished."""
        self._raw.synchronize()

    def __enter__(self) -> Stream:
        self._context = StreamContext(self)
        self._context.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._context.__exit__(*exc)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stream) and self.cuda_stream == other.cuda_stream

    def __hash__(self) -> int:
        return hash(self.cuda_stream)

    def __repr__(self) -> str:
        return f"<minitorch.cuda.Stream cuda_stream={self.cuda_stream:#x}>"


class Event:
    """A marker in a stream's work (``torch.cuda.Event``): wait for it, or time between two.

    Args:
        enable_timing: record the time, for ``elapsed_time``.
        blocking: ``synchronize()`` sleeps instead of spinning.
        interprocess: shareable between processes (timing must then be off).
    """

    def __init__(self, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False) -> None:
        self._raw = BACKEND.new_event(enable_timing, blocking, interprocess)

    def record(self, stream: Stream | None = None) -> None:
        """Record this event on ``stream`` (default: the current stream)."""
        self._raw.record((stream or current_stream())._raw)

    def wait(self, stream: Stream | None = None) -> None:
        """Make ``stream`` (default: the current one) wait for this event."""
        (stream or current_stream()).wait_event(self)

    def query(self) -> bool:
        return bool(self._raw.done)

    def synchronize(self) -> None:
        """Wait until the work before this event has finished."""
        self._raw.synchronize()

    def elapsed_time(self, end_event: Event) -> float:
        """Milliseconds between this event and ``end_event`` (both recorded, timing enabled)."""
        return float(BACKEND.elapsed_ms(self._raw, end_event._raw))


def current_stream(device: Any = None) -> Stream:
    """The stream work is queued on now."""
    return Stream(_raw=BACKEND.current_stream(device))


def default_stream(device: Any = None) -> Stream:
    """The device's default stream."""
    return Stream(_raw=BACKEND.default_stream(device))


class StreamContext:
    """Make ``stream`` current inside a ``with`` block (None: leave the current one)."""

    def __init__(self, stream: Stream | None) -> None:
        self.stream = stream
        self._inner: Any = None

    def __enter__(self) -> Stream | None:
        if self.stream is not None:
            self._inner = BACKEND.use_stream(self.stream._raw)
            self._inner.__enter__()
        return self.stream

    def __exit__(self, *exc: Any) -> None:
        if self._inner is not None:
            self._inner.__exit__(*exc)
            self._inner = None


def stream(stream: Stream | None) -> StreamContext:
    """``with minitorch.cuda.stream(s):`` queues the block's GPU work on ``s``."""
    return StreamContext(stream)
