"""The language-model child of the recurrent-cell search: embedding, searched cell(s), softmax.

::

    tokens (batch, time) -> Embedding -> Dropout -> [cell layer -> Dropout] x num_layers -> Linear -> logits

==================  ========  ===========================================================
argument            default   meaning
==================  ========  ===========================================================
``cell``            --        the decoded :class:`~nas_env.spaces.ZophLeRNNCell`
``vocab_size``      --        number of tokens (characters or words)
``hidden_size``     ``64``    size of ``h_t`` and ``c_t`` in every layer
``embedding_size``  ``None``  input embedding size; ``None`` = ``hidden_size``
``num_layers``      ``1``     1 or 2 stacked layers of the same cell
``dropout``         ``0.0``   dropout on the embeddings, between layers and before the softmax
``tie_weights``     ``False`` share the embedding and softmax weights (Press & Wolf 2017);
                              needs ``embedding_size == hidden_size``
``fast``            ``True``  fused time loop of the cell layers where it applies
                              (:mod:`nas_env.models.rnn_fused`); ``False``: eager loop
==================  ========  ===========================================================

Embedding and softmax weights start ``U(-0.1, 0.1)`` (softmax bias 0); cell layers keep
``nn.Linear``'s default initialisation.
"""

from __future__ import annotations

import torch
from torch import nn

from nas_env.models.rnn_cell import State, ZophLeRNNCellModule
from nas_env.spaces.zoph_le_rnn import ZophLeRNNCell
from nas_env.validation import check_int, check_real

__all__ = ["RNNLanguageModel"]

MAX_LAYERS = 2


class RNNLanguageModel(nn.Module):
    """Word- or character-level language model around a searched cell (see the module docstring)."""

    def __init__(
        self,
        cell: ZophLeRNNCell,
        vocab_size: int,
        hidden_size: int = 64,
        embedding_size: int | None = None,
        num_layers: int = 1,
        dropout: float = 0.0,
        tie_weights: bool = False,
        fast: bool = True,
    ):
        super().__init__()
        emb = hidden_size if embedding_size is None else embedding_size
        for label, value in (("vocab_size", vocab_size), ("hidden_size", hidden_size), ("embedding_size", emb)):
            check_int(label, value)
        check_int("num_layers", num_layers, high=MAX_LAYERS)
        check_real("dropout", dropout, low=0.0, high=1.0, high_open=True)
        if tie_weights and emb != hidden_size:
            raise ValueError(
                f"tie_weights=True needs embedding_size == hidden_size, got {emb} and {hidden_size}"
            )
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.tie_weights = bool(tie_weights)
        self.embedding = nn.Embedding(vocab_size, emb)
        self.drop = nn.Dropout(dropout)
        self.layers = nn.ModuleList(
            ZophLeRNNCellModule(cell, emb if i == 0 else hidden_size, hidden_size, fast=fast)
            for i in range(num_layers)
        )
        self.decoder = nn.Linear(hidden_size, vocab_size)
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        if self.tie_weights:
            self.decoder.weight = self.embedding.weight
        else:
            nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def init_state(self, batch_size: int, device: torch.device | str | None = None) -> list[State]:
        """Zero ``(h, c)`` for every layer."""
        return [layer.init_state(batch_size, device) for layer in self.layers]

    def forward(
        self, tokens: torch.Tensor, state: list[State] | None = None
    ) -> tuple[torch.Tensor, list[State]]:
        """``tokens (batch, time)`` -> ``(logits (batch, time, vocab), new state)``."""
        if state is None:
            state = self.init_state(tokens.shape[0], tokens.device)
        x = self.drop(self.embedding(tokens))
        new_state: list[State] = []
        for layer, s in zip(self.layers, state):
            x, s = layer(x, s)
            x = self.drop(x)
            new_state.append(s)
        return self.decoder(x), new_state
