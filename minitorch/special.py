"""``minitorch.special``, as ``torch.special``: the special functions under torch's names there (most are the
elementwise ops of ``minitorch.ops``; entr, ndtr, ndtri and log_ndtr are ``ops/special_functions.py``)."""

from __future__ import annotations

from .ops import (
    digamma,
    erf,
    erfc,
    erfinv,
    exp2,
    expm1,
    log1p,
    log_softmax,
    logit,
    logsumexp,
    polygamma,
    round,
    sinc,
    softmax,
    xlogy,
)
from .ops import lgamma as gammaln
from .ops import mvlgamma as multigammaln
from .ops import sigmoid as expit
from .ops.special_functions import entr, log_ndtr, ndtr, ndtri, zeta

psi = digamma

__all__ = [
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammaln",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "sinc",
    "softmax",
    "xlogy",
    "zeta",
]
