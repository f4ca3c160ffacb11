"""examples/bn_cnn_fashion.py on a tiny Fashion-MNIST: minitorch and its torch twin train step for step alike."""

from __future__ import annotations

import numpy as np

from examples.bn_cnn_fashion import main


def test_example_trains_like_torch_on_a_tiny_subset(tiny_fashion_mnist: str, capsys) -> None:
    argv = ["--data-dir", tiny_fashion_mnist, "--train", "320", "--test", "100", "--epochs", "2", "--quiet"]
    results = main(argv)
    out = capsys.readouterr().out
    assert "minitorch test accuracy" in out and "torch     test accuracy" in out and "difference" in out
    ours, theirs = results["minitorch"], results["torch"]
    assert len(ours["losses"]) == len(theirs["losses"]) == 10
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-3)  # float32, same weights and batches
    assert ours["losses"][-1] < ours["losses"][0]
    assert abs(ours["accuracy"] - theirs["accuracy"]) <= 2.0  # at most two of the 100 test images


def test_example_prints_its_model(capsys) -> None:
    main(["--print-model"])
    assert "BatchNorm2d(16, eps=1e-05, momentum=0.1" in capsys.readouterr().out
