"""A torch module for any decoded Zoph & Le recurrent cell (:class:`nas_env.spaces.ZophLeRNNCell`).

The leaves' projections are fused: one ``Linear(input_size, base * hidden_size)``
computes every leaf's ``W_i x_t + b_i`` -- for all time steps at once, before the
time loop -- and one ``Linear(hidden_size, base * hidden_size)`` every leaf's
``U_i h_{t-1} + d_i`` per step. Leaf ``i`` owns rows ``i*H .. (i+1)*H - 1`` of both
weight matrices. Inner nodes have no parameters. Semantics are the space's module docstring.

Two interchangeable time loops (``fast``): the fused loop of :mod:`nas_env.models.rnn_fused`
(default; one C-kernel call per sequence forward and one backward, hand-written backward;
CPU float32/float64 when the kernel compiled) and the eager loop (``fast=False``; plain
Python over torch ops, autograd gives the gradients; always used on CUDA). They agree
within float rounding.

Overflow is not trapped here: a cell whose activations blow up yields ``inf``/``NaN``
outputs, which the trainer reports as a ``"diverged"`` child.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from nas_env.models.rnn_fused import TreeProgram, fused_available, fused_sequence
from nas_env.spaces.zoph_le_rnn import ZophLeRNNCell
from nas_env.validation import check_int

__all__ = ["ACTIVATION_FNS", "COMBINATION_FNS", "ZophLeRNNCellModule"]

State = tuple[torch.Tensor, torch.Tensor]

#: Combination name -> binary function.
COMBINATION_FNS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "add": torch.add,
    "elem_mult": torch.mul,
}
#: Activation name -> function (``None`` = identity, skipped).
ACTIVATION_FNS: dict[str, Callable[[torch.Tensor], torch.Tensor] | None] = {
    "identity": None,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
}


class ZophLeRNNCellModule(nn.Module):
    """One layer running a searched cell over a sequence.

    Args:
        cell: the decoded cell.
        input_size: size of ``x_t``.
        hidden_size: size of ``h_t`` and ``c_t``.
        bias: give the leaf projections biases (``b_i``, ``d_i``).
        fast: run the fused time loop where it applies (see the module docstring);
            ``False`` always runs the eager loop. Same parameters either way.

    ``forward(x, state)`` takes ``x`` of shape ``(batch, time, input_size)`` and an
    optional ``(h, c)`` (each ``(batch, hidden_size)``; zeros if ``None``) and returns
    ``(outputs (batch, time, hidden_size), (h_T, c_T))``.
    """

    def __init__(
        self, cell: ZophLeRNNCell, input_size: int, hidden_size: int, bias: bool = True, fast: bool = True
    ):
        super().__init__()
        if not isinstance(cell, ZophLeRNNCell):
            raise TypeError(f"cell must be a ZophLeRNNCell, got {type(cell).__name__}")
        check_int("input_size", input_size)
        check_int("hidden_size", hidden_size)
        self.cell = cell
        self.base = cell.base
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.x_proj = nn.Linear(input_size, self.base * hidden_size, bias=bias)
        self.h_proj = nn.Linear(hidden_size, self.base * hidden_size, bias=bias)
        children = cell.children
        # one (combination, activation, left, right) per node; leaves have no children
        self._program = [
            (COMBINATION_FNS[comb], ACTIVATION_FNS[act], *children.get(i, (-1, -1)))
            for i, (comb, act) in enumerate(cell.nodes)
        ]
        self._inject = (COMBINATION_FNS[cell.inject[0]], ACTIVATION_FNS[cell.inject[1]])
        self.fast = bool(fast)
        self._tree = TreeProgram(cell)
        if self.fast:  # build/load the kernel now, not inside a child's timed training loop
            fused_available()

    # ---------------------------------------------------------------- weights
    def _leaf_rows(self, leaf: int) -> slice:
        check_int("leaf", leaf, low=0, high=self.base - 1)
        return slice(leaf * self.hidden_size, (leaf + 1) * self.hidden_size)

    @torch.no_grad()
    def set_leaf(
        self,
        leaf: int,
        w_x: torch.Tensor,
        w_h: torch.Tensor,
        b_x: torch.Tensor | None = None,
        b_h: torch.Tensor | None = None,
    ) -> None:
        """Set leaf ``leaf``'s ``W`` (``(H, input_size)``), ``U`` (``(H, H)``) and optional biases."""
        rows = self._leaf_rows(leaf)
        self.x_proj.weight[rows] = w_x
        self.h_proj.weight[rows] = w_h
        for lin, b in ((self.x_proj, b_x), (self.h_proj, b_h)):
            if b is not None:
                if lin.bias is None:
                    raise ValueError("this module has no biases (bias=False)")
                lin.bias[rows] = b

    @torch.no_grad()
    def zero_leaves(self, leaves: Sequence[int]) -> None:
        """Zero the weights and biases of ``leaves`` (see ``ZophLeRNNSpace.idle_leaves``)."""
        for leaf in leaves:
            rows = self._leaf_rows(leaf)
            for lin in (self.x_proj, self.h_proj):
                lin.weight[rows] = 0.0
                if lin.bias is not None:
                    lin.bias[rows] = 0.0

    # ---------------------------------------------------------------- forward
    def init_state(self, batch_size: int, device: torch.device | str | None = None, dtype=None) -> State:
        """Zero ``(h, c)``."""
        dtype = dtype or self.x_proj.weight.dtype
        device = device or self.x_proj.weight.device
        z = torch.zeros(batch_size, self.hidden_size, device=device, dtype=dtype)
        return z, z.clone()

    def step(self, x_leaves: torch.Tensor, h: torch.Tensor, c: torch.Tensor) -> State:
        """One time step from the precomputed ``x_proj(x_t)`` (``(batch, base * H)``); returns ``(h_t, c_t)``."""
        base = self.base
        xs = x_leaves.chunk(base, dim=-1)
        hs = self.h_proj(h).chunk(base, dim=-1)
        cell = self.cell
        inj_comb, inj_act = self._inject
        a: list[torch.Tensor] = []
        c_new = c
        for i, (comb, act, left, right) in enumerate(self._program):
            pre = comb(xs[i], hs[i]) if i < base else comb(a[left], a[right])
            out = pre if act is None else act(pre)
            if i == cell.cell_out:
                c_new = pre
            if i == cell.cell_inject:
                out = inj_comb(out, c)
                if inj_act is not None:
                    out = inj_act(out)
            a.append(out)
        return a[-1], c_new

    def forward(self, x: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            raise ValueError(
                f"x must have shape (batch, time, {self.input_size}), got {tuple(x.shape)}"
            )
        h, c = self.init_state(x.shape[0], x.device, x.dtype) if state is None else state
        if self.fast and x.shape[1] > 0 and self._tree.supports(x):
            # every leaf's W x_t of every step in one matrix product; the kernel adds b (and U h + d)
            x_leaves = nn.functional.linear(x, self.x_proj.weight)
            out, h, c = fused_sequence(
                self._tree, x_leaves, h, c, self.h_proj.weight, self.h_proj.bias, self.x_proj.bias
            )
            return out, (h, c)
        x_leaves = self.x_proj(x)  # (batch, time, base * H): every leaf, every step, one matmul
        outputs = []
        for t in range(x.shape[1]):
            h, c = self.step(x_leaves[:, t], h, c)
            outputs.append(h)
        return torch.stack(outputs, dim=1), (h, c)

    def extra_repr(self) -> str:
        return (f"base={self.base}, input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"fast={self.fast}, cell='{self.cell}'")
