"""``minitorch train --tensorboard``: the run's curves as TensorBoard event files in ``<run directory>/tensorboard``.

Written through ``minitorch.utils.tensorboard.SummaryWriter`` (the optional ``tensorboard``
extra), imported only when the option is given. Scalars are logged against the global step,
the index of a step since the run began (torch's ``epoch * len(loader) + i``): ``Loss/train``
for every step, and at the last step of each epoch ``Loss/test``, ``Accuracy/test``, each
parameter group's learning rate (``LearningRate/group0``, ...) and a histogram of each
parameter. A finished run adds its hyperparameters with the final metrics (TensorBoard's
HPARAMS tab, in a subdirectory named by the time). A resumed run opens its writer with ``purge_step`` at the checkpoint's global
step, so whatever the interrupted run logged after its checkpoint is hidden.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

DIRECTORY = "tensorboard"
INSTALL = "pip install 'minitorch[tensorboard]'"
# The settings shown as hyperparameters (those that decide the result, and the process count).
HPARAMS = (
    "model",
    "dataset",
    "optimizer",
    "lr",
    "momentum",
    "batch_size",
    "epochs",
    "seed",
    "engine",
    "dtype",
    "nproc",
)


class TensorBoardUnavailable(Exception):
    """``--tensorboard`` without the tensorboard package (the message says what to install)."""


def check_available() -> None:
    """Import the writer's package now, so a missing one is reported before training starts.

    Raises:
        TensorBoardUnavailable: the tensorboard package is not installed.
    """
    try:
        import minitorch.utils.tensorboard  # noqa: F401
    except ImportError:
        raise TensorBoardUnavailable(f"--tensorboard needs the tensorboard package: {INSTALL}") from None


class TensorBoardLog:
    """One run's event files, in ``<out>/tensorboard``.

    Args:
        out: the run directory.
        purge_step: the global step a resumed run continues from (None for a new run).
    """

    def __init__(self, out: str, purge_step: int | None = None) -> None:
        check_available()
        from minitorch.utils.tensorboard import SummaryWriter

        self.log_dir = os.path.join(out, DIRECTORY)
        self.writer = SummaryWriter(log_dir=self.log_dir, purge_step=purge_step)

    def step(self, global_step: int, loss: float) -> None:
        """One training step's loss (the whole batch's)."""
        self.writer.add_scalar("Loss/train", loss, global_step)

    def epoch(self, global_step: int, metrics: dict, optimizer: Any, parameters: dict) -> None:
        """An epoch's evaluation, the learning rates it ended with and the parameters' histograms.

        Args:
            global_step: the index of the epoch's last step.
            metrics: the epoch's metrics (``Trainer.finish_epoch``).
            optimizer: the run's optimizer (either library's: only ``param_groups`` is read).
            parameters: name -> numpy array.
        """
        self.writer.add_scalar("Loss/test", metrics["test_loss"], global_step)
        self.writer.add_scalar("Accuracy/test", metrics["test_accuracy"], global_step)
        for i, group in enumerate(optimizer.param_groups):
            self.writer.add_scalar(f"LearningRate/group{i}", float(group["lr"]), global_step)
        for name, values in parameters.items():
            self.writer.add_histogram(f"Parameters/{name}", np.asarray(values), global_step)
        self.writer.flush()

    def hparams(self, config: dict, metrics: dict, global_step: int) -> None:
        """The run's hyperparameters with its final metrics."""
        hparams = {k: config[k] for k in HPARAMS if config.get(k) is not None}
        final = {
            "hparam/test_accuracy": metrics["test_accuracy"],
            "hparam/test_loss": metrics["test_loss"],
            "hparam/train_loss": metrics["train_loss"],
        }
        self.writer.add_hparams(hparams, final, global_step=global_step)

    def close(self) -> None:
        self.writer.close()
