"""The language model both LM evaluators train: its corpus, its shape and optimizer arguments, its scores.

Shared by the stand-alone trainer (:class:`~nas_env.evaluators.lm_train.LMTrainEvaluator`) and the
shared-weight evaluator (:class:`~nas_env.evaluators.lm_shared.SharedWeightLMEvaluator`), so both read
the same corpus, check their arguments alike and report the same score keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from nas_env.training.corpora import CORPORA, Corpus, bits_per_token, check_corpus_name, load_corpus, perplexity
from nas_env.training.lm_trainer import LM_OPTIMIZERS
from nas_env.validation import check_choice, check_int, check_real

__all__ = ["NO_LM_SCORES", "TextData", "TextDataMixin", "check_lm_optimizer", "check_lm_shape", "lm_scores"]

#: Score keys of a successful child's metrics that a failed child reports as ``None`` (one schema for both).
NO_LM_SCORES: dict[str, None] = dict.fromkeys(
    ("val_perplexity", "test_perplexity", "val_bpc", "test_bpc", "val_loss", "test_loss")
)


def lm_scores(val_loss: float, test_loss: float | None, char: bool) -> dict[str, float | None]:
    """The :data:`NO_LM_SCORES` keys of losses in nats per token (bits per character only at char level)."""
    return {
        "val_perplexity": perplexity(val_loss),
        "test_perplexity": perplexity(test_loss),
        "val_bpc": bits_per_token(val_loss) if char else None,
        "test_bpc": bits_per_token(test_loss) if char and test_loss is not None else None,
        "val_loss": val_loss,
        "test_loss": test_loss,
    }


class TextData:
    """A corpus by name (loaded on first use) or a ready :class:`Corpus`; loaded once on the CPU, once per device.

    Args:
        dataset: a name from ``nas_env.training.corpora.CORPORA`` or a ready :class:`Corpus`.
        data_root: directory with the PTB files.
        max_chars: use a prefix of the corpus (see :mod:`nas_env.training.corpora`); ``None`` = all.

    Raises:
        ValueError: an unknown corpus name (missing files and a bad ``max_chars`` raise on loading).
    """

    def __init__(self, dataset: str | Corpus, *, data_root: str | Path | None, max_chars: int | None):
        if isinstance(dataset, Corpus):
            self.name, self._cpu = dataset.name, dataset
        elif isinstance(dataset, str):
            self.name, self._cpu = check_corpus_name(dataset), None
        else:
            raise ValueError(f"dataset must be a name from {sorted(CORPORA)} or a Corpus, got {dataset!r}")
        self.data_root = None if data_root is None else str(data_root)
        self.max_chars = max_chars
        self._on_device: Corpus | None = None

    @property
    def cpu(self) -> Corpus:
        """The whole corpus on the CPU (loaded on first use, then cached)."""
        if self._cpu is None:
            self._cpu = load_corpus(self.name, self.data_root, self.max_chars)
        return self._cpu

    def on(self, device: torch.device) -> Corpus:
        """The corpus on ``device`` (an evaluator's device never changes: converted once)."""
        if self._on_device is None:
            self._on_device = self.cpu.to(device)
        return self._on_device


class TextDataMixin:
    """The corpus side of an LM evaluator: its :class:`TextData` in ``self.text``, moved to ``self.device``."""

    text: TextData
    device: torch.device

    @property
    def corpus(self) -> Corpus:
        """The corpus (on the CPU)."""
        return self.text.cpu

    @property
    def data_root(self) -> str | None:
        return self.text.data_root

    @property
    def max_chars(self) -> int | None:
        return self.text.max_chars

    def _data_on_device(self) -> Corpus:
        return self.text.on(self.device)

    def _data_facts(self, corpus: Corpus) -> dict[str, Any]:
        return {"dataset": corpus.name, "level": corpus.level, "vocab_size": corpus.vocab_size}


def check_lm_shape(seq_len: Any, batch_size: Any, hidden_size: Any, embedding_size: Any, num_layers: Any,
                   dropout: Any) -> tuple[int, int, int, int | None, int, float]:
    """The char/word LM's shape arguments, checked (a clear ``ValueError`` naming the bad one)."""
    return (check_int("seq_len", seq_len, low=2),  # an input and a target per window
            check_int("batch_size", batch_size), check_int("hidden_size", hidden_size),
            check_int("embedding_size", embedding_size, optional=True), check_int("num_layers", num_layers, high=2),
            check_real("dropout", dropout, low=0.0, high=1.0, high_open=True))


def check_lm_optimizer(optimizer: Any, lr: Any, weight_decay: Any, grad_clip: Any,
                       diverge_loss: Any) -> tuple[str, float, float, float | None, float | None]:
    """The LM's optimizer arguments, checked as :func:`check_lm_shape` checks its shape."""
    return (check_choice("optimizer", optimizer, LM_OPTIMIZERS), check_real("lr", lr, low=0, low_open=True),
            check_real("weight_decay", weight_decay, low=0),
            check_real("grad_clip", grad_clip, low=0, low_open=True, optional=True),
            check_real("diverge_loss", diverge_loss, low=0, low_open=True, optional=True))
