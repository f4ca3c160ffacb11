"""A character-level LSTM language model, trained by minitorch and by its PyTorch twin side by side.

The text is a piece of the Python standard library's own source (every machine with Python has it):
a fixed list of modules found through ``sysconfig``, concatenated. The model is
``minitorch_app.models.CharLSTM`` (embedding, stacked LSTM, linear decoder), built by minitorch from
its seeded generator and copied into the torch twin; both then train on the same batches (random
windows of the text, drawn once from a seeded numpy generator) with Adam and gradient-norm clipping,
and the loss of each step is printed for both:

    .venv/bin/python examples/char_lstm.py                 # 300 steps, about half a minute per engine
    .venv/bin/python examples/char_lstm.py --steps 50 --dtype float64

The loop takes the library as an argument (``train(lib, ...)``), so the very same code runs in both.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sysconfig
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np

import minitorch
from minitorch_app import models

# Standard-library modules present in every CPython 3: the corpus, in this order.
SOURCES = ("textwrap", "string", "fnmatch", "shlex", "argparse", "difflib", "calendar", "pprint")


def load_text(max_chars: int | None = None) -> str:
    """The corpus: the ``SOURCES`` modules' source text (those found), ASCII only, at most ``max_chars``."""
    stdlib = sysconfig.get_paths()["stdlib"]
    parts = []
    for name in SOURCES:
        path = os.path.join(stdlib, name + ".py")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                parts.append(f.read())
    if not parts:
        raise FileNotFoundError(f"none of {', '.join(SOURCES)} found in {stdlib}")
    text = "".join(parts).encode("ascii", "ignore").decode("ascii")
    return text[:max_chars] if max_chars else text


def encode(text: str) -> tuple:
    """(codes, alphabet): each character's index in the sorted alphabet of the text."""
    alphabet = sorted(set(text))
    lookup = {c: i for i, c in enumerate(alphabet)}
    return np.array([lookup[c] for c in text], dtype=np.int64), alphabet


def make_batches(codes: np.ndarray, steps: int, batch: int, length: int, seed: int = 0) -> list:
    """``steps`` batches of ``batch`` random windows: (inputs, targets), each (batch, length) int64 arrays."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(steps):
        starts = rng.integers(0, len(codes) - length - 1, batch)
        windows = np.stack([codes[s : s + length + 1] for s in starts])
        out.append((windows[:, :-1], windows[:, 1:]))
    return out


def build(lib: ModuleType, vocab: int, embed: int, hidden: int, layers: int, seed: int = 0) -> Any:
    """A CharLSTM for ``lib``: minitorch's built from its generator seeded with ``seed``; torch's a copy of it."""
    minitorch.manual_seed(seed)
    ours = models.classes(minitorch)["CharLSTM"](vocab, embed, hidden, layers)
    if lib is minitorch:
        return ours
    twin = models.classes(lib)["CharLSTM"](vocab, embed, hidden, layers)
    twin.load_state_dict({k: lib.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    return twin


def train(
    lib: ModuleType,
    model: Any,
    batches: list,
    lr: float = 3e-3,
    clip: float = 1.0,
    dtype: str = "float32",
    log: Any = None,
) -> list:
    """Train ``model`` (of library ``lib``) on ``batches`` with Adam and gradient clipping; every step's loss.

    Args:
        lib: minitorch or torch.
        model: a CharLSTM of that library.
        batches: (inputs, targets) arrays from ``make_batches``.
        lr: Adam's learning rate.
        clip: the largest gradient norm (clip_grad_norm_).
        dtype: ``float32`` or ``float64`` for the parameters.
        log: called as ``log(step, loss)`` after each step, if given.
    """
    model = model.to(getattr(lib, dtype))
    model.train()
    opt = lib.optim.Adam(model.parameters(), lr=lr)
    vocab = model.decoder.out_features
    losses = []
    for step, (x, y) in enumerate(batches):
        logits, _ = model(lib.from_numpy(x))
        loss = lib.nn.functional.cross_entropy(logits.reshape(-1, vocab), lib.from_numpy(y).reshape(-1))
        opt.zero_grad()
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(loss.item())
        if log is not None:
            log(step, losses[-1])
    return losses


def sample(model: Any, alphabet: list, prompt: str, length: int = 200, seed: int = 0) -> str:
    """``length`` characters continuing ``prompt``, drawn from minitorch ``model``'s softmax, one at a time
    (the LSTM state carried from step to step)."""
    lookup = {c: i for i, c in enumerate(alphabet)}
    rng = np.random.default_rng(seed)
    model.eval()
    out = list(prompt)
    with minitorch.no_grad():
        logits, state = model(minitorch.tensor([[lookup[c] for c in prompt]]))
        for _ in range(length):
            probs = minitorch.softmax(logits[0, -1].double(), 0).numpy()
            code = int(rng.choice(len(alphabet), p=probs / probs.sum()))
            out.append(alphabet[code])
            logits, state = model(minitorch.tensor([[code]]), state)
    return "".join(out)


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train a character-level LSTM with minitorch and with torch.")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=64, help="characters per training window")
    parser.add_argument("--embed", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log-every", type=int, default=25)
    parser.add_argument("--max-chars", type=int, default=None, help="use only the first N characters of the text")
    parser.add_argument("--no-torch", action="store_true", help="train minitorch only")
    parser.add_argument(
        "--threads", type=int, default=1, help="BLAS/OpenMP threads for both engines (default 1: a per-core comparison)"
    )
    args = parser.parse_args(argv)
    with _threads(args.threads):
        return _run(args)


@contextlib.contextmanager
def _threads(n: int) -> Iterator[None]:
    """Both engines on ``n`` threads: numpy's BLAS through threadpoolctl (when installed), torch's own pools.

    The GEMMs of one time step are small; on a machine shared with other work, BLAS threads that spin
    waiting for a busy core make them many times slower, so the default is one thread each.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # numpy then keeps its default; OPENBLAS_NUM_THREADS=1 does the same
        limits: Any = contextlib.nullcontext()
    else:
        limits = threadpool_limits(limits=n)
    try:
        import torch
    except ImportError:
        torch = None
    before = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(n)
    try:
        with limits:
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(before)


def _run(args: argparse.Namespace) -> int:

    codes, alphabet = encode(load_text(args.max_chars))
    print(f"text: {len(codes):,} characters of the standard library ({', '.join(SOURCES)}), {len(alphabet)} distinct")
    batches = make_batches(codes, args.steps, args.batch, args.length, args.seed)
    libs: list = [minitorch]
    if not args.no_torch:
        import torch

        libs.append(torch)
    shape = (len(alphabet), args.embed, args.hidden, args.layers)
    results = {}
    for lib in libs:
        name = lib.__name__
        if name == "torch":
            lib.manual_seed(args.seed)
        model = build(lib, *shape, seed=args.seed)
        start = time.perf_counter()

        def log(step: int, loss: float, name: str = name) -> None:
            if step % args.log_every == 0 or step == args.steps - 1:
                print(f"{name:9s} step {step + 1:4d}  loss {loss:.6f}")

        losses = train(lib, model, batches, args.lr, dtype=args.dtype, log=log)
        results[name] = (losses, model, time.perf_counter() - start)
        print(f"{name:9s} {args.steps} steps in {results[name][2]:.1f} s")

    ours = results["minitorch"][0]
    print(f"\nfinal loss (step {args.steps}): minitorch {ours[-1]:.6f}", end="")
    if "torch" in results:
        theirs = results["torch"][0]
        rel = abs(ours[-1] - theirs[-1]) / abs(theirs[-1])
        worst = max(abs(a - b) / abs(b) for a, b in zip(ours, theirs))
        print(f", torch {theirs[-1]:.6f}: relative difference {rel:.2e} (largest over all steps {worst:.2e})")
    else:
        print()
    print("\nminitorch's model continues 'def ':\n" + sample(results["minitorch"][1], alphabet, "def "))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
