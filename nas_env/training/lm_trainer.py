"""Train a language model on an in-memory token stream with truncated backpropagation through time.

The training stream is cut into ``batch_size`` contiguous columns (the classic
``batchify``: column ``b`` reads ``stream[b*L:(b+1)*L]``); each step reads the next
``seq_len`` tokens of every column, predicts each next token, backpropagates
through those ``seq_len`` steps only and carries the (detached) ``(h, c)`` state on
to the next window. The state is reset to zeros at every epoch. No shuffling: the
order is fixed, so with a seeded initialisation a run is deterministic on CPU.

=================  =======================================================================
optimizer          update (learning rate constant; gradients clipped to norm ``grad_clip``)
=================  =======================================================================
``"adam"``         Adam (default ``lr=1e-2``): fast progress in the few hundred steps a search
                   child gets; our choice, the paper is silent on the children's optimiser
``"sgd"``          plain SGD (use ``lr`` around 1-20 for word-level PTB, as Zaremba et al. 2014)
=================  =======================================================================

How long (:func:`train_lm`'s ``epochs``, ``max_train_seconds``, ``max_steps``):

* ``epochs=N``: N passes over the training stream; ``max_train_seconds`` then is a
  safety limit: running past it ends the child with status ``"timeout"`` (a failure,
  as in :mod:`nas_env.training.trainer`).
* ``epochs=None``: train (repeating epochs) until ``max_train_seconds`` or
  ``max_steps`` runs out, **then evaluate** (status ``"ok"``): a fixed-compute fidelity.
  Wall-clock budgets depend on the machine and its load; ``max_steps`` does not.
* ``max_steps`` always stops training early and evaluates (status ``"ok"``).

Outcomes (:attr:`LMTrainResult.status`): ``"ok"``; ``"timeout"``; ``"diverged"`` when a
training loss or gradient norm is NaN/infinite, a training loss exceeds
``diverge_loss`` (default ``3 * ln(vocab_size)``, three times the loss of a uniform
guess) or the validation loss is not finite. Other exceptions propagate; the evaluator
turns them into ``"failed"``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from nas_env.models.rnn_lm import RNNLanguageModel
from nas_env.training.corpora import Corpus
from nas_env.validation import check_choice, check_int

__all__ = ["LM_OPTIMIZERS", "LMTrainResult", "batchify", "evaluate_lm", "train_lm"]

LM_OPTIMIZERS: tuple[str, ...] = ("adam", "sgd")


@dataclass
class LMTrainResult:
    """What one language-model training run produced (losses in nats per token)."""

    status: str = "ok"
    train_loss: float | None = None
    val_loss: float | None = None
    val_accuracy: float | None = None
    test_loss: float | None = None
    test_accuracy: float | None = None
    seconds: float = 0.0
    epochs_completed: int = 0
    steps: int = 0
    tokens_seen: int = 0
    stopped_by: str = "epochs"
    error: str | None = None


def batchify(stream: torch.Tensor, batch_size: int) -> torch.Tensor:
    """``(N,)`` -> ``(batch_size, N // batch_size)``: contiguous columns, the remainder dropped."""
    n = len(stream) // batch_size
    if n < 2:
        raise ValueError(
            f"a stream of {len(stream)} tokens is too short for batch size {batch_size}: "
            f"each of the {batch_size} columns needs at least 2 tokens"
        )
    return stream[: n * batch_size].view(batch_size, n)


def _windows(columns: torch.Tensor, seq_len: int):
    """Yield ``(inputs, targets)`` windows of at most ``seq_len`` steps over ``(B, L)`` columns."""
    length = columns.shape[1]
    for start in range(0, length - 1, seq_len):
        end = min(start + seq_len, length - 1)
        yield columns[:, start:end], columns[:, start + 1:end + 1]


def _detach(state):
    return [(h.detach(), c.detach()) for h, c in state]


@torch.inference_mode()
def evaluate_lm(
    model: RNNLanguageModel, stream: torch.Tensor, batch_size: int, seq_len: int
) -> tuple[float, float]:
    """Mean cross-entropy (nats per token) and next-token accuracy over ``stream`` (model left in eval mode)."""
    model.eval()
    batch_size = max(1, min(batch_size, len(stream) // 2))
    columns = batchify(stream, batch_size)
    state = None
    loss_sum = torch.zeros((), dtype=torch.float64, device=stream.device)
    correct = torch.zeros((), dtype=torch.long, device=stream.device)
    count = 0
    for inputs, targets in _windows(columns, seq_len):
        logits, state = model(inputs, state)
        flat = logits.reshape(-1, logits.shape[-1])
        loss_sum += F.cross_entropy(flat, targets.reshape(-1), reduction="sum").double()
        correct += (flat.argmax(dim=1) == targets.reshape(-1)).sum()
        count += targets.numel()
    return loss_sum.item() / count, correct.item() / count


def train_lm(
    model: RNNLanguageModel,
    corpus: Corpus,
    *,
    epochs: int | None = 1,
    seq_len: int = 32,
    batch_size: int = 32,
    optimizer: str = "adam",
    lr: float = 1e-2,
    weight_decay: float = 0.0,
    grad_clip: float | None = 1.0,
    max_train_seconds: float | None = None,
    max_steps: int | None = None,
    eval_batch_size: int = 16,
    diverge_loss: float | None = None,
    evaluate_test: bool = True,
    check_every_step: bool | None = None,
) -> LMTrainResult:
    """Train ``model`` in place on ``corpus`` (streams already on the model's device); see the module docstring.

    Divergence is checked after every step when ``check_every_step`` (default: on CPU), else
    once per epoch on the epoch's worst loss (no device sync per step; a diverged epoch
    then runs to its end before it is reported).

    Raises:
        ValueError: no stopping rule (``epochs``, ``max_train_seconds`` and ``max_steps`` all ``None``),
            ``seq_len < 2``, an unknown optimizer, or a training stream too short for ``batch_size``.
    """
    if epochs is None and max_train_seconds is None and max_steps is None:
        raise ValueError("give epochs, max_train_seconds or max_steps: with none of them training never stops")
    check_int("seq_len", seq_len, low=2)
    check_choice("optimizer", optimizer, LM_OPTIMIZERS)
    params = list(model.parameters())
    if optimizer == "adam":
        opt: torch.optim.Optimizer = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.SGD(params, lr=lr, weight_decay=weight_decay)
    limit = 3.0 * math.log(max(2, model.vocab_size)) if diverge_loss is None else float(diverge_loss)
    columns = batchify(corpus.train, batch_size)
    if check_every_step is None:  # reading a scalar is free on CPU; elsewhere it syncs the device
        check_every_step = columns.device.type == "cpu"
    start = time.perf_counter()
    deadline = None if max_train_seconds is None else start + max_train_seconds
    result = LMTrainResult()

    def stop(status: str, error: str) -> LMTrainResult:
        result.status, result.error = status, error
        result.seconds = time.perf_counter() - start
        return result

    epoch = 0
    done = False
    last_loss: torch.Tensor | None = None
    while not done and (epochs is None or epoch < epochs):
        model.train()
        state = None
        worst = torch.zeros((), device=columns.device)
        for inputs, targets in _windows(columns, seq_len):
            if deadline is not None and time.perf_counter() > deadline:
                if epochs is not None:
                    return stop(
                        "timeout",
                        f"training exceeded max_train_seconds={max_train_seconds} "
                        f"(epoch {epoch + 1}/{epochs}, step {result.steps + 1})",
                    )
                result.stopped_by, done = "time", True
                break
            if max_steps is not None and result.steps >= max_steps:
                result.stopped_by, done = "steps", True
                break
            if state is not None:
                state = _detach(state)
            logits, state = model(inputs, state)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
            last_loss = loss.detach()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(params, grad_clip if grad_clip else float("inf"))
            result.steps += 1
            result.tokens_seen += targets.numel()
            if check_every_step:
                value, gnorm = loss.item(), norm.item()
                if not math.isfinite(value) or value > limit or not math.isfinite(gnorm):
                    return stop("diverged", _why(value, gnorm, limit, epoch, result.steps))
                result.train_loss = value
            else:  # no per-step device sync: track the worst loss (NaN propagates; norm * 0 is NaN if inf)
                worst = torch.maximum(worst, last_loss + norm.detach() * 0)
            opt.step()
        if not check_every_step and last_loss is not None:
            value = worst.item()
            if not math.isfinite(value) or value > limit:
                return stop("diverged", f"worst training loss (or gradient norm) of epoch {epoch + 1} was {value:.3g}"
                            f" (diverge_loss={limit:.3g})")
            result.train_loss = last_loss.item()
        if not done:
            epoch += 1
            result.epochs_completed = epoch
            if epochs is None and result.steps == 0:
                break
    val_loss, val_acc = evaluate_lm(model, corpus.valid, eval_batch_size, seq_len)
    if not math.isfinite(val_loss):
        return stop("diverged", f"validation loss is {val_loss}")
    result.val_loss, result.val_accuracy = val_loss, val_acc
    if evaluate_test:
        test_loss, test_acc = evaluate_lm(model, corpus.test, eval_batch_size, seq_len)
        if math.isfinite(test_loss):
            result.test_loss, result.test_accuracy = test_loss, test_acc
    result.seconds = time.perf_counter() - start
    return result


def _why(loss: float, gnorm: float, limit: float, epoch: int, step: int) -> str:
    where = f"(epoch {epoch + 1}, step {step})"
    if not math.isfinite(loss):
        return f"training loss became {loss} {where}"
    if not math.isfinite(gnorm):
        return f"gradient norm became {gnorm} {where}"
    return f"training loss {loss:.3g} exceeded diverge_loss={limit:.3g} {where}"
