"""SummaryWriter: TensorBoard event files from minitorch, through tensorboard's own event-file writer."""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime
from typing import Any

from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from . import summary as _summary


class FileWriter:
    """One event file in ``log_dir`` (tensorboard's asynchronous writer), stamping events with time and step.

    Args:
        log_dir: the directory (created if missing).
        max_queue: events held before a write to disk.
        flush_secs: seconds between automatic flushes.
        filename_suffix: appended to the event file's name.
    """

    def __init__(
        self, log_dir: str | os.PathLike, max_queue: int = 10, flush_secs: int = 120, filename_suffix: str = ""
    ) -> None:
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self) -> str:
        return self.event_writer.get_logdir()

    def add_event(self, event: Event, step: int | None = None, walltime: float | None = None) -> None:
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary: Summary, global_step: int | None = None, walltime: float | None = None) -> None:
        self.add_event(Event(summary=summary), global_step, walltime)

    def flush(self) -> None:
        self.event_writer.flush()

    def close(self) -> None:
        self.event_writer.close()


class SummaryWriter:
    """Write scalars, images, histograms, text and hyperparameters for TensorBoard, as
    ``torch.utils.tensorboard.SummaryWriter`` does (same files, tags and layout).

    Args:
        log_dir: where to write; default ``runs/<Mon DD_HH-MM-SS>_<hostname><comment>``.
        comment: appended to the default ``log_dir`` (ignored when ``log_dir`` is given).
        purge_step: on resuming a crashed run, hide events at and after this step from TensorBoard.
        max_queue: events held before a write to disk.
        flush_secs: seconds between automatic flushes.
        filename_suffix: appended to the event files' names.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ) -> None:
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = log_dir
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer: FileWriter | None = None
        self.all_writers: dict[str, FileWriter] | None = None
        self._get_file_writer()
        self.default_bins = _summary.default_bins()

    def _get_file_writer(self) -> FileWriter:
        """The main file writer, (re)opened on first use and after ``close``."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                self.file_writer.add_event(Event(step=self.purge_step, file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=self.purge_step, session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self) -> str | os.PathLike:
        """The directory this writer writes to."""
        return self.log_dir

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Log one number.

        Args:
            tag: the series' name ('Loss/train').
            scalar_value: a number or one-element tensor.
            global_step: the step (x axis).
            walltime: seconds since the epoch (default now).
            new_style: write a tensor for the scalars plugin instead of a ``simple_value``.
            double_precision: with ``new_style``, store a double.
        """
        summary = _summary.scalar(tag, scalar_value, new_style=new_style, double_precision=double_precision)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: dict[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log several numbers in one chart: each goes to its own run ``<log_dir>/<main_tag>_<tag>``.

        Args:
            main_tag: the chart's name.
            tag_scalar_dict: series name -> number.
            global_step: the step (x axis).
            walltime: seconds since the epoch (default now, the same for all).
        """
        walltime = time.time() if walltime is None else walltime
        logdir = self._get_file_writer().get_logdir()
        assert self.all_writers is not None
        for tag, value in tag_scalar_dict.items():
            run = logdir + "/" + main_tag.replace("/", "_") + "_" + tag
            if run not in self.all_writers:
                self.all_writers[run] = FileWriter(run, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers[run].add_summary(_summary.scalar(main_tag, value), global_step, walltime)

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: str | int | list[float] = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Log the distribution of ``values`` (weights, gradients, activations).

        Args:
            tag: the histogram's name.
            values: a tensor or array.
            global_step: the step.
            bins: 'tensorflow' (TensorFlow's exponential buckets), or numpy's ``bins`` (an int, edges, 'auto', ...).
            walltime: seconds since the epoch (default now).
            max_bins: merge adjacent buckets down to at most this many.
        """
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        self._get_file_writer().add_summary(
            _summary.histogram(tag, values, bins, max_bins=max_bins), global_step, walltime
        )

    def add_histogram_raw(
        self,
        tag: str,
        min: float,
        max: float,
        num: int,
        sum: float,
        sum_squares: float,
        bucket_limits: list[float],
        bucket_counts: list[float],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log a histogram from its statistics (``bucket_limits[i]`` is bucket ``i``'s right edge)."""
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
        self._get_file_writer().add_summary(
            _summary.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts),
            global_step,
            walltime,
        )

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Log one image: floats in [0, 1] or uint8 in [0, 255], 1 or 3 channels.

        Args:
            tag: the image's name.
            img_tensor: a tensor or array laid out as ``dataformats``.
            global_step: the step.
            walltime: seconds since the epoch (default now).
            dataformats: 'CHW', 'HWC', 'HW' (or a 4-letter batch layout, tiled into a grid).
        """
        self._get_file_writer().add_summary(
            _summary.image(tag, img_tensor, dataformats=dataformats), global_step, walltime
        )

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Log a batch of images, tiled eight to a row into one image.

        Args:
            tag: the image's name.
            img_tensor: a batch laid out as ``dataformats`` ('NCHW' or 'NHWC').
            global_step: the step.
            walltime: seconds since the epoch (default now).
            dataformats: the layout.
        """
        self._get_file_writer().add_summary(
            _summary.image(tag, img_tensor, dataformats=dataformats), global_step, walltime
        )

    def add_figure(
        self, tag: str, figure: Any, global_step: int | None = None, close: bool = True, walltime: float | None = None
    ) -> None:
        """Log a matplotlib figure (or a list of them, tiled) as an image.

        Args:
            tag: the image's name.
            figure: a ``matplotlib.figure.Figure`` or a list of them.
            global_step: the step.
            close: close the figure(s) afterwards.
            walltime: seconds since the epoch (default now).
        """
        if isinstance(figure, list):
            self.add_image(tag, _summary.figures_to_chw(figure, close), global_step, walltime, dataformats="NCHW")
        else:
            self.add_image(tag, _summary.figures_to_chw([figure], close)[0], global_step, walltime)

    def add_text(
        self, tag: str, text_string: str, global_step: int | None = None, walltime: float | None = None
    ) -> None:
        """Log text (markdown) under ``tag + '/text_summary'``.

        Args:
            tag: the text's name.
            text_string: the text.
            global_step: the step.
            walltime: seconds since the epoch (default now).
        """
        self._get_file_writer().add_summary(_summary.text(tag, text_string), global_step, walltime)

    def add_hparams(
        self,
        hparam_dict: dict[str, Any],
        metric_dict: dict[str, Any],
        hparam_domain_discrete: dict[str, list] | None = None,
        run_name: str | None = None,
        global_step: int | None = None,
    ) -> None:
        """Log one run's hyperparameters with its final metrics, for TensorBoard's HPARAMS tab.

        They go to the run ``<log_dir>/<run_name>``, each metric also as a scalar there.

        Args:
            hparam_dict: name -> number, string, bool or one-element tensor (None values are skipped).
            metric_dict: name -> number.
            hparam_domain_discrete: name -> the list of values that hyperparameter can take.
            run_name: the run's directory name (default: the current time in seconds).
            global_step: the step.
        """
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        records = _summary.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        if not run_name:
            run_name = str(time.time())
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name)
        with SummaryWriter(log_dir=logdir) as run:
            assert run.file_writer is not None
            for record in records:
                run.file_writer.add_summary(record, global_step)
            for k, v in metric_dict.items():
                run.add_scalar(k, v, global_step)

    def flush(self) -> None:
        """Write everything pending to disk."""
        for writer in (self.all_writers or {}).values():
            writer.flush()

    def close(self) -> None:
        """Flush and close every event file (a later ``add_*`` opens a new one)."""
        for writer in (self.all_writers or {}).values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
