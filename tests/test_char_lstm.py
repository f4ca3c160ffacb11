"""The character-level LSTM example on a tiny setting: it learns, and minitorch follows torch step for step."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch
from examples.char_lstm import build, encode, load_text, main, make_batches, train


@pytest.fixture(scope="module")
def corpus() -> tuple:
    return encode(load_text(20_000))


def _run(lib, corpus, dtype: str, steps: int = 12) -> list:
    codes, alphabet = corpus
    batches = make_batches(codes, steps, batch=4, length=12, seed=1)
    model = build(lib, len(alphabet), 6, 10, 2, seed=1)
    return train(lib, model, batches, lr=1e-2, dtype=dtype)


def test_the_corpus_is_the_standard_librarys_source(corpus) -> None:
    codes, alphabet = corpus
    assert len(codes) == 20_000 and "def " in load_text()
    assert all(ord(c) < 128 for c in alphabet) and 30 < len(alphabet) < 128


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 1e-4)])
def test_minitorch_follows_torchs_losses(corpus, dtype: str, rtol: float) -> None:
    ours, theirs = _run(minitorch, corpus, dtype), _run(torch, corpus, dtype)
    np.testing.assert_allclose(ours, theirs, rtol=rtol)
    assert ours[-1] < ours[0] - 0.5  # it learns: from about ln(vocab) down


def test_main_prints_both_losses(corpus, capsys) -> None:
    main(
        [
            "--steps",
            "3",
            "--batch",
            "2",
            "--length",
            "8",
            "--embed",
            "4",
            "--hidden",
            "6",
            "--layers",
            "1",
            "--max-chars",
            "5000",
            "--log-every",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert "minitorch step    3" in out and "torch     step    3" in out and "relative difference" in out
