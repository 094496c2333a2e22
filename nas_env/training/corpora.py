"""Language-modelling corpora as in-memory token streams (1-D ``int64`` tensors).

===================  =====  =============================================================================
name                 level  source and splits
===================  =====  =============================================================================
``tinyshakespeare``  char   bundled ``nas_env/data/tinyshakespeare.txt.gz`` (1,115,394 characters; derived
                            by ``python -m nas_env.data.derive_text``). Split **by position**: the first
                            90 % of the (optionally truncated) text is train, the next 5 % validation,
                            the last 5 % test. The vocabulary is every character of the *whole* file
                            (65), whatever ``max_chars`` is, so vocabularies and perplexities are
                            comparable across subsets.
``ptb``              word   Penn Treebank from a user directory with the standard files ``ptb.train.txt``,
                            ``ptb.valid.txt``, ``ptb.test.txt`` (Mikolov's preprocessing, 10k words incl.
                            ``<unk>``). Whitespace-separated words, ``<eos>`` appended at every line end;
                            the vocabulary is built from the training file (sorted, so ids do not depend
                            on file order); a validation/test word missing from it maps to ``<unk>``.
===================  =====  =============================================================================

``max_chars`` (quick experiments, tests): tinyshakespeare keeps the first
``max_chars`` characters, then splits 90/5/5. For PTB it keeps the first
``max_chars`` training tokens and the first ``max_chars // 18`` validation and
test tokens (the same 90:5:5 ratio).

Bad input raises :class:`CorpusError` (a ``ValueError``) naming what is wrong: an
unknown corpus, a missing directory or file (with the expected names), a subset too
small to split.
"""

from __future__ import annotations

import functools
import gzip
import math
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from nas_env.data.derive_text import TINYSHAKESPEARE_CHARS, TINYSHAKESPEARE_GZ
from nas_env.validation import check_choice, check_int, errors_as

__all__ = [
    "CORPORA", "PTB_FILES", "Corpus", "CorpusError", "bits_per_token", "check_corpus_name", "load_corpus",
    "perplexity",
]

#: Corpus name -> level (``"char"`` or ``"word"``).
CORPORA: dict[str, str] = {"tinyshakespeare": "char", "ptb": "word"}
#: The standard Penn Treebank files, by split.
PTB_FILES: dict[str, str] = {"train": "ptb.train.txt", "valid": "ptb.valid.txt", "test": "ptb.test.txt"}
#: Fractions of the text in train / validation / test for corpora split by position.
SPLIT_FRACTIONS = (0.90, 0.05, 0.05)
EOS = "<eos>"
UNK = "<unk>"


class CorpusError(ValueError):
    """A corpus that cannot be found or read: names the path and what was expected."""


@dataclass(frozen=True)
class Corpus:
    """A tokenised corpus: ``train``, ``valid``, ``test`` are 1-D ``int64`` tensors of token ids.

    Attributes:
        name: corpus name (``"tinyshakespeare"``, ``"ptb"``).
        level: ``"char"`` or ``"word"``.
        vocab: the token of every id (characters or words).
    """

    name: str
    level: str
    vocab: tuple[str, ...]
    train: torch.Tensor
    valid: torch.Tensor
    test: torch.Tensor

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def to(self, device: torch.device | str) -> Corpus:
        """The same corpus with its streams on ``device``."""
        return replace(self, train=self.train.to(device), valid=self.valid.to(device), test=self.test.to(device))

    def decode(self, ids: torch.Tensor | list[int]) -> str:
        """Token ids back to text (characters joined; words joined by spaces)."""
        sep = "" if self.level == "char" else " "
        return sep.join(self.vocab[int(i)] for i in ids)

    def __repr__(self) -> str:
        return (
            f"Corpus({self.name!r}, {self.level}, vocab={self.vocab_size}, train={len(self.train):,}, "
            f"valid={len(self.valid):,}, test={len(self.test):,})"
        )


def check_corpus_name(name: object) -> str:
    """Return ``name`` if it is a known corpus, else raise naming the valid ones."""
    with errors_as(CorpusError):
        return check_choice("corpus", name, sorted(CORPORA))


def _check_max_chars(max_chars: object, minimum: int) -> int | None:
    with errors_as(CorpusError):
        return check_int("max_chars", max_chars, low=minimum, optional=True)


# ------------------------------------------------------------------ tinyshakespeare
def read_tinyshakespeare() -> str:
    """The whole bundled text."""
    if not TINYSHAKESPEARE_GZ.is_file():
        raise CorpusError(
            f"bundled corpus missing: {TINYSHAKESPEARE_GZ}; rebuild it with "
            "`python -m nas_env.data.derive_text --raw <folder with text/tinyshakespeare.txt>`"
        )
    text = gzip.decompress(TINYSHAKESPEARE_GZ.read_bytes()).decode("utf-8")
    if len(text) != TINYSHAKESPEARE_CHARS:
        raise CorpusError(f"{TINYSHAKESPEARE_GZ} holds {len(text):,} characters; expected {TINYSHAKESPEARE_CHARS:,}")
    return text


@functools.lru_cache(maxsize=1)
def _tinyshakespeare_ids() -> tuple[tuple[str, ...], torch.Tensor]:
    """Vocabulary and token ids of the whole text (cached: every env and evaluator reuses them)."""
    text = read_tinyshakespeare()
    vocab = tuple(sorted(set(text)))
    index = {ch: i for i, ch in enumerate(vocab)}
    return vocab, torch.tensor([index[ch] for ch in text], dtype=torch.int64)


def load_tinyshakespeare(max_chars: int | None = None) -> Corpus:
    """Character-level tinyshakespeare, split 90/5/5 by position (see the module docstring)."""
    # each split needs >= 2 tokens (an input and a target): 5 % of 40 characters
    max_chars = _check_max_chars(max_chars, 40)
    vocab, ids = _tinyshakespeare_ids()
    ids = ids[:max_chars].clone()  # a copy: callers may modify their corpus without touching the cache
    n = len(ids)
    n_train = int(n * SPLIT_FRACTIONS[0])
    n_valid = int(n * SPLIT_FRACTIONS[1])
    return Corpus(
        "tinyshakespeare", "char", vocab,
        train=ids[:n_train], valid=ids[n_train:n_train + n_valid], test=ids[n_train + n_valid:],
    )


# ------------------------------------------------------------------------- PTB
def _read_words(path: Path) -> list[str]:
    words: list[str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            words.extend(line.split())
            words.append(EOS)
    return words


def load_ptb(data_root: str | Path | None, max_chars: int | None = None) -> Corpus:
    """Word-level Penn Treebank from ``data_root`` (see the module docstring)."""
    max_chars = _check_max_chars(max_chars, 36)  # >= 2 validation / test tokens
    expected = ", ".join(PTB_FILES.values())
    if data_root is None:
        raise CorpusError(f"dataset 'ptb' needs data_root: a directory with {expected}")
    root = Path(data_root).expanduser()
    if not root.is_dir():
        raise CorpusError(f"PTB directory {str(root)!r} does not exist; expected a directory with {expected}")
    missing = [f for f in PTB_FILES.values() if not (root / f).is_file()]
    if missing:
        raise CorpusError(f"PTB directory {str(root)!r} lacks {missing}; expected {expected}")
    words = {split: _read_words(root / fname) for split, fname in PTB_FILES.items()}
    vocab = tuple(sorted(set(words["train"])))
    index = {w: i for i, w in enumerate(vocab)}
    streams: dict[str, torch.Tensor] = {}
    for split, ws in words.items():
        unknown = sorted({w for w in ws if w not in index})
        if unknown and UNK not in index:
            raise CorpusError(
                f"{root / PTB_FILES[split]}: {len(unknown)} words are not in the training vocabulary "
                f"(e.g. {unknown[:5]}) and there is no {UNK!r} token to map them to"
            )
        unk = index.get(UNK, -1)
        streams[split] = torch.tensor([index.get(w, unk) for w in ws], dtype=torch.int64)
    if max_chars is not None:
        eval_tokens = max_chars // 18
        streams = {
            "train": streams["train"][:max_chars],
            "valid": streams["valid"][:eval_tokens],
            "test": streams["test"][:eval_tokens],
        }
    for split, ids in streams.items():
        if len(ids) < 2:
            raise CorpusError(f"{root / PTB_FILES[split]} gives {len(ids)} tokens; need at least 2")
    return Corpus("ptb", "word", vocab, streams["train"], streams["valid"], streams["test"])


def load_corpus(name: str, data_root: str | Path | None = None, max_chars: int | None = None) -> Corpus:
    """Load corpus ``name`` (``"tinyshakespeare"`` or ``"ptb"``); see the module docstring.

    Raises:
        CorpusError: unknown name, missing PTB directory/files, ``max_chars`` too small.
    """
    name = check_corpus_name(name)
    if name == "tinyshakespeare":
        return load_tinyshakespeare(max_chars)
    return load_ptb(data_root, max_chars)


def bits_per_token(loss_nats: float) -> float:
    """Cross-entropy in nats -> bits (bits per character at char level)."""
    return loss_nats / math.log(2)


def perplexity(loss_nats: float | None) -> float | None:
    """``exp(loss)``; ``inf`` past float range; ``None`` stays ``None``."""
    if loss_nats is None:
        return None
    return math.exp(loss_nats) if loss_nats < 700 else math.inf
