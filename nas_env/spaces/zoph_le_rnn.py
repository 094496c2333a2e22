"""Zoph & Le (ICLR 2017, Section 3.4) recurrent-cell search space: a tree of combinations and activations.

A cell maps ``(x_t, h_{t-1}, c_{t-1})`` to ``(h_t, c_t)``. Its computation is a full
binary tree with ``base`` leaves (paper: 8; its worked example, Figure 5: 2), so
``2 * base - 1`` nodes. Nodes are indexed level by level as in the paper's figure:
leaves ``0 .. base-1`` left to right, then the next level, ..., the root last
(base 2: leaves 0, 1, root 2; base 8: leaves 0-7, then 8-11, 12-13, root 14). The
children of node ``base + k`` are the nodes ``2k`` and ``2k + 1`` of the whole
numbering (base 8: node 8 joins leaves 0 and 1, node 12 joins nodes 8 and 9).

=========================  ==================================  ======================  ==============
token (in this order)      choices                             decision type           count
=========================  ==================================  ======================  ==============
node i: combination        ``add``, ``elem_mult``              ``combination``         per node
node i: activation         ``identity``, ``tanh``,             ``activation``          per node
                           ``sigmoid``, ``relu``
cell inject: combination   ``add``, ``elem_mult``              ``combination``         1
cell inject: activation    ``identity``, ``tanh``,             ``activation``          1
                           ``sigmoid``, ``relu``
cell index 1: ``c_t``      a node ``0 .. 2*base-2``            ``cell_index``          1
cell index 2: inject       a node ``0 .. 2*base-2``            ``cell_index``          1
=========================  ==================================  ======================  ==============

Tokens: ``2 * (2*base - 1) + 4`` -- 10 for base 2, 34 for base 8. Nodes come in index
order, each as (combination, activation). Space size
``8 ** (2*base) * (2*base - 1) ** 2``: 36,864 cells for base 2.

Semantics (our exact reading of the paper's Section 3.4 and Figure 5):

* leaf ``i``: ``pre_i = comb_i(W_i x_t + b_i, U_i h_{t-1} + d_i)``, own weights per leaf;
  ``a_i = act_i(pre_i)``.
* inner node ``j`` with children ``l, r``: ``pre_j = comb_j(a_l, a_r)``, no parameters;
  ``a_j = act_j(pre_j)``.
* cell inject at node ``k`` (the *second* cell index): right after ``a_k`` is computed it is
  replaced by ``a_k <- act_inject(comb_inject(a_k, c_{t-1}))``; parents of ``k`` see the new value.
* ``c_t = pre_m`` where ``m`` is the *first* cell index: node ``m``'s output *before its own
  activation* (its combination, before any injection into it).
* ``h_t = a_root`` (after injection if the root was chosen for it).

Cell indices range over **every** node, leaves, inner nodes and root (the paper's
example uses two leaves; the cell it found, TensorFlow's ``NASCell``, injects into an
inner node and takes ``c_t`` from another inner node). ``c_0 = h_0 = 0``.

The paper's worked example is the token sequence
``add tanh | elem_mult relu | elem_mult sigmoid | add relu | 1 0``::

    a_0 = tanh(W1 x_t + W2 h_{t-1})
    a_1 = relu((W3 x_t) * (W4 h_{t-1}))
    a_0_new = relu(a_0 + c_{t-1})          # cell inject add/relu, second cell index 0
    a_2 = sigmoid(a_0_new * a_1)           # h_t = a_2 (the root)
    c_t = (W3 x_t) * (W4 h_{t-1})          # first cell index 1: node 1 before its ReLU

(The paper: "The controller RNN predicts 1 for the first element of the Cell Index,
this means that we should set c_t to the output of the tree at index 1 before the
activation"; and 0 for the second element, the node ``c_{t-1}`` is injected into.
Our leaves also carry biases; zero them to match the paper's bias-free equations.)
Issue 7 quoted this example with ``c_t = W1 x_t + W2 h_{t-1}`` (node 0's pre-activation);
the paper's text says node 1, which we follow; ending the tokens in ``0 0`` instead of
``1 0`` gives the issue's variant. Both are checked in ``tests/nas_env/models/test_rnn_models.py``.

Canonical string: ``"add:tanh,elem_mult:relu,elem_mult:sigmoid|inject=add:relu@0|c_t=1"``
(nodes in index order; ``@`` names the injection node; the base is implied by the
number of nodes). Reference cells: :meth:`ZophLeRNNSpace.tanh_rnn`,
:meth:`ZophLeRNNSpace.lstm_like`, :meth:`ZophLeRNNSpace.paper_example`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from nas_env.spaces.base import Decision, InvalidArchitectureError
from nas_env.spaces.fixed import FixedSearchSpace

__all__ = ["RNN_ACTIVATIONS", "RNN_COMBINATIONS", "ZophLeRNNCell", "ZophLeRNNSpace", "check_base"]

#: Combination methods, in token order.
RNN_COMBINATIONS: tuple[str, ...] = ("add", "elem_mult")
#: Activation functions, in token order.
RNN_ACTIVATIONS: tuple[str, ...] = ("identity", "tanh", "sigmoid", "relu")


def check_base(base: object) -> int:
    """Return ``base`` if it is a power of two >= 2, else raise ``ValueError`` naming valid values."""
    if isinstance(base, bool) or not isinstance(base, int) or base < 2 or base & (base - 1):
        raise ValueError(f"base must be a power of two >= 2 (2, 4, 8, 16, ...), got {base!r}")
    return base


def _children(base: int) -> dict[int, tuple[int, int]]:
    """Children of each inner node in the level-by-level numbering."""
    return {base + k: (2 * k, 2 * k + 1) for k in range(base - 1)}


@dataclass(frozen=True)
class ZophLeRNNCell:
    """A decoded recurrent cell (see the module docstring for its semantics).

    Attributes:
        nodes: ``(combination, activation)`` of every tree node, in index order
            (``2 * base - 1`` of them; leaves first, root last).
        inject: ``(combination, activation)`` merging ``c_{t-1}`` into node ``cell_inject``.
        cell_out: the first cell index: ``c_t`` is this node's pre-activation output.
        cell_inject: the second cell index: the node ``c_{t-1}`` is injected into.
    """

    nodes: tuple[tuple[str, str], ...]
    inject: tuple[str, str]
    cell_out: int
    cell_inject: int

    def __post_init__(self) -> None:
        n = len(self.nodes)
        base = (n + 1) // 2
        if n < 3 or base & (base - 1) or 2 * base - 1 != n:
            raise InvalidArchitectureError(
                f"a cell needs 2*base-1 nodes for a power-of-two base >= 2 (3, 7, 15, ...), got {n}"
            )
        for i, pair in enumerate((*self.nodes, self.inject)):
            what = f"node {i}" if i < n else "cell inject"
            if len(pair) != 2 or pair[0] not in RNN_COMBINATIONS or pair[1] not in RNN_ACTIVATIONS:
                raise InvalidArchitectureError(
                    f"{what}: {pair!r} is not (combination, activation) with combination in "
                    f"{list(RNN_COMBINATIONS)} and activation in {list(RNN_ACTIVATIONS)}"
                )
        for label, idx in (("cell_out", self.cell_out), ("cell_inject", self.cell_inject)):
            if isinstance(idx, bool) or not isinstance(idx, int) or not 0 <= idx < n:
                raise InvalidArchitectureError(f"{label} must be a node index 0..{n - 1}, got {idx!r}")

    @property
    def base(self) -> int:
        """Number of leaves."""
        return (len(self.nodes) + 1) // 2

    @property
    def num_nodes(self) -> int:
        return len(self.nodes)

    @property
    def root(self) -> int:
        return len(self.nodes) - 1

    @property
    def children(self) -> dict[int, tuple[int, int]]:
        """``{inner node: (left child, right child)}``."""
        return _children(self.base)

    def __str__(self) -> str:
        nodes = ",".join(f"{c}:{a}" for c, a in self.nodes)
        return f"{nodes}|inject={self.inject[0]}:{self.inject[1]}@{self.cell_inject}|c_t={self.cell_out}"

    def equations(self) -> list[str]:
        """The cell's computation as readable lines (``W{i}``/``U{i}`` are leaf ``i``'s weights)."""
        sym = {"add": " + ", "elem_mult": " * "}
        lines: list[str] = []
        children = self.children
        for i, (comb, act) in enumerate(self.nodes):
            if i < self.base:
                pre = f"(W{i} x_t){sym[comb]}(U{i} h_(t-1))"
            else:
                left, right = children[i]
                pre = f"a_{left}{sym[comb]}a_{right}"
            lines.append(f"a_{i} = {act}({pre})")
            if i == self.cell_out:
                lines.append(f"c_t = {pre}")
            if i == self.cell_inject:
                lines.append(f"a_{i} = {self.inject[1]}(a_{i}{sym[self.inject[0]]}c_(t-1))")
        lines.append(f"h_t = a_{self.root}")
        return lines


_NODE = r"(add|elem_mult):(identity|tanh|sigmoid|relu)"
_CELL_RE = re.compile(rf"^({_NODE}(?:,{_NODE})*)\|inject={_NODE}@(\d+)\|c_t=(\d+)$")


class ZophLeRNNSpace(FixedSearchSpace):
    """The paper's recurrent-cell grammar (tokens, decoding, reference cells).

    Args:
        base: number of tree leaves, a power of two >= 2 (paper: 8; its worked example: 2).
    """

    name = "zoph_le_rnn"

    def __init__(self, base: int = 8):
        self.base = check_base(base)
        self.num_nodes = 2 * self.base - 1
        node_labels = tuple(str(i) for i in range(self.num_nodes))
        decisions: list[Decision] = []
        for i in range(self.num_nodes):
            decisions.append(Decision(f"node{i}/combination", "combination", RNN_COMBINATIONS))
            decisions.append(Decision(f"node{i}/activation", "activation", RNN_ACTIVATIONS))
        decisions.append(Decision("cell_inject/combination", "combination", RNN_COMBINATIONS))
        decisions.append(Decision("cell_inject/activation", "activation", RNN_ACTIVATIONS))
        decisions.append(Decision("cell_index/c_t", "cell_index", node_labels))
        decisions.append(Decision("cell_index/inject", "cell_index", node_labels))
        super().__init__(decisions)

    def config(self) -> dict:
        return {"name": self.name, "base": self.base}

    # ---------------------------------------------------------------- decoding
    def decode(self, tokens: Sequence[int]) -> ZophLeRNNCell:
        t = self._check_complete(tokens)
        n = self.num_nodes
        nodes = tuple((RNN_COMBINATIONS[t[2 * i]], RNN_ACTIVATIONS[t[2 * i + 1]]) for i in range(n))
        inject = (RNN_COMBINATIONS[t[2 * n]], RNN_ACTIVATIONS[t[2 * n + 1]])
        return ZophLeRNNCell(nodes, inject, cell_out=t[2 * n + 2], cell_inject=t[2 * n + 3])

    def encode(self, arch: ZophLeRNNCell) -> tuple[int, ...]:  # type: ignore[override]
        if not isinstance(arch, ZophLeRNNCell):
            raise InvalidArchitectureError(f"expected a ZophLeRNNCell, got {type(arch).__name__}")
        if arch.base != self.base:
            raise InvalidArchitectureError(f"cell has base {arch.base}; this space has base {self.base}")
        tokens: list[int] = []
        for comb, act in (*arch.nodes, arch.inject):
            tokens += [RNN_COMBINATIONS.index(comb), RNN_ACTIVATIONS.index(act)]
        return (*tokens, arch.cell_out, arch.cell_inject)

    def from_string(self, text: str) -> ZophLeRNNCell:
        m = _CELL_RE.match(text.strip().replace(" ", ""))
        if not m:
            raise InvalidArchitectureError(
                f"cannot parse {text!r}; expected 'comb:act,...,comb:act|inject=comb:act@NODE|c_t=NODE' with "
                f"comb in {list(RNN_COMBINATIONS)} and act in {list(RNN_ACTIVATIONS)}"
            )
        nodes = tuple(tuple(part.split(":")) for part in m.group(1).split(","))
        cell = ZophLeRNNCell(
            nodes,  # type: ignore[arg-type]
            inject=(m.group(6), m.group(7)),
            cell_out=int(m.group(9)),
            cell_inject=int(m.group(8)),
        )
        self.encode(cell)  # checks the base
        return cell

    # --------------------------------------------------------- reference cells
    def paper_example(self) -> ZophLeRNNCell:
        """The paper's Figure 5 cell (base 2 only): ``add tanh, elem_mult relu, elem_mult sigmoid, add relu, 1, 0``."""
        if self.base != 2:
            raise ValueError(f"the paper's worked example has base 2; this space has base {self.base}")
        return ZophLeRNNCell(
            (("add", "tanh"), ("elem_mult", "relu"), ("elem_mult", "sigmoid")),
            inject=("add", "relu"), cell_out=1, cell_inject=0,
        )

    def tanh_rnn(self) -> ZophLeRNNCell:
        """A plain tanh RNN, ``h_t = tanh(W x_t + b + U h_{t-1} + d)`` (``torch.nn.RNNCell``), any base.

        Leaf 0 is ``add``/``tanh``; every other leaf is ``elem_mult``/``identity``; every
        inner node is ``add``/``identity``; ``c_{t-1}`` is injected into leaf 1 with
        ``add``/``identity`` and ``c_t`` is leaf 1's pre-activation. With the weights *and
        biases* of leaves ``1 .. base-1`` set to zero those leaves output 0, so ``c_t = 0``
        at every step and ``h_t = a_0`` exactly (``ZophLeRNNCellModule.zero_leaves``).
        Base 2 tokens: ``0 1 | 1 0 | 0 0 | 0 0 | 1 1``
        (``add:tanh,elem_mult:identity,add:identity|inject=add:identity@1|c_t=1``).
        """
        b = self.base
        leaves = [("add", "tanh")] + [("elem_mult", "identity")] * (b - 1)
        inner = [("add", "identity")] * (b - 1)
        return ZophLeRNNCell(tuple(leaves + inner), inject=("add", "identity"), cell_out=1, cell_inject=1)

    def lstm_like(self) -> ZophLeRNNCell:
        """The LSTM (``torch.nn.LSTMCell``, no peepholes) as a base-8 cell; needs ``base >= 8``.

        Leaves (level by level; ``x`` = ``W x_t + b``, ``h`` = ``U h_{t-1} + d``):
        0 ``add``/``sigmoid`` = forget gate ``f``; 1 ``elem_mult``/``identity`` with zeroed weights
        (= 0); 2 ``add``/``sigmoid`` = input gate ``i``; 3 ``add``/``tanh`` = candidate ``g``;
        4 ``add``/``identity`` = output-gate logits; 5-7 ``elem_mult``/``identity`` with zeroed
        weights (= 0). ``c_{t-1}`` is injected into leaf 0 with ``elem_mult``/``identity``
        (``f * c_{t-1}``). Inner nodes: 8 = ``add``/``identity`` (``f*c + 0``), 9 =
        ``elem_mult``/``identity`` (``i * g``), 10, 11 = ``add``/``identity``, 12 = ``add``/``tanh``
        whose pre-activation ``f*c + i*g`` is ``c_t`` (first cell index 12), 13 =
        ``add``/``sigmoid`` = ``o``, root 14 = ``elem_mult``/``identity``: ``h_t = o * tanh(c_t)``.
        With leaves 1, 5, 6, 7 zeroed (``ZophLeRNNCellModule.zero_leaves``) this is exactly
        an LSTM; trained freely, those leaves add capacity. Only base 8 is offered.
        """
        if self.base != 8:
            raise ValueError(f"lstm_like() is defined for base 8 (the paper's); this space has base {self.base}")
        nodes = (
            ("add", "sigmoid"), ("elem_mult", "identity"), ("add", "sigmoid"), ("add", "tanh"),
            ("add", "identity"), ("elem_mult", "identity"), ("elem_mult", "identity"), ("elem_mult", "identity"),
            ("add", "identity"), ("elem_mult", "identity"), ("add", "identity"), ("add", "identity"),
            ("add", "tanh"), ("add", "sigmoid"),
            ("elem_mult", "identity"),
        )
        return ZophLeRNNCell(nodes, inject=("elem_mult", "identity"), cell_out=12, cell_inject=0)

    def idle_leaves(self, which: str) -> tuple[int, ...]:
        """Leaves whose weights must be zero for reference cell ``which`` (``"tanh_rnn"``, ``"lstm_like"``)."""
        if which == "tanh_rnn":
            return tuple(range(1, self.base))
        if which == "lstm_like":
            return (1, 5, 6, 7)
        raise ValueError(f"unknown reference cell {which!r}; valid: ['tanh_rnn', 'lstm_like']")
