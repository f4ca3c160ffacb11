"""Image transforms with torchvision's names and semantics (``torchvision.transforms``, the v1 API);
randomness comes from minitorch's generator, so ``minitorch.manual_seed`` replays it.

They accept PIL images and (..., C, H, W) tensors where torchvision does (crops, flips and padding also
HxW[xC] numpy arrays). PIL images go through Pillow's own operations, as torchvision's do; tensors through
minitorch ops. ``functional`` holds the same operations as functions with explicit parameters.

``_apply_batch``, ``_can_batch`` and ``_pad_widths`` are re-exported for the datasets (and their tests): hooks,
not public API.
"""

from . import functional
from ._affine import RandomAffine, RandomPerspective, RandomRotation
from ._batch import _apply_batch as _apply_batch
from ._batch import _can_batch as _can_batch
from ._color import ColorJitter, GaussianBlur, Grayscale, RandomErasing, RandomGrayscale
from ._container import RandomApply, RandomChoice, RandomOrder, RandomTransforms
from ._convert import Compose, ConvertImageDtype, Lambda, Normalize, PILToTensor, ToPILImage, ToTensor
from ._geometry import (
    CenterCrop,
    FiveCrop,
    Pad,
    RandomCrop,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomVerticalFlip,
    Resize,
    TenCrop,
)
from ._utils import InterpolationMode
from ._utils import pad_widths as _pad_widths  # noqa: F401  (a hook, see above)

__all__ = [
    "CenterCrop",
    "ColorJitter",
    "Compose",
    "ConvertImageDtype",
    "FiveCrop",
    "GaussianBlur",
    "Grayscale",
    "InterpolationMode",
    "Lambda",
    "Normalize",
    "PILToTensor",
    "Pad",
    "RandomAffine",
    "RandomApply",
    "RandomChoice",
    "RandomCrop",
    "RandomErasing",
    "RandomGrayscale",
    "RandomHorizontalFlip",
    "RandomOrder",
    "RandomPerspective",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomTransforms",
    "RandomVerticalFlip",
    "Resize",
    "TenCrop",
    "ToPILImage",
    "ToTensor",
    "functional",
]
