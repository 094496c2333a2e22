"""The recurrent-cell module, the language model, corpora, the LM trainer and LMTrainEvaluator."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nas_env.data.derive_text import TINYSHAKESPEARE_GZ, derive_tinyshakespeare
from nas_env.evaluators.lm_train import LMTrainEvaluator
from nas_env.models.rnn_cell import ZophLeRNNCellModule
from nas_env.models.rnn_lm import RNNLanguageModel
from nas_env.rewards import make_reward
from nas_env.spaces.zoph_le_rnn import ZophLeRNNCell, ZophLeRNNSpace
from nas_env.training.corpora import CorpusError, load_corpus
from nas_env.training.lm_trainer import train_lm

SPACE2, SPACE8 = ZophLeRNNSpace(2), ZophLeRNNSpace(8)
TINY = dict(max_chars=2000, hidden_size=8, seq_len=8, batch_size=4, device="cpu")
TINY_EVAL = LMTrainEvaluator(**TINY)
SHORT_EVAL = LMTrainEvaluator(**TINY, max_steps=12)  # property test: a few steps of every random cell


def _run_steps(module: ZophLeRNNCellModule, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor):
    out, (h_t, c_t) = module(x, (h, c))
    return out, h_t, c_t


# ------------------------------------------------------------ the paper's example
@pytest.mark.parametrize("cell_out", [1, 0])
def test_paper_base2_example_matches_hand_written_equations(cell_out):
    """Zoph & Le Section 3.4: tokens add tanh | elem_mult relu | elem_mult sigmoid | add relu | cell_out 0."""
    torch.manual_seed(0)
    cell = ZophLeRNNCell(SPACE2.paper_example().nodes, ("add", "relu"), cell_out=cell_out, cell_inject=0)
    n_in, n_h, batch, steps = 3, 5, 2, 4
    m = ZophLeRNNCellModule(cell, n_in, n_h, bias=False)  # the paper's equations have no biases
    W1, W3 = torch.randn(n_h, n_in), torch.randn(n_h, n_in)
    W2, W4 = torch.randn(n_h, n_h), torch.randn(n_h, n_h)
    m.set_leaf(0, W1, W2)
    m.set_leaf(1, W3, W4)
    x = torch.randn(batch, steps, n_in)
    h, c = torch.randn(batch, n_h), torch.randn(batch, n_h)
    out, h_T, c_T = _run_steps(m, x, h, c)
    for t in range(steps):
        xt = x[:, t]
        a0 = torch.tanh(xt @ W1.T + h @ W2.T)
        a1 = torch.relu((xt @ W3.T) * (h @ W4.T))
        a0_new = torch.relu(a0 + c)
        a2 = torch.sigmoid(a0_new * a1)
        # first cell index: c_t is that node's output before its activation
        c = (xt @ W3.T) * (h @ W4.T) if cell_out == 1 else xt @ W1.T + h @ W2.T
        h = a2
        torch.testing.assert_close(out[:, t], h)
    torch.testing.assert_close(h_T, h)
    torch.testing.assert_close(c_T, c)


# ----------------------------------------------------------- reference cells
@pytest.mark.parametrize("base", [2, 4, 8])
def test_tanh_rnn_equals_torch_rnncell(base):
    torch.manual_seed(1)
    space = ZophLeRNNSpace(base)
    ref = torch.nn.RNNCell(6, 7, nonlinearity="tanh")
    m = ZophLeRNNCellModule(space.tanh_rnn(), 6, 7)
    m.zero_leaves(space.idle_leaves("tanh_rnn"))
    m.set_leaf(0, ref.weight_ih, ref.weight_hh, ref.bias_ih, ref.bias_hh)
    x = torch.randn(3, 9, 6)
    out, (h_T, c_T) = m(x)
    h = torch.zeros(3, 7)
    for t in range(9):
        h = ref(x[:, t], h)
        torch.testing.assert_close(out[:, t], h)
    assert torch.count_nonzero(c_T) == 0


def test_lstm_like_equals_torch_lstmcell():
    torch.manual_seed(2)
    ref = torch.nn.LSTMCell(5, 6)
    m = ZophLeRNNCellModule(SPACE8.lstm_like(), 5, 6)
    m.zero_leaves(SPACE8.idle_leaves("lstm_like"))
    # torch's gate order is (i, f, g, o); our leaves: 0 = f, 2 = i, 3 = g, 4 = o
    w, u = ref.weight_ih.chunk(4), ref.weight_hh.chunk(4)
    b, d = ref.bias_ih.chunk(4), ref.bias_hh.chunk(4)
    for leaf, gate in ((0, 1), (2, 0), (3, 2), (4, 3)):
        m.set_leaf(leaf, w[gate], u[gate], b[gate], d[gate])
    x = torch.randn(2, 7, 5)
    h0, c0 = torch.randn(2, 6), torch.randn(2, 6)
    out, (h_T, c_T) = m(x, (h0, c0))
    h, c = h0, c0
    for t in range(7):
        h, c = ref(x[:, t], (h, c))
        torch.testing.assert_close(out[:, t], h)
    torch.testing.assert_close(c_T, c)


def test_gradients_are_exact():
    torch.manual_seed(3)
    cell = SPACE2.decode(SPACE2.sample(np.random.default_rng(5)))
    m = ZophLeRNNCellModule(cell, 2, 3).double()
    x = torch.randn(2, 3, 2, dtype=torch.double, requires_grad=True)
    h = torch.randn(2, 3, dtype=torch.double, requires_grad=True)
    c = torch.randn(2, 3, dtype=torch.double, requires_grad=True)

    def f(x, h, c, *params):
        return torch.func.functional_call(m, dict(zip(names, params)), (x, (h, c)))[0]

    names = [n for n, _ in m.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for p in m.parameters())
    assert torch.autograd.gradcheck(f, (x, h, c, *params))


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


# ------------------------------------------------------------ language model
def test_language_model_options():
    cell = SPACE2.paper_example()
    lm = RNNLanguageModel(cell, 20, hidden_size=6, num_layers=2, dropout=0.2, tie_weights=True)
    assert lm.decoder.weight is lm.embedding.weight and len(lm.layers) == 2
    logits, state = lm(torch.randint(0, 20, (2, 4)))
    assert logits.shape == (2, 4, 20) and len(state) == 2
    with pytest.raises(ValueError, match="tie_weights"):
        RNNLanguageModel(cell, 20, hidden_size=6, embedding_size=5, tie_weights=True)
    with pytest.raises(ValueError, match="num_layers"):
        RNNLanguageModel(cell, 20, num_layers=3)


# ------------------------------------------------------------------- corpora
def test_tinyshakespeare_split_by_position():
    full = load_corpus("tinyshakespeare")
    assert full.vocab_size == 65 and full.level == "char"
    assert (len(full.train), len(full.valid), len(full.test)) == (1_003_854, 55_769, 55_771)
    small = load_corpus("tinyshakespeare", max_chars=1000)
    assert (len(small.train), len(small.valid), len(small.test)) == (900, 50, 50)
    assert small.vocab == full.vocab
    assert torch.equal(small.train, full.train[:900])
    assert small.decode(small.train[:9]) == "First Cit"


def test_bundled_gzip_is_derived_from_the_shared_file(tmp_path):
    raw = Path("/work/shared/data")
    if not (raw / "text" / "tinyshakespeare.txt").is_file():
        pytest.skip("raw corpus not available")
    out = derive_tinyshakespeare(raw, tmp_path / "ts.txt.gz")
    assert out.read_bytes() == TINYSHAKESPEARE_GZ.read_bytes()
    assert gzip.decompress(out.read_bytes()).decode() == (raw / "text" / "tinyshakespeare.txt").read_text()


def test_ptb_from_a_directory(tmp_path):
    (tmp_path / "ptb.train.txt").write_text(" the cat sat \n the <unk> ran \n")
    (tmp_path / "ptb.valid.txt").write_text(" the dog sat \n")
    (tmp_path / "ptb.test.txt").write_text(" a cat \n")
    corpus = load_corpus("ptb", tmp_path)
    assert corpus.level == "word"
    assert corpus.vocab == ("<eos>", "<unk>", "cat", "ran", "sat", "the")
    assert corpus.decode(corpus.train) == "the cat sat <eos> the <unk> ran <eos>"
    assert corpus.decode(corpus.valid) == "the <unk> sat <eos>"  # unknown words map to <unk>
    ev = LMTrainEvaluator("ptb", data_root=str(tmp_path), max_chars=None, hidden_size=4, seq_len=2,
                          batch_size=2, device="cpu")
    m = ev.evaluate(SPACE2.tanh_rnn(), seed=0)
    assert m["status"] == "ok" and m["val_bpc"] is None and m["level"] == "word"
    assert make_reward("ppl")(m) == pytest.approx(80 / m["val_perplexity"] ** 2)


def test_bad_corpus_input(tmp_path):
    with pytest.raises(ValueError, match=r"unknown corpus 'wikitext'; valid: \['ptb', 'tinyshakespeare'\]"):
        load_corpus("wikitext")
    with pytest.raises(CorpusError, match="needs data_root"):
        load_corpus("ptb")
    (tmp_path / "ptb.train.txt").write_text("a b\n")
    with pytest.raises(CorpusError, match=r"lacks \['ptb.valid.txt', 'ptb.test.txt'\]") as err:
        LMTrainEvaluator("ptb", data_root=str(tmp_path))
    assert str(tmp_path) in str(err.value)
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus("ptb", tmp_path / "nope")
    with pytest.raises(CorpusError, match="max_chars"):
        load_corpus("tinyshakespeare", max_chars=10)


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


def test_evaluate_leaves_global_torch_state_alone():
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    TINY_EVAL.evaluate(SPACE2.tanh_rnn(), seed=5)
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads
    assert not torch.are_deterministic_algorithms_enabled()
