"""The higher-order examples run and agree with torch: WGAN-GP's gradient penalty, LeNet's Hessian-vector product."""

from __future__ import annotations

import numpy as np

from examples import lenet_hvp, wgan_gp


def test_wgan_gp_critic_trains_like_torch() -> None:
    res = wgan_gp.run(steps=3, size=16)
    np.testing.assert_allclose(np.array(res["minitorch"]), np.array(res["torch"]), rtol=1e-10, atol=1e-12)
    assert max(res["gaps"].values()) < 1e-12
    assert wgan_gp.main(["--steps", "2"]) == 0


def test_lenet_hessian_vector_product_matches_torch() -> None:
    res = lenet_hvp.run(n=4)
    for name, mine, want in zip(res["names"], res["ours"], res["theirs"]):
        np.testing.assert_allclose(mine, want, rtol=1e-9, atol=1e-12 * np.abs(want).max(), err_msg=name)
    np.testing.assert_allclose(*res["image"], rtol=1e-9, atol=1e-20)
