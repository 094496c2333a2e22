"""Weight sharing on recurrent cells (:mod:`nas_env.evaluators.lm_shared`): what is particular to it.

A child trains only the weights of its chosen ops, a diverged child is undone, the evaluator resumes from its
state, and a cell of another base is a failed child. What both families share is in ``test_shared_weights.py``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nas_env.evaluators.lm_shared import SharedWeightLMEvaluator
from nas_env.rewards import bits_saved
from nas_env.spaces.zoph_le_rnn import ZophLeRNNSpace
from tests.helpers import play
from tests.nas_env.evaluators.shared_families import RNN, RNN_EVAL, RNN_ID, RNN_SPACE, RNN_TINY


def test_a_shared_childs_metrics_are_the_stand_alone_ones_but_the_epoch_keys():
    shared, alone = gym.make(RNN_ID, **RNN), gym.make(RNN_ID, **{**RNN_TINY, "max_steps": 2})
    tokens = RNN_SPACE.encode(RNN_SPACE.lstm_like())
    _, reward, info = play(shared, tokens)
    *_, info_train = play(alone, tokens)
    m = info["metrics"]
    assert reward == bits_saved(m) and 0.0 <= reward <= 1.0  # the stand-alone backend's reward function
    expected = set(info_train["metrics"]) - {"epochs_completed", "stopped_by", "epochs"}
    assert expected | {"reward_kind", "evaluation"} == set(m)
    assert (m["params"], m["cell_params"]) == (info_train["metrics"]["params"], info_train["metrics"]["cell_params"])
    assert m["tokens_seen"] == 2 * 8 * 16


def _snapshot(ev: SharedWeightLMEvaluator) -> dict[str, list[torch.Tensor]]:
    """Every shared tensor and its Adam moments, by parameter name."""
    out = {}
    for name, p in ev.model.named_parameters():
        state = ev.optimizer.state.get(p, {})
        out[name] = [p.detach().clone()] + [state[k].clone() for k in ("exp_avg", "exp_avg_sq") if k in state]
    return out


@settings(max_examples=5, deadline=None, derandomize=True)
@given(st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1))
def test_a_childs_evaluation_changes_only_the_weights_of_its_chosen_ops(arch_seed, train_seed):
    ev = SharedWeightLMEvaluator(RNN_SPACE, **RNN_EVAL, steps=2)
    ev.evaluate(RNN_SPACE.decode(RNN_SPACE.sample(np.random.default_rng(train_seed))), seed=1)  # non-zero moments
    cell = RNN_SPACE.decode(RNN_SPACE.sample(np.random.default_rng(arch_seed)))
    before = _snapshot(ev)
    status = ev.evaluate(cell, seed=train_seed)["status"]
    after = _snapshot(ev)
    if status != "ok":  # a diverged child (rare at this size) is undone: nothing moved at all
        assert status == "diverged" and all(torch.equal(b, a) for n in before for b, a in zip(before[n], after[n]))
        return
    used = {id(p) for p in ev.model.child_parameters(ev.model.plan(cell))}
    chosen = {f"ops.0.{leaf}.{comb}." for leaf, (comb, _) in enumerate(cell.nodes[: RNN_SPACE.base])}
    for name, p in ev.model.named_parameters():
        assert (id(p) in used) == (name.startswith(("embedding", "decoder")) or name.rsplit(".", 2)[0] + "." in chosen)
        if id(p) in used:  # the chosen ops did train, unless their gradient vanished (a leaf under a dead ReLU,
            assert p.grad is not None, name  # a saturated sigmoid, ...: an Adam step below float resolution)
            assert not torch.equal(before[name][0], after[name][0]) or p.grad.abs().max() < 1e-10, name
            if name.startswith(("embedding", "decoder")):
                assert not torch.equal(before[name][0], after[name][0]), name
        else:
            assert p.grad is None, name  # never in the graph: no gradient, no optimizer update
            assert len(before[name]) == len(after[name])
            assert all(torch.equal(b, a) for b, a in zip(before[name], after[name])), name  # bit-identical


def test_a_diverged_child_is_a_result_and_leaves_the_shared_weights_untouched():
    ev = SharedWeightLMEvaluator(RNN_SPACE, **RNN_EVAL, steps=4, diverge_loss=10.0, grad_clip=None)
    assert ev.evaluate(RNN_SPACE.lstm_like(), seed=0)["status"] == "ok"  # Adam moments exist
    ev.optimizer.param_groups[0]["lr"] = 10.0  # from now on every update blows the loss up
    before = _snapshot(ev)
    metrics = ev.evaluate(RNN_SPACE.lstm_like(), seed=1)
    assert metrics["status"] == "diverged" and metrics["val_loss"] is None
    assert "at step 2 (diverge_loss=10)" in metrics["error"]  # step 1 did update, then was undone
    after = _snapshot(ev)
    for name in before:
        assert all(torch.equal(b, a) for b, a in zip(before[name], after[name])), name


def test_resume_from_state_dict_continues_exactly_and_seeds_are_deterministic():
    rng = np.random.default_rng(3)
    cells = [RNN_SPACE.decode(RNN_SPACE.sample(rng)) for _ in range(5)]
    first = SharedWeightLMEvaluator(RNN_SPACE, **RNN_EVAL, steps=2)
    head = [first.evaluate(c, seed=i) for i, c in enumerate(cells[:3])]
    state = first.state_dict()  # a copy: evaluating on must not change it
    tail = [first.evaluate(c, seed=10 + i) for i, c in enumerate(cells[3:])]
    resumed = SharedWeightLMEvaluator(RNN_SPACE, **RNN_EVAL, steps=2)
    resumed.load_state_dict(state)
    assert [resumed.evaluate(c, seed=10 + i)["val_loss"] for i, c in enumerate(cells[3:])] == [
        m["val_loss"] for m in tail]
    assert [m["evaluation"] for m in tail] == [3, 4]
    again = SharedWeightLMEvaluator(RNN_SPACE, **RNN_EVAL, steps=2)  # the same seeds from scratch: the same rewards
    assert [again.evaluate(c, seed=i)["val_loss"] for i, c in enumerate(cells[:3])] == [m["val_loss"] for m in head]
    for a, b in zip(first.state_dict()["model"].values(), resumed.state_dict()["model"].values()):
        assert torch.equal(a, b)


def test_a_cell_of_another_base_is_a_failed_child_not_a_crash():
    ev = SharedWeightLMEvaluator(RNN_SPACE, **RNN_EVAL, steps=1)
    metrics = ev.evaluate(ZophLeRNNSpace(2).paper_example(), seed=0)
    assert metrics["status"] == "failed" and "has base 2; this space has base 8" in metrics["error"]
    with pytest.raises(ValueError, match=r"fidelity \(steps\) must be an int >= 0, got -2"):
        ev.evaluate(RNN_SPACE.lstm_like(), fidelity=-2)
