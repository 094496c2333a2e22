"""Zoph & Le's RNN controller: a 2-layer LSTM that emits an architecture token by token.

The controller works on any grammar of :mod:`nas_env.spaces` (fixed or variable
length). At every position it reads the *previous* token through the embedding
table of that token's decision type (a learned start vector at position 0),
advances a two-layer LSTM, and scores the current decision:

- ordinary decisions with a softmax head of the decision's *type*
  (``space.decision_types``), masked to the decision's number of choices (and to its
  ``valid`` subset where it forbids some);
- skip tokens (``Decision.skip``, token 1 = "layer ``source`` feeds layer ``target``")
  with the anchor-point attention of the paper::

      P(j feeds i) = sigmoid(v^T tanh(W_prev h_j + W_curr h_i))

  where ``h_i`` is the LSTM output at the current (skip) position and ``h_j``
  is layer ``j``'s **anchor state**.

Anchor state (the paper only says "the hidden state at the anchor point of
layer j"): the top LSTM output at the step whose *input* is layer ``j``'s last
non-skip token, i.e. the state right after the controller has read every
ordinary token of layer ``j``. For a layer with skip tokens that is exactly the
state at its first skip token (its anchor point, where its own sigmoids are
computed); for layer 0 (no skip tokens) it is the state at the first token of
layer 1. A token's layer is read from decision names of the form
``layer{i}/...`` (the Zoph & Le grammar's convention); for grammars that do not
name layers this way, a non-skip token is attributed to the number of distinct
skip targets seen so far (a documented approximation).

Batching: :meth:`Controller.sample` draws ``m`` architectures with ONE LSTM call
per token position for the whole batch. In fixed-length spaces every sample
faces the same decision, so each position is one head call. In variable grammars
samples are grouped by their current decision type at each position (one head
call per group); finished samples ride along and are masked out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from nas_env.spaces import Decision, FixedSearchSpace, SearchSpace

__all__ = ["Controller", "ControllerOutput"]

_LAYER_RE = re.compile(r"^layer(\d+)/")


@dataclass
class ControllerOutput:
    """What one batched pass returns (rows = architectures)."""

    tokens: list[tuple[int, ...]]
    log_prob: torch.Tensor  # [m] sum of log-probabilities of each sequence's tokens
    entropy: torch.Tensor  # [m] sum of per-token entropies
    num_tokens: torch.Tensor  # [m] sequence lengths
    probs: list[list[list[float]]] | None = None  # per row, per position: the probability vector


class Controller(nn.Module):
    """The LSTM controller for a search space (see the module docstring).

    Args:
        space: the grammar.
        hidden_size: LSTM units per layer (paper: 35).
        num_layers: LSTM layers (paper: 2).
        embedding_size: size of token embeddings (paper silent; = hidden_size).
        init_range: weights drawn from U(-init_range, init_range) (paper: 0.08).
        generator: torch generator for the initial weights (reproducibility).
    """

    def __init__(
        self,
        space: SearchSpace,
        hidden_size: int = 35,
        num_layers: int = 2,
        embedding_size: int | None = None,
        init_range: float = 0.08,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.space = space
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        emb = embedding_size or hidden_size
        self.types: dict[str, int] = dict(space.decision_types)
        self.fixed = isinstance(space, FixedSearchSpace)
        # anchors are only tracked when the grammar can emit skip tokens
        self.has_skip = any(d.skip for d in space.fixed_decisions) if self.fixed else True
        self.start = nn.Parameter(torch.empty(1, emb))
        self.embeddings = nn.ModuleDict({self._key(t): nn.Embedding(n, emb) for t, n in self.types.items()})
        self.heads = nn.ModuleDict({self._key(t): nn.Linear(hidden_size, n) for t, n in self.types.items()})
        self.cells = nn.ModuleList(
            [nn.LSTMCell(emb if i == 0 else hidden_size, hidden_size) for i in range(num_layers)]
        )
        # anchor-point attention
        self.w_prev = nn.Linear(hidden_size, hidden_size, bias=False)
        self.w_curr = nn.Linear(hidden_size, hidden_size, bias=False)
        self.v = nn.Linear(hidden_size, 1, bias=False)
        for p in self.parameters():
            nn.init.uniform_(p, -init_range, init_range, generator=generator)

    @staticmethod
    def _key(decision_type: str) -> str:
        # ModuleDict keys may not contain "."
        return "t_" + decision_type.replace(".", "_")

    # ------------------------------------------------------------------ core pass
    def _run(
        self,
        m: int,
        forced: Sequence[Sequence[int]] | None,
        generator: torch.Generator | None,
        want_probs: bool = False,
        space: SearchSpace | None = None,
    ) -> ControllerOutput:
        """Sample ``m`` sequences, or teacher-force ``forced`` (then ``m = len(forced)``)."""
        space = self.space if space is None else space
        fixed = isinstance(space, FixedSearchSpace)
        has_skip = self.has_skip if space is self.space else (not fixed or any(d.skip for d in space.fixed_decisions))
        H = self.hidden_size
        dev = self.start.device
        hs = [self.start.new_zeros(m, H) for _ in range(self.num_layers)]
        cs = [self.start.new_zeros(m, H) for _ in range(self.num_layers)]
        tokens: list[list[int]] = [[] for _ in range(m)]
        done = [False] * m
        log_prob = self.start.new_zeros(m)
        entropy = self.start.new_zeros(m)
        prev: list[Decision | None] = [None] * m  # decision of the previous token
        anchors: list[dict[int, torch.Tensor]] = [{} for _ in range(m)]
        skip_targets: list[set[int]] = [set() for _ in range(m)]
        probs: list[list[list[float]]] | None = [[] for _ in range(m)] if want_probs else None
        pos = 0
        while True:
            # -- the decision each row faces at this position
            if fixed:
                d0 = space.next_decision(tokens[0])
                decisions: list[Decision | None] = [d0] * m
            else:
                decisions = [None if done[r] else space.next_decision(tokens[r]) for r in range(m)]
            active = [r for r in range(m) if decisions[r] is not None]
            for r in range(m):
                if decisions[r] is None:
                    done[r] = True
            if not active:
                break
            # -- input: embedding of the previous token (by its type), or the start vector
            if pos == 0:
                x = self.start.expand(m, -1)
            else:
                x = self.start.new_zeros(m, self.start.shape[1])
                groups: dict[str, list[int]] = {}
                for r in active:
                    groups.setdefault(prev[r].type, []).append(r)  # type: ignore[union-attr]
                for t, rows in groups.items():
                    idx = torch.tensor([tokens[r][-1] for r in rows], device=dev)
                    e = self.embeddings[self._key(t)](idx)
                    if len(rows) == m:
                        x = e
                    else:
                        x = x.index_put((torch.tensor(rows, device=dev),), e)
            # -- one LSTM step for the whole batch
            inp = x
            new_h, new_c = [], []
            for layer, cell in enumerate(self.cells):
                h, c = cell(inp, (hs[layer], cs[layer]))
                new_h.append(h)
                new_c.append(c)
                inp = h
            hs, cs = new_h, new_c
            out = hs[-1]
            # -- record anchor states: this step's output after reading layer j's non-skip token
            if pos > 0 and has_skip:
                for r in active:
                    pd = prev[r]
                    if pd is not None and not pd.skip:
                        anchors[r][self._layer_of(pd, skip_targets[r])] = out[r]
            # -- score the current decision, grouped by (skip?, type)
            groups2: dict[tuple[bool, str], list[int]] = {}
            for r in active:
                d = decisions[r]
                groups2.setdefault((d.skip, d.type), []).append(r)  # type: ignore[union-attr]
            for (is_skip, t), rows in groups2.items():
                rows_t = torch.tensor(rows, device=dev)
                h_rows = out if len(rows) == m else out[rows_t]
                if is_skip:
                    srcs = []
                    for r in rows:
                        d = decisions[r]
                        skip_targets[r].add(int(d.target))  # type: ignore[union-attr, arg-type]
                        a = anchors[r].get(int(d.source))  # type: ignore[union-attr, arg-type]
                        srcs.append(a if a is not None else out[r])
                    h_src = torch.stack(srcs)
                    score = self.v(torch.tanh(self.w_prev(h_src) + self.w_curr(h_rows))).squeeze(-1)
                    logits = torch.stack([torch.zeros_like(score), score], dim=-1)  # softmax = [1-sig, sig]
                else:
                    logits = self.heads[self._key(t)](h_rows)
                    n = max(decisions[r].num_choices for r in rows)  # type: ignore[union-attr]
                    if n < logits.shape[1]:
                        logits = logits[:, :n]
                    counts = [decisions[r].num_choices for r in rows]  # type: ignore[union-attr]
                    if min(counts) < n:  # mask choices a row's decision does not have
                        ar = torch.arange(n, device=dev)
                        mask = ar[None, :] >= torch.tensor(counts, device=dev)[:, None]
                        logits = logits.masked_fill(mask, float("-inf"))
                    if any(decisions[r].valid is not None for r in rows):  # type: ignore[union-attr]
                        allowed = [decisions[r].mask(n).tolist() for r in rows]  # type: ignore[union-attr]
                        logits = logits.masked_fill(~torch.tensor(allowed, device=dev), float("-inf"))
                logp_all = F.log_softmax(logits, dim=-1)
                if forced is None:
                    choice = torch.multinomial(logp_all.detach().exp(), 1, generator=generator).squeeze(-1)
                else:
                    choice = torch.tensor([int(forced[r][pos]) for r in rows], device=dev)
                lp = logp_all.gather(1, choice[:, None]).squeeze(1)
                p_all = logp_all.exp()
                ent = -(p_all * logp_all.masked_fill(p_all == 0, 0.0)).sum(-1)
                if len(rows) == m:
                    log_prob = log_prob + lp
                    entropy = entropy + ent
                else:
                    log_prob = log_prob.index_add(0, rows_t, lp)
                    entropy = entropy.index_add(0, rows_t, ent)
                for k, r in enumerate(rows):
                    tokens[r].append(int(choice[k]))
                    prev[r] = decisions[r]
                if probs is not None:
                    pv = p_all.detach().tolist()
                    for k, r in enumerate(rows):
                        probs[r].append(pv[k])
            pos += 1
        n_tok = torch.tensor([len(t) for t in tokens], dtype=torch.float32, device=dev)
        return ControllerOutput([tuple(t) for t in tokens], log_prob, entropy, n_tok, probs)

    @staticmethod
    def _layer_of(d: Decision, skip_targets: set[int]) -> int:
        m = _LAYER_RE.match(d.name)
        if m:
            return int(m.group(1))
        return len(skip_targets)

    # ------------------------------------------------------------------- public
    def sample(
        self, m: int, generator: torch.Generator | None = None, space: SearchSpace | None = None
    ) -> ControllerOutput:
        """Sample ``m`` architectures as one batch (keeps the graph for the update).

        ``space`` overrides the grammar (e.g. a shallower one during a layer curriculum);
        it must use the same decision types.
        """
        from nas_env.validation import check_int  # imported here: docs/03 quotes this file by line number

        check_int("m", m)
        return self._run(m, None, generator, space=space)

    def evaluate(
        self, tokens: Sequence[Sequence[int]], want_probs: bool = False, space: SearchSpace | None = None
    ) -> ControllerOutput:
        """Teacher-force complete token sequences (batched); returns their log-probabilities."""
        if not tokens:
            raise ValueError("evaluate() needs at least one token sequence")
        sp = self.space if space is None else space
        seqs = [sp.validate(t) for t in tokens]
        return self._run(len(seqs), seqs, None, want_probs=want_probs, space=sp)

    def log_prob(self, tokens: Sequence[int], space: SearchSpace | None = None) -> float:
        """Log-probability the controller assigns to one complete token sequence."""
        with torch.no_grad():
            return float(self.evaluate([tokens], space=space).log_prob[0])

    def decision_probs(self, tokens: Sequence[int], space: SearchSpace | None = None) -> list[list[float]]:
        """Teacher-forced probability vector of every decision along ``tokens``."""
        with torch.no_grad():
            return self.evaluate([tokens], want_probs=True, space=space).probs[0]  # type: ignore[index]
