"""Agents: exact budgets, determinism, grid order, evolution mechanics, the REINFORCE controller."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
import torch

import nas_env
from nas_env import DecisionSpace, NASEnv, ZophLeCNNSpace
from nas_env.agents import Budget, agent_names, make_agent
from nas_env.agents.controller import Controller
from nas_env.agents.evolution import mutate

pytestmark = pytest.mark.usefixtures("one_torch_thread")


SB3_FAST = {"episodes_per_rollout": 2, "n_epochs": 2}


def fast_kwargs(name: str) -> dict:
    return dict(SB3_FAST) if name in ("ppo", "maskable-ppo") else {}


def cnn_reward(arch) -> float:
    """A cheap deterministic stand-in for training: prefers wide 3x3 layers and some skips."""
    score = 0.5
    for layer in arch.layers:
        score += 0.02 * (layer.filter_height == 3) + 0.02 * (layer.num_filters == 64) + 0.01 * len(layer.inputs)
    return min(score, 0.99)


def cnn_env(num_layers=3, predict_stride=True) -> NASEnv:
    return NASEnv(ZophLeCNNSpace(num_layers, predict_stride=predict_stride), cnn_reward)


# ------------------------------------------------------------------------ budgets
@pytest.mark.parametrize("name", agent_names())
def test_exact_evaluation_budget(name):
    env = gym.make("nas_env/NB201-v0")
    result = make_agent(name, **fast_kwargs(name)).run(env, Budget(evaluations=23), seed=1)
    assert len(result.history) == 23
    assert [e.index for e in result.history] == list(range(23))


@pytest.mark.parametrize("name", agent_names())
def test_cost_budget_never_exceeded(name):
    env = gym.make("nas_env/NB201-v0", fidelity=12)
    budget = Budget(cost_seconds=3000.0)
    result = make_agent(name, **fast_kwargs(name)).run(env, budget, seed=0)
    assert 0 < len(result.history)
    assert result.total_cost_seconds <= 3000.0
    # the search ended because the next evaluation did not fit
    assert result.total_cost_seconds > 3000.0 - 400.0


# -------------------------------------------------------------------- determinism
@pytest.mark.parametrize("name", agent_names())
@pytest.mark.parametrize("env_id", ["nas_env/NB201-v0", "nas_env/Synthetic-v0"])
def test_same_seed_same_history(name, env_id):
    def run(seed):
        r = make_agent(name, **fast_kwargs(name)).run(gym.make(env_id), 30, seed=seed)
        return [(e.arch, e.tokens, e.reward) for e in r.history]

    a, b = run(3), run(3)
    assert a == b
    if name != "grid":
        assert run(4) != a


# -------------------------------------------------------------------------- grid
def test_grid_enumerates_in_order_and_finds_the_optimum():
    space = DecisionSpace({"a": [0, 1, 2], "b": [0, 1], "c": [0, 1, 2, 3]})
    target = (2, 0, 3)
    env = NASEnv(space, lambda cfg: 0.9 if tuple(space.encode(cfg)) == target else 0.5)
    result = make_agent("grid").run(env, 100, seed=0)  # budget covers the 24-cell grid
    assert [e.tokens for e in result.history] == list(space.enumerate())
    assert result.best.tokens == target and result.best.reward == 0.9

    partial = make_agent("grid").run(env, 5, seed=0)
    assert [e.tokens for e in partial.history] == list(space.enumerate())[:5]
    shuffled = make_agent("grid", shuffle_seed=1).run(env, 100, seed=0)
    assert sorted(e.tokens for e in shuffled.history) == sorted(space.enumerate())
    assert [e.tokens for e in shuffled.history] != list(space.enumerate())


# --------------------------------------------------------------------- evolution
def test_mutation_changes_exactly_one_token_in_fixed_spaces():
    space = nas_env.NB201Space()
    rng = np.random.default_rng(0)
    for _ in range(200):
        parent = space.sample(rng)
        child = mutate(space, parent, rng)
        assert sum(a != b for a, b in zip(parent, child)) == 1
        space.validate(child)


def test_mutation_recompletes_variable_length_suffixes():
    space = ZophLeCNNSpace((1, 4), predict_stride=True)
    rng = np.random.default_rng(0)
    changed_depth = 0
    for _ in range(300):
        parent = space.sample(rng)
        child = mutate(space, parent, rng)
        space.validate(child)
        if child[0] != parent[0]:
            changed_depth += 1
            keep = min(len(parent), len(child))
            # tokens of the layers both have are kept where still valid
            assert child[1:4] == parent[1:4]
            assert keep > 1
        else:
            assert sum(a != b for a, b in zip(parent, child)) == 1
    assert changed_depth > 0


def test_evolution_tournament_and_aging():
    P = 6
    env = gym.make("nas_env/Synthetic-v0")
    # with sample_size == population_size the tournament always picks the population's best
    result = make_agent("evolution", population_size=P, sample_size=P).run(env, 60, seed=0)
    hist = result.history
    for i in range(P, len(hist)):
        population = hist[i - P : i]  # aging: exactly the last P evaluations are alive
        parent = max(population, key=lambda e: e.reward)
        assert sum(a != b for a, b in zip(parent.tokens, hist[i].tokens)) == 1


def test_evolution_rejects_bad_sizes():
    with pytest.raises(ValueError, match="sample_size"):
        make_agent("evolution", population_size=3, sample_size=5)
    with pytest.raises(ValueError, match="population_size"):
        make_agent("evolution", population_size=0)


# --------------------------------------------------------------------- reinforce
@pytest.mark.parametrize(
    "space",
    [
        ZophLeCNNSpace(3, predict_stride=True),
        ZophLeCNNSpace(3, predict_stride=False),
        ZophLeCNNSpace((2, 4), predict_stride=True),
        nas_env.NB201Space(),
        nas_env.MacroSpace(),
    ],
    ids=["cnn-stride", "cnn", "cnn-variable-depth", "nb201", "macro"],
)
def test_sampled_log_prob_matches_teacher_forcing(space):
    ctrl = Controller(space, generator=torch.Generator().manual_seed(0))
    out = ctrl.sample(7, torch.Generator().manual_seed(1))
    out.log_prob, out.entropy = out.log_prob.detach(), out.entropy.detach()
    for t in out.tokens:
        space.validate(t)
    again = ctrl.evaluate(out.tokens)
    torch.testing.assert_close(out.log_prob, again.log_prob)
    torch.testing.assert_close(out.entropy, again.entropy)
    assert ctrl.log_prob(out.tokens[0]) == pytest.approx(float(out.log_prob[0]), abs=1e-5)
    probs = ctrl.decision_probs(out.tokens[0])
    assert len(probs) == len(out.tokens[0])
    assert np.isclose(sum(np.log([p[t] for p, t in zip(probs, out.tokens[0])])), float(out.log_prob[0]), atol=1e-4)


def test_skip_tokens_use_anchor_point_attention():
    space = ZophLeCNNSpace(2, predict_stride=False)  # layer0: 3 tokens; layer1: 3 tokens + skip_from_0
    ctrl = Controller(space, generator=torch.Generator().manual_seed(0))
    tokens = (1, 2, 3, 0, 1, 2, 1)
    outputs = []
    handle = ctrl.cells[-1].register_forward_hook(lambda mod, inp, out: outputs.append(out[0][0].detach()))
    probs = ctrl.decision_probs(tokens)
    handle.remove()
    # anchor of layer 0: the output at the step whose input is layer 0's last non-skip token (step 3)
    h_j, h_i = outputs[3], outputs[6]
    with torch.no_grad():
        p = torch.sigmoid(ctrl.v(torch.tanh(ctrl.w_prev(h_j) + ctrl.w_curr(h_i)))).item()
    assert probs[6] == pytest.approx([1 - p, p], abs=1e-6)
    # and the attention drives sampling: a saturated score wires every skip
    big = ZophLeCNNSpace(4, predict_stride=True)
    ctrl = Controller(big, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ctrl.v.weight.fill_(50.0)
        ctrl.w_curr.weight.zero_()
        ctrl.w_prev.weight.zero_()
        ctrl.w_curr.weight.fill_diagonal_(0.0)
        ctrl.w_prev.weight.fill_diagonal_(1e3)
    out = ctrl.sample(4, torch.Generator().manual_seed(0))
    skips = [d.skip for d in big.decisions(out.tokens[0])]
    for t in out.tokens:
        signs = [tok for tok, s in zip(t, skips) if s]
        assert len(set(signs)) == 1  # every skip decided by the shared sigmoid, not by a softmax head


@pytest.mark.parametrize(
    "env_factory",
    [
        lambda: cnn_env(3, True),
        lambda: NASEnv(ZophLeCNNSpace((2, 4), predict_stride=True), cnn_reward),
        lambda: gym.make("nas_env/Macro-v0"),
    ],
    ids=["cnn", "cnn-variable-depth", "macro"],
)
def test_reinforce_runs_on_grammars(env_factory):
    result = make_agent("reinforce", m=4).run(env_factory(), 24, seed=0)
    assert len(result.history) == 24
    diag = result.extras["diagnostics"]
    assert diag["evaluations"] == [4 * (i + 1) for i in range(6)]
    assert all(np.isfinite(diag["entropy_per_token"])) and all(np.isfinite(diag["baseline"]))
    snaps = result.extras["snapshots"]
    assert snaps["best_tokens"] == list(result.best.tokens)
    assert len(snaps["decision_probs"][-1]) == len(result.best.tokens)
    json.dumps(result.extras)  # plain lists


def test_reinforce_diagnostics_and_bounded_snapshots():
    env = gym.make("nas_env/NB201-v0")
    agent = make_agent("reinforce", m=2, max_snapshots=10)
    result = agent.run(env, 200, seed=0)
    snaps = result.extras["snapshots"]
    assert 2 <= len(snaps["update"]) <= 10
    assert snaps["update"][-1] == 100 and snaps["evaluations"][-1] == 200
    assert snaps["update"] == sorted(snaps["update"])
    final_lp = agent.controller.log_prob(result.best.tokens)
    assert snaps["log_prob_best"][-1] == pytest.approx(final_lp, abs=1e-5)
    assert snaps["prob_best"][-1] == pytest.approx(np.exp(final_lp), rel=1e-4)
    assert all(len(v) == 5 for v in snaps["decision_probs"][-1])
    d = result.extras["diagnostics"]
    assert len(d["update"]) == 100 and d["evaluations"][-1] == 200
    assert d["mean_reward"][-1] == pytest.approx(np.mean(result.rewards[-2:]))


def test_reinforce_layer_curriculum():
    env = cnn_env(6, True)
    result = make_agent("reinforce", m=4, curriculum_start=2, curriculum_every=12).run(env, 48, seed=0)
    length_to_depth = {ZophLeCNNSpace(n, True).max_length: n for n in range(1, 7)}
    depths = [length_to_depth[len(e.tokens)] for e in result.history]
    assert depths[:12] == [2] * 12 and depths[12:24] == [4] * 12 and depths[24:] == [6] * 24
    assert result.extras["diagnostics"]["num_layers"][:3] == [2, 2, 2]
    with pytest.raises(ValueError, match="num_layers"):
        make_agent("reinforce", curriculum_start=2).run(gym.make("nas_env/NB201-v0"), 4, seed=0)


def test_bad_agent_inputs():
    with pytest.raises(ValueError, match="valid:.*reinforce"):
        make_agent("reinforcee")
    with pytest.raises(ValueError, match="unknown hyperparameters"):
        make_agent("reinforce", learning_rate=1.0)
    with pytest.raises(ValueError, match="m must be"):
        make_agent("reinforce", m=0)
    with pytest.raises(ValueError, match="reward_transform"):
        make_agent("reinforce", reward_transform="square")
    with pytest.raises(ValueError, match="budget"):
        Budget(evaluations=0)


@pytest.mark.parametrize("name", ["ppo", "maskable-ppo"])
def test_sb3_agents_leave_no_log_directory_behind(name, tmp_path, monkeypatch):
    """Stable-Baselines3 makes a log directory ``SB3-<date>`` in the temp folder whenever it sets up its own logger,
    even one that writes nothing: an agent that never logs must not leave one per search."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    make_agent(name, **fast_kwargs(name)).run(gym.make("nas_env/NB201-v0"), Budget(evaluations=4), seed=0)
    assert [p.name for p in tmp_path.glob("SB3-*")] == []
