"""The main job: the two-layer net learns, and follows torch's trajectory step for step."""

import numpy as np
import torch

import minitorch
from examples.two_layer_net import make_problem, train


def test_loss_falls_100x_over_500_iterations():
    losses = train(minitorch, make_problem(0), iterations=500)
    assert losses[0] / losses[-1] >= 100


def test_trajectory_matches_torch():
    problem = make_problem(1)
    ours = np.array(train(minitorch, problem, iterations=60))
    theirs = np.array(train(torch, problem, iterations=60))
    # float32 sums over 64x1000 products: agree to a few ulps per step, compounding slowly.
    np.testing.assert_allclose(ours, theirs, rtol=2e-3)
