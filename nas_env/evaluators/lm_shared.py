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
import torch.nn.functional as F
from torch import nn

from nas_env.evaluators.base import Evaluator, failure_metrics, make_metrics
from nas_env.evaluators.lm_train import check_lm_optimizer, check_lm_shape
from nas_env.models.rnn_lm import RNNLanguageModel
from nas_env.models.shared_rnn import BoundChild, RNNChildPlan, SharedRNNLM
from nas_env.spaces.zoph_le_rnn import ZophLeRNNSpace
from nas_env.training.child import (
    child_seed,
    deterministic,
    error_text,
    machine_args,
    positive_int,
    torch_threads,
)
from nas_env.training.corpora import CORPORA, Corpus, bits_per_token, check_corpus_name, load_corpus
from nas_env.training.lm_trainer import evaluate_lm

__all__ = ["SharedWeightLMEvaluator"]

#: Keys of a successful child's metrics that a failed child reports as ``None`` (one schema for both).
_NO_SCORES: dict[str, None] = dict.fromkeys(
    ("val_perplexity", "test_perplexity", "val_bpc", "test_bpc", "val_loss", "test_loss")
)


def _non_negative_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be an int >= 0, got {value!r}")
    return int(value)


def _perplexity(loss: float) -> float:
    return math.exp(loss) if loss < 700 else math.inf


class _Diverged(Exception):
    """A child's training diverged (the message says how)."""


class SharedWeightLMEvaluator(Evaluator):
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

    fidelities = None
    expensive = False
    stateful = True

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
        if isinstance(dataset, Corpus):
            self._dataset_name, corpus = dataset.name, dataset
        elif isinstance(dataset, str):
            self._dataset_name = check_corpus_name(dataset)
            corpus = load_corpus(self._dataset_name, data_root, max_chars)
        else:
            raise ValueError(f"dataset must be a name from {sorted(CORPORA)} or a Corpus, got {dataset!r}")
        self.space = space
        self.data_root = None if data_root is None else str(data_root)
        self.max_chars = max_chars
        self.steps = _non_negative_int("steps", steps)
        self.warmup_steps = _non_negative_int("warmup_steps", warmup_steps)
        (self.seq_len, self.batch_size, self.hidden_size, self.embedding_size, self.num_layers,
         self.dropout) = check_lm_shape(seq_len, batch_size, hidden_size, embedding_size, num_layers, dropout)
        self.optimizer_name, self.lr, self.weight_decay, self.grad_clip, self.diverge_loss = check_lm_optimizer(
            optimizer, lr, weight_decay, grad_clip, diverge_loss)
        self.val_chars = None if val_chars is None else positive_int("val_chars", val_chars)
        if self.val_chars is not None and self.val_chars < 2:
            raise ValueError(f"val_chars must be >= 2 (an input and a target) or None, got {val_chars!r}")
        self.evaluate_test = bool(evaluate_test)
        self.device_spec, self.device, self.seed, self.num_threads, self.eval_batch_size = machine_args(
            device, seed, num_threads, eval_batch_size)
        if not isinstance(fast_cells, bool):
            raise ValueError(f"fast_cells must be True or False, got {fast_cells!r}")
        self.fast_cells = fast_cells
        if len(corpus.train) < self.seq_len + 1:
            raise ValueError(f"the training split has {len(corpus.train)} tokens: too few for seq_len={seq_len}; "
                             f"raise max_chars or lower seq_len")
        self.corpus = corpus
        self.default_fidelity = self.steps
        self._device_corpus: Corpus | None = None
        self._model: SharedRNNLM | None = None
        self._optimizer: torch.optim.Optimizer | None = None
        #: evaluations done so far (warm-up excluded)
        self.num_evaluations = 0
        self._warm = self.warmup_steps == 0

    # ------------------------------------------------------------------ data, model
    def _corpus_on_device(self) -> Corpus:
        if self._device_corpus is None:
            self._device_corpus = self.corpus.to(self.device)
        return self._device_corpus

    @property
    def model(self) -> SharedRNNLM:
        """The shared weights (built on first use, initialised from ``seed``)."""
        if self._model is None:
            with deterministic(self.device, self.seed):
                model = SharedRNNLM(self.space, self.corpus.vocab_size, self.hidden_size, self.embedding_size,
                                    self.num_layers, self.dropout, fast=self.fast_cells)
            self._model = model.to(self.device)
            params = list(self._model.parameters())
            # foreach: one grouped update of the child's ~40 tensors (10-15 % faster a child on CPU)
            if self.optimizer_name == "adam":
                self._optimizer = torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay, foreach=True)
            else:
                self._optimizer = torch.optim.SGD(params, lr=self.lr, weight_decay=self.weight_decay, foreach=True)
        return self._model

    @property
    def optimizer(self) -> torch.optim.Optimizer:
        self.model  # noqa: B018 (builds the optimizer with the model)
        assert self._optimizer is not None
        return self._optimizer

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Shared weights, optimizer state and counters (CPU copies; saved with a run's checkpoint)."""
        optimizer = copy.deepcopy(self.optimizer.state_dict())
        for state in optimizer["state"].values():
            for key, value in state.items():
                if isinstance(value, torch.Tensor):
                    state[key] = value.cpu()
        return {
            "model": {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()},
            "optimizer": optimizer,
            "num_evaluations": self.num_evaluations,
            "warm": self._warm,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (exactly: bit-identical weights and optimizer state)."""
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(copy.deepcopy(state["optimizer"]))
        self.num_evaluations = int(state["num_evaluations"])
        self._warm = bool(state["warm"])

    # ------------------------------------------------------------------ training
    def _limit(self) -> float:
        return 3.0 * math.log(max(2, self.corpus.vocab_size)) if self.diverge_loss is None else self.diverge_loss

    def _train_steps(self, plans: list[RNNChildPlan], seed: int, corpus: Corpus, *, skip_bad: bool) -> list[float]:
        """One TBPTT window per plan (state carried); returns the losses.

        Raises:
            _Diverged: a bad loss or gradient norm (unless ``skip_bad``: then that window's update is
                skipped and the state reset).
        """
        stream = corpus.train
        n = len(stream)
        gen = torch.Generator(device="cpu").manual_seed(seed)
        starts = torch.randint(0, n, (self.batch_size, 1), generator=gen)
        offsets = torch.arange(self.seq_len + 1).unsqueeze(0)
        model, opt, limit = self.model, self.optimizer, self._limit()
        model.train()
        state = None
        losses: list[float] = []
        for k, plan in enumerate(plans):
            pos = ((starts + k * self.seq_len + offsets) % n).to(stream.device)
            window = stream[pos]
            inputs, targets = window[:, :-1], window[:, 1:]
            if state is not None:
                state = [(h.detach(), c.detach()) for h, c in state]
            opt.zero_grad(set_to_none=True)
            logits, state = model(inputs, plan, state)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
            used = model.child_parameters(plan)
            value = float(loss.item())
            gnorm = 0.0
            if math.isfinite(value) and value <= limit:
                loss.backward()
                gnorm = float(torch.nn.utils.clip_grad_norm_(used, self.grad_clip or float("inf")))
            if not math.isfinite(value) or value > limit or not math.isfinite(gnorm):
                if not skip_bad:
                    what = f"training loss {value:.4g}" if math.isfinite(gnorm) else f"gradient norm {gnorm}"
                    raise _Diverged(f"{what} at step {k + 1} (diverge_loss={limit:.3g})")
                opt.zero_grad(set_to_none=True)
                state = None
                continue
            opt.step()
            losses.append(value)
        return losses

    def _snapshot(self, plan: RNNChildPlan) -> list[tuple[nn.Parameter, torch.Tensor, dict[str, Any] | None]]:
        """Copies of the child's tensors and their optimizer state (to undo a diverged child)."""
        opt = self.optimizer
        return [
            (p, p.detach().clone(), copy.deepcopy(opt.state[p]) if p in opt.state else None)
            for p in self.model.child_parameters(plan)
        ]

    @torch.no_grad()
    def _restore(self, snapshot: list[tuple[nn.Parameter, torch.Tensor, dict[str, Any] | None]]) -> None:
        opt = self.optimizer
        for p, value, state in snapshot:
            p.copy_(value)
            if state is None:
                opt.state.pop(p, None)
            else:
                opt.state[p] = state

    def _score(self, plan: RNNChildPlan, stream: torch.Tensor) -> tuple[float, float]:
        if self.val_chars is not None:
            stream = stream[: self.val_chars]
        return evaluate_lm(cast(RNNLanguageModel, BoundChild(self.model, plan)), stream, self.eval_batch_size,
                           self.seq_len)

    def _warm_up(self, corpus: Corpus) -> None:
        rng = np.random.default_rng(self.seed)
        plans = [self.model.plan(self.space.decode(self.space.sample(rng))) for _ in range(self.warmup_steps)]
        self._train_steps(plans, self.seed, corpus, skip_bad=True)
        self._warm = True

    def evaluate(
        self,
        arch: Hashable,
        *,
        fidelity: int | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> dict[str, Any]:
        """Train the shared weights on ``arch`` for ``fidelity`` windows (default ``steps``), then measure it;
        a bad or diverging child never raises (status ``"failed"``/``"diverged"``, weights untouched).

        Raises:
            ValueError: ``fidelity`` is not an int >= 0 (a caller error, not a bad child).
        """
        steps = _non_negative_int("fidelity (steps)", self.check_fidelity(fidelity))
        int_seed = child_seed(seed, self.seed)
        corpus = self._corpus_on_device()
        char = corpus.level == "char"
        common: dict[str, Any] = {
            "dataset": corpus.name, "level": corpus.level, "vocab_size": corpus.vocab_size,
            "device": str(self.device), "steps": steps, "seed": int_seed, "reward_kind": "shared_weights",
        }
        start = time.perf_counter()
        with torch_threads(self.num_threads):
            if not self._warm:
                with deterministic(self.device, self.seed):
                    self._warm_up(corpus)
            index = self.num_evaluations
            self.num_evaluations += 1
            common["evaluation"] = index
            try:
                plan = self.model.plan(arch)  # type: ignore[arg-type]
            except ValueError as e:  # a cell of another space or base, not a cell
                return failure_metrics("failed", error_text(e), cost_seconds=time.perf_counter() - start,
                                       params=None, cell_params=None, **_NO_SCORES, **common)
            used = self.model.child_parameters(plan)
            params = sum(p.numel() for p in used)
            sizes = {"params": params, "cell_params": params - sum(p.numel() for p in (used[0], *used[-2:]))}
            snapshot = self._snapshot(plan)
            with deterministic(self.device, int_seed):
                try:
                    losses = self._train_steps([plan] * steps, int_seed, corpus, skip_bad=False)
                    val_loss, val_acc = self._score(plan, corpus.valid)
                    if not math.isfinite(val_loss):
                        raise _Diverged(f"validation loss is {val_loss}")
                except _Diverged as e:
                    self._restore(snapshot)
                    return failure_metrics("diverged", f"{e} training the shared weights",
                                           cost_seconds=time.perf_counter() - start, **sizes, **_NO_SCORES, **common)
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
            val_perplexity=_perplexity(val_loss),
            test_perplexity=None if test_loss is None else _perplexity(test_loss),
            val_bpc=bits_per_token(val_loss) if char else None,
            test_bpc=bits_per_token(test_loss) if char and test_loss is not None else None,
            val_loss=val_loss,
            test_loss=test_loss,
            cell_params=sizes["cell_params"],
            tokens_seen=steps * self.batch_size * self.seq_len,
            train_loss=float(np.mean(losses)) if losses else None,
            **common,
        )

    def config(self) -> dict[str, Any]:
        return {
            "name": type(self).__name__,
            "space": self.space.config(),
            "dataset": self._dataset_name,
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
            "device": self.device_spec if isinstance(self.device_spec, str) else str(self.device_spec),
            "seed": self.seed,
            "eval_batch_size": self.eval_batch_size,
            "fast_cells": self.fast_cells,
        }
