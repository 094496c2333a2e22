"""``nas_env/ZophLeRNN-v0``: checkers, rewards, bad input, and searches through the ``nas-env`` CLI."""

from __future__ import annotations

import json
import math
import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env

import nas_env  # noqa: F401  (registers the env ids)
from nas_env.registration import ENV_IDS
from nas_env.rewards import REWARDS, bits_saved
from tests.helpers import play

TINY = {"base": 2, "max_chars": 2000, "hidden_size": 8, "seq_len": 8, "batch_size": 4, "device": "cpu"}


def test_registered():
    assert ENV_IDS["nas_env/ZophLeRNN-v0"] == "nas_env.envs.zoph_le_rnn:ZophLeRNNEnv"
    assert "nas_env/ZophLeRNN-v0" in gym.registry


def test_checkers_pass():
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make("nas_env/ZophLeRNN-v0", **TINY)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any checker warning is a failure
        gym_check_env(env.unwrapped, skip_render_check=True)
    sb3_check_env(env, warn=True)
    env8 = gym.make("nas_env/ZophLeRNN-v0", **{**TINY, "base": 8})
    gym_check_env(env8.unwrapped, skip_render_check=True)


def test_defaults_are_the_paper_space():
    env = gym.make("nas_env/ZophLeRNN-v0").unwrapped
    assert env.space.base == 8 and env.space.max_length == 34
    assert env.action_space.n == 15 and env.observation_space.shape == (34,)
    assert env.reward_fn is REWARDS["bpc"]
    cfg = env.evaluator.config()
    assert cfg["dataset"] == "tinyshakespeare" and cfg["max_chars"] == 100_000 and cfg["epochs"] == 1


def test_tanh_rnn_episode_default_reward():
    env = gym.make("nas_env/ZophLeRNN-v0", **TINY, render_mode="ansi")
    space = env.unwrapped.space
    _, reward, info = play(env, space.encode(space.tanh_rnn()), seed=0)
    m = info["metrics"]
    assert m["status"] == "ok" and info["arch"] == str(space.tanh_rnn())
    assert isinstance(reward, float) and reward == pytest.approx(bits_saved(m))
    assert reward == pytest.approx(1 - m["val_bpc"] / math.log2(65)) and 0.0 < reward < 1.0
    assert "c_t=1" in env.render()


def test_ppl_and_accuracy_rewards():
    tokens = (0, 1, 1, 3, 1, 2, 0, 3, 1, 0)
    _, r_ppl, info = play(gym.make("nas_env/ZophLeRNN-v0", **TINY, reward="ppl"), tokens, seed=0)
    assert r_ppl == pytest.approx(80.0 / info["metrics"]["val_perplexity"] ** 2)
    _, r_acc, info = play(gym.make("nas_env/ZophLeRNN-v0", **TINY, reward="accuracy"), tokens, seed=0)
    assert r_acc == info["metrics"]["val_accuracy"]


def test_masked_action_and_failed_child():
    env = gym.make("nas_env/ZophLeRNN-v0", **TINY, failure_reward=-1.0)
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(3)  # a combination has 2 choices
    assert terminated and reward == -1.0 and info["metrics"]["status"] == "invalid"
    env = gym.make("nas_env/ZophLeRNN-v0", **TINY, failure_reward=-1.0, train_kwargs={"diverge_loss": 0.5})
    _, reward, info = play(env, (0, 1, 1, 3, 1, 2, 0, 3, 1, 0), seed=0)
    assert reward == -1.0 and info["metrics"]["status"] == "diverged"


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"base": 3}, "power of two"),
        ({"base": 0}, "power of two"),
        ({"seq_len": 1}, "seq_len must be an int >= 2"),
        ({"dataset": "wikitext"}, r"unknown corpus 'wikitext'; valid: \['ptb', 'tinyshakespeare'\]"),
        ({"dataset": "ptb"}, "needs data_root: a directory with ptb.train.txt, ptb.valid.txt, ptb.test.txt"),
        ({"dataset": "ptb", "data_root": "/nonexistent/ptb"}, "'/nonexistent/ptb' does not exist"),
        ({"reward": "perplexity"}, "unknown reward 'perplexity'"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gym.make("nas_env/ZophLeRNN-v0", **{**TINY, **kwargs})


@pytest.mark.parametrize("agent", ["random", "reinforce"])
def test_search_through_the_cli(agent, tmp_path, capsys):
    from nas_env.benchmarks.cli import main

    out = tmp_path / agent
    argv = [
        "search", "--env", "nas_env/ZophLeRNN-v0", "--env-kwargs", json.dumps(TINY), "--agent", agent,
        "--budget", "3", "--seed", "0", "--out", str(out), "--no-progress",
    ]
    assert main(argv) == 0
    lines = (out / "history.jsonl").read_text().splitlines()
    assert len(lines) == 3
    for line in lines:
        row = json.loads(line)
        assert row["metrics"]["status"] in ("ok", "diverged", "failed", "invalid")
    assert "nas_env/ZophLeRNN-v0" in capsys.readouterr().out


def test_figure6_protocol_runs_at_tiny_size():
    from nas_env.agents import make_agent
    from nas_env.benchmarks.protocols import PROTOCOLS, get_protocol

    p = PROTOCOLS["rnn-tinyshakespeare"]
    assert p.env_id == "nas_env/ZophLeRNN-v0" and p.budget.evaluations == 300 and p.default_seeds == 5
    assert p.kwargs_for("reinforce") == {"lr": 0.01}
    assert p.make_env().unwrapped.space.base == 8  # the full-size env builds (nothing is trained here)
    tiny = get_protocol("rnn-tinyshakespeare", budget=2, env_kwargs=TINY)
    result = make_agent("random").run(tiny.make_env(), tiny.budget, seed=0)
    assert len(result.history) == 2
    assert tiny.final_accuracy(result.best) is None or 0.0 <= tiny.final_accuracy(result.best) <= 1.0
