"""CUDA graphs with torch's spelling: capture once, replay without Python (``torch.cuda.graphs``).

    g = minitorch.cuda.CUDAGraph()
    s = minitorch.cuda.Stream()
    s.wait_stream(minitorch.cuda.current_stream())
    with minitorch.cuda.stream(s):                    # warm up on a side stream: kernels compiled,
        for _ in range(3):                            # optimizer state created, memory pooled
            step(static_input, static_target)
    minitorch.cuda.current_stream().wait_stream(s)
    with minitorch.cuda.graph(g):                     # captured, not run
        static_loss = step(static_input, static_target)
    for x, y in batches:
        static_input.copy_(x); static_target.copy_(y)
        g.replay()                                    # the whole step: forward, backward, update

What capture needs, and how minitorch gives it:
- Memory: every array made during capture comes from a pool private to the graph (or shared with
  ``pool=``), so the addresses the graph uses stay its own while it lives.
- No synchronisation: nothing in a step reads a value back; input checks that would are deferred,
  and skipped while capturing (``Backend.check_later``).
- Device-side state: Adam's step counters live on the device and its bias corrections are computed
  there, as torch's ``capturable=True``; SGD's momentum buffers exist after the warm-up.
- What is not captured: Python-side changes after capture (a new learning rate, a scheduler step)
  and random numbers (a captured dropout replays the same mask).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from . import streams
from .streams import Stream, StreamContext, current_stream

_MODES = ("global", "thread_local", "relaxed")


def graph_pool_handle() -> Any:
    """A memory pool token that several graphs can share (``graph(g, pool=...)``)."""
    return streams.BACKEND.new_graph_pool()


def is_current_stream_capturing() -> bool:
    """True while a graph is being captured."""
    return streams.BACKEND.is_capturing()


class CUDAGraph:
    """A captured sequence of GPU work, replayed with one launch (``torch.cuda.CUDAGraph``)."""

    def __init__(self, keep_graph: bool = False) -> None:
        self._graph: Any = None
        self._pool: Any = None
        self._stream: Stream | None = None
        self._token: Any = None

    def capture_begin(self, pool: Any = None, capture_error_mode: str = "global") -> None:
        """Start capturing the current stream's work (it must not be the default stream).

        ``capture_error_mode`` is accepted for torch's signature; capture always runs in CUDA's
        relaxed mode, since CuPy's memory pool may have to ``cudaMalloc`` while capturing.
        """
        if capture_error_mode not in _MODES:
            raise RuntimeError(f"Unknown capture error mode. Expected one of {_MODES}, got {capture_error_mode!r}")
        if self._graph is not None or self._token is not None:
            raise RuntimeError("This CUDAGraph instance already owns a captured graph. Call reset() first.")
        self._pool = pool if pool is not None else streams.BACKEND.new_graph_pool()
        self._stream = current_stream()
        self._token = streams.BACKEND.begin_capture(self._stream._raw, self._pool)

    def capture_end(self) -> None:
        """Finish the capture begun by ``capture_begin``."""
        if self._token is None or self._stream is None:  # both are set by capture_begin
            raise RuntimeError("capture_end() called without capture_begin()")
        token, self._token = self._token, None
        self._graph = streams.BACKEND.end_capture(self._stream._raw, token)

    def replay(self) -> None:
        """Run the captured work again, on the current stream."""
        if self._graph is None:
            raise RuntimeError("Called CUDAGraph::replay without a preceding successful capture.")
        self._graph.launch(current_stream()._raw)

    def reset(self) -> None:
        """Drop the captured graph and its memory pool (unless shared)."""
        self._graph = self._pool = None

    def pool(self) -> Any:
        """This graph's memory pool, to share with another capture (``graph(g2, pool=g1.pool())``)."""
        return self._pool

    def enable_debug_mode(self) -> None:
        """Accepted for torch's API; there is nothing to dump."""


class graph:
    """``with minitorch.cuda.graph(g):`` captures the block's GPU work into ``g`` (``torch.cuda.graph``).

    Args:
        cuda_graph: the ``CUDAGraph`` to capture into.
        pool: a memory pool token to share (``graph_pool_handle()`` or another graph's ``pool()``).
        stream: the stream to capture on (default: a side stream of this class's own).
        capture_error_mode: accepted for torch's signature (see ``CUDAGraph.capture_begin``).
    """

    default_capture_stream: Stream | None = None

    def __init__(
        self, cuda_graph: CUDAGraph, pool: Any = None, stream: Stream | None = None, capture_error_mode: str = "global"
    ) -> None:
        if stream is None:
            if graph.default_capture_stream is None or graph._stream_backend is not streams.BACKEND:
                graph.default_capture_stream = Stream()
                graph._stream_backend = streams.BACKEND
            stream = graph.default_capture_stream
        self.cuda_graph, self.pool, self.capture_error_mode = cuda_graph, pool, capture_error_mode
        self.stream_ctx = StreamContext(stream)

    _stream_backend: Any = None

    def __enter__(self) -> None:
        streams.BACKEND.synchronize()
        gc.collect()  # arrays freed now return to their pools before capture, not during it
        self.stream_ctx.__enter__()
        try:
            self.cuda_graph.capture_begin(self.pool, self.capture_error_mode)
        except BaseException:
            self.stream_ctx.__exit__(None, None, None)
            raise

    def __exit__(self, *exc: Any) -> None:
        try:
            self.cuda_graph.capture_end()
        except Exception:
            if exc[0] is None:
                raise  # the capture itself failed (a synchronisation inside it, say)
            # else the block's own error is the one to see
        finally:
            self.stream_ctx.__exit__(*exc)


def make_graphed_callables(callables: Any, sample_args: Any, **kwargs: Any) -> Callable:
    """Not provided: capture the step with ``graph()`` instead."""
    raise NotImplementedError(
        "minitorch.cuda.make_graphed_callables is not provided: capture the whole step with minitorch.cuda.graph()"
    )
