"""Weight sharing on the Zoph & Le CNN (:mod:`nas_env.evaluators.image_shared`): what is particular to it.

A child trains only the slices of its chosen ops, ``val_samples`` scores on a validation subset, and the runner's
defaults for a shared-weight search. What both families share is in ``test_shared_weights.py``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nas_env.benchmarks.run.search import run_search
from nas_env.benchmarks.run.state_codec import decode
from nas_env.evaluators.image_shared import SharedWeightEvaluator
from tests.helpers import play
from tests.nas_env.evaluators.shared_families import CNN, CNN_ID, CNN_SPACE


def small_env(**over) -> gym.Env:
    return gym.make(CNN_ID, **{**CNN, **over})


def _snapshot(ev: SharedWeightEvaluator) -> list[torch.Tensor]:
    return [p.detach().clone() for p in ev.model.parameters()] + [b.clone() for b in ev.optimizer.buffers]


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1))
def test_a_childs_evaluation_changes_only_the_entries_of_its_chosen_ops(arch_seed, train_seed):
    ev = SharedWeightEvaluator(CNN_SPACE, steps=2, max_train_samples=128, device="cpu", num_threads=1)
    ev.evaluate(CNN_SPACE.decode(CNN_SPACE.sample(np.random.default_rng(train_seed))), seed=1)  # non-zero momentum
    arch = CNN_SPACE.decode(CNN_SPACE.sample(np.random.default_rng(arch_seed)))
    before = _snapshot(ev)
    metrics = ev.evaluate(arch, seed=train_seed)
    after = _snapshot(ev)
    params = list(ev.model.parameters())
    used = torch.zeros(0)
    masks = [torch.zeros_like(p, dtype=torch.bool) for p in params]
    if metrics["status"] == "ok":
        for p, idx in ev.model.child_slices(ev.model.plan(arch)):
            masks[[q is p for q in params].index(True)][idx] = True
    masks = masks + masks  # the momentum buffers follow the parameters
    for b, a, m in zip(before, after, masks):
        assert torch.equal(b[~m], a[~m])  # bit-identical outside the chosen ops
        used = torch.cat([used, (b[m] != a[m]).float()])
    if metrics["status"] == "ok":
        assert used.sum() > 0  # and the chosen ops did train
    else:
        assert metrics["status"] == "failed" and "below 1x1" in metrics["error"]


def test_val_samples_scores_each_child_on_a_seeded_subset_and_the_final_ranking_on_the_whole_split(tmp_path):
    """``val_samples``: the search reward on N random validation images (a cheaper, noisier reward, as ENAS's
    one minibatch); the final-weights ranking of ``--retrain-top`` measures on the whole split."""
    from nas_env.benchmarks.run.record import load_run
    from nas_env.benchmarks.run.retrain import rescored_finalists

    subset = {**CNN, "train_kwargs": {**CNN["train_kwargs"], "val_samples": 16}}
    env = gym.make(CNN_ID, **subset)
    env.reset(seed=2)
    *_, info = play(env, env.unwrapped.space.sample(np.random.default_rng(0)))
    m = info["metrics"]
    n_val = len(env.unwrapped.evaluator.images.on(torch.device("cpu")).val_y)
    assert m["val_samples"] == 16 and n_val > 16 and abs(m["val_accuracy"] * 16 - round(m["val_accuracy"] * 16)) < 1e-9
    assert env.unwrapped.evaluator.config()["val_samples"] == 16
    assert "val_samples" not in small_env().unwrapped.evaluator.config()  # earlier configs keep their store key
    run_search(CNN_ID, subset, "random", {}, 5, 4, tmp_path / "run", progress=False)
    ranked, scores, candidates = rescored_finalists(load_run(tmp_path / "run"), 5)
    whole = small_env().unwrapped.evaluator
    whole.load_state_dict(decode((tmp_path / "run" / "checkpoint.npz").read_bytes())["evaluator"])
    space = small_env().unwrapped.space
    for e in ranked:
        full = whole.evaluate(space.from_string(e.arch), fidelity=0, seed=0)
        assert full["val_samples"] == n_val and scores[e.arch][1] == full["val_accuracy"]


def test_runner_defaults_and_refuses_worker_executors(tmp_path):
    result = run_search(CNN_ID, CNN, "random", {}, 2, 0, tmp_path / "a", progress=False)
    assert len(result.history) == 2  # executor auto -> none, store auto -> off
    assert not (tmp_path / "a" / "evaluations.sqlite").exists()
    # the run's pre-search checks trained nothing
    assert decode((tmp_path / "a" / "checkpoint.npz").read_bytes())["evaluator"]["num_evaluations"] == 2
    with pytest.raises(ValueError, match="executor 'process' cannot evaluate .* valid: 'auto' or 'none'"):
        run_search(CNN_ID, CNN, "random", {}, 2, 0, tmp_path / "b", progress=False, executor="process")
