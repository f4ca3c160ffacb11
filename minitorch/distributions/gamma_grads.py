"""Implicit reparameterisation gradients of Gamma and Dirichlet samples, on raw arrays (numpy or cupy).

A Gamma(alpha) sample x = F^-1(u; alpha) moves with alpha as dx/dalpha = -(dF/dalpha)(x) / f(x). That has no
closed form, so torch evaluates it piecewise with approximations (ATen's ``standard_gamma_grad_one`` and
``dirichlet_grad_one``); these functions evaluate the same pieces for whole arrays at once, every piece
everywhere and ``where`` choosing, so that minitorch's gradients equal torch's for the same samples.
The thresholds are float32 constants in torch's C++, compared in double: they are written so here too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import array_module
from ..backend.fp_errors import restore, silence

__all__ = ["dirichlet_grad", "standard_gamma_grad"]


def _f32(value: float) -> float:
    """A float32 literal of C++ (``0.8f``) as the double it becomes in a comparison with a double."""
    return float(np.float32(value))


# Coefficients of torch's bivariate rational approximation of dx/dalpha (rows: powers of u = log(x/alpha)).
_GAMMA_UV = (
    (0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084),
    (0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915, -0.00058392623),
    (
        0.040121004,
        -0.0065914022,
        -0.0026286047,
        -0.0013441777,
        0.017050642,
        -0.0021309326,
        0.00085092367,
        -1.5247877e-07,
    ),
)

# Coefficients of torch's rational correction for the Beta marginal: [numerator/denominator][u power][a power][b].
_BETA_C = (
    (
        (
            (1.003668233, -0.01061107488, -0.0657888334, 0.01201642863),
            (0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033),
            (-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013),
        ),
        (
            (0.221950385, -0.3187676331, 0.01799915743, 0.01074823814),
            (-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057),
            (0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05),
        ),
        (
            (-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565),
            (0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181),
            (0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05),
        ),
    ),
    (
        (
            (1, -0.02924021934, -0.04438342661, 0.007285809825),
            (0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521),
            (-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149),
        ),
        (
            (0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273),
            (0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956),
            (-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05),
        ),
        (
            (0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05),
            (0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05),
            (-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06),
        ),
    ),
)


# The asymptotic series of torch's ``digamma_one`` (Cephes), highest power first.
_PSI_SERIES = (
    8.33333333333333333333e-2,
    -2.10927960927960927961e-2,
    7.57575757575757575758e-3,
    -4.16666666666666666667e-3,
    3.96825396825396825397e-3,
    -8.33333333333333333333e-3,
    8.33333333333333333333e-2,
)
_PSI_10 = 2.25175258906672110764  # digamma(10)


def _digamma(x: Any) -> Any:
    """digamma of positive ``x`` as torch's ``digamma_one`` computes it: x pushed up to 10 in the arrays' dtype,
    the sum and the series in double, the result in the arrays' dtype (so float32 results round as torch's)."""
    xp = array_module(x)
    shift = xp.zeros(x.shape, np.float64)
    for _ in range(10):  # positive x reaches 10 within ten steps
        low = x < 10
        shift = xp.where(low, shift - (1 / x).astype(np.float64), shift)
        x = xp.where(low, x + 1, x)
    z = 1.0 / (x * x).astype(np.float64)
    series = xp.full(x.shape, _PSI_SERIES[0])
    for coefficient in _PSI_SERIES[1:]:
        series = series * z + coefficient
    y = xp.where(x < _f32(1.0e17), z * series, 0.0)
    asymptotic = shift + _rounded(xp.log, x).astype(np.float64) - (0.5 / x).astype(np.float64) - y
    result = xp.where(x == 10, shift + _PSI_10, asymptotic)
    return result.astype(x.dtype)


def _rounded(fn: Any, *arrays: Any) -> Any:
    """``fn`` of ``arrays`` computed in double and rounded to their dtype: the correctly rounded value that C's
    logf and powf give for float32 (numpy's own float32 log and power can differ by an ulp)."""
    return fn(*(a.astype(np.float64) for a in arrays)).astype(arrays[0].dtype)


def _nan_to_zero(xp: Any, value: Any) -> Any:
    return xp.where(xp.isnan(value), 0, value)


def _gamma_small_x(xp: Any, alpha: Any, x: Any) -> Any:
    """dx/dalpha from a Taylor series of the incomplete gamma function (x < 0.8)."""
    numer, denom = xp.ones_like(x), alpha.copy()
    series1, series2 = numer / denom, numer / (denom * denom)
    for i in range(1, 6):  # five more terms, as torch takes
        numer = numer * (-x / i)
        denom = denom + 1
        series1 = series1 + numer / denom
        series2 = series2 + numer / (denom * denom)
    pow_x_alpha = x**alpha
    pdf = x ** (alpha - 1) * xp.exp(-x)
    cdf = pow_x_alpha * series1
    cdf_alpha = (xp.log(x) - _digamma(alpha)) * cdf - pow_x_alpha * series2
    return _nan_to_zero(xp, -cdf_alpha / pdf)


def _gamma_large_alpha(xp: Any, alpha: Any, x: Any) -> Any:
    """dx/dalpha from Rice's saddle-point expansion (alpha > 8), with a polynomial near x = alpha."""
    near = (_f32(0.9) * alpha <= x) & (x <= _f32(1.1) * alpha)
    numer_1 = 1 + 24 * alpha * (1 + 12 * alpha)
    numer_2 = 1440 * alpha**2 + 6 * x * (53 - 120 * x) - 65 * x * x / alpha + alpha * (107 + 3600 * x)
    polynomial = numer_1 * numer_2 / (1244160 * alpha**4)
    denom = xp.sqrt(8 * alpha)
    term2 = denom / (alpha - x)
    term3 = (x - alpha - alpha * xp.log(x / alpha)) ** -1.5
    term23 = xp.where(x < alpha, term2 - term3, term2 + term3)
    term1 = xp.log(x / alpha) * term23 - xp.sqrt(2 / alpha) * (alpha + x) / (alpha - x) ** 2
    stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha))
    return xp.where(near, polynomial, -stirling * x * term1 / denom)


def _gamma_rational(xp: Any, alpha: Any, x: Any) -> Any:
    """dx/dalpha from torch's bivariate rational approximation in log(x/alpha) and log(alpha)."""
    u, v = xp.log(x / alpha), xp.log(alpha)
    c = [_GAMMA_UV[0][i] + u * (_GAMMA_UV[1][i] + u * _GAMMA_UV[2][i]) for i in range(8)]
    p = c[0] + v * (c[1] + v * (c[2] + v * c[3]))
    q = c[4] + v * (c[5] + v * (c[6] + v * c[7]))
    return xp.exp(p / q)


def standard_gamma_grad(alpha: Any, x: Any) -> Any:
    """d x / d alpha for samples ``x`` of Gamma(``alpha``, 1), elementwise (torch's ``_standard_gamma_grad``).

    Args:
        alpha: concentrations (an array).
        x: samples of the same shape and dtype.
    """
    xp = array_module(alpha, x)
    quiet = silence()  # every piece is evaluated everywhere; the ones not chosen may overflow
    try:
        a, s = alpha.astype(np.float64), x.astype(np.float64)
        result = xp.where(
            s < _f32(0.8),
            _gamma_small_x(xp, a, s),
            xp.where(a > 8, _gamma_large_alpha(xp, a, s), _gamma_rational(xp, a, s)),
        )
        return result.astype(x.dtype)
    finally:
        restore(quiet)


def _beta_grad_alpha_small(xp: Any, x: Any, alpha: Any, beta: Any) -> Any:
    """d x / d alpha of a Beta(alpha, beta) sample near 0, by a Taylor series (in the dtype of the arrays)."""
    factor = _digamma(alpha) - _digamma(alpha + beta) - _rounded(xp.log, x)
    numer = xp.ones_like(x)
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        numer = numer * ((i - beta) * x / i)
        denom = alpha + i
        series = series + numer / denom * (factor + 1 / denom)
    return _nan_to_zero(xp, x * _rounded(xp.power, 1 - x, -beta) * series)


def _beta_grad_beta_small(xp: Any, x: Any, alpha: Any, beta: Any) -> Any:
    """d x / d beta of a Beta(alpha, beta) sample near 0, by a Taylor series (in the dtype of the arrays)."""
    factor = _digamma(alpha + beta) - _digamma(beta)
    numer, betas, dbetas = xp.ones_like(x), xp.ones_like(x), xp.zeros_like(x)
    series = factor / alpha
    for i in range(1, 9):
        numer = numer * (-x / i)
        dbetas = dbetas * (beta - i) + betas
        betas = betas * (beta - i)
        series = series + numer / (alpha + i) * (dbetas + factor * betas)
    return _nan_to_zero(xp, -_rounded(xp.power, 1 - x, 1 - beta) * series)


def _beta_grad_alpha_mid(xp: Any, x: Any, alpha: Any, beta: Any) -> Any:
    """d x / d alpha of a Beta(alpha, beta) sample for large alpha and beta: Rice's saddle-point expansion."""
    total = alpha + beta
    mean = alpha / total
    std = xp.sqrt(alpha * beta / (total + 1)) / total
    poly = 47 * x * beta**4 + alpha * (
        (43 + 20 * (16 + 27 * beta) * x) * beta**3
        + alpha
        * (
            3 * (59 + 180 * beta - 90 * x) * beta**2
            + alpha * ((453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (8 * (1 - x) * (135 * beta - 11)))
        )
    )
    prefactor_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
    prefactor_den = 12960 * alpha**3 * beta**2 * (1 + 12 * total)
    at_mean = prefactor_num / (1 - x) * poly / prefactor_den
    prefactor = -x / xp.sqrt(2 * alpha * beta / total)
    stirling = (
        (1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha))
        * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
        / (1 + 1 / (12 * total) + 1 / (288 * total * total))
    )
    axbx = alpha * (x - 1) + beta * x
    term1 = (2 * alpha**2 * (x - 1) + alpha * beta * (x - 1) - x * beta**2) / (
        xp.sqrt(2 * alpha / beta) * total**1.5 * axbx * axbx
    )
    term2 = 0.5 * xp.log(alpha / (total * x))
    term3 = xp.sqrt(8 * alpha * beta / total) / axbx
    term4 = (beta * xp.log(beta / (total * (1 - x))) + alpha * xp.log(alpha / (total * x))) ** -1.5
    away = stirling * prefactor * (term1 + term2 * (term3 + xp.where(x < mean, term4, -term4)))
    return xp.where((mean - 0.1 * std <= x) & (x <= mean + 0.1 * std), at_mean, away)


def _beta_grad_rational(xp: Any, x: Any, alpha: Any, total: Any, alpha_in: Any, total_in: Any) -> Any:
    """d x / d alpha of a Beta sample: torch's rational correction to an analytic approximation (``x``,
    ``alpha``, ``total`` in double; the digammas of ``alpha_in`` and ``total_in``, in their own dtype)."""
    u = xp.log(x)
    a = xp.log(alpha) - u
    b = xp.log(total) - a
    powers_u, powers_a = (1, u, u * u), (1, a, a * a)
    p, q = 0.0, 0.0
    for i in range(3):
        for j in range(3):
            ua = powers_u[i] * powers_a[j]
            cp, cq = _BETA_C[0][i][j], _BETA_C[1][i][j]
            p = p + ua * (cp[0] + b * (cp[1] + b * (cp[2] + b * cp[3])))
            q = q + ua * (cq[0] + b * (cq[1] + b * (cq[2] + b * cq[3])))
    digammas = (_digamma(total_in) - _digamma(alpha_in)).astype(np.float64)
    return p / q * (x * digammas / (total - alpha))


def dirichlet_grad(x: Any, alpha: Any, total: Any) -> Any:
    """d x_i / d alpha_i for Dirichlet samples ``x`` through their Beta(alpha_i, total - alpha_i) marginals,
    elementwise (torch's ``_dirichlet_grad``; its Dirichlet backward combines these into the full gradient).

    Args:
        x: samples (an array).
        alpha: the concentrations, of ``x``'s shape.
        total: each concentration's row sum, of ``x``'s shape.
    """
    xp = array_module(x, alpha, total)
    quiet = silence()
    try:
        # torch computes the boundary and the series near the ends in the arrays' dtype, the rest in double
        beta = total - alpha
        boundary = total * x * (1 - x)
        near_zero = _beta_grad_alpha_small(xp, x, alpha, beta)
        near_one = -_beta_grad_beta_small(xp, 1 - x, beta, alpha)
        x64, a64, t64 = (v.astype(np.float64) for v in (x, alpha, total))
        b64 = t64 - a64
        middle = _beta_grad_alpha_mid(xp, x64, a64, b64).astype(x.dtype)
        rational = _beta_grad_rational(xp, x64, a64, t64, alpha, total).astype(x.dtype)
        half = _f32(0.5)
        result = xp.where(
            (x <= half) & (boundary < _f32(2.5)),
            near_zero,
            xp.where(
                (x >= half) & (boundary < _f32(0.75)),
                near_one,
                xp.where((alpha > 6) & (beta > 6), middle, rational),
            ),
        )
        return result.astype(x.dtype)
    finally:
        restore(quiet)
