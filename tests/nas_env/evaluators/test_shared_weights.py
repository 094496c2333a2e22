"""Weight sharing (``backend="shared"``): what both training families share, ``ZophLeCNN-v0``
(:mod:`nas_env.evaluators.image_shared`) and ``ZophLeRNN-v0`` (:mod:`nas_env.evaluators.lm_shared`): env
contract, determinism, resume, the store, bad arguments. Each test runs once per family (the ``family``
fixture: its tiny env kwargs); what is particular to a family is in ``test_image_shared.py`` and
``test_lm_shared.py``, and the shared networks' forwards in ``tests/nas_env/models/test_shared_models.py``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from nas_env.agents import Budget
from nas_env.benchmarks.run.search import run_search
from nas_env.benchmarks.run.state_codec import decode
from nas_env.cache import attach_store
from nas_env.store import StoreError
from tests.helpers import play
from tests.nas_env.evaluators.shared_families import FAMILIES, assert_same_state


def test_shared_env_passes_gymnasium_and_sb3_checkers(family):
    from gymnasium.utils.env_checker import check_env as gym_check

    gym_check(family.env().unwrapped, skip_render_check=True)
    try:
        from stable_baselines3.common.env_checker import check_env as sb3_check
    except ImportError:  # sb3 is an optional extra
        return
    sb3_check(family.env(), warn=False)


def test_shared_env_has_the_stand_alone_envs_tokens_masks_and_info_keys(family):
    shared, alone = family.env(), gym.make(family.env_id, **family.stand_alone)
    assert shared.action_space == alone.action_space and shared.observation_space == alone.observation_space
    _, info_s = shared.reset(seed=0)
    _, info_t = alone.reset(seed=0)
    assert np.array_equal(info_s["action_mask"], info_t["action_mask"])
    _, reward, info = play(shared, family.tokens(shared.unwrapped.space))
    assert {"action_mask", "arch", "tokens", "metrics"} <= set(info)
    m = info["metrics"]
    assert m["status"] == "ok" and m["reward_kind"] == "shared_weights" and m["steps"] == 2
    assert reward == family.reward(m) and 0.0 <= reward <= 1.0


def test_deterministic_for_a_seed_and_order_dependent(family):
    def rewards(order):
        env = family.env()
        env.reset(seed=5)
        out = [play(env, tokens)[1] for tokens in order]
        return out, env.unwrapped.evaluator.state_dict()

    rng = np.random.default_rng(1)
    space = family.env().unwrapped.space
    seqs = [space.sample(rng) for _ in range(family.orders)]
    r1, s1 = rewards(seqs)
    r2, s2 = rewards(seqs)
    assert r1 == r2
    assert_same_state(s1, s2)
    r3, _ = rewards(seqs[::-1])
    assert r3[::-1] != r1  # the same children in another order get other rewards


def test_search_resume_repeats_an_uninterrupted_run_exactly(family, tmp_path):
    n = family.evaluations
    kwargs = dict(env_id=family.env_id, env_kwargs={**family.shared, **family.search}, agent="reinforce",
                  agent_kwargs={"m": 2}, budget=Budget(evaluations=n), seed=3, progress=False,
                  checkpoint_interval_s=0.0)

    class Crash(RuntimeError):
        pass

    def crash(evaluation, tracker):
        if evaluation.index == 4:  # evaluations 0-3 are checkpointed, 4 is beyond the checkpoint
            raise Crash

    with pytest.raises(Crash):
        run_search(**kwargs, out_dir=tmp_path / "run", callbacks=[crash])
    assert decode((tmp_path / "run" / "checkpoint.npz").read_bytes())["num_evaluations"] == 4
    resumed = run_search(**kwargs, out_dir=tmp_path / "run")
    ref = run_search(**kwargs, out_dir=tmp_path / "ref")
    assert [(e.arch, e.reward) for e in resumed.history] == [(e.arch, e.reward) for e in ref.history]
    states = []
    for d in ("run", "ref"):
        states.append(decode((tmp_path / d / "checkpoint.npz").read_bytes())["evaluator"])
    assert states[0]["num_evaluations"] == states[1]["num_evaluations"] == n
    assert_same_state(states[0], states[1])  # weights and optimizer state


def test_store_never_serves_a_shared_reward_as_a_stand_alone_one(family, tmp_path):
    attach_store(gym.make(family.env_id, **family.stand_alone), tmp_path / "s.sqlite").close()
    with pytest.raises(StoreError):
        attach_store(family.env(), tmp_path / "s.sqlite")


#: family -> (env kwargs over its tiny shared env, what the error must say)
BAD_ARGUMENTS = {
    "cnn": [
        ({"backend": "tables"}, "unknown backend 'tables'; valid: ['train', 'shared']"),
        ({"train_kwargs": {"epochs": 3}}, "unknown train_kwargs ['epochs'] for backend='shared'; valid:"),
        ({"max_train_seconds": 5}, "max_train_seconds=5 applies to backend='train' only"),
        ({"train_kwargs": {"steps": -1}}, "steps must be an int >= 0, got -1"),
        ({"train_kwargs": {"val_samples": 0}}, "val_samples must be an int >= 1 or None, got 0"),
    ],
    "rnn": [
        ({"backend": "tables"}, "unknown backend 'tables'; valid: ['train', 'shared']"),
        ({"train_kwargs": {"epochs": 3}}, "unknown train_kwargs ['epochs'] for backend='shared'; valid: ["),
        ({"max_train_seconds": 5}, "max_train_seconds=5 applies to backend='train' only, not 'shared'"),
        ({"max_steps": 7}, "max_steps=7 applies to backend='train' only, not 'shared'"),
        ({"epochs": 3}, "epochs=3 applies to backend='train' only, not 'shared'"),
        ({"lr": 0.1}, "lr=0.1 applies to backend='train' only, not 'shared' (set the shared weights' learning rate in"),
        ({"train_kwargs": {"steps": -1}}, "steps must be an int >= 0, got -1"),
        ({"train_kwargs": {"val_chars": 1}}, "val_chars must be an int >= 2 or None, got 1"),
        ({"train_kwargs": {"optimizer": "lbfgs"}}, "unknown optimizer 'lbfgs'; valid: ['adam', 'sgd']"),
    ],
}


@pytest.mark.parametrize(("name", "over", "message"),
                         [(name, over, message) for name, cases in BAD_ARGUMENTS.items() for over, message in cases])
def test_bad_shared_arguments_name_the_value_and_what_is_valid(name, over, message):
    with pytest.raises(ValueError) as err:
        FAMILIES[name].env(**over)
    assert message in str(err.value)
