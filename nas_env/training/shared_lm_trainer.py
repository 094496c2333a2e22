"""Training one set of shared language-model weights on a child: TBPTT windows, and undoing a diverged child.

The steps of :class:`~nas_env.evaluators.lm_shared.SharedWeightLMEvaluator` (see its module docstring):
:func:`train_windows` trains the shared weights on a child (or on a new random child per window, the
warm-up) and raises :class:`Diverged` on a bad loss or gradient norm; :func:`snapshot` and
:func:`restore` put the child's tensors and their optimizer state back as they were before it.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from nas_env.models.shared_rnn import RNNChildPlan, SharedRNNLM

__all__ = ["Diverged", "Snapshot", "restore", "snapshot", "train_windows"]

#: a child's tensors, their values and their optimizer state (``None``: none yet)
Snapshot = list[tuple[nn.Parameter, torch.Tensor, "dict[str, Any] | None"]]


class Diverged(Exception):
    """A child's training diverged (the message says how)."""


def train_windows(model: SharedRNNLM, optimizer: torch.optim.Optimizer, plans: list[RNNChildPlan],
                  stream: torch.Tensor, *, seed: int, batch_size: int, seq_len: int, grad_clip: float | None,
                  limit: float, skip_bad: bool) -> list[float]:
    """One TBPTT window of ``seq_len`` tokens per plan (state carried), from ``batch_size`` start positions of
    ``stream`` drawn with ``seed`` (the stream read cyclically); returns the losses.

    Raises:
        Diverged: a training loss above ``limit`` or not finite, or a gradient norm not finite (unless
            ``skip_bad``: then that window's update is skipped and the state reset).
    """
    n = len(stream)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    starts = torch.randint(0, n, (batch_size, 1), generator=gen)
    offsets = torch.arange(seq_len + 1).unsqueeze(0)
    model.train()
    state = None
    losses: list[float] = []
    for k, plan in enumerate(plans):
        pos = ((starts + k * seq_len + offsets) % n).to(stream.device)
        window = stream[pos]
        inputs, targets = window[:, :-1], window[:, 1:]
        if state is not None:
            state = [(h.detach(), c.detach()) for h, c in state]
        optimizer.zero_grad(set_to_none=True)
        logits, state = model(inputs, plan, state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        used = model.child_parameters(plan)
        value = float(loss.item())
        gnorm = 0.0
        if math.isfinite(value) and value <= limit:
            loss.backward()
            gnorm = float(torch.nn.utils.clip_grad_norm_(used, grad_clip or float("inf")))
        if not math.isfinite(value) or value > limit or not math.isfinite(gnorm):
            if not skip_bad:
                what = f"training loss {value:.4g}" if math.isfinite(gnorm) else f"gradient norm {gnorm}"
                raise Diverged(f"{what} at step {k + 1} (diverge_loss={limit:.3g})")
            optimizer.zero_grad(set_to_none=True)
            state = None
            continue
        optimizer.step()
        losses.append(value)
    return losses


def snapshot(model: SharedRNNLM, optimizer: torch.optim.Optimizer, plan: RNNChildPlan) -> Snapshot:
    """Copies of the child's tensors and their optimizer state (to undo a diverged child)."""
    return [
        (p, p.detach().clone(), copy.deepcopy(optimizer.state[p]) if p in optimizer.state else None)
        for p in model.child_parameters(plan)
    ]


@torch.no_grad()
def restore(optimizer: torch.optim.Optimizer, saved: Snapshot) -> None:
    """Put back what :func:`snapshot` copied."""
    for p, value, state in saved:
        p.copy_(value)
        if state is None:
            optimizer.state.pop(p, None)
        else:
            optimizer.state[p] = state
