"""Spellings of the last tier that their own tests reach only through tables: the top-level as_strided_ and
index_reduce, the Tensor igamma/igammac methods and in-place forms, F.lp_pool1d/2d, fuse_linear_bn_weights and
the autocast cache switches, each called directly against torch."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import minitorch
from tests.parity import assert_close, check_parity

RNG = np.random.default_rng(11)


def test_top_level_as_strided_in_place_and_index_reduce() -> None:
    def run(lib: Any) -> list:
        x = lib.tensor(np.arange(12.0).reshape(3, 4))
        view = lib.as_strided_(x.clone(), (2, 2), (4, 1), 1)
        base = lib.ones(3, 2)
        reduced = lib.index_reduce(
            base, 0, lib.tensor([0, 2, 0]), lib.tensor([[2.0, 3.0], [4.0, 5.0], [6.0, 7.0]]), "prod"
        )
        return [view, reduced]

    for got, want in zip(run(minitorch), run(torch)):
        assert_close(got, want, 0, 0, "spelling")


def test_igamma_methods_and_in_place_forms() -> None:
    a, x = RNG.uniform(0.5, 3.0, (2, 3)), RNG.uniform(0.1, 4.0, (2, 3))

    def run(lib: Any) -> list:
        ta, tx = lib.tensor(a), lib.tensor(x)
        return [ta.igamma(tx), ta.igammac(tx), ta.clone().igamma_(tx), ta.clone().igammac_(tx)]

    for got, want in zip(run(minitorch), run(torch)):
        assert_close(got, want, 1e-12, 1e-14, "igamma")
    check_parity(lambda lib, t: lib.tensor(a).igamma(t) + lib.tensor(a).igammac(t * 2), x)


def test_lp_pool_functions() -> None:
    x1, x2 = RNG.uniform(0.1, 2.0, (2, 3, 8)), RNG.uniform(0.1, 2.0, (2, 3, 6, 6))
    check_parity(lambda lib, t: lib.nn.functional.lp_pool1d(t, 2.0, 3, stride=2), x1)
    check_parity(lambda lib, t: lib.nn.functional.lp_pool2d(t, 3.0, 2), x2)


def test_fuse_linear_bn_weights() -> None:
    w, b = RNG.standard_normal((4, 3)), RNG.standard_normal(4)
    mean, var = RNG.standard_normal(4), RNG.uniform(0.5, 2.0, 4)
    gamma, beta = RNG.standard_normal(4), RNG.standard_normal(4)

    def run(lib: Any) -> list:
        weight, bias = lib.nn.utils.fuse_linear_bn_weights(
            lib.tensor(w), lib.tensor(b), lib.tensor(mean), lib.tensor(var), 1e-5, lib.tensor(gamma), lib.tensor(beta)
        )
        return [weight.detach(), bias.detach()]

    for got, want in zip(run(minitorch), run(torch)):
        assert_close(got, want, 1e-13, 1e-15, "fused")


def test_autocast_cache_switches() -> None:
    for lib in (minitorch, torch):
        assert lib.is_autocast_cache_enabled() is True
        lib.set_autocast_cache_enabled(False)
        assert lib.is_autocast_cache_enabled() is False
        lib.set_autocast_cache_enabled(True)
        lib.clear_autocast_cache()
        assert lib.is_autocast_cache_enabled() is True
