"""2-D convolution lowered to im2col (strided window views, copied once) and GEMMs.

Stride-1 convolutions (LeNet's, most tutorials') take the *flat-row* path: each image
plane, padded, is one flat row, and output pixel ``p = ho * Wp + wo`` reads input
``p + i * Wp + j`` for tap ``(i, j)``. Computing ``Wp`` columns per output row instead
of ``Wo`` (the extra ones are dropped) makes every tap a contiguous run of the flat
row, so im2col is a series of long copies, and the batch goes through in chunks whose
columns stay in cache. A batch that fits one chunk keeps its columns for the weight
gradient; for larger ones only the padded input is kept and the columns are rebuilt
chunk by chunk. The input gradient is lowered by kernel rows (see
``_FlatGeometry.input_grad``). Each call signature's checks and geometry are worked out
once (``_PLANS``).

Other strides use the general path below:

The columns are laid out kernel-offset-major, ``(groups, C/groups*kh*kw, N*Ho*Wo)``, so
the copy that builds them runs along contiguous image rows, and the weights multiply
them from the left. Backward: the weight gradient is one more GEMM with those columns, in cache-sized
chunks when they are long; the input gradient is a transposed convolution, a stride-1
correlation of the output gradient spread out by ``stride`` with the flipped kernel,
through the same im2col path, so there is no loop over kernel offsets or pixels.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, Union

from .. import backend
from ..tensor import _LEGACY_NAMES, Tensor
from .base import Op

IntPair = Union[int, Sequence[int]]


def is_int(value: Any) -> bool:
    """An integer argument as torch's parser takes one: Python or numpy ints, not bools."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def pair(value: IntPair, name: str) -> tuple:
    """An int or a 1- or 2-sequence as a pair, with torch's message for other lengths."""
    if is_int(value):
        value = int(value)
        return (value, value)
    v = tuple(int(x) for x in value)
    if len(v) == 1:
        return v * 2
    if len(v) != 2:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of 2 values to match the "
            f"convolution dimensions, but got {name}={list(v)}"
        )
    return v


def spread(grad: Any, size: tuple, offset: tuple, stride: tuple) -> Any:
    """Zeros of trailing shape ``size`` holding ``grad[..., i, j]`` at ``offset + stride * (i, j)``.

    Entries that land outside ``size`` are dropped. The input gradient of a strided
    window op is a stride-1 window op over this array (a transposed convolution).
    """
    xp = backend.array_module(grad)
    out = xp.zeros(grad.shape[:-2] + tuple(size), dtype=grad.dtype)
    dst, src = [], []
    for n, length, p0, s in zip(grad.shape[-2:], size, offset, stride):
        lo, hi = max(0, -(p0 // s)), min(n, (length - 1 - p0) // s + 1)
        if hi <= lo:
            return out
        dst.append(slice(p0 + s * lo, p0 + s * (hi - 1) + 1, s))
        src.append(slice(lo, hi))
    out[(Ellipsis, *dst)] = grad[(Ellipsis, *src)]
    return out


def im2col(xpad: Any, kernel: tuple, stride: tuple, dilation: tuple, groups: int) -> tuple:
    """The windows of a padded (N, C, H, W) array as a ``(groups, C/groups*kh*kw, N*Ho*Wo)`` matrix."""
    win = backend.sliding_windows(xpad, kernel, stride, dilation)
    n, c, ho, wo, kh, kw = win.shape
    # (C, kh, kw, N, Ho, Wo): the copy's inner loop runs along an output row, contiguous in the source.
    cols = win.transpose(1, 4, 5, 0, 2, 3).reshape(groups, (c // groups) * kh * kw, n * ho * wo)
    return cols, (ho, wo)


def gemm_nt(a: Any, b: Any, chunk: int = 4096) -> Any:
    """``a @ b.T`` (batched over the first axis) for a very long shared last axis, summed in chunks.

    BLAS runs a product of a few rows by a few rows over tens of thousands of columns
    far below its peak; chunks that stay in cache are several times faster.
    """
    m = a.shape[-1]
    if m <= 2 * chunk:
        return a @ b.transpose(0, 2, 1)
    out = a[..., :chunk] @ b[..., :chunk].transpose(0, 2, 1)
    for s in range(chunk, m, chunk):
        out += a[..., s : s + chunk] @ b[..., s : s + chunk].transpose(0, 2, 1)
    return out


def transposed(grad: Any, w: Any, shape: tuple, stride: tuple, dilation: tuple, groups: int) -> Any:
    """Gradient of the padded (N, C, H, W) input: a stride-1 correlation of the spread output gradient
    with the flipped kernel (strided convolutions only; stride 1 uses ``_FlatGeometry.input_grad``)."""
    o, cg, kh, kw = w.shape
    eh, ew = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
    flipped = w.reshape(groups, o // groups, cg, kh, kw).transpose(0, 2, 1, 3, 4)[..., ::-1, ::-1]
    spread_out = spread(grad, (shape[2] + eh, shape[3] + ew), (eh, ew), stride)
    gx, _ = correlate(spread_out, flipped.reshape(groups * cg, o // groups, kh, kw), (1, 1), dilation, groups)
    return gx


def correlate(xpad: Any, w: Any, stride: tuple, dilation: tuple, groups: int) -> tuple:
    """Cross-correlation of a padded (N, C, H, W) array with (O, C/groups, kh, kw) weights; also the columns."""
    xp = backend.array_module(xpad)
    cols, (ho, wo) = im2col(xpad, w.shape[2:], stride, dilation, groups)
    o, n = w.shape[0], xpad.shape[0]
    out = w.reshape(groups, o // groups, -1) @ cols  # (groups, O/groups, N*Ho*Wo)
    return xp.ascontiguousarray(out.reshape(o, n, ho, wo).transpose(1, 0, 2, 3)), cols


# Bytes of columns per chunk of images: large enough for efficient GEMMs, small enough to stay in cache.
CHUNK_BYTES = 1 << 21


def flat_padded(x: Any, padding: tuple, tail: int) -> Any:
    """(N, C, Hp*Wp + tail) zeros holding the padded planes of x (N, C, H, W), each one flat row."""
    xp = backend.array_module(x)
    n, c, h, w = x.shape
    top, bottom, left, right = padding
    hp, wp = h + top + bottom, w + left + right
    if any(padding):
        out = xp.zeros((n, c, hp * wp + tail), dtype=x.dtype)
        out[:, :, : hp * wp].reshape(n, c, hp, wp)[:, :, top : top + h, left : left + w] = x
        return out
    out = xp.empty((n, c, hp * wp + tail), dtype=x.dtype)  # written once: the planes, then the tails
    out[:, :, : hp * wp] = x.reshape(n, c, hp * wp)
    out[:, :, hp * wp :] = 0
    return out


class FlatConvolution(Op):
    """conv2d at stride 1 by flat-row im2col, chunked over the batch (see the module docstring)."""

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(
        ctx: Any, x: Any, w: Any, b: Any | None, padding: tuple, dilation: tuple, groups: int, geo: _FlatGeometry
    ) -> Any:
        xp = backend.array_module(x)
        n, o, ho, wo, wp = geo.n, w.shape[0], geo.ho, geo.wo, geo.wp
        xf = flat_padded(x, padding, geo.dw * (geo.kw - 1))
        wm = w.reshape(groups, o // groups, geo.kg)
        out = xp.empty((n, groups, o // groups, geo.p), dtype=x.dtype)
        cols = geo.views(xf)
        # Small batches keep their columns for the weight gradient; large ones rebuild them chunk by chunk.
        keep = ctx.needs_input_grad[1] and geo.keep_cols
        buf = xp.empty(((n if keep else geo.chunk),) + cols.shape[1:], dtype=x.dtype)
        for s in range(0, n, geo.chunk):
            e = min(n, s + geo.chunk)
            part = buf[s:e] if keep else buf[: e - s]
            part[...] = cols[s:e]
            xp.matmul(wm, part.reshape(e - s, groups, geo.kg, geo.p), out=out[s:e])
        # Drop the extra columns, then add the bias in place: measured faster than one strided add that
        # does both (150 -> 118 us for LeNet's conv1 at batch 64).
        res = xp.ascontiguousarray(out.reshape(n, o, ho, wp)[..., :wo])
        if b is not None:
            res += b.reshape(1, -1, 1, 1)
        ctx.save_for_backward(
            (buf if keep else xf) if ctx.needs_input_grad[1] else None, w if ctx.needs_input_grad[0] else None
        )
        ctx.geo, ctx.conf = geo, (x.shape, w.shape, padding)
        return res

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        xf, w = ctx.saved_tensors
        geo, (xshape, wshape, (top, _, left, _)) = ctx.geo, ctx.conf
        xp = backend.array_module(grad)
        g = geo.widen(grad)
        gx = gw = gb = None
        if w is not None:
            gxf = geo.input_grad(g, w)
            gx = xp.ascontiguousarray(
                gxf[:, :, : geo.hp * geo.wp].reshape(geo.n, geo.c, geo.hp, geo.wp)[
                    :, :, top : top + xshape[2], left : left + xshape[3]
                ]
            )
        if xf is not None:
            gw = geo.weight_grad(xf, g).reshape(wshape)
        if ctx.needs_input_grad[2]:
            gb = grad.sum(axis=(0, 2, 3))
        return gx, gw, gb, None, None, None, None


class _FlatGeometry:
    """Shapes, strides and chunking of one flat-row convolution, shared by its forward and backward."""

    def __init__(
        self,
        n: int,
        c: int,
        kh: int,
        kw: int,
        dh: int,
        dw: int,
        hp: int,
        wp: int,
        ho: int,
        wo: int,
        groups: int,
        itemsize: int,
    ) -> None:
        self.n, self.c, self.kh, self.kw, self.dh, self.dw = n, c, kh, kw, dh, dw
        self.hp, self.wp, self.ho, self.wo, self.groups = hp, wp, ho, wo, groups
        self.p = ho * wp  # output columns per image, Wp per output row
        self.kg = c // groups * kh * kw
        self.chunk = max(1, min(n, CHUNK_BYTES // max(1, c * kh * kw * self.p * itemsize)))  # c may be 0
        # A batch whose columns fit one chunk keeps them for the weight gradient; larger ones rebuild them
        # chunk by chunk in backward (measured: reading kept columns back from memory costs more).
        self.keep_cols = self.chunk == n

    def views(self, xf: Any) -> Any:
        """The columns of every image as a (N, C, kh, kw, P) view of the flat padded input."""
        sn, sc, se = xf.strides
        return backend.strided_view(
            xf, (self.n, self.c, self.kh, self.kw, self.p), (sn, sc, self.dh * self.wp * se, self.dw * se, se)
        )

    def widen(self, grad: Any) -> Any:
        """The output gradient as (N, O, P): zeros in the columns the forward computed and dropped."""
        xp = backend.array_module(grad)
        n, o, ho, wo = grad.shape
        # zeros, then the copy: filling the few extra columns of every row separately costs more than that
        g = xp.zeros((n, o, ho, self.wp), dtype=grad.dtype)
        g[..., :wo] = grad
        return g.reshape(n, o, self.p)

    def weight_grad(self, saved: Any, g: Any) -> Any:
        """sum over images of columns (K, P) @ gradient^T (P, O), chunk by chunk; returned as (groups, O/groups, K).

        ``saved``: the forward's columns (small batches) or the flat padded input to rebuild them from.
        (K, P) @ (P, O) rather than (O, P) @ (P, K): OpenBLAS runs this shape about twice as fast.
        """
        xp = backend.array_module(g)
        n, o, p = g.shape
        gr, og, kg = self.groups, o // self.groups, self.kg
        built = saved.ndim == 5
        cols = saved if built else self.views(saved)
        acc = xp.zeros((gr, kg, og), dtype=g.dtype)
        buf = None if built else xp.empty((self.chunk,) + cols.shape[1:], dtype=g.dtype)
        part = xp.empty((self.chunk, gr, kg, og), dtype=g.dtype)
        for s in range(0, n, self.chunk):
            e = min(n, s + self.chunk)
            if built:
                c = cols[s:e]
            else:
                c = buf[: e - s]
                c[...] = cols[s:e]
            prod = xp.matmul(
                c.reshape(e - s, gr, kg, p), g[s:e].reshape(e - s, gr, og, p).transpose(0, 1, 3, 2), out=part[: e - s]
            )
            acc += prod.sum(axis=0)
        return acc.transpose(0, 2, 1)

    def input_grad(self, g: Any, w: Any) -> Any:
        """Gradient of the flat padded input, lowered by kernel rows.

        The output gradient is copied ``kw`` times, shifted by each kernel column; one GEMM per
        image with the weights arranged (C*kh, O*kw) then gives, per kernel row, a whole shifted
        plane of the input gradient, and ``kh`` adds put the rows in place. Compared with a
        full col2im (a (C*kh*kw, P) GEMM result and kh*kw adds) this moves far less memory.
        """
        xp = backend.array_module(g)
        n, o, p = g.shape
        gr, og, cg = self.groups, o // self.groups, self.c // self.groups
        kh, kw, dh, dw, wp = self.kh, self.kw, self.dh, self.dw, self.wp
        r = p + dw * (kw - 1)
        # (groups, C/groups*kh, O/groups*kw): row (c, i), column (o, j) holds w[o, c, i, j].
        wr = w.reshape(gr, og, cg, kh, kw).transpose(0, 2, 3, 1, 4).reshape(gr, cg * kh, og * kw)
        out = xp.zeros((n, self.c, self.hp * wp + dw * (kw - 1)), dtype=g.dtype)
        chunk = max(1, min(n, CHUNK_BYTES // 2 // (o * kw * r * g.dtype.itemsize)))  # 1 MiB measured best
        shifted = xp.zeros((chunk, gr, og, kw, r), dtype=g.dtype)
        rows = xp.empty((chunk, gr, cg, kh, r), dtype=g.dtype)
        for s in range(0, n, chunk):
            e = min(n, s + chunk)
            src = g[s:e].reshape(e - s, gr, og, p)
            sh = shifted[: e - s]
            for j in range(kw):
                sh[:, :, :, j, j * dw : j * dw + p] = src
            part = rows[: e - s]
            xp.matmul(wr, sh.reshape(e - s, gr, og * kw, r), out=part.reshape(e - s, gr, cg * kh, r))
            dst = out[s:e]
            planes = part.reshape(e - s, self.c, kh, r)
            for i in range(kh):
                at = i * dh * wp
                dst[:, :, at : at + r] += planes[:, :, i]
        return out


class Convolution(Op):
    """conv2d on a batch: (N, C, H, W) * (O, C/groups, kh, kw) (+ bias) -> (N, O, Ho, Wo)."""

    @staticmethod
    def forward(
        ctx: Any, x: Any, w: Any, b: Any | None, stride: tuple, padding: tuple, dilation: tuple, groups: int
    ) -> Any:
        xp = backend.array_module(x)
        top, bottom, left, right = padding
        xpad = xp.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right))) if any(padding) else x
        out, cols = correlate(xpad, w, stride, dilation, groups)
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        ctx.save_for_backward(cols if ctx.needs_input_grad[1] else None, w if ctx.needs_input_grad[0] else None)
        ctx.padded, ctx.wshape, ctx.conf = xpad.shape, w.shape, (stride, padding, dilation, groups)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        cols, w = ctx.saved_tensors
        stride, (top, bottom, left, right), dilation, groups = ctx.conf
        n, o, ho, wo = grad.shape
        gx = gw = gb = None
        if w is not None:
            gx = transposed(grad, w, ctx.padded, stride, dilation, groups)
            hp, wp = ctx.padded[2:]
            gx = gx[:, :, top : hp - bottom, left : wp - right]
            gx = backend.array_module(gx).ascontiguousarray(gx)
        if cols is not None:
            g = grad.transpose(1, 0, 2, 3).reshape(groups, o // groups, n * ho * wo)  # matches the columns
            gw = gemm_nt(g, cols).reshape(ctx.wshape)
        if ctx.needs_input_grad[2]:
            gb = grad.sum(axis=(0, 2, 3))
        return gx, gw, gb, None, None, None, None


def _same_padding(kernel: tuple, dilation: tuple) -> tuple:
    """(top, bottom, left, right) keeping the size at stride 1; an odd total puts the extra row last, as torch."""
    out = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        out += [total // 2, total - total // 2]
    return tuple(out)


def _check_conv(x: Tensor, w: Tensor, b: Tensor | None, groups: int) -> None:
    if x.ndim != 4:
        raise RuntimeError(
            f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: {list(x.shape)}"
        )
    if w.ndim != 4:
        raise RuntimeError(
            f"Expected 4-dimensional weight for 4-dimensional input {list(x.shape)}, but got "
            f"{w.ndim}-dimensional weight of size {list(w.shape)} instead"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w.shape[0] < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
            f"weight of size {list(w.shape)} instead"
        )
    if w.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(w.shape)}] instead"
        )
    if x.shape[1] != w.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(w.shape)}, expected input{list(x.shape)} "
            f"to have {w.shape[1] * groups} channels, but got {x.shape[1]} channels instead"
        )
    if x.dtype is not w.dtype:
        raise RuntimeError(
            f"Input type ({_LEGACY_NAMES[x.dtype]}) and weight type ({_LEGACY_NAMES[w.dtype]}) "
            "should be the same or input should be a MKLDNN tensor and weight is a dense tensor"
        )
    if b is not None:
        if b.ndim != 1 or b.shape[0] != w.shape[0]:
            raise RuntimeError(
                f"Given weight of size {list(w.shape)}, expected bias to be 1-dimensional with "
                f"{w.shape[0]} elements, but got bias of size {list(b.shape)} instead"
            )
        if b.dtype is not x.dtype:
            raise RuntimeError(
                f"Input type ({_LEGACY_NAMES[x.dtype][6:-6].lower()}) and bias type "
                f"({_LEGACY_NAMES[b.dtype][6:-6].lower()}) should be the same"
            )


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: Union[IntPair, str] = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation of a (N, C, H, W) or unbatched (C, H, W) input, as ``torch.nn.functional.conv2d``.

    Args:
        input: (N, C, H, W) or (C, H, W).
        weight: (O, C / groups, kh, kw).
        bias: (O,) or None.
        stride, dilation: an int or a pair (rows, columns), all positive.
        padding: an int or a pair of zero rows/columns added on both sides, or 'valid' (none) or 'same'
            (output as large as the input; stride 1 only; an odd total puts the extra row/column last).
        groups: channels are split into this many independent groups.
    """
    xd, wd = input._data, weight._data
    key = None
    if plain_args(stride, padding, dilation, groups):
        key = (
            xd.shape,
            wd.shape,
            xd.dtype,
            wd.dtype,
            None if bias is None else (bias._data.shape, bias._data.dtype),
            stride,
            padding,
            dilation,
            groups,
            CHUNK_BYTES,
        )
    plan = _PLANS.get(key) if key is not None else None
    if plan is None:
        if input.ndim == 3:
            return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
        plan = _plan(input, weight, bias, stride, padding, dilation, groups)
        if key is not None:
            if len(_PLANS) >= 256:
                _PLANS.clear()
            _PLANS[key] = plan
    flat, stride, pads, dilation, geo = plan
    if flat:
        return FlatConvolution.apply(input, weight, bias, pads, dilation, groups, geo)
    return Convolution.apply(input, weight, bias, stride, pads, dilation, groups)


# Validated arguments per call signature: the checks and geometry of a layer are worked out once, not per
# step (a LeNet forward calls conv2d twice with the same shapes every batch).
_PLANS: dict = {}


def plain_args(*args: Any) -> bool:
    """Whether layer arguments can key a cache of checked arguments: ints (not bools or floats, which
    compare equal to ints but must meet torch's own checks), strings, None, and tuples of ints."""
    for a in args:
        t = type(a)
        if t is tuple:
            if not all(type(v) is int for v in a):
                return False
        elif not (t is int or t is str or a is None):
            return False
    return True


def _plan(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: IntPair,
    padding: Union[IntPair, str],
    dilation: IntPair,
    groups: int,
) -> tuple:
    """Check the arguments (torch's errors) and return (flat, stride, pads, dilation, geometry)."""
    for name, value in (("stride", stride), ("padding", padding), ("dilation", dilation), ("groups", groups)):
        items = value if isinstance(value, (tuple, list)) else (value,)
        if name == "padding" and isinstance(value, str):
            continue
        if not all(is_int(v) for v in items) or (name == "groups" and not is_int(value)):
            raise TypeError(
                f"conv2d() received an invalid combination of arguments - got (Tensor, Tensor, "
                f"{name}={type(value).__name__}), but expected integers or tuples of integers"
            )
    _check_conv(input, weight, bias, groups)
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = _same_padding(kernel, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        ph, pw = pair(padding, "padding")
        if ph < 0 or pw < 0:
            raise RuntimeError("negative padding is not supported")
        pads = (ph, ph, pw, pw)
    padded = (input.shape[2] + pads[0] + pads[1], input.shape[3] + pads[2] + pads[3])
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if padded[0] < span[0] or padded[1] < span[1]:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
            f"({span[0]} x {span[1]}). Kernel size can't be greater than actual input size"
        )
    if kernel[0] <= 0 or kernel[1] <= 0:
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} kernel_width: {kernel[1]}"
        )
    if stride != (1, 1):
        return (False, stride, pads, dilation, None)
    (n, c, h, wd), (_, _, kh, kw), (dh, dw) = input.shape, weight.shape, dilation
    hp, wp = h + pads[0] + pads[1], wd + pads[2] + pads[3]
    geo = _FlatGeometry(
        n, c, kh, kw, dh, dw, hp, wp, hp - dh * (kh - 1), wp - dw * (kw - 1), groups, input._data.dtype.itemsize
    )
    return (True, stride, pads, dilation, geo)
