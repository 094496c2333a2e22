"""The NAS vector env: lock-step token episodes, concurrent terminal evaluations, store hits."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import nas_env  # noqa: F401
from nas_env.cache import attach_store
from nas_env.executors import ProcessExecutor
from nas_env.vector import NASVectorEnv

BEST = (3, 3, 3, 1, 3, 2)


def make_nb201():
    return gym.make("nas_env/NB201-v0", fidelity=12)


def run_episode(vec, actions_per_step):
    out = None
    for actions in actions_per_step:
        out = vec.step(actions)
    return out


def test_vector_env_api_and_next_step_autoreset():
    vec = NASVectorEnv(make_nb201, 3)
    mode = vec.metadata["autoreset_mode"]  # AutoresetMode.NEXT_STEP (gymnasium >= 1.1), "next_step" on 1.0
    assert getattr(mode, "name", mode).upper() == "NEXT_STEP"
    obs, info = vec.reset(seed=0)
    assert obs.shape == (3, 6) and info["action_mask"].shape == (3, 5)
    assert vec.action_masks().shape == (3, 5)
    rng = np.random.default_rng(0)
    for _ in range(5):
        obs, r, term, trunc, info = vec.step(rng.integers(0, 5, 3))
        assert not term.any() and (r == 0).all()
    obs, r, term, trunc, info = vec.step(rng.integers(0, 5, 3))
    assert term.all() and (r > 0).all() and info["_arch"].all()
    assert vec.observation_space.contains(obs)
    obs, r, term, trunc, info = vec.step(np.zeros(3, dtype=np.int64))  # the autoreset step
    assert (obs == 0).all() and (r == 0).all() and not term.any()
    vec.close()


def test_vector_env_is_deterministic_for_a_seed():
    def rollout():
        vec = NASVectorEnv(lambda: gym.make("nas_env/NB201-v0"), 4)
        vec.reset(seed=3)
        rng = np.random.default_rng(1)
        rewards = []
        for _ in range(10):
            for _ in range(6):
                _, r, term, _, _ = vec.step(rng.integers(0, 5, 4))
            rewards.append(r.copy())
            vec.step(np.zeros(4, dtype=np.int64))
        return np.array(rewards)

    assert np.array_equal(rollout(), rollout())


def test_store_hits_and_in_batch_duplicates(tmp_path):
    first = make_nb201()
    store = attach_store(first, tmp_path / "t.sqlite")
    envs = iter([first] + [make_nb201() for _ in range(3)])
    vec = NASVectorEnv(lambda: next(envs), 4)
    vec.reset(seed=0)
    _, r, term, _, info = run_episode(vec, [np.full(4, a) for a in BEST])
    assert term.all() and len(set(r.tolist())) == 1
    assert vec.evaluations == 1  # four identical requests, one evaluation
    assert len(store) == 1
    vec.step(np.zeros(4, dtype=np.int64))
    _, r2, _, _, info = run_episode(vec, [np.full(4, a) for a in BEST])
    assert vec.evaluations == 1 and vec.store_hits == 4 and np.array_equal(r, r2)
    assert info["metrics"]["cached"].all()  # vector infos hold one array per key


@pytest.mark.parametrize("num_envs", [2])
def test_vector_env_with_process_executor_trains_concurrently(num_envs):
    from nas_env.evaluators.image_train import TrainEvaluator

    def make():
        return nas_env.NASEnv(
            nas_env.ZophLeCNNSpace(num_layers=2),
            TrainEvaluator(epochs=1, max_train_samples=300, count_flops=False),
        )

    probe = make()
    with ProcessExecutor(probe.evaluator, num_workers=2) as pool:
        vec = NASVectorEnv(make, num_envs, executor=pool)
        vec.reset(seed=0)
        length = probe.space.max_length
        for _ in range(length):
            masks = vec.action_masks()
            _, r, term, _, info = vec.step(np.array([int(np.flatnonzero(m)[-1]) for m in masks]))
        assert term.all()
        assert info["metrics"]["status"].tolist() == ["ok"] * num_envs
        assert vec.evaluations == 2  # no store: each sub-env drew its own training seed


def test_a_given_executor_outlives_the_vector_envs_that_use_it():
    """A search plays each batch through a new NASVectorEnv on its one executor (agents.play.play_batch). Closing
    that env closed the executor, and gymnasium 1.0's ``VectorEnv.__del__`` closes every env it collects: under
    gymnasium 1.0 each batch ended by stopping the search's workers (found by .ci/lowest: no workers between two
    batches; a Ray search hung). The executor passed in is the caller's; only the env's own default one closes."""
    import gc

    from nas_env.agents.play import play_batch

    env = gym.make("nas_env/NB201-v0")
    env.reset(seed=0)
    with ProcessExecutor(env.unwrapped.evaluator, num_workers=2) as pool:
        first, _ = play_batch(env, [[0, 1, 2, 3, 4, 0], [1, 1, 1, 1, 1, 1]], pool)
        pids = pool.worker_pids()
        assert len(pids) == 2
        vec = NASVectorEnv.from_env(env, 2, executor=pool)
        vec.close()
        del vec
        gc.collect()
        again, _ = play_batch(env, [[0, 1, 2, 3, 4, 0], [1, 1, 1, 1, 1, 1]], pool)
        assert pool.worker_pids() == pids  # the same two workers: none stopped, none started
        assert all(info["metrics"]["status"] == "ok" for _, info in first + again)
    own = NASVectorEnv.from_env(env, 2)
    own.close()
    assert own.closed
