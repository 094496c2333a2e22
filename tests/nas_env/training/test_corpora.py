"""Corpora (:mod:`nas_env.training.corpora`): Tiny Shakespeare split by position and derived from the shared
file, PTB from a directory, and readable errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import torch

from nas_env.data.derive_text import TINYSHAKESPEARE_GZ, derive_tinyshakespeare
from nas_env.evaluators.lm_train import LMTrainEvaluator
from nas_env.rewards import make_reward
from nas_env.spaces.zoph_le_rnn import ZophLeRNNSpace
from nas_env.training.corpora import CorpusError, load_corpus

SPACE2 = ZophLeRNNSpace(2)


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
