"""A small CNN with BatchNorm2d and AdaptiveAvgPool2d on Fashion-MNIST, trained by minitorch and by PyTorch.

Three 3x3 conv blocks (conv, batch norm, ReLU; max-pooling after the first two), global average
pooling and one linear layer, about 24k parameters (``minitorch_app.models``' ``bn-cnn``, which
``minitorch train --model bn-cnn`` also trains). The model and the training loop are written
once against the PyTorch API and take the library as an argument; torch's model starts from
minitorch's initial weights (copied exactly) and both see the same batches in the same order, so
their accuracies (and losses, step by step) can be compared. Needs the data set where
``minitorch.vision.datasets.FashionMNIST`` finds it (Debian's ``dataset-fashion-mnist`` package
puts it under /usr/share/datasets/fashion-mnist) and, for the comparison, torch.

    .venv/bin/python examples/bn_cnn_fashion.py                          # 2 epochs on all 60,000 images
    .venv/bin/python examples/bn_cnn_fashion.py --train 10000 --epochs 1 # a quicker look
    .venv/bin/python examples/bn_cnn_fashion.py --no-torch               # minitorch alone
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

import minitorch
from minitorch.vision.datasets import FashionMNIST
from minitorch_app import models

MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST's training pixels, scaled to [0, 1]


def define(lib: ModuleType) -> type:
    """The model class written with ``lib.nn`` (minitorch or torch): ``minitorch_app.models``' ``bn-cnn``,
    three 3x3 conv blocks (conv, BatchNorm2d, ReLU; max-pooling after the first two), AdaptiveAvgPool2d(1)
    and a linear layer (``python examples/bn_cnn_fashion.py --print-model`` shows it)."""
    return models.classes(lib)["BatchNormCNN"]


def load(data_dir: str, train_images: int, test_images: int) -> dict:
    """Normalised float32 images (N, 1, 28, 28) and int64 labels of the first images of each split."""
    out = {}
    for split, count in (("train", train_images), ("test", test_images)):
        ds = FashionMNIST(data_dir, train=split == "train")
        pixels = ds.data.numpy()[:count].astype(np.float32) / 255
        out[split] = ((pixels[:, None] - MEAN) / STD, ds.targets.numpy()[:count])
    return out


def batch_orders(n: int, batch_size: int, epochs: int, seed: int) -> list:
    """Each epoch's batches as index arrays: one shuffle per epoch, the same for both libraries."""
    rng = np.random.default_rng(seed)
    orders = []
    for _ in range(epochs):
        perm = rng.permutation(n)
        orders.append([perm[i : i + batch_size] for i in range(0, n, batch_size)])
    return orders


def train(lib: ModuleType, model: Any, data: dict, orders: list, lr: float, log: Callable | None = None) -> list:
    """SGD with momentum 0.9 (and a cosine learning-rate decay) over the batches of ``orders``; every loss.

    Args:
        lib: minitorch or torch.
        model: a model built with ``lib``.
        data: ``load``'s arrays.
        orders: ``batch_orders``' index arrays, one list per epoch.
        lr: the initial learning rate.
        log: called with (epoch, step, loss) every 100 steps.
    """
    images, labels = data["train"]
    opt = lib.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=sum(len(o) for o in orders))
    criterion = lib.nn.CrossEntropyLoss()
    losses = []
    model.train()
    for epoch, order in enumerate(orders):
        for step, idx in enumerate(order):
            x, y = lib.from_numpy(images[idx]), lib.from_numpy(labels[idx])
            opt.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
            if log is not None and step % 100 == 0:
                log(epoch, step, losses[-1])
    return losses


def accuracy(lib: ModuleType, model: Any, data: dict, batch_size: int = 1000) -> float:
    """Test accuracy in percent, in evaluation mode (batch norm uses its running statistics)."""
    images, labels = data["test"]
    model.eval()
    correct = 0
    with lib.no_grad():
        for i in range(0, len(labels), batch_size):
            pred = model(lib.from_numpy(images[i : i + batch_size])).argmax(1).numpy()
            correct += int((pred == labels[i : i + batch_size]).sum())
    return 100.0 * correct / len(labels)


def run(lib: ModuleType, model: Any, data: dict, orders: list, lr: float, quiet: bool = False) -> dict:
    """Train and test ``model`` with ``lib``; its losses, accuracy and time."""
    name = lib.__name__

    def log(epoch: int, step: int, loss: float) -> None:
        print(f"  {name:9s} epoch {epoch + 1} step {step:4d}  loss {loss:.4f}", flush=True)

    start = time.perf_counter()
    losses = train(lib, model, data, orders, lr, None if quiet else log)
    seconds = time.perf_counter() - start
    return {"losses": losses, "accuracy": accuracy(lib, model, data), "seconds": seconds}


def torch_twin(model: Any) -> Any:
    """The same model in real PyTorch, with ``model``'s exact weights and buffers."""
    import torch  # here, not at the top: ``--no-torch`` runs without torch installed
    from minitorch_app.reference.twin import copy_weights

    twin = define(torch)()
    copy_weights(model, twin)
    return twin


def main(argv: list | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Train a BatchNorm CNN on Fashion-MNIST with minitorch and torch.")
    parser.add_argument("--data-dir", default="data", help="where FashionMNIST looks first (then system dirs)")
    parser.add_argument("--train", type=int, default=60000, help="training images used (of 60,000)")
    parser.add_argument("--test", type=int, default=10000, help="test images used (of 10,000)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="torch's intra-op threads (0: its default)")
    parser.add_argument("--no-torch", action="store_true", help="train with minitorch only")
    parser.add_argument("--quiet", action="store_true", help="no per-step losses")
    parser.add_argument("--print-model", action="store_true", help="print the model and stop")
    args = parser.parse_args(argv)
    if args.print_model:
        print(define(minitorch)())
        return {}

    data = load(args.data_dir, args.train, args.test)
    orders = batch_orders(len(data["train"][1]), args.batch_size, args.epochs, args.seed)
    minitorch.manual_seed(args.seed)
    model = define(minitorch)()
    twin = None if args.no_torch else torch_twin(model)  # before training: the same starting weights
    print(f"{len(data['train'][1])} training images, {len(data['test'][1])} test images, {args.epochs} epochs")
    results = {"minitorch": run(minitorch, model, data, orders, args.lr, args.quiet)}
    if twin is not None:
        import torch

        if args.threads:
            torch.set_num_threads(args.threads)
        results["torch"] = run(torch, twin, data, orders, args.lr, args.quiet)
    for name, r in results.items():
        print(f"{name:9s} test accuracy {r['accuracy']:.2f} %  ({r['seconds']:.1f} s training)")
    if twin is not None:
        gap = results["minitorch"]["accuracy"] - results["torch"]["accuracy"]
        print(f"difference {gap:+.2f} points")
    return results


if __name__ == "__main__":
    main()
