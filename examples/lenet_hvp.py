"""The Hessian-vector product of LeNet-5's cross-entropy loss, in minitorch and in PyTorch.

Both libraries build the same LeNet-5 (the tutorials' 1x32x32 net: two 5x5 convolutions, 2x2
max-pooling, three linear layers, ReLU), in float64, from the same weights, and take the loss on
the same Fashion-MNIST batch (the first test images, padded to 32x32; random images where the data
set is not installed). The product ``H v`` of the loss's Hessian with respect to all parameters
and a random direction ``v`` is the gradient of ``<grad L, v>``:

    grads = autograd.grad(loss, params, create_graph=True)
    hv = autograd.grad(sum((g * v).sum() for g, v in zip(grads, vs)), params)

which differentiates the backward pass of every layer (convolution, max-pooling, ReLU, linear,
cross-entropy) once more. The script prints, per parameter, how far minitorch's product is from
torch's, and checks ``minitorch.autograd.functional.hvp`` on the input image against torch's.

    .venv/bin/python examples/lenet_hvp.py          (needs torch, from the test extra)
"""

from __future__ import annotations

import argparse
import gzip
import os
from types import ModuleType
from typing import Any

import numpy as np

import minitorch
from minitorch.testing.comparison import import_torch

FASHION = "/usr/share/datasets/fashion-mnist"


def lenet(lib: ModuleType) -> Any:
    """LeNet-5 written once against the torch API, built with ``lib``, in float64."""
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
            self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 5 * 5, 120), nn.Linear(120, 84), nn.Linear(84, 10)

        def forward(self, x: Any) -> Any:
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = lib.flatten(x, 1)
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

    return Net().double()


def batch(n: int) -> tuple:
    """(images (n, 1, 32, 32), labels (n,)): Fashion-MNIST's first test images, normalised, or random ones."""
    images_path = os.path.join(FASHION, "t10k-images-idx3-ubyte.gz")
    if os.path.exists(images_path):
        with gzip.open(images_path) as f:
            pixels = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)[:n]
        with gzip.open(os.path.join(FASHION, "t10k-labels-idx1-ubyte.gz")) as f:
            labels = np.frombuffer(f.read(), np.uint8, offset=8)[:n].astype(np.int64)
        images = (np.pad(pixels, ((0, 0), (2, 2), (2, 2))) / 255.0 - 0.2860) / 0.3530
        return images[:, None].astype(np.float64), labels, "Fashion-MNIST test images"
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 1, 32, 32)), rng.integers(0, 10, n), "random images (Fashion-MNIST not found)"


def hvp_of_parameters(lib: ModuleType, model: Any, images: np.ndarray, labels: np.ndarray, vs: list) -> list:
    """H v for the loss's Hessian with respect to every parameter (a list, in parameter order)."""
    params = list(model.parameters())
    loss = lib.nn.functional.cross_entropy(model(lib.tensor(images)), lib.tensor(labels))
    grads = lib.autograd.grad(loss, params, create_graph=True)
    dot = sum((g * lib.tensor(v)).sum() for g, v in zip(grads, vs))
    return [h.detach().numpy() for h in lib.autograd.grad(dot, params)]


def hvp_of_input(lib: ModuleType, model: Any, images: np.ndarray, labels: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``autograd.functional.hvp`` of the loss as a function of the images."""
    target = lib.tensor(labels)
    _, hv = lib.autograd.functional.hvp(
        lambda x: lib.nn.functional.cross_entropy(model(x), target), lib.tensor(images), lib.tensor(v)
    )
    return hv.numpy()


def run(n: int = 16, seed: int = 0) -> dict:
    torch = import_torch()
    torch.manual_seed(seed)
    theirs = lenet(torch)
    ours = lenet(minitorch)
    ours.load_state_dict({k: minitorch.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    images, labels, source = batch(n)
    rng = np.random.default_rng(seed)
    vs = [rng.standard_normal(tuple(p.shape)) for p in theirs.parameters()]
    names = [name for name, _ in theirs.named_parameters()]
    ours_hv = hvp_of_parameters(minitorch, ours, images, labels, vs)
    theirs_hv = hvp_of_parameters(torch, theirs, images, labels, vs)
    v_image = rng.standard_normal(images.shape)
    image_hv = (
        hvp_of_input(minitorch, ours, images, labels, v_image),
        hvp_of_input(torch, theirs, images, labels, v_image),
    )
    return {"source": source, "n": n, "names": names, "ours": ours_hv, "theirs": theirs_hv, "image": image_hv}


def _errors(a: np.ndarray, b: np.ndarray) -> tuple:
    diff = np.abs(a - b)
    return float(diff.max()), float((diff / np.maximum(np.abs(b), 1e-300)).max()), float(np.abs(b).max())


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args(argv)
    res = run(args.batch)
    print(f"LeNet-5, float64, cross-entropy on {res['n']} {res['source']}; H v for a random direction v")
    print(f"{'parameter':>12}  {'max |Hv| torch':>15}  {'max abs error':>14}  {'max rel error':>14}")
    worst = 0.0
    for name, mine, want in zip(res["names"], res["ours"], res["theirs"]):
        abs_err, rel_err, scale = _errors(mine, want)
        worst = max(worst, abs_err / scale)
        print(f"{name:>12}  {scale:15.6e}  {abs_err:14.2e}  {rel_err:14.2e}")
    abs_err, rel_err, scale = _errors(*res["image"])
    print(f"{'input image':>12}  {scale:15.6e}  {abs_err:14.2e}  {rel_err:14.2e}   (autograd.functional.hvp)")
    worst = max(worst, abs_err / scale)
    agree = worst < 1e-10
    print(f"largest error relative to the largest entry: {worst:.1e}; agreement: " + ("yes" if agree else "NO"))
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
