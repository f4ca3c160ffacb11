"""A character-level LSTM language model: Embedding -> LSTM -> Linear, next-character logits at every step."""

from __future__ import annotations

from types import ModuleType
from typing import Any


def define(lib: ModuleType) -> type:
    """The ``CharLSTM`` class written with ``lib.nn`` (``lib`` is minitorch or torch)."""
    nn: Any = lib.nn  # minitorch.nn or torch.nn: a base class the checker cannot name

    class CharLSTM(nn.Module):
        """Characters (int64 codes, (B, T)) -> embedding -> stacked LSTM (batch first) -> logits (B, T, vocab).

        Args:
            vocab: number of distinct characters.
            embed: size of each character's embedding.
            hidden: LSTM hidden size.
            layers: stacked LSTM layers.
            dropout: dropout between LSTM layers while training.
        """

        def __init__(self, vocab: int, embed: int = 64, hidden: int = 256, layers: int = 1, dropout: float = 0.0):
            super().__init__()
            self.embed = nn.Embedding(vocab, embed)
            self.lstm = nn.LSTM(embed, hidden, layers, batch_first=True, dropout=dropout)
            self.decoder = nn.Linear(hidden, vocab)

        def forward(self, x: Any, state: Any = None) -> tuple:
            """(logits, (h_n, c_n)); ``state`` carries the LSTM state over from the previous chunk of text."""
            out, state = self.lstm(self.embed(x), state)
            return self.decoder(out), state

    return CharLSTM
