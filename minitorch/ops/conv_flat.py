"""conv2d at stride 1 by flat-row im2col: the fast kernel beside the general ``Convolution`` (conv.py).

Each image plane, padded, is one flat row, and output pixel ``p = ho * Wp + wo`` reads input
``p + i * Wp + j`` for tap ``(i, j)``. Computing ``Wp`` columns per output row instead of ``Wo``
(the extra ones are dropped) makes every tap a contiguous run of the flat row, so im2col is a
series of long copies, and the batch goes through in chunks whose columns stay in cache. A batch
that fits one chunk keeps its columns for the weight gradient; for larger ones only the padded
input is kept and the columns are rebuilt chunk by chunk. The input gradient is lowered by kernel
rows (see ``FlatGeometry.input_grad``). ``conv.py`` works the geometry out once per call signature
(its plan cache) and picks this kernel for every stride-1 convolution; the general path is its
plain twin, and ``tests/test_ops_conv_kernels.py`` checks that the two agree.

As in ``conv.py``, the input and weight gradients are ops of their own, so that the flat-row
convolution is differentiable to any order with its own kernels.
"""

from __future__ import annotations

from ..autograd.function import Context
from ..backend import Array, array_module, backend_of
from .base import Op, array_of

# Bytes of columns per chunk of images: large enough for efficient GEMMs, small enough to stay in cache.
CHUNK_BYTES = 1 << 21


def flat_padded(x: Array, padding: tuple, tail: int) -> Array:
    """(N, C, Hp*Wp + tail) zeros holding the padded planes of x (N, C, H, W), each one flat row."""
    xp = array_module(x)
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
        ctx: Context,
        x: Array,
        w: Array,
        b: Array | None,
        padding: tuple,
        dilation: tuple,
        groups: int,
        geo: FlatGeometry,
    ) -> Array:
        xp = array_module(x)
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
        # The columns (or the flat padded input) are a cache for the weight gradient; x itself is what
        # create_graph differentiates.
        need_w = ctx.needs_input_grad[1]
        ctx.save_for_backward(
            (buf if keep else xf) if need_w else None, x if need_w else None, w if ctx.needs_input_grad[0] else None
        )
        ctx.geo, ctx.conf = geo, (padding, dilation, groups)
        return res

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        saved, x, w = ctx.saved_tensors  # saved: None under create_graph (rebuilt from x)
        geo = ctx.geo
        # The gradient with the dropped columns back, computed once for both gradients (values only).
        wide = geo.widen(array_of(grad)) if w is not None or x is not None else None
        gx = gw = gb = None
        if w is not None:
            gx = FlatConvolutionInputGrad.call(grad, w, ctx.conf, geo, wide)
        if x is not None:
            gw = FlatConvolutionWeightGrad.call(x, grad, ctx.conf, geo, saved, wide)
        if ctx.needs_input_grad[2]:
            gb = grad.sum(axis=(0, 2, 3))  # numpy's method, and Tensor.sum's numpy spelling
        return gx, gw, gb, None, None, None, None


class FlatConvolutionInputGrad(Op):
    """The input gradient of a flat-row convolution (its ``conf``: padding, dilation, groups; ``geo``).

    ``wide``: the output gradient already widened by ``geo.widen`` (a cache), or None.
    """

    node_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx: Context, g: Array, w: Array, conf: tuple, geo: FlatGeometry, wide: Array | None) -> Array:
        ctx.save_for_backward(g if ctx.needs_input_grad[1] else None, w if ctx.needs_input_grad[0] else None)
        ctx.conf, ctx.geo, ctx.wshape = conf, geo, w.shape
        top, bottom, left, right = conf[0]
        gxf = geo.input_grad(geo.widen(g) if wide is None else wide, w)
        planes = gxf[:, :, : geo.hp * geo.wp].reshape(geo.n, geo.c, geo.hp, geo.wp)
        return array_module(g).ascontiguousarray(planes[:, :, top : geo.hp - bottom, left : geo.wp - right])

    @staticmethod
    def backward(ctx: Context, ggx: Array) -> tuple:
        # bilinear in (g, w): <ggx, gx> = <g, conv(ggx, w)> = <weight_grad(ggx, g), w>.
        g, w = ctx.saved_tensors
        d_g = FlatConvolution.call(ggx, w, None, *ctx.conf, ctx.geo) if w is not None else None
        d_w = FlatConvolutionWeightGrad.call(ggx, g, ctx.conf, ctx.geo, None, None) if g is not None else None
        return d_g, d_w, None, None, None


class FlatConvolutionWeightGrad(Op):
    """The weight gradient of a flat-row convolution.

    ``saved``: the forward's columns or flat padded input (a cache), or None to build them from ``x``;
    ``wide``: the widened output gradient (a cache), or None.
    """

    node_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(
        ctx: Context, x: Array, g: Array, conf: tuple, geo: FlatGeometry, saved: Array | None, wide: Array | None
    ) -> Array:
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, g if ctx.needs_input_grad[0] else None)
        ctx.conf, ctx.geo = conf, geo
        if saved is None:
            saved = flat_padded(x, conf[0], geo.dw * (geo.kw - 1))
        o = g.shape[1]
        return geo.weight_grad(saved, geo.widen(g) if wide is None else wide).reshape(
            (o, geo.c // geo.groups, geo.kh, geo.kw)
        )

    @staticmethod
    def backward(ctx: Context, ggw: Array) -> tuple:
        # bilinear in (x, g): <ggw, gw> = <g, conv(x, ggw)> = <input_grad(g, ggw), x>.
        x, g = ctx.saved_tensors
        d_x = FlatConvolutionInputGrad.call(g, ggw, ctx.conf, ctx.geo, None) if g is not None else None
        d_g = FlatConvolution.call(x, ggw, None, *ctx.conf, ctx.geo) if x is not None else None
        return d_x, d_g, None, None, None, None


class FlatGeometry:
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

    def views(self, xf: Array) -> Array:
        """The columns of every image as a (N, C, kh, kw, P) view of the flat padded input."""
        sn, sc, se = xf.strides
        return backend_of(xf).strided_view(
            xf, (self.n, self.c, self.kh, self.kw, self.p), (sn, sc, self.dh * self.wp * se, self.dw * se, se)
        )

    def widen(self, grad: Array) -> Array:
        """The output gradient as (N, O, P): zeros in the columns the forward computed and dropped."""
        xp = array_module(grad)
        n, o, ho, wo = grad.shape
        # zeros, then the copy: filling the few extra columns of every row separately costs more than that
        g = xp.zeros((n, o, ho, self.wp), dtype=grad.dtype)
        g[..., :wo] = grad
        return g.reshape(n, o, self.p)

    def weight_grad(self, saved: Array, g: Array) -> Array:
        """sum over images of columns (K, P) @ gradient^T (P, O), chunk by chunk; returned as (groups, O/groups, K).

        ``saved``: the forward's columns (small batches) or the flat padded input to rebuild them from.
        (K, P) @ (P, O) rather than (O, P) @ (P, K): OpenBLAS runs this shape about twice as fast.
        """
        xp = array_module(g)
        n, o, p = g.shape
        gr, og, kg = self.groups, o // self.groups, self.kg
        built = saved.ndim == 5
        cols = saved if built else self.views(saved)
        acc = xp.zeros((gr, kg, og), dtype=g.dtype)
        buf = None if built else xp.empty((self.chunk,) + cols.shape[1:], dtype=g.dtype)
        part = xp.empty((self.chunk, gr, kg, og), dtype=g.dtype)
        for s in range(0, n, self.chunk):
            e = min(n, s + self.chunk)
            if buf is None:  # built
                c = cols[s:e]
            else:
                c = buf[: e - s]
                c[...] = cols[s:e]
            prod = xp.matmul(
                c.reshape(e - s, gr, kg, p), g[s:e].reshape(e - s, gr, og, p).transpose(0, 1, 3, 2), out=part[: e - s]
            )
            acc += prod.sum(axis=0)
        return acc.transpose(0, 2, 1)

    def input_grad(self, g: Array, w: Array) -> Array:
        """Gradient of the flat padded input, lowered by kernel rows.

        The output gradient is copied ``kw`` times, shifted by each kernel column; one GEMM per
        image with the weights arranged (C*kh, O*kw) then gives, per kernel row, a whole shifted
        plane of the input gradient, and ``kh`` adds put the rows in place. Compared with a
        full col2im (a (C*kh*kw, P) GEMM result and kh*kw adds) this moves far less memory.
        """
        xp = array_module(g)
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
