"""A WGAN-GP critic trained with minitorch and with PyTorch side by side: the gradient penalty needs
the gradient of the critic's output with respect to its input, differentiated again.

The critic is a small MLP (2 -> 64 -> 64 -> 1, LeakyReLU written as max(x, 0.2 x)); "real" samples
lie on a ring, "fake" ones come from a fixed Gaussian blob. Each step computes

    loss = critic(fake).mean() - critic(real).mean() + 10 * ((|grad_x critic(x_hat)| - 1) ** 2).mean()

at random interpolates ``x_hat`` of real and fake samples (the gradient taken with
``create_graph=True``) and takes an Adam step (lr 1e-3, betas (0.5, 0.9), as the WGAN-GP paper).
Both libraries start from the same weights and see the same batches, in float64; the script
prints both trajectories and how far apart the parameters end.

    .venv/bin/python examples/wgan_gp.py            (needs torch, from the test extra)
"""

from __future__ import annotations

import argparse
from types import ModuleType
from typing import Any

import numpy as np

import minitorch
from minitorch.testing.comparison import import_torch

PENALTY = 10.0


def critic(lib: ModuleType) -> Any:
    """The critic, built with ``lib.nn`` in float64."""
    nn = lib.nn

    class Critic(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1, self.fc2, self.fc3 = nn.Linear(2, 64), nn.Linear(64, 64), nn.Linear(64, 1)

        def forward(self, x: Any) -> Any:
            h = self.fc1(x)
            h = lib.maximum(h, 0.2 * h)
            h = self.fc2(h)
            h = lib.maximum(h, 0.2 * h)
            return self.fc3(h)

    return Critic().double()


def batches(steps: int, size: int, seed: int = 0) -> list:
    """(real, fake, mixing weights) per step, as float64 arrays."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(steps):
        angle = rng.uniform(0, 2 * np.pi, size)
        real = np.stack([np.cos(angle), np.sin(angle)], 1) * 2 + rng.normal(0, 0.05, (size, 2))
        fake = rng.normal(0, 0.5, (size, 2)) + np.array([0.5, -0.3])
        out.append((real, fake, rng.uniform(0, 1, (size, 1))))
    return out


def train(lib: ModuleType, model: Any, data: list) -> list:
    """Critic steps with the gradient penalty; (loss, penalty) per step."""
    opt = lib.optim.Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.9))
    history = []
    for real_np, fake_np, eps_np in data:
        real, fake, eps = lib.tensor(real_np), lib.tensor(fake_np), lib.tensor(eps_np)
        mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (grad,) = lib.autograd.grad(model(mixed).sum(), mixed, create_graph=True)
        norm = ((grad * grad).sum(1) + 1e-12).sqrt()
        penalty = PENALTY * ((norm - 1) ** 2).mean()
        loss = model(fake).mean() - model(real).mean() + penalty
        opt.zero_grad()
        loss.backward()  # through the penalty: the critic's gradient, differentiated again
        opt.step()
        history.append((loss.item(), penalty.item()))
    return history


def run(steps: int = 20, size: int = 64, seed: int = 0) -> dict:
    """Train both critics from the same weights; the two histories and the largest parameter gap."""
    torch = import_torch()
    torch.manual_seed(seed)
    theirs = critic(torch)
    ours = critic(minitorch)
    ours.load_state_dict({k: minitorch.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    data = batches(steps, size, seed)
    h_ours, h_theirs = train(minitorch, ours, data), train(torch, theirs, data)
    gaps = {
        name: float(np.max(np.abs(p.detach().numpy() - dict(theirs.named_parameters())[name].detach().numpy())))
        for name, p in ours.named_parameters()
    }
    return {"minitorch": h_ours, "torch": h_theirs, "gaps": gaps}


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    res = run(args.steps)
    print(f"WGAN-GP critic, {args.steps} Adam steps, float64, gradient penalty through create_graph=True")
    print(f"{'step':>4}  {'loss minitorch':>16}  {'loss torch':>16}  {'penalty minitorch':>18}  {'penalty torch':>14}")
    for i, ((lm, pm), (lt, pt)) in enumerate(zip(res["minitorch"], res["torch"])):
        if i < 3 or i == len(res["torch"]) - 1 or (i + 1) % 5 == 0:
            print(f"{i + 1:>4}  {lm:16.10f}  {lt:16.10f}  {pm:18.10f}  {pt:14.10f}")
    worst = max(abs(a[0] - b[0]) for a, b in zip(res["minitorch"], res["torch"]))
    print(f"largest loss difference over the run: {worst:.2e}")
    print("largest parameter difference after the run: " + ", ".join(f"{k} {v:.1e}" for k, v in res["gaps"].items()))
    agree = worst < 1e-9 and max(res["gaps"].values()) < 1e-9
    print("agreement: " + ("yes (within 1e-9)" if agree else "NO"))
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
