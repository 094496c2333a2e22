"""LMTrainEvaluator (:mod:`nas_env.evaluators.lm_train`) and the LM trainer: any cell trains or fails cleanly, an
overflowing cell is a diverged child, determinism, what is reported, step and time budgets, bad arguments."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nas_env.evaluators.lm_train import LMTrainEvaluator
from nas_env.models.rnn_lm import RNNLanguageModel
from nas_env.rewards import make_reward
from nas_env.spaces.zoph_le_rnn import ZophLeRNNCell, ZophLeRNNSpace
from nas_env.training.corpora import load_corpus
from nas_env.training.lm_trainer import train_lm

SPACE2, SPACE8 = ZophLeRNNSpace(2), ZophLeRNNSpace(8)
TINY = dict(max_chars=2000, hidden_size=8, seq_len=8, batch_size=4, device="cpu")
TINY_EVAL = LMTrainEvaluator(**TINY)
SHORT_EVAL = LMTrainEvaluator(**TINY, max_steps=12)  # property test: a few steps of every random cell


# ------------------------------------------------------- property: any cell works
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.tuples(*(st.integers(0, n - 1) for n in SPACE8.choice_counts)))
def test_random_base8_cells_build_run_backward_and_train_or_fail_cleanly(tokens):
    cell = SPACE8.decode(tokens)
    # the evaluator's first training step, reproduced: same seed, same model, same first window
    torch.manual_seed(0)
    lm = SHORT_EVAL.build(cell)
    window = SHORT_EVAL.corpus.train[: len(SHORT_EVAL.corpus.train) // 4 * 4].view(4, -1)[:, :9]
    logits, state = lm(window[:, :-1])
    assert logits.shape == (4, 8, 65) and len(state) == 1 and state[0][0].shape == (4, 8)
    torch.nn.functional.cross_entropy(logits.reshape(-1, 65), window[:, 1:].reshape(-1)).backward()
    grads = [p.grad for p in lm.parameters()]
    assert all(g is not None for g in grads)
    finite = all(bool(torch.isfinite(g).all()) for g in grads)
    metrics = SHORT_EVAL.evaluate(cell, seed=0)
    if metrics["status"] == "ok":
        assert finite
        assert math.isfinite(metrics["val_perplexity"]) and metrics["val_perplexity"] >= 1.0
        assert 0.0 <= metrics["val_accuracy"] <= 1.0
        assert metrics["val_bpc"] == pytest.approx(metrics["val_loss"] / math.log(2))
    else:
        assert metrics["status"] in ("diverged", "failed", "timeout") and metrics["error"]
        assert metrics["val_perplexity"] is None


def test_overflowing_cell_is_a_diverged_child_not_a_crash():
    # every node multiplies: with huge weights the activations overflow to inf/NaN
    cell = ZophLeRNNCell((("elem_mult", "identity"),) * 3, ("elem_mult", "identity"), 2, 2)
    corpus = load_corpus("tinyshakespeare", max_chars=2000)
    torch.manual_seed(0)
    lm = RNNLanguageModel(cell, corpus.vocab_size, hidden_size=8)
    with torch.no_grad():
        for p in lm.layers.parameters():
            p.fill_(1e20)
    state = {k: v.clone() for k, v in lm.state_dict().items()}
    result = train_lm(lm, corpus, epochs=1, seq_len=8, batch_size=4)
    assert result.status == "diverged" and ("nan" in result.error or "inf" in result.error)
    lm.load_state_dict(state)  # the once-per-epoch check used on accelerators catches it too
    result = train_lm(lm, corpus, epochs=2, seq_len=8, batch_size=4, check_every_step=False)
    assert result.status == "diverged" and "epoch 1" in result.error and result.epochs_completed == 0
    ev = LMTrainEvaluator(**{**TINY, "diverge_loss": 0.5})  # any loss above 0.5 nats counts as exploding
    m = ev.evaluate(SPACE2.tanh_rnn(), seed=0)
    assert m["status"] == "diverged" and "diverge_loss" in m["error"] and m["val_perplexity"] is None


# ------------------------------------------------------- trainer and evaluator
def test_evaluator_is_deterministic_and_reports_everything():
    cell = SPACE2.paper_example()
    a, b = TINY_EVAL.evaluate(cell, seed=7), TINY_EVAL.evaluate(cell, seed=7)
    for key in ("val_loss", "test_loss", "val_perplexity", "val_accuracy", "params", "steps"):
        assert a[key] == b[key]
    assert a["status"] == "ok" and a["val_perplexity"] == pytest.approx(math.exp(a["val_loss"]))
    assert a["test_perplexity"] is not None and a["test_bpc"] is not None and a["cost_seconds"] > 0
    assert a["params"] > a["cell_params"] > 0 and a["vocab_size"] == 65 and a["stopped_by"] == "epochs"
    assert TINY_EVAL.evaluate(cell, seed=8)["val_loss"] != a["val_loss"]
    assert make_reward("bpc")(a) == pytest.approx(1 - a["val_bpc"] / math.log2(65))
    assert set(TINY_EVAL.config()) >= {"dataset", "max_chars", "seq_len", "hidden_size", "epochs", "optimizer"}


def test_time_and_step_budgets():
    cell = SPACE2.tanh_rnn()
    m = LMTrainEvaluator(**{**TINY, "max_steps": 5}).evaluate(cell, seed=0)
    assert m["status"] == "ok" and m["steps"] == 5 and m["stopped_by"] == "steps"
    m = LMTrainEvaluator(**{**TINY, "epochs": None, "max_train_seconds": 0.2}).evaluate(cell, seed=0)
    assert m["status"] == "ok" and m["stopped_by"] == "time" and m["epochs"] is None
    m = LMTrainEvaluator(**{**TINY, "epochs": 1000, "max_train_seconds": 0.05}).evaluate(cell, seed=0)
    assert m["status"] == "timeout" and "max_train_seconds" in m["error"]
    m = LMTrainEvaluator(**{**TINY, "optimizer": "sgd", "lr": 1.0}).evaluate(cell, seed=0)
    assert m["status"] == "ok"


def test_bad_child_and_bad_arguments():
    m = TINY_EVAL.evaluate("not a cell", seed=0)
    assert m["status"] == "failed" and "ZophLeRNNCell" in m["error"]
    with pytest.raises(ValueError, match="seq_len must be an int >= 2"):
        LMTrainEvaluator(**{**TINY, "seq_len": 1})
    with pytest.raises(ValueError, match="never stop"):
        LMTrainEvaluator(**{**TINY, "epochs": None})
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        LMTrainEvaluator(**{**TINY, "optimizer": "rmsprop"})
    with pytest.raises(ValueError, match="batch_size=1000"):
        LMTrainEvaluator(**{**TINY, "batch_size": 1000})
