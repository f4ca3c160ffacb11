"""The tutorials' two-layer ReLU net, trained with minitorch autograd on random data.

N=64 samples, D_in=1000 inputs, H=100 hidden units, D_out=10 outputs; squared-error
loss summed over the batch, plain gradient descent with lr 1e-6 for 500 iterations,
as in "Learning PyTorch with Examples". The training loop is written against the
PyTorch API and takes the library as an argument, so ``reference/`` runs the very
same loop in real PyTorch from the same starting point.
"""

from __future__ import annotations

import argparse
from types import ModuleType

import minitorch

N, D_IN, H, D_OUT = 64, 1000, 100, 10


def make_problem(seed: int = 0) -> dict:
    """Random inputs, targets and initial weights (float32 arrays) from minitorch's generator."""
    minitorch.manual_seed(seed)
    shapes = {"x": (N, D_IN), "y": (N, D_OUT), "w1": (D_IN, H), "w2": (H, D_OUT)}
    return {name: minitorch.randn(*shape).numpy() for name, shape in shapes.items()}


def train(
    torch: ModuleType = minitorch,
    problem: dict | None = None,
    iterations: int = 500,
    lr: float = 1e-6,
    log_every: int = 0,
) -> list:
    """Train with ``torch`` (minitorch or real PyTorch) and return every iteration's loss.

    Args:
        torch: the library to train with.
        problem: arrays from ``make_problem`` (default: seed 0).
        iterations: gradient-descent steps.
        lr: learning rate.
        log_every: print the loss every this many iterations (0: never).
    """
    p = make_problem() if problem is None else problem
    x, y = torch.tensor(p["x"]), torch.tensor(p["y"])
    w1 = torch.tensor(p["w1"], requires_grad=True)
    w2 = torch.tensor(p["w2"], requires_grad=True)
    losses = []
    for t in range(iterations):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if log_every and (t % log_every == log_every - 1 or t == 0):
            print(f"iteration {t + 1:4d}  loss {loss.item():.6g}")
        loss.backward()
        with torch.no_grad():
            w1 -= lr * w1.grad
            w2 -= lr * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    return losses


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the tutorials' two-layer ReLU net with minitorch.")
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--lr", type=float, default=1e-6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    losses = train(minitorch, make_problem(args.seed), args.iterations, args.lr, log_every=50)
    ratio = losses[0] / losses[-1] if losses[-1] else float("inf")
    print(f"loss fell from {losses[0]:.6g} to {losses[-1]:.6g} ({ratio:.3g}x)")


if __name__ == "__main__":
    main()
