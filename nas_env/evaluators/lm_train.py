"""Reward by training a language model around a searched recurrent cell (Zoph & Le's PTB experiment).

:class:`LMTrainEvaluator` builds :class:`nas_env.models.rnn_lm.RNNLanguageModel` around
a decoded :class:`~nas_env.spaces.ZophLeRNNCell`, trains it with truncated BPTT
(:mod:`nas_env.training.lm_trainer`) and reports perplexities. Metrics, beyond the
standard keys:

====================  ==========================================================================
key                   meaning
====================  ==========================================================================
``val_perplexity``    ``exp`` of the validation cross-entropy: the search signal (rewards
                      ``"ppl"``/``"char_ppl"`` in :mod:`nas_env.rewards`)
``test_perplexity``   the same on the test split (reported, never a reward)
``val_bpc``           bits per character on validation (char level; ``None`` for words)
``test_bpc``          bits per character on test (char level; ``None`` for words)
``val_loss``          validation cross-entropy, nats per token (``test_loss`` likewise)
``train_loss``        the last training batch's loss
``val_accuracy``      next-token top-1 accuracy on validation, a fraction (so the generic
                      ``"accuracy"`` reward works too); ``test_accuracy`` likewise
``cost_seconds``      measured wall seconds of training plus validation/test evaluation
``params``            parameters of the whole language model
``cell_params``       parameters of the searched cell layers only
``epochs_completed``  full passes over the training stream; ``steps``, ``tokens_seen`` too
``stopped_by``        ``"epochs"``, ``"time"`` (``epochs=None``) or ``"steps"`` (``max_steps``)
``dataset``, ``level``, ``vocab_size``, ``device``, ``seed``  where and how it ran
====================  ==========================================================================

Failures never raise out of :meth:`LMTrainEvaluator.evaluate`: ``"diverged"`` (NaN,
infinite or exploding loss, overflowing activations), ``"timeout"`` (``epochs`` set and
``max_train_seconds`` exceeded) and ``"failed"`` (any other exception, with its text).
Bad constructor arguments (unknown corpus, missing PTB files, ``seq_len < 2`` ...)
raise ``ValueError`` before any training.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from nas_env.evaluators.base import make_metrics
from nas_env.evaluators.lm_data import (
    NO_LM_SCORES,
    TextData,
    TextDataMixin,
    check_lm_optimizer,
    check_lm_shape,
    lm_scores,
)
from nas_env.evaluators.skeleton import StandaloneEvaluator
from nas_env.models.rnn_lm import RNNLanguageModel
from nas_env.spaces.zoph_le_rnn import ZophLeRNNCell
from nas_env.training.corpora import Corpus
from nas_env.training.lm_trainer import LMTrainResult, train_lm
from nas_env.validation import check_bool, check_int, check_real

__all__ = ["LMTrainEvaluator"]


class LMTrainEvaluator(TextDataMixin, StandaloneEvaluator):
    """Train a language model around each cell and report its perplexity.

    Args:
        dataset: ``"tinyshakespeare"`` (char level, bundled) or ``"ptb"`` (word level, needs
            ``data_root``), or a ready :class:`~nas_env.training.corpora.Corpus`.
        data_root: directory with ``ptb.train.txt``, ``ptb.valid.txt``, ``ptb.test.txt``.
        max_chars: use a prefix of the corpus (see :mod:`nas_env.training.corpora`); ``None`` = all.
        epochs: passes over the training stream (the fidelity); ``None``: train until
            ``max_train_seconds`` / ``max_steps`` runs out, then evaluate.
        max_train_seconds: wall-clock budget; with ``epochs`` set, exceeding it is status ``"timeout"``.
        max_steps: stop after this many optimiser steps and evaluate (a deterministic budget).
        seq_len: truncated-BPTT length (>= 2).
        batch_size: columns of the training stream.
        hidden_size: size of ``h_t``/``c_t``.
        embedding_size: input embedding size (``None`` = ``hidden_size``).
        num_layers: 1 or 2 layers of the cell.
        dropout: dropout on embeddings, between layers and before the softmax.
        tie_weights: share embedding and softmax weights.
        optimizer: ``"adam"`` or ``"sgd"``.
        lr: learning rate (constant).
        weight_decay: L2 weight decay.
        grad_clip: clip the global gradient norm to this (``None``: no clipping).
        diverge_loss: a training loss above this is ``"diverged"`` (``None``: ``3 * ln(vocab)``).
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ``"cuda:N"``.
        seed: training seed used when ``evaluate`` gets ``seed=None``.
        num_threads: intra-op threads while a child trains (restored afterwards); the default 1
            is fastest for these small sequential ops on CPU; ``None`` leaves torch's setting.
        eval_batch_size: columns of the validation/test streams.
        fast_cells: run the cells' fused time loop (:mod:`nas_env.models.rnn_fused`; CPU, when
            the kernel compiled); ``False``: the eager loop. Results agree within float rounding,
            but are not bit-identical, so the flag is part of :meth:`config`.
    """

    size_keys = ("params", "cell_params")
    no_scores = NO_LM_SCORES

    def __init__(
        self,
        dataset: str | Corpus = "tinyshakespeare",
        *,
        data_root: str | None = None,
        max_chars: int | None = 100_000,
        epochs: int | None = 1,
        max_train_seconds: float | None = None,
        max_steps: int | None = None,
        seq_len: int = 32,
        batch_size: int = 32,
        hidden_size: int = 64,
        embedding_size: int | None = None,
        num_layers: int = 1,
        dropout: float = 0.0,
        tie_weights: bool = False,
        optimizer: str = "adam",
        lr: float = 1e-2,
        weight_decay: float = 0.0,
        grad_clip: float | None = 1.0,
        diverge_loss: float | None = None,
        device: str = "auto",
        seed: int = 0,
        num_threads: int | None = 1,
        eval_batch_size: int = 16,
        fast_cells: bool = True,
    ):
        self.text = TextData(dataset, data_root=data_root, max_chars=max_chars)
        self.epochs = check_int("epochs", epochs, optional=True)
        self.max_train_seconds = check_real("max_train_seconds", max_train_seconds, low=0, low_open=True,
                                            optional=True)
        self.max_steps = check_int("max_steps", max_steps, optional=True)
        if self.epochs is None and self.max_train_seconds is None and self.max_steps is None:
            raise ValueError("give epochs, max_train_seconds or max_steps (all are None: training would never stop)")
        (self.seq_len, self.batch_size, self.hidden_size, self.embedding_size, self.num_layers,
         self.dropout) = check_lm_shape(seq_len, batch_size, hidden_size, embedding_size, num_layers, dropout)
        self.tie_weights = bool(tie_weights)
        if self.tie_weights and self.embedding_size not in (None, self.hidden_size):
            raise ValueError(
                f"tie_weights=True needs embedding_size == hidden_size, got {embedding_size} and {hidden_size}"
            )
        self.optimizer, self.lr, self.weight_decay, self.grad_clip, self.diverge_loss = check_lm_optimizer(
            optimizer, lr, weight_decay, grad_clip, diverge_loss)
        self._set_machine(device, seed, num_threads, eval_batch_size)
        self.fast_cells = check_bool("fast_cells", fast_cells)
        self.default_fidelity = self.epochs
        self._check_sizes(self.text.cpu)  # loads now: a bad max_chars or missing PTB files raise before training

    def _check_sizes(self, corpus: Corpus) -> None:
        if len(corpus.train) // self.batch_size < 2:
            raise ValueError(
                f"the training split has {len(corpus.train)} tokens: too few for batch_size={self.batch_size} "
                f"(each column needs >= 2 tokens); raise max_chars or lower batch_size"
            )

    # ------------------------------------------------------------------ model
    def build(self, cell: ZophLeRNNCell) -> RNNLanguageModel:
        """The (untrained) language model of ``cell`` under this evaluator's settings."""
        return RNNLanguageModel(
            cell, self.corpus.vocab_size, hidden_size=self.hidden_size, embedding_size=self.embedding_size,
            num_layers=self.num_layers, dropout=self.dropout, tie_weights=self.tie_weights, fast=self.fast_cells,
        )

    # -------------------------------------------------------------- evaluate
    def _epochs(self, fidelity: Any) -> int | None:
        fid = self.check_fidelity(fidelity)
        epochs = check_int("fidelity (epochs)", fid, optional=True)
        if epochs is None and self.max_train_seconds is None and self.max_steps is None:
            raise ValueError("fidelity None with no max_train_seconds or max_steps: training would never stop")
        return epochs

    def _progress(self, result: LMTrainResult) -> dict[str, Any]:
        return {
            "epochs_completed": result.epochs_completed, "steps": result.steps,
            "tokens_seen": result.tokens_seen, "stopped_by": result.stopped_by, "train_loss": result.train_loss,
        }

    def _metrics(self, result: LMTrainResult, sizes: dict[str, int | None], progress: dict[str, Any],
                 common: dict[str, Any]) -> dict[str, Any]:
        return make_metrics(
            result.val_accuracy,
            test_accuracy=result.test_accuracy,
            cost_seconds=result.seconds,
            params=sizes["params"],
            **lm_scores(result.val_loss, result.test_loss, common["level"] == "char"),
            cell_params=sizes["cell_params"],
            **progress,
            **common,
        )

    def _train(
        self, arch: Hashable, corpus: Corpus, epochs: int | None, seed: int, sizes: dict[str, int | None]
    ) -> LMTrainResult:
        """Build the model of ``arch``, record its sizes in ``sizes``, train it (inside :func:`run_child`)."""
        if not isinstance(arch, ZophLeRNNCell):
            raise TypeError(f"LMTrainEvaluator needs a ZophLeRNNCell, got {type(arch).__name__} ({arch!s})")
        model = self.build(arch).to(self.device)
        sizes["params"] = sum(p.numel() for p in model.parameters())
        sizes["cell_params"] = sum(p.numel() for p in model.layers.parameters())
        return train_lm(
            model, corpus, epochs=epochs, seq_len=self.seq_len, batch_size=self.batch_size,
            optimizer=self.optimizer, lr=self.lr, weight_decay=self.weight_decay, grad_clip=self.grad_clip,
            max_train_seconds=self.max_train_seconds, max_steps=self.max_steps,
            eval_batch_size=self.eval_batch_size, diverge_loss=self.diverge_loss,
        )

    def config(self) -> dict[str, Any]:
        return {
            "name": type(self).__name__,
            "dataset": self.text.name,
            "data_root": self.data_root,
            "max_chars": self.max_chars,
            "epochs": self.epochs,
            "max_train_seconds": self.max_train_seconds,
            "max_steps": self.max_steps,
            "seq_len": self.seq_len,
            "batch_size": self.batch_size,
            "hidden_size": self.hidden_size,
            "embedding_size": self.embedding_size,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
            "tie_weights": self.tie_weights,
            "optimizer": self.optimizer,
            "lr": self.lr,
            "weight_decay": self.weight_decay,
            "grad_clip": self.grad_clip,
            "diverge_loss": self.diverge_loss,
            "device": self._device_config(),
            "seed": self.seed,
            "num_threads": self.num_threads,
            "eval_batch_size": self.eval_batch_size,
            "fast_cells": self.fast_cells,
        }
