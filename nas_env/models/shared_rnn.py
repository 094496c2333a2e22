"""One set of shared weights holding every language model of a Zoph & Le recurrent-cell space (ENAS-style).

Design (ENAS, Pham et al. 2018, recurrent cell, made to fit the tree cells of
:mod:`nas_env.spaces.zoph_le_rnn`): in a tree cell only the **leaves** have parameters
(leaf ``i``: ``comb_i(W_i x_t + b_i, U_i h_{t-1} + d_i)``); inner nodes, activations and
the cell inject/``c_t`` choices have none. So the super-network holds, per layer and per
leaf, **one set of leaf weights per combination choice** (``add``, ``elem_mult``):

* ``ops[layer][leaf][comb].x``: ``Linear(input_size, hidden_size)`` (``W_i``, ``b_i``);
* ``ops[layer][leaf][comb].h``: ``Linear(hidden_size, hidden_size)`` (``U_i``, ``d_i``);
* one embedding and one decoder (softmax) shared by every child.

A child (a :class:`~nas_env.spaces.ZophLeRNNCell`) uses, at leaf ``i`` of every layer, the
weights of the combination it chose there, stacked in leaf order into the stand-alone
cell's fused projections (``x_proj``: ``(base*H, input_size)``, ``h_proj``: ``(base*H, H)``),
and runs the stand-alone :class:`~nas_env.models.rnn_cell.ZophLeRNNCellModule` on them
(``torch.func.functional_call`` on a parameter-free copy built on the ``meta`` device):
the same tree program (activations, combinations, inject, ``c_t``), fused or eager time
loop. So with the same weights a child computes exactly what the stand-alone
:class:`~nas_env.models.rnn_lm.RNNLanguageModel` computes (``tests/nas_env/models/test_shared_models.py``
checks it; :meth:`SharedRNNLM.child_weights` gives the stand-alone ``state_dict``).

Every shared tensor belongs wholly to one (layer, leaf, combination) or to the
embedding/decoder, so :meth:`SharedRNNLM.child_parameters` lists whole tensors and
a torch optimizer that skips parameters without a gradient (Adam, SGD: set every
``grad`` to ``None`` before the step) leaves every other tensor -- and its optimizer
state -- bit-identical.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn
from torch.func import functional_call

from nas_env.models.rnn_cell import State, ZophLeRNNCellModule
from nas_env.models.rnn_lm import MAX_LAYERS
from nas_env.spaces.zoph_le_rnn import RNN_COMBINATIONS, ZophLeRNNCell, ZophLeRNNSpace
from nas_env.validation import check_int, check_real

__all__ = ["BoundChild", "RNNChildPlan", "SharedRNNLM"]


@dataclass(frozen=True)
class RNNChildPlan:
    """One child: its cell and, per layer, a parameter-free (``meta``) cell module running its tree program."""

    cell: ZophLeRNNCell
    layers: tuple[ZophLeRNNCellModule, ...]

    @property
    def leaf_combinations(self) -> tuple[str, ...]:
        """The combination chosen at each leaf (which shared leaf weights the child uses)."""
        return tuple(comb for comb, _ in self.cell.nodes[: self.cell.base])


class _LeafOp(nn.Module):
    """The weights of one leaf under one combination choice: ``x`` (``W``, ``b``) and ``h`` (``U``, ``d``)."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.x = nn.Linear(input_size, hidden_size)
        self.h = nn.Linear(hidden_size, hidden_size)


class SharedRNNLM(nn.Module):
    """The super-network of a :class:`ZophLeRNNSpace` language model (see the module docstring).

    Args:
        space: the search space (its ``base`` sets the number of leaves).
        vocab_size: number of tokens.
        hidden_size: size of ``h_t`` and ``c_t``.
        embedding_size: input embedding size (``None`` = ``hidden_size``).
        num_layers: 1 or 2 stacked layers of the child's cell (each layer its own leaf weights).
        dropout: dropout on the embeddings, between layers and before the softmax.
        fast: run the fused time loop where it applies (:mod:`nas_env.models.rnn_fused`).

    Initialisation as the stand-alone model: embedding and decoder ``U(-0.1, 0.1)`` (decoder
    bias 0), leaf weights ``nn.Linear``'s default (the same bound as the stand-alone fused
    projections, whose fan-in is the same).
    """

    def __init__(
        self,
        space: ZophLeRNNSpace,
        vocab_size: int,
        hidden_size: int = 64,
        embedding_size: int | None = None,
        num_layers: int = 1,
        dropout: float = 0.0,
        fast: bool = True,
    ):
        super().__init__()
        if not isinstance(space, ZophLeRNNSpace):
            raise ValueError(f"space must be a ZophLeRNNSpace, got {type(space).__name__}")
        emb = hidden_size if embedding_size is None else embedding_size
        for label, value in (("vocab_size", vocab_size), ("hidden_size", hidden_size), ("embedding_size", emb)):
            check_int(label, value)
        check_int("num_layers", num_layers, high=MAX_LAYERS)
        check_real("dropout", dropout, low=0.0, high=1.0, high_open=True)
        self.space, self.base = space, space.base
        self.vocab_size, self.hidden_size, self.embedding_size = vocab_size, hidden_size, emb
        self.num_layers, self.fast = num_layers, bool(fast)
        self.embedding = nn.Embedding(vocab_size, emb)
        self.drop = nn.Dropout(dropout)
        self.ops = nn.ModuleList(
            nn.ModuleList(
                nn.ModuleDict({comb: _LeafOp(emb if layer == 0 else hidden_size, hidden_size)
                               for comb in RNN_COMBINATIONS})
                for _ in range(self.base)
            )
            for layer in range(num_layers)
        )
        self.decoder = nn.Linear(hidden_size, vocab_size)
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    # ------------------------------------------------------------------ plans
    def plan(self, cell: ZophLeRNNCell) -> RNNChildPlan:
        """The child of ``cell`` (no weights of its own).

        Raises:
            ValueError: ``cell`` is not a ``ZophLeRNNCell`` of this space's base.
        """
        if not isinstance(cell, ZophLeRNNCell):
            raise ValueError(f"expected a ZophLeRNNCell, got {type(cell).__name__}: {cell!r}")
        if cell.base != self.base:
            raise ValueError(f"cell {cell} has base {cell.base}; this space has base {self.base}")
        with torch.device("meta"):
            layers = tuple(
                ZophLeRNNCellModule(cell, self.embedding_size if i == 0 else self.hidden_size, self.hidden_size,
                                    fast=self.fast)
                for i in range(self.num_layers)
            )
        return RNNChildPlan(cell, layers)

    def child_parameters(self, plan: RNNChildPlan) -> list[nn.Parameter]:
        """Every shared tensor the child uses (embedding, its leaves' chosen weights, decoder), each once."""
        out = [self.embedding.weight]
        for layer in range(self.num_layers):
            for leaf, comb in enumerate(plan.leaf_combinations):
                out.extend(self.ops[layer][leaf][comb].parameters())
        return [*out, self.decoder.weight, self.decoder.bias]

    def _layer_weights(self, plan: RNNChildPlan, layer: int) -> dict[str, torch.Tensor]:
        """The stand-alone cell module's parameters of ``layer``: the chosen leaf weights stacked in leaf order."""
        ops = [self.ops[layer][leaf][comb] for leaf, comb in enumerate(plan.leaf_combinations)]
        return {
            "x_proj.weight": torch.cat([op.x.weight for op in ops]),
            "x_proj.bias": torch.cat([op.x.bias for op in ops]),
            "h_proj.weight": torch.cat([op.h.weight for op in ops]),
            "h_proj.bias": torch.cat([op.h.bias for op in ops]),
        }

    def child_weights(self, plan: RNNChildPlan) -> Iterator[tuple[str, torch.Tensor]]:
        """The stand-alone :class:`~nas_env.models.rnn_lm.RNNLanguageModel`'s ``state_dict`` entries of the
        child (copies of the shared weights): load them to run the same function stand-alone."""
        yield "embedding.weight", self.embedding.weight
        for layer in range(self.num_layers):
            for name, tensor in self._layer_weights(plan, layer).items():
                yield f"layers.{layer}.{name}", tensor
        yield "decoder.weight", self.decoder.weight
        yield "decoder.bias", self.decoder.bias

    # ---------------------------------------------------------------- forward
    def init_state(self, batch_size: int, device: torch.device | str | None = None) -> list[State]:
        """Zero ``(h, c)`` for every layer."""
        device = device or self.decoder.weight.device
        zeros = torch.zeros(batch_size, self.hidden_size, device=device, dtype=self.decoder.weight.dtype)
        return [(zeros, zeros.clone()) for _ in range(self.num_layers)]

    def forward(
        self, tokens: torch.Tensor, plan: RNNChildPlan, state: list[State] | None = None
    ) -> tuple[torch.Tensor, list[State]]:
        """``tokens (batch, time)`` -> the child's ``(logits (batch, time, vocab), new state)``."""
        if state is None:
            state = self.init_state(tokens.shape[0], tokens.device)
        x = self.drop(self.embedding(tokens))
        new_state: list[State] = []
        for layer, (module, s) in enumerate(zip(plan.layers, state)):
            x, s = functional_call(module, self._layer_weights(plan, layer), (x, s))
            x = self.drop(x)
            new_state.append(s)
        return self.decoder(x), new_state


class BoundChild(nn.Module):
    """``SharedRNNLM`` bound to one child: ``forward(tokens, state)`` as an ``RNNLanguageModel``'s."""

    def __init__(self, shared: SharedRNNLM, plan: RNNChildPlan):
        super().__init__()
        self.shared, self.plan = shared, plan
        self.vocab_size = shared.vocab_size

    def forward(self, tokens: torch.Tensor, state: list[State] | None = None) -> tuple[torch.Tensor, list[State]]:
        return self.shared(tokens, self.plan, state)
