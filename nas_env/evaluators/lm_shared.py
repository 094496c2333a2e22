"""Reward by weight sharing (ENAS) for recurrent cells: every child LM is a slice of one set of shared weights.

:class:`SharedWeightLMEvaluator` keeps one :class:`~nas_env.models.shared_rnn.SharedRNNLM`
for the whole search. Evaluating a child trains the shared weights *on that child* for
``steps`` truncated-BPTT windows of ``seq_len`` tokens (the fidelity; ``0`` only
measures), then returns the child's validation loss with the current shared weights, on
the first ``val_chars`` tokens of the validation split. The reward (the env's: ``"bpc"``,
``"ppl"``, ... of :mod:`nas_env.rewards`, from the same metrics keys as the stand-alone
:class:`~nas_env.evaluators.lm_train.LMTrainEvaluator`) is therefore a **shared-weight
estimate** of how good the cell is, and it **depends on every evaluation before it**
(the order of evaluations, their number, the seed): it is not the cell's stand-alone
score. Re-train the best children stand-alone (``nas-env search ... --retrain-top K``)
to know what they are worth.

Consequences for runners, declared by the class attributes (as for the CNN's
:class:`~nas_env.evaluators.image_shared.SharedWeightEvaluator`):

* ``stateful = True``: the evaluator runs in the search process (executor ``"none"``),
  its :meth:`state_dict` (weights, optimizer state, counters) is saved with the run's
  checkpoint and restored on resume, so a resumed search repeats an uninterrupted one
  exactly;
* ``expensive = False``: a child costs a few minibatches; the evaluation store is off by
  default, and ``config()`` names this class, so a store never mixes shared-weight and
  stand-alone rewards.

Minibatches: child number ``k`` draws ``batch_size`` start positions in the training
stream with a ``torch.Generator`` seeded by its training seed (drawn from the env's
RNG); from there it trains ``steps`` consecutive windows of ``seq_len`` tokens (the
stream read cyclically), carrying the detached ``(h, c)`` from window to window and
starting from zeros, so a seeded search is deterministic. Optimizer: the stand-alone
trainer's (Adam or SGD, constant ``lr``, gradient norm clipped to ``grad_clip``), but
with a default ``lr`` of 0.001 (see the argument); every ``grad`` is ``None`` before a
step, so only the child's tensors and their optimizer state move.

Divergence (a training loss or gradient norm that is NaN/infinite, a training loss
above ``diverge_loss``, default ``3 * ln(vocab_size)``, or a non-finite validation
loss) is a result, status ``"diverged"``: the child's tensors and their optimizer state
are restored to what they were before it, so a diverged child leaves the shared
weights untouched. A cell of another space or base is status ``"failed"``.

Metrics: the stand-alone LM evaluator's where meaningful (``val_perplexity``,
``test_perplexity``, ``val_bpc``, ``test_bpc``, ``val_loss``, ``test_loss``,
``val_accuracy``, ``test_accuracy``, ``params``, ``cell_params``, ``steps``,
``tokens_seen``, ``train_loss`` (mean over the steps), ``dataset``, ``level``,
``vocab_size``, ``device``, ``seed``) plus ``reward_kind`` (``"shared_weights"``) and
``evaluation`` (0-based number of this evaluation in the evaluator's life). ``params``
and ``cell_params`` count the shared entries the child uses (= its stand-alone counts);
test scores are measured on the first ``val_chars`` tokens of the test split (``None``
with ``evaluate_test=False``).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Hashable
from typing import Any, cast

import numpy as np
import torch

from nas_env.evaluators.base import failure_metrics, make_metrics
from nas_env.evaluators.lm_data import (
    NO_LM_SCORES,
    TextData,
    TextDataMixin,
    check_lm_optimizer,
    check_lm_shape,
    lm_scores,
)
from nas_env.evaluators.skeleton import WeightSharingEvaluator
from nas_env.models.rnn_lm import RNNLanguageModel
from nas_env.models.shared_rnn import BoundChild, RNNChildPlan, SharedRNNLM
from nas_env.spaces.zoph_le_rnn import ZophLeRNNSpace
from nas_env.training.child import deterministic, error_text
from nas_env.training.corpora import Corpus
from nas_env.training.lm_trainer import evaluate_lm
from nas_env.training.shared_lm_trainer import Diverged, restore, snapshot, train_windows
from nas_env.validation import check_bool, check_int

__all__ = ["SharedWeightLMEvaluator"]


class SharedWeightLMEvaluator(TextDataMixin, WeightSharingEvaluator):
    """Train shared LM weights on each cell for ``steps`` TBPTT windows; reward from its validation loss.

    Args:
        space: the :class:`ZophLeRNNSpace` whose cells share the weights.
        dataset: ``"tinyshakespeare"`` (char level, bundled) or ``"ptb"`` (needs ``data_root``), or a
            ready :class:`~nas_env.training.corpora.Corpus`.
        data_root: directory with the PTB files.
        max_chars: use a prefix of the corpus (see :mod:`nas_env.training.corpora`); ``None`` = all.
        steps: TBPTT windows each evaluation trains the shared weights on the child (the default fidelity).
        warmup_steps: before the first evaluation, train the shared weights this many windows on uniformly
            random cells (one new cell per window, state carried); ``0`` = none.
        seq_len: truncated-BPTT length (>= 2).
        batch_size: parallel columns of a training window.
        hidden_size, embedding_size, num_layers, dropout: the language model's (as ``LMTrainEvaluator``).
        optimizer: ``"adam"`` or ``"sgd"`` (constant ``lr``).
        lr: learning rate. Default 0.001, a tenth of the stand-alone trainer's: after a 100-cell shared search
            at the ``rnn-tinyshakespeare`` settings it ranked 20 random cells closer to their stand-alone
            rewards (Kendall tau 0.65 after 10 windows each) than 0.003 (0.50) or 0.01 (0.48)
            (``python -m nas_env.benchmarks.measure.shared_rnn``).
        weight_decay: L2 weight decay (on the tensors a child uses).
        grad_clip: clip the child's gradient norm to this (``None``: no clipping).
        diverge_loss: a training loss above this is ``"diverged"`` (``None``: ``3 * ln(vocab)``).
        val_chars: validate (and test) on the first this-many tokens of the split (``None``: all of it).
        evaluate_test: also measure the test scores (``False``: ``None``, one forward pass less).
        device: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"``.
        seed: seeds the shared weights' initialisation and the warm-up cells; also the training seed of an
            ``evaluate`` call with ``seed=None``.
        num_threads: intra-op threads while evaluating (restored afterwards); ``None`` leaves torch's.
        eval_batch_size: columns of the validation/test streams.
        fast_cells: the fused time loop (:mod:`nas_env.models.rnn_fused`) where it applies.
    """

    def __init__(
        self,
        space: ZophLeRNNSpace,
        dataset: str | Corpus = "tinyshakespeare",
        *,
        data_root: str | None = None,
        max_chars: int | None = 100_000,
        steps: int = 10,
        warmup_steps: int = 0,
        seq_len: int = 32,
        batch_size: int = 32,
        hidden_size: int = 64,
        embedding_size: int | None = None,
        num_layers: int = 1,
        dropout: float = 0.0,
        optimizer: str = "adam",
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        grad_clip: float | None = 1.0,
        diverge_loss: float | None = None,
        val_chars: int | None = 2048,
        evaluate_test: bool = True,
        device: str = "auto",
        seed: int = 0,
        num_threads: int | None = 1,
        eval_batch_size: int = 16,
        fast_cells: bool = True,
    ):
        if not isinstance(space, ZophLeRNNSpace):
            raise ValueError(f"space must be a ZophLeRNNSpace, got {type(space).__name__}")
        self.text = TextData(dataset, data_root=data_root, max_chars=max_chars)
        corpus = self.text.cpu
        self.space = space
        self._set_steps(steps, warmup_steps)
        (self.seq_len, self.batch_size, self.hidden_size, self.embedding_size, self.num_layers,
         self.dropout) = check_lm_shape(seq_len, batch_size, hidden_size, embedding_size, num_layers, dropout)
        self.optimizer_name, self.lr, self.weight_decay, self.grad_clip, self.diverge_loss = check_lm_optimizer(
            optimizer, lr, weight_decay, grad_clip, diverge_loss)
        self.val_chars = check_int("val_chars", val_chars, low=2, optional=True)  # an input and a target
        self.evaluate_test = bool(evaluate_test)
        self._set_machine(device, seed, num_threads, eval_batch_size)
        self.fast_cells = check_bool("fast_cells", fast_cells)
        if len(corpus.train) < self.seq_len + 1:
            raise ValueError(f"the training split has {len(corpus.train)} tokens: too few for seq_len={seq_len}; "
                             f"raise max_chars or lower seq_len")

    # ------------------------------------------------------------------ model
    def _build(self) -> tuple[SharedRNNLM, torch.optim.Optimizer]:
        with deterministic(self.device, self.seed):
            model = SharedRNNLM(self.space, self.corpus.vocab_size, self.hidden_size, self.embedding_size,
                                self.num_layers, self.dropout, fast=self.fast_cells)
        model = model.to(self.device)
        params = list(model.parameters())
        # foreach: one grouped update of the child's ~40 tensors (10-15 % faster a child on CPU)
        optimizer: torch.optim.Optimizer
        if self.optimizer_name == "adam":
            optimizer = torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay, foreach=True)
        else:
            optimizer = torch.optim.SGD(params, lr=self.lr, weight_decay=self.weight_decay, foreach=True)
        return model, optimizer

    def _optimizer_state(self) -> dict[str, Any]:
        optimizer = copy.deepcopy(self.optimizer.state_dict())
        for state in optimizer["state"].values():
            for key, value in state.items():
                if isinstance(value, torch.Tensor):
                    state[key] = value.cpu()
        return optimizer

    def _load_optimizer_state(self, state: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(copy.deepcopy(state))

    # ------------------------------------------------------------------ training
    def _limit(self) -> float:
        return 3.0 * math.log(max(2, self.corpus.vocab_size)) if self.diverge_loss is None else self.diverge_loss

    def _train_steps(self, plans: list[RNNChildPlan], seed: int, corpus: Corpus, *, skip_bad: bool) -> list[float]:
        """One TBPTT window per plan (:func:`~nas_env.training.shared_lm_trainer.train_windows`)."""
        return train_windows(self.model, self.optimizer, plans, corpus.train, seed=seed, batch_size=self.batch_size,
                             seq_len=self.seq_len, grad_clip=self.grad_clip, limit=self._limit(), skip_bad=skip_bad)

    def _score(self, plan: RNNChildPlan, stream: torch.Tensor) -> tuple[float, float]:
        if self.val_chars is not None:
            stream = stream[: self.val_chars]
        return evaluate_lm(cast(RNNLanguageModel, BoundChild(self.model, plan)), stream, self.eval_batch_size,
                           self.seq_len)

    def _warm_up(self, corpus: Corpus) -> None:
        rng = np.random.default_rng(self.seed)
        plans = [self.model.plan(self.space.decode(self.space.sample(rng))) for _ in range(self.warmup_steps)]
        self._train_steps(plans, self.seed, corpus, skip_bad=True)

    def _evaluate_child(self, arch: Hashable, corpus: Corpus, steps: int, seed: int, index: int,
                        common: dict[str, Any], start: float) -> dict[str, Any]:
        common = {**common, "evaluation": index}
        try:
            plan = self.model.plan(arch)  # type: ignore[arg-type]
        except ValueError as e:  # a cell of another space or base, not a cell
            return failure_metrics("failed", error_text(e), cost_seconds=time.perf_counter() - start,
                                   params=None, cell_params=None, **NO_LM_SCORES, **common)
        used = self.model.child_parameters(plan)
        params = sum(p.numel() for p in used)
        sizes = {"params": params, "cell_params": params - sum(p.numel() for p in (used[0], *used[-2:]))}
        saved = snapshot(self.model, self.optimizer, plan)
        with deterministic(self.device, seed):
            try:
                losses = self._train_steps([plan] * steps, seed, corpus, skip_bad=False)
                val_loss, val_acc = self._score(plan, corpus.valid)
                if not math.isfinite(val_loss):
                    raise Diverged(f"validation loss is {val_loss}")
            except Diverged as e:
                restore(self.optimizer, saved)
                return failure_metrics("diverged", f"{e} training the shared weights",
                                       cost_seconds=time.perf_counter() - start, **sizes, **NO_LM_SCORES, **common)
            test_loss: float | None = None
            test_acc: float | None = None
            if self.evaluate_test:
                test_loss, test_acc = self._score(plan, corpus.test)
                if not math.isfinite(test_loss):
                    test_loss = test_acc = None
        return make_metrics(
            val_acc,
            test_accuracy=test_acc,
            cost_seconds=time.perf_counter() - start,
            params=sizes["params"],
            **lm_scores(val_loss, test_loss, corpus.level == "char"),
            cell_params=sizes["cell_params"],
            tokens_seen=steps * self.batch_size * self.seq_len,
            train_loss=float(np.mean(losses)) if losses else None,
            **common,
        )

    def config(self) -> dict[str, Any]:
        return {
            "name": type(self).__name__,
            "space": self.space.config(),
            "dataset": self.text.name,
            "data_root": self.data_root,
            "max_chars": self.max_chars,
            "steps": self.steps,
            "warmup_steps": self.warmup_steps,
            "seq_len": self.seq_len,
            "batch_size": self.batch_size,
            "hidden_size": self.hidden_size,
            "embedding_size": self.embedding_size,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
            "optimizer": self.optimizer_name,
            "lr": self.lr,
            "weight_decay": self.weight_decay,
            "grad_clip": self.grad_clip,
            "diverge_loss": self.diverge_loss,
            "val_chars": self.val_chars,
            "evaluate_test": self.evaluate_test,
            "device": self._device_config(),
            "seed": self.seed,
            "eval_batch_size": self.eval_batch_size,
            "fast_cells": self.fast_cells,
        }
