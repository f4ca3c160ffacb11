"""The benchmark targets: the ratio minitorch / torch each headline case should stay under, in one table.

A row names a case of the suites (its id in ``cases.py`` or ``test_bench_ops.py``), the
measure compared (``time``: median time; ``memory``: peak memory growth, from
``memory.py``) and the largest ratio that counts as met. ``REPORT.md`` prints the target
beside the case's ratio with "met" or "not met"; the headline table lists ``HEADLINE``'s
cases in that order. The figures are the targets of the benchmarks issue (issue 6) and of
issue 16 (the LSTM step and the BatchNorm CNN step): CPU, float32, one thread or all, ratios
from one run. To change a target, change this table; nothing else holds one.
"""

from __future__ import annotations

from typing import NamedTuple


class Target(NamedTuple):
    """minitorch / torch on ``measure`` for ``case`` is met when at most ``ratio``."""

    case: str
    measure: str
    ratio: float


TARGETS: tuple[Target, ...] = (
    #      case               measure   at most
    Target("lenet_step_b4", "time", 0.6),
    Target("lenet_step_b64", "time", 0.8),
    Target("lenet_step_b256", "time", 0.9),
    Target("two_layer_step", "time", 1.0),
    Target("fashion_epoch", "time", 0.9),
    Target("lstm_step", "time", 1.5),  # issue 16: recurrent layers within 1.5x of torch per core
    Target("lenet_step_b256", "memory", 1.5),
    Target("bn_cnn_step_b64", "time", 1.5),  # issue 16: a BatchNorm CNN step within 1.5x of torch per core
)

# The cases of the report's headline table, in order (with or without a target).
HEADLINE: tuple[str, ...] = (
    "lenet_step_b4",
    "lenet_step_b64",
    "lenet_step_b256",
    "two_layer_step",
    "bn_cnn_step_b64",
    "lenet_infer_1000",
    "fashion_epoch",
    "lstm_step",
)


def target(case: str, measure: str = "time") -> float | None:
    """The largest ratio that meets ``case``'s target on ``measure``, or None where it has none."""
    for t in TARGETS:
        if t.case == case and t.measure == measure:
            return t.ratio
    return None
