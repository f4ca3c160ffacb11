"""``minitorch.distributions``, as ``torch.distributions``: the distributions policies and VAEs use
(Normal, Categorical, Bernoulli, Uniform, Independent, MultivariateNormal), their ``constraints``, and
``kl_divergence`` with ``register_kl``.

Samples come from minitorch's generator (``minitorch.manual_seed`` makes them reproducible; they are not
torch's numbers). ``rsample`` is reparameterised, so gradients reach the parameters through it; log_prob,
entropy and the KL divergences are built from minitorch's ops and differentiable in every parameter.
"""

from __future__ import annotations

from . import constraints
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .uniform import Uniform

__all__ = [
    "Bernoulli",
    "Categorical",
    "Distribution",
    "ExponentialFamily",
    "Independent",
    "MultivariateNormal",
    "Normal",
    "Uniform",
    "constraints",
    "kl_divergence",
    "register_kl",
]
