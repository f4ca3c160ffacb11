"""The benchmark targets: the ratio minitorch / torch each headline case should stay under, in one table.

A row names a case of the suites (its id in ``cases.py`` or ``test_bench_ops.py``), the
measure compared (``time``: median time; ``memory``: peak memory growth, from
``memory.py``) and the largest ratio that counts as met. ``REPORT.md`` prints the target
beside the case's ratio with "met" or "not met"; the headline table lists ``HEADLINE``'s
cases in that order. The figures are the targets of the CPU speed issue (issue 15: the default
environment, where both engines use every usable core, and one thread each) and of issue 16 (the
LSTM step and the BatchNorm CNN step, per core): CPU, float32. To change a target, change this
table; nothing else holds one.
"""

from __future__ import annotations

from typing import NamedTuple


class Target(NamedTuple):
    """minitorch / torch on ``measure`` for ``case`` in environment ``env`` is met when at most ``ratio``.

    ``env``: ``"default"`` (both engines on all usable cores, the report's headline) or ``"one thread"``
    (both engines on one thread: the per-core comparison beside it).
    """

    case: str
    measure: str
    ratio: float
    env: str = "default"


DEFAULT, ONE_THREAD = "default", "one thread"
ENVIRONMENTS = (DEFAULT, ONE_THREAD)

TARGETS: tuple[Target, ...] = (
    #      case               measure   at most  environment
    # issue 15: CPU speed as users run it (default environment: all usable cores)
    Target("lenet_step_b4", "time", 0.8, DEFAULT),
    Target("lenet_step_b64", "time", 0.8, DEFAULT),
    Target("lenet_step_b256", "time", 0.8, DEFAULT),
    Target("two_layer_step", "time", 0.8, DEFAULT),
    Target("fashion_epoch", "time", 0.8, DEFAULT),
    Target("lenet_step_b256", "memory", 1.0, DEFAULT),
    # issue 15: one thread each, at every batch size
    Target("lenet_step_b4", "time", 0.8, ONE_THREAD),
    Target("lenet_step_b64", "time", 0.8, ONE_THREAD),
    Target("lenet_step_b256", "time", 0.8, ONE_THREAD),
    # issue 16: recurrent layers and a BatchNorm CNN step within 1.5x of torch per core
    Target("lstm_step", "time", 1.5, ONE_THREAD),
    Target("bn_cnn_step_b64", "time", 1.5, ONE_THREAD),
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


def target(case: str, measure: str = "time", env: str = DEFAULT) -> float | None:
    """The largest ratio that meets ``case``'s target on ``measure`` in ``env``, or None where it has none."""
    for t in TARGETS:
        if t.case == case and t.measure == measure and t.env == env:
            return t.ratio
    return None
