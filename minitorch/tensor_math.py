"""Tensor's methods for the elementary functions of ``ops/elementary.py`` and ``ops/exponential.py`` (sinh,
atan2, log2, ...), the pointwise ones (addcmul, addcdiv, xlogy, logit, nan_to_num, sgn, fmod, copysign, fmax, sinc),
the NaN-skipping reductions, diff, select, ravel, inner, dist, rot90, diagflat, the tensor_split family, vdot, addr,
matrix_power and the sign and infinity predicates, and their in-place forms: one line each, calling the function
of the same name in ``minitorch.ops``. A mixin of Tensor, as ``tensor_methods`` is; ``_ops`` is bound by
``tensor.py`` once the ops package has been imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_ops: Any = None


class MathMethods:
    """Mixin of Tensor: the elementary functions as methods, delegating to ``minitorch.ops``."""

    __slots__ = ()
    _inplace: Callable[..., Any]  # InplaceMethods' (the write, its checks and the version bump)

    def sinh(self) -> Any:
        return _ops.sinh(self)

    def cosh(self) -> Any:
        return _ops.cosh(self)

    def tan(self) -> Any:
        return _ops.tan(self)

    def asin(self) -> Any:
        return _ops.asin(self)

    def acos(self) -> Any:
        return _ops.acos(self)

    def atan(self) -> Any:
        return _ops.atan(self)

    def asinh(self) -> Any:
        return _ops.asinh(self)

    def acosh(self) -> Any:
        return _ops.acosh(self)

    def atanh(self) -> Any:
        return _ops.atanh(self)

    def arcsin(self) -> Any:
        return _ops.arcsin(self)

    def arccos(self) -> Any:
        return _ops.arccos(self)

    def arctan(self) -> Any:
        return _ops.arctan(self)

    def arcsinh(self) -> Any:
        return _ops.arcsinh(self)

    def arccosh(self) -> Any:
        return _ops.arccosh(self)

    def arctanh(self) -> Any:
        return _ops.arctanh(self)

    def log2(self) -> Any:
        return _ops.log2(self)

    def log10(self) -> Any:
        return _ops.log10(self)

    def log1p(self) -> Any:
        return _ops.log1p(self)

    def exp2(self) -> Any:
        return _ops.exp2(self)

    def expm1(self) -> Any:
        return _ops.expm1(self)

    def rsqrt(self) -> Any:
        return _ops.rsqrt(self)

    def erf(self) -> Any:
        return _ops.erf(self)

    def frac(self) -> Any:
        return _ops.frac(self)

    def deg2rad(self) -> Any:
        return _ops.deg2rad(self)

    def rad2deg(self) -> Any:
        return _ops.rad2deg(self)

    def trunc(self) -> Any:
        return _ops.trunc(self)

    def fix(self) -> Any:
        return _ops.fix(self)

    def atan2(self, other: Any) -> Any:
        return _ops.atan2(self, other)

    def arctan2(self, other: Any) -> Any:
        return _ops.arctan2(self, other)

    def hypot(self, other: Any) -> Any:
        return _ops.hypot(self, other)

    def logaddexp(self, other: Any) -> Any:
        return _ops.logaddexp(self, other)

    def fmax(self, other: Any) -> Any:
        return _ops.fmax(self, other)

    def fmin(self, other: Any) -> Any:
        return _ops.fmin(self, other)

    def copysign(self, other: Any) -> Any:
        return _ops.copysign(self, other)

    def sinc(self) -> Any:
        return _ops.sinc(self)

    def erfc(self) -> Any:
        return _ops.erfc(self)

    def erfinv(self) -> Any:
        return _ops.erfinv(self)

    def lgamma(self) -> Any:
        return _ops.lgamma(self)

    def digamma(self) -> Any:
        return _ops.digamma(self)

    def polygamma(self, n: int) -> Any:
        return _ops.polygamma(n, self)

    def mvlgamma(self, p: int) -> Any:
        return _ops.mvlgamma(self, p)

    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        return _ops.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        return _ops.nanmean(self, dim, keepdim, dtype=dtype)

    def rot90(self, k: int = 1, dims: Any = (0, 1)) -> Any:
        return _ops.rot90(self, k, dims)

    def diagflat(self, offset: int = 0) -> Any:
        return _ops.diagflat(self, offset)

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> Any:
        return _ops.tensor_split(self, indices_or_sections, dim)

    def hsplit(self, indices_or_sections: Any) -> Any:
        return _ops.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections: Any) -> Any:
        return _ops.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections: Any) -> Any:
        return _ops.dsplit(self, indices_or_sections)

    def vdot(self, other: Any) -> Any:
        return _ops.vdot(self, other)

    def addr(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return _ops.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def matrix_power(self, n: int) -> Any:
        return _ops.matrix_power(self, n)

    def inverse(self) -> Any:
        return _ops.inverse(self)

    def det(self) -> Any:
        return _ops.det(self)

    def logdet(self) -> Any:
        return _ops.logdet(self)

    def slogdet(self) -> Any:
        return _ops.slogdet(self)

    def svd(self, some: bool = True, compute_uv: bool = True) -> Any:
        return _ops.svd(self, some, compute_uv)

    def pinverse(self, rcond: float = 1e-15) -> Any:
        return _ops.pinverse(self, rcond)

    def qr(self, some: bool = True) -> Any:
        return _ops.qr(self, some)

    def matrix_exp(self) -> Any:
        return _ops.matrix_exp(self)

    def cholesky(self, upper: bool = False) -> Any:
        return _ops.cholesky(self, upper)

    def cholesky_solve(self, input2: Any, upper: bool = False) -> Any:
        return _ops.cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper: bool = False) -> Any:
        return _ops.cholesky_inverse(self, upper)

    def lu(self, pivot: bool = True, get_infos: bool = False) -> Any:
        return _ops.lu(self, pivot, get_infos)

    def lu_solve(self, LU_data: Any, LU_pivots: Any) -> Any:
        return _ops.lu_solve(self, LU_data, LU_pivots)

    def unfold(self, dimension: int, size: int, step: int) -> Any:
        return _ops.unfold(self, dimension, size, step)

    def cov(self, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Any:
        return _ops.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self) -> Any:
        return _ops.corrcoef(self)

    def heaviside(self, values: Any) -> Any:
        return _ops.heaviside(self, values)

    def float_power(self, exponent: Any) -> Any:
        return _ops.float_power(self, exponent)

    def ldexp(self, other: Any) -> Any:
        return _ops.ldexp(self, other)

    def frexp(self) -> Any:
        return _ops.frexp(self)

    def gcd(self, other: Any) -> Any:
        return _ops.gcd(self, other)

    def lcm(self, other: Any) -> Any:
        return _ops.lcm(self, other)

    def renorm(self, p: float, dim: int, maxnorm: float) -> Any:
        return _ops.renorm(self, p, dim, maxnorm)

    def nanmedian(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.nanmedian(self, dim, keepdim)

    def quantile(self, q: Any, dim: Any = None, keepdim: bool = False, *, interpolation: str = "linear") -> Any:
        return _ops.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q: Any, dim: Any = None, keepdim: bool = False, *, interpolation: str = "linear") -> Any:
        return _ops.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> Any:
        return _ops.index_put_(self, indices, values, accumulate)

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Any:
        return _ops.index_put(self, indices, values, accumulate)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return _ops.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return _ops.addcdiv(self, tensor1, tensor2, value=value)

    def xlogy(self, other: Any) -> Any:
        return _ops.xlogy(self, other)

    def logit(self, eps: Any = None) -> Any:
        return _ops.logit(self, eps)

    def nan_to_num(self, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> Any:
        return _ops.nan_to_num(self, nan, posinf, neginf)

    def sgn(self) -> Any:
        return _ops.sgn(self)

    def fmod(self, other: Any) -> Any:
        return _ops.fmod(self, other)

    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Any:
        return _ops.diff(self, n, dim, prepend, append)

    def select(self, dim: int, index: int) -> Any:
        return _ops.select(self, dim, index)

    def ravel(self) -> Any:
        return _ops.ravel(self)

    def isneginf(self) -> Any:
        return _ops.isneginf(self)

    def isposinf(self) -> Any:
        return _ops.isposinf(self)

    def signbit(self) -> Any:
        return _ops.signbit(self)

    def inner(self, other: Any) -> Any:
        return _ops.inner(self, other)

    def dist(self, other: Any, p: float = 2) -> Any:
        return _ops.dist(self, other, p)

    def cross(self, other: Any, dim: Any = None) -> Any:
        return _ops.cross(self, other, dim)

    # in place
    def sinh_(self) -> Any:
        return self._inplace(_ops.sinh)

    def cosh_(self) -> Any:
        return self._inplace(_ops.cosh)

    def tan_(self) -> Any:
        return self._inplace(_ops.tan)

    def asin_(self) -> Any:
        return self._inplace(_ops.asin)

    def acos_(self) -> Any:
        return self._inplace(_ops.acos)

    def atan_(self) -> Any:
        return self._inplace(_ops.atan)

    def asinh_(self) -> Any:
        return self._inplace(_ops.asinh)

    def acosh_(self) -> Any:
        return self._inplace(_ops.acosh)

    def atanh_(self) -> Any:
        return self._inplace(_ops.atanh)

    def arcsin_(self) -> Any:
        return self._inplace(_ops.arcsin)

    def arccos_(self) -> Any:
        return self._inplace(_ops.arccos)

    def arctan_(self) -> Any:
        return self._inplace(_ops.arctan)

    def arcsinh_(self) -> Any:
        return self._inplace(_ops.arcsinh)

    def arccosh_(self) -> Any:
        return self._inplace(_ops.arccosh)

    def arctanh_(self) -> Any:
        return self._inplace(_ops.arctanh)

    def log2_(self) -> Any:
        return self._inplace(_ops.log2)

    def log10_(self) -> Any:
        return self._inplace(_ops.log10)

    def log1p_(self) -> Any:
        return self._inplace(_ops.log1p)

    def exp2_(self) -> Any:
        return self._inplace(_ops.exp2)

    def expm1_(self) -> Any:
        return self._inplace(_ops.expm1)

    def rsqrt_(self) -> Any:
        return self._inplace(_ops.rsqrt)

    def erf_(self) -> Any:
        return self._inplace(_ops.erf)

    def frac_(self) -> Any:
        return self._inplace(_ops.frac)

    def deg2rad_(self) -> Any:
        return self._inplace(_ops.deg2rad)

    def rad2deg_(self) -> Any:
        return self._inplace(_ops.rad2deg)

    def trunc_(self) -> Any:
        return self._inplace(_ops.trunc)

    def fix_(self) -> Any:
        return self._inplace(_ops.fix)

    def atan2_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.atan2(s, other), other)

    def arctan2_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.arctan2(s, other), other)

    def hypot_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.hypot(s, other), other)

    def xlogy_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.xlogy(s, other), other)

    def logit_(self, eps: Any = None) -> Any:
        return self._inplace(lambda s: _ops.logit(s, eps))

    def nan_to_num_(self, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> Any:
        return self._inplace(lambda s: _ops.nan_to_num(s, nan, posinf, neginf))

    def sgn_(self) -> Any:
        return self._inplace(_ops.sgn)

    def fmod_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.fmod(s, other), other)

    def copysign_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.copysign(s, other), other)

    def sinc_(self) -> Any:
        return self._inplace(_ops.sinc)

    def ldexp_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.ldexp(s, other), other)

    def renorm_(self, p: float, dim: int, maxnorm: float) -> Any:
        return self._inplace(lambda s: _ops.renorm(s, p, dim, maxnorm))

    def gcd_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.gcd(s, other), other)

    def lcm_(self, other: Any) -> Any:
        return self._inplace(lambda s: _ops.lcm(s, other), other)

    def erfc_(self) -> Any:
        return self._inplace(_ops.erfc)

    def erfinv_(self) -> Any:
        return self._inplace(_ops.erfinv)

    def lgamma_(self) -> Any:
        return self._inplace(_ops.lgamma)

    def digamma_(self) -> Any:
        return self._inplace(_ops.digamma)

    def polygamma_(self, n: int) -> Any:
        return self._inplace(lambda s: _ops.polygamma(n, s))

    def addr_(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._inplace(lambda s: _ops.addr(s, vec1, vec2, beta=beta, alpha=alpha), vec1, vec2)
