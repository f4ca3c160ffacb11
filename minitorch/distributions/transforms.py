"""``distributions.transforms``, as ``torch.distributions.transforms``: invertible maps with their log |det J|,
for ``TransformedDistribution`` and the ``biject_to``/``transform_to`` registries. The base and the
chains are in ``transform_base``, the event wrappers in ``transforms_event``, the elementwise maps in
``transforms_pointwise``, the coupled ones in ``transforms_vector``; this module gathers them under torch's
names."""

from __future__ import annotations

from .transform_base import ComposeTransform, Transform, identity_transform
from .transforms_event import IndependentTransform, ReshapeTransform
from .transforms_pointwise import (
    AbsTransform,
    AffineTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    SoftplusTransform,
    TanhTransform,
)
from .transforms_vector import (
    CatTransform,
    CorrCholeskyTransform,
    CumulativeDistributionTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    SoftmaxTransform,
    StackTransform,
    StickBreakingTransform,
)

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "CatTransform",
    "ComposeTransform",
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "ExpTransform",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "PositiveDefiniteTransform",
    "PowerTransform",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "SoftplusTransform",
    "StackTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "identity_transform",
]
