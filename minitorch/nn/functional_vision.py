"""Image-space functions: ``affine_grid`` and ``grid_sample`` (the sampling grid of an affine transform and the
bilinear or nearest sampling of an image at a grid's points, as spatial transformer networks use them), and
``unfold``/``fold`` (an image's sliding blocks as columns, and columns summed back into an image), and
``max_unpool1d``/``max_unpool2d`` (each pooled value put back where max pooling found it, zeros elsewhere).

``unfold`` is two of ``Tensor.unfold``'s window views of the padded image; ``fold`` is its adjoint, the columns
added into the padded image at the positions those windows read (``index_add``), then cropped.

Both are compositions of recorded ops, so the gradients with respect to the image, the grid and (through
``affine_grid``) the transform come from those ops: the sampled points' coordinates are arithmetic on the grid,
``padding_mode`` is a clamp ("border") or a reflection ("reflection") of them, the four neighbours of each point
are gathered from the flattened image (out-of-range ones masked to zero), and their weights are the
differentiable distances to the point, as in torch's kernel. 2-D images (4-D input) only.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import ops
from ..amp import autocast_mode
from ..creation import arange, linspace, ones, zeros
from ..ops.padding import pad
from ..tensor import Tensor

__all__ = ["affine_grid", "fold", "grid_sample", "max_unpool1d", "max_unpool2d", "unfold"]

_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please specify "
    "align_corners=True if the old behavior is desired. See the documentation of grid_sample for details."
)


def _align(align_corners: bool | None) -> bool:
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _base_coordinates(n: int, align_corners: bool, like: Tensor) -> Tensor:
    """n points over [-1, 1]: the corners' centres (align_corners) or the pixels' centres."""
    points = linspace(-1, 1, n, dtype=like.dtype, device=like.device)
    if n <= 1:  # one pixel: its centre, 0, either way (torch's)
        return points * 0
    return points if align_corners else points * ((n - 1) / n)


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """The (N, H, W, 2) grid of (x, y) points that ``theta`` (N, 2, 3) maps the output's pixels to.

    Args:
        theta: a batch of affine matrices (output coordinates to input coordinates, both in [-1, 1]).
        size: the output's (N, C, H, W).
        align_corners: -1 and 1 are the corner pixels' centres (True) or the image's edges (False, default).
    """
    align = _align(align_corners)
    size = tuple(int(s) for s in size)
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) != 4:
        raise NotImplementedError(
            "affine_grid only supports 4D sizes, for 2D affine transformations (minitorch has no volumetric one). "
            f"Got size {size}."
        )
    if theta.ndim != 3 or tuple(theta.shape[-2:]) != (2, 3):
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got {theta.shape}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    n, _, h, w = size
    if theta.shape[0] != n:
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got {theta.shape}.")
    xs = _base_coordinates(w, align, theta).reshape(1, w).expand(h, w)
    ys = _base_coordinates(h, align, theta).reshape(h, 1).expand(h, w)
    base = ops.stack([xs, ys, ones((h, w), dtype=theta.dtype, device=theta.device)], -1)  # (H, W, 3)
    return ops.matmul(base.reshape(1, h * w, 3), theta.transpose(1, 2)).reshape(n, h, w, 2)


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    """[-1, 1] to pixel coordinates."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """coord reflected back into [twice_low / 2, twice_high / 2] as often as it takes (torch's reflect_coordinates)."""
    if twice_low == twice_high:
        return coord * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = (coord - low).abs()
    flips = (distance / span).floor().detach()
    extra = distance - flips * span  # (fmod with its gradient: the flips are constant)
    return ops.where(flips % 2 == 0, extra + low, span - extra + low)


def _source_index(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    coord = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        return coord.clamp(0, size - 1)
    if padding_mode == "reflection":
        coord = _reflect(coord, 0, 2 * (size - 1)) if align_corners else _reflect(coord, -1, 2 * size - 1)
        return coord.clamp(0, size - 1)
    return coord


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """``input`` (N, C, H, W) sampled at ``grid``'s (N, Ho, Wo, 2) points (x, y in [-1, 1]): (N, C, Ho, Wo).

    Args:
        input: the images.
        grid: where to sample, x across the width and y down the height, -1 and 1 at the edges.
        mode: "bilinear" or "nearest".
        padding_mode: what a point outside reads: "zeros", the nearest "border" pixel, or the image
            "reflection" at its edges.
        align_corners: -1 and 1 are the corner pixels' centres (True) or the image's edges (False, default).
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(grid_sample):
        return autocast_mode.run("grid_sample", grid_sample, input, grid, mode, padding_mode, align_corners)
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', "
            f"but got: '{padding_mode}'"
        )
    if mode == "bicubic":
        raise NotImplementedError("grid_sample: minitorch samples with mode 'bilinear' or 'nearest', not 'bicubic'")
    align = _align(align_corners)
    if input.ndim != 4:
        raise NotImplementedError(f"grid_sample: minitorch samples 4-D inputs (2-D images), got {input.ndim}-D input")
    if grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected grid to have size 2 in last dimension and the input's batch size, but got "
            f"grid with sizes {list(grid.shape)} for input with sizes {list(input.shape)}"
        )
    n, c, h, w = input.shape
    ho, wo = grid.shape[1], grid.shape[2]
    x = _source_index(grid[..., 0], w, padding_mode, align)  # (N, Ho, Wo)
    y = _source_index(grid[..., 1], h, padding_mode, align)
    flat = input.reshape(n, c, h * w)

    def read(ix: Tensor, iy: Tensor) -> Tensor:
        """The pixels at integer coordinates (as float tensors), zero where they fall outside the image."""
        inside = ((ix >= 0) & (ix <= w - 1) & (iy >= 0) & (iy <= h - 1)).detach()
        at = (iy.clamp(0, h - 1) * w + ix.clamp(0, w - 1)).detach().long().reshape(n, 1, ho * wo)
        values = ops.gather(flat, 2, at.expand(n, c, ho * wo)).reshape(n, c, ho, wo)
        return values * inside.unsqueeze(1).to(input.dtype)

    if mode == "nearest":  # half-way points go to the even neighbour, as torch's nearbyint
        ix, iy = x.round(), y.round()
        # (the grid gets torch's zero gradient: a term that is 0 with round's zero derivative)
        nothing = (ix - ix.detach() + iy - iy.detach()).unsqueeze(1)
        return read(ix, iy) + nothing
    x0, y0 = x.detach().floor(), y.detach().floor()
    x1, y1 = x0 + 1, y0 + 1
    east, south = x - x0, y - y0  # the weights, differentiable in the grid
    west, north = 1 - east, 1 - south
    out = read(x0, y0) * (west * north).unsqueeze(1)
    out = out + read(x1, y0) * (east * north).unsqueeze(1)
    out = out + read(x0, y1) * (west * south).unsqueeze(1)
    return out + read(x1, y1) * (east * south).unsqueeze(1)


def _pair(value: Any, name: str) -> tuple:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value}")
    return tuple(int(v) for v in pair)


def _blocks(size: tuple, kernel: tuple, dilation: tuple, padding: tuple, stride: tuple) -> tuple:
    """How many sliding blocks fit along each of the two spatial dims."""
    return tuple(
        (n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, d, p, s in zip(size, kernel, dilation, padding, stride)
    )


def _windows(image: Tensor, kernel: tuple, dilation: tuple, stride: tuple) -> Tensor:
    """(*, H, W) -> (*, kh, kw, oh, ow): each block's elements, dilated, as views of ``image``."""
    (kh, kw), (dh, dw), (sh, sw) = kernel, dilation, stride
    blocks = image.unfold(-2, dh * (kh - 1) + 1, sh).unfold(-2, dw * (kw - 1) + 1, sw)  # (*, oh, ow, eh, ew)
    blocks = blocks[..., ::dh, ::dw]
    lead = image.ndim - 2
    return blocks.permute(*range(lead), lead + 2, lead + 3, lead, lead + 1)


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """(N, C, H, W) -> (N, C * kh * kw, L): each sliding block's values as a column (im2col); unbatched (C, H, W)
    gives (C * kh * kw, L).

    Args:
        kernel_size, dilation, padding, stride: ints or pairs, as a convolution's.
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    kernel, dil, pads, strides = (_pair(v, n) for v, n in ((kernel_size, "kernel_size"), (dilation, "dilation"),
                                                            (padding, "padding"), (stride, "stride")))  # fmt: skip
    batched = input.ndim == 4
    x = input if batched else input.unsqueeze(0)
    n, c = x.shape[0], x.shape[1]
    if min(_blocks(tuple(x.shape[2:]), kernel, dil, pads, strides)) <= 0:
        raise RuntimeError(
            f"Given input with spatial size {tuple(x.shape[2:])}, kernel_size={kernel}, dilation={dil}, padding={pads}, "
            "calculated shape of the array of sliding blocks is non-positive"
        )
    x = pad(x, (pads[1], pads[1], pads[0], pads[0]))
    cols = _windows(x, kernel, dil, strides).reshape(n, c * kernel[0] * kernel[1], -1)
    return cols if batched else cols.squeeze(0)


def fold(
    input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """(N, C * kh * kw, L) -> (N, C, H, W): the columns of ``unfold`` added back where their blocks sit
    (overlapping blocks sum); unbatched (C * kh * kw, L) gives (C, H, W).

    Args:
        output_size: the image's (H, W).
        kernel_size, dilation, padding, stride: those ``unfold`` made the columns with.
    """
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got {input.ndim}D)"
        )
    size, kernel, dil, pads, strides = (_pair(v, n) for v, n in ((output_size, "output_size"), (kernel_size, "kernel_size"),
                                                                  (dilation, "dilation"), (padding, "padding"),
                                                                  (stride, "stride")))  # fmt: skip
    batched = input.ndim == 3
    cols = input if batched else input.unsqueeze(0)
    n, rows, length = cols.shape
    per_block = kernel[0] * kernel[1]
    if rows % per_block:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
            f"input.size(1)={rows} and kernel_size={kernel}."
        )
    blocks = _blocks(size, kernel, dil, pads, strides)
    if blocks[0] * blocks[1] != length:
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={kernel}, dilation={dil}, padding={pads}, stride={strides}, "
            f"expected size of input's dimension 2 to match the calculated number of sliding blocks "
            f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={length}."
        )
    c = rows // per_block
    hp, wp = size[0] + 2 * pads[0], size[1] + 2 * pads[1]
    # Where each column entry lands in the padded image: unfold of the positions themselves.
    positions = arange(hp * wp, device=input.device).reshape(hp, wp)
    where = _windows(positions, kernel, dil, strides).reshape(-1)
    image = zeros((n, c, hp * wp), dtype=input.dtype, device=input.device)
    image = ops.index_add(image, 2, where, cols.reshape(n, c, per_block * length))
    image = image.reshape(n, c, hp, wp)[:, :, pads[0] : pads[0] + size[0], pads[1] : pads[1] + size[1]]
    return image if batched else image.squeeze(0)


def _max_unpool(
    input: Tensor, indices: Tensor, kernel: tuple, stride: tuple, padding: tuple, output_size: Any, dims: int
) -> Tensor:
    """Scatter each pooled value to its flat position (``indices``) within a zero plane of the unpooled size."""
    if indices.dtype.name != "int64":
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype._scalar_name}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) but got "
            f"indices tensor with shape: {list(indices.shape)}"
        )
    spatial = tuple(input.shape[-dims:])
    default = tuple((n - 1) * s - 2 * p + k for n, k, s, p in zip(spatial, kernel, stride, padding))
    size = default
    if output_size is not None:
        size = tuple(int(v) for v in output_size)[-dims:]
        for d, (want, base, s) in enumerate(zip(size, default, stride)):
            if not base - s < want < base + s:
                raise ValueError(
                    f'invalid output_size "{tuple(output_size)}" (dim {d} must be between {base - s} and {base + s})'
                )
    lead = tuple(input.shape[:-dims])
    plane = 1
    for n in size:
        plane *= n
    flat = input.reshape(*lead, -1)
    out = zeros((*lead, plane), dtype=input.dtype, device=input.device)
    return ops.scatter(out, -1, indices.reshape(*lead, -1), flat).reshape(*lead, *size)


def max_unpool1d(
    input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, output_size: Any = None
) -> Tensor:
    """The inverse of ``max_pool1d(return_indices=True)``: (N, C, L) values back at their positions in
    (N, C, L_out), zeros elsewhere; ``output_size`` picks among the lengths that pool to L."""
    if autocast_mode.enabled_threads and autocast_mode.wants(max_unpool1d):
        return autocast_mode.run(
            "max_unpool1d", max_unpool1d, input, indices, kernel_size, stride, padding, output_size
        )
    kernel = (int(kernel_size if isinstance(kernel_size, int) else kernel_size[0]),)
    step = kernel if stride is None else (int(stride if isinstance(stride, int) else stride[0]),)
    pads = (int(padding if isinstance(padding, int) else padding[0]),)
    return _max_unpool(input, indices, kernel, step, pads, output_size, 1)


def max_unpool2d(
    input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, output_size: Any = None
) -> Tensor:
    """The inverse of ``max_pool2d(return_indices=True)``: (N, C, H, W) values back at their positions in
    (N, C, H_out, W_out), zeros elsewhere; ``output_size`` picks among the sizes that pool to (H, W)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(max_unpool2d):
        return autocast_mode.run(
            "max_unpool2d", max_unpool2d, input, indices, kernel_size, stride, padding, output_size
        )
    kernel = _pair(kernel_size, "kernel_size")
    step = kernel if stride is None else _pair(stride, "stride")
    return _max_unpool(input, indices, kernel, step, _pair(padding, "padding"), output_size, 2)
