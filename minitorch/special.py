"""``minitorch.special``, as ``torch.special``: the special functions under torch's names there (most are the
elementwise ops of ``minitorch.ops``; entr, ndtr, ndtri and log_ndtr are ``ops/special_functions.py``; i0, gammainc
and gammaincc, torch's i0, igamma and igammac, are ``ops/special_series.py``)."""

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
from .ops.special_series import i0
from .ops.special_series import igamma as gammainc
from .ops.special_series import igammac as gammaincc

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
    "gammainc",
    "gammaincc",
    "gammaln",
    "i0",
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
