"""Random warps: RandomRotation, RandomAffine and RandomPerspective, with torchvision's parameter draws (from
minitorch's generator) and arguments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...tensor import Tensor
from . import functional as F
from ._utils import (
    InterpolationMode,
    check_fill,
    check_sequence,
    interpolation_mode,
    rand,
    randint,
    setup_angle,
    tensor_fill,
    uniform,
)


def _fill_for(img: Any, fill: Any) -> Any:
    """Tensors take one float per channel; PIL images take the fill as given."""
    return tensor_fill(fill, F.get_dimensions(img)[0]) if isinstance(img, Tensor) else fill


class RandomRotation:
    """Rotate by an angle drawn uniformly from ``degrees``.

    Args:
        degrees: (min, max) in degrees counter-clockwise, or a number d for (-d, d).
        interpolation: NEAREST (default) or BILINEAR (any Pillow filter for PIL images).
        expand: grow the output to hold the whole rotated image.
        center: (x, y) to rotate about (default: the image's centre).
        fill: the value (or one per channel) of pixels from outside the image.
    """

    def __init__(
        self,
        degrees: Any,
        interpolation: Any = InterpolationMode.NEAREST,
        expand: bool = False,
        center: Sequence[float] | None = None,
        fill: Any = 0,
    ) -> None:
        self.interpolation = interpolation_mode(interpolation)
        self.degrees = setup_angle(degrees, "degrees", (2,))
        if center is not None:
            check_sequence(center, "center", (2,))
        self.center, self.expand, self.fill = center, expand, check_fill(fill)

    @staticmethod
    def get_params(degrees: Sequence[float]) -> float:
        return uniform(float(degrees[0]), float(degrees[1]))

    def __call__(self, img: Any) -> Any:
        fill = _fill_for(img, self.fill)
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, fill)

    def __repr__(self) -> str:
        s = f"{type(self).__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}"
        s += f", expand={self.expand}"
        s += f", center={self.center}" if self.center is not None else ""
        return s + f", fill={self.fill})"


class RandomAffine:
    """A random affine map that keeps the image's centre: rotation, translation, scale and shear.

    Args:
        degrees: rotation range in degrees (clockwise), or a number d for (-d, d).
        translate: (a, b): |dx| up to a * width, |dy| up to b * height (in pixels, rounded).
        scale: (min, max) scale factor.
        shear: x-shear range (a number d for (-d, d), or (min, max)), or (xmin, xmax, ymin, ymax).
        interpolation: NEAREST (default) or BILINEAR.
        fill: the value of pixels from outside the image.
        center: (x, y) about which to rotate and scale.
    """

    def __init__(
        self,
        degrees: Any,
        translate: Sequence[float] | None = None,
        scale: Sequence[float] | None = None,
        shear: Any = None,
        interpolation: Any = InterpolationMode.NEAREST,
        fill: Any = 0,
        center: Sequence[float] | None = None,
    ) -> None:
        self.interpolation = interpolation_mode(interpolation)
        self.degrees = setup_angle(degrees, "degrees", (2,))
        if translate is not None:
            check_sequence(translate, "translate", (2,))
            if not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError("translation values should be between 0 and 1")
        if scale is not None:
            check_sequence(scale, "scale", (2,))
            if any(s <= 0 for s in scale):
                raise ValueError("scale values should be positive")
        self.translate, self.scale = translate, scale
        self.shear = setup_angle(shear, "shear", (2, 4)) if shear is not None else None
        self.fill = check_fill(fill)
        if center is not None:
            check_sequence(center, "center", (2,))
        self.center = center

    @staticmethod
    def get_params(
        degrees: Sequence[float],
        translate: Sequence[float] | None,
        scale_ranges: Sequence[float] | None,
        shears: Sequence[float] | None,
        img_size: Sequence[int],
    ) -> tuple[float, tuple[int, int], float, tuple[float, float]]:
        """(angle, (tx, ty), scale, (shear_x, shear_y)); ``img_size`` is [width, height]."""
        angle = uniform(float(degrees[0]), float(degrees[1]))
        if translate is not None:
            max_dx, max_dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
            translations = (int(round(uniform(-max_dx, max_dx))), int(round(uniform(-max_dy, max_dy))))
        else:
            translations = (0, 0)
        scale = uniform(scale_ranges[0], scale_ranges[1]) if scale_ranges is not None else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = uniform(shears[0], shears[1])
            if len(shears) == 4:
                shear_y = uniform(shears[2], shears[3])
        return angle, translations, scale, (shear_x, shear_y)

    def __call__(self, img: Any) -> Any:
        fill = _fill_for(img, self.fill)
        _, height, width = F.get_dimensions(img)
        angle, translations, scale, shear = self.get_params(
            self.degrees, self.translate, self.scale, self.shear, [width, height]
        )
        return F.affine(
            img, angle, list(translations), scale, list(shear), self.interpolation, fill=fill, center=self.center
        )

    def __repr__(self) -> str:
        s = f"{type(self).__name__}(degrees={self.degrees}"
        s += f", translate={self.translate}" if self.translate is not None else ""
        s += f", scale={self.scale}" if self.scale is not None else ""
        s += f", shear={self.shear}" if self.shear is not None else ""
        s += f", interpolation={self.interpolation.value}" if self.interpolation != InterpolationMode.NEAREST else ""
        s += f", fill={self.fill}" if self.fill != 0 else ""
        s += f", center={self.center}" if self.center is not None else ""
        return s + ")"


class RandomPerspective:
    """With probability ``p``, move each corner inwards by up to ``distortion_scale`` of half the image and warp.

    Args:
        distortion_scale: how far the corners may move (0 to 1).
        p: the probability of warping.
        interpolation: BILINEAR (default) or NEAREST.
        fill: the value of pixels from outside the image.
    """

    def __init__(
        self,
        distortion_scale: float = 0.5,
        p: float = 0.5,
        interpolation: Any = InterpolationMode.BILINEAR,
        fill: Any = 0,
    ) -> None:
        self.p, self.distortion_scale = p, distortion_scale
        self.interpolation = interpolation_mode(interpolation)
        self.fill = check_fill(fill)

    @staticmethod
    def get_params(width: int, height: int, distortion_scale: float) -> tuple[list[list[int]], list[list[int]]]:
        """(startpoints, endpoints): the corners [top-left, top-right, bottom-right, bottom-left] and where they go."""
        dx, dy = int(distortion_scale * (width // 2)), int(distortion_scale * (height // 2))
        topleft = [randint(0, dx + 1), randint(0, dy + 1)]
        topright = [randint(width - dx - 1, width), randint(0, dy + 1)]
        botright = [randint(width - dx - 1, width), randint(height - dy - 1, height)]
        botleft = [randint(0, dx + 1), randint(height - dy - 1, height)]
        startpoints = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        return startpoints, [topleft, topright, botright, botleft]

    def __call__(self, img: Any) -> Any:
        fill = _fill_for(img, self.fill)
        _, height, width = F.get_dimensions(img)
        if rand() < self.p:
            start, end = self.get_params(width, height, self.distortion_scale)
            return F.perspective(img, start, end, self.interpolation, fill)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"
