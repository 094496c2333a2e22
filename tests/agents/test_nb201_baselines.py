"""NAS-Bench-201's own baselines: the ``reinforce-table`` update rule and the ``nb201`` variant of evolution."""

from __future__ import annotations

from collections import Counter

import gymnasium as gym
import numpy as np
import pytest
import torch

import nas_env  # noqa: F401  (registers the envs)
from nas_env.agents import Budget, make_agent
from nas_env.agents.evolution import mutate_nb201
from nas_env.agents.reinforce_table import BiasCorrectedEMA, ReinforceTable
from nas_env.spaces.decisions import DecisionSpace
from nas_env.spaces.nb201 import NB201Space
from nas_env.spaces.zoph_le_cnn import ZophLeCNNSpace


# ----------------------------------------------------------------------------- reinforce-table
def test_two_step_update_matches_hand_computation() -> None:
    """Two updates on a 3-choice and a (masked) 2-choice decision, logits starting at exactly 0.

    Step 1: R=0.5. EMA (d=0.9): num=0.05, den=0.1, b=0.5 -> A = R - b = 0 (baseline updated first),
    so the gradient is 0 and Adam (m=v=0) moves nothing -- but counts the step.
    Step 2: tokens (2, 0), R=0.8. num=0.9*0.05+0.1*0.8=0.125, den=0.19, b=0.65789474, A=0.14210526.
    d(-A log p)/d logits = -A (onehot - p): decision a: A*(1/3, 1/3, -2/3); decision b: A*(-1/2, +1/2),
    masked choice 0. Adam at step 2 with m1=v1=0: m=0.1 g, v=0.001 g^2, so the step is
    lr * (0.1/0.19) / sqrt(0.001/0.001999) * sign(g) = lr * 0.74413682 * sign(g) (eps negligible).
    """
    space = DecisionSpace({"a": ["x", "y", "z"], "b": ["u", "v"]})
    agent = ReinforceTable(lr=0.001, init_std=0.0)
    agent.setup(space, seed=0)
    assert agent.policy is not None
    assert torch.equal(agent.policy.logits.detach(), torch.zeros(2, 3))

    a1 = agent.update(agent.policy.log_prob((0, 1)), 0.5)
    assert a1 == 0.0
    assert agent.baseline.value == pytest.approx(0.5, abs=1e-15)
    assert torch.equal(agent.policy.logits.detach(), torch.zeros(2, 3))
    assert agent.optimizer.state[agent.policy.logits]["step"] == 1  # type: ignore[union-attr]

    a2 = agent.update(agent.policy.log_prob((2, 0)), 0.8)
    assert agent.baseline.value == pytest.approx(0.125 / 0.19, rel=1e-12)
    assert a2 == pytest.approx(0.14210526315789, rel=1e-10)
    s = 0.001 * 0.74413682
    expected = torch.tensor([[-s, -s, s], [s, -s, 0.0]])
    assert torch.allclose(agent.policy.logits.detach(), expected, rtol=1e-5, atol=1e-12)
    assert agent.policy.logits.detach()[1, 2].item() == 0.0  # the masked choice never moves
    assert agent.updates == 2


def test_masked_choice_is_never_sampled_and_probabilities_sum_to_one() -> None:
    space = DecisionSpace({"a": ["x", "y", "z"], "b": ["u", "v"]})
    agent = ReinforceTable()
    agent.setup(space, seed=3)
    assert agent.policy is not None and agent.generator is not None
    seen = Counter(agent.policy.sample(agent.generator)[0][1] for _ in range(300))
    assert set(seen) == {0, 1}
    probs = agent.policy.decision_probs((0, 0))
    assert [len(p) for p in probs] == [3, 2]
    assert [sum(p) for p in probs] == pytest.approx([1.0, 1.0])


def test_bias_corrected_ema_has_no_value_before_an_update() -> None:
    ema = BiasCorrectedEMA(0.9)
    with pytest.raises(ValueError, match="before its first update"):
        _ = ema.value
    ema.update(2.0)
    ema.update(4.0)
    assert ema.value == pytest.approx((0.9 * 0.2 + 0.4) / 0.19)


def test_search_logs_the_nb201_baseline_of_every_reward() -> None:
    env = gym.make("nas_env/NB201-v0", fidelity=12)
    res = make_agent("reinforce-table").run(env, Budget(evaluations=25), seed=4)
    rewards = [e.reward for e in res.history]
    ema = BiasCorrectedEMA(0.9)
    expected = []
    for r in rewards:
        ema.update(r)
        expected.append(ema.value)
    diag = res.extras["diagnostics"]
    assert diag["update"] == list(range(1, 26))
    assert diag["mean_reward"] == rewards
    assert diag["baseline"] == pytest.approx(expected, rel=1e-12)
    assert res.config == {"lr": 0.001, "baseline_decay": 0.9, "init_std": 0.001, "torch_threads": 1}


def test_lr_zero_never_changes_the_policy() -> None:
    env = gym.make("nas_env/NB201-v0", fidelity=12)
    res = make_agent("reinforce-table", lr=0.0).run(env, Budget(evaluations=30), seed=1)
    snaps = res.extras["snapshots"]
    assert snaps["update"] == [0, 30]
    assert snaps["prob_best"][0] == snaps["prob_best"][1]
    assert snaps["decision_probs"][0] == snaps["decision_probs"][1]


def test_reinforce_table_refuses_variable_length_spaces_and_bad_lr() -> None:
    with pytest.raises(ValueError, match="lr must be a finite number >= 0.0, got -0.1"):
        ReinforceTable(lr=-0.1)
    with pytest.raises(ValueError, match="needs a fixed-length space"):
        ReinforceTable().setup(ZophLeCNNSpace(), seed=0)


# ----------------------------------------------------------------------------- evolution, nb201 variant
def test_nb201_mutation_picks_a_node_then_an_incoming_edge() -> None:
    space = NB201Space()
    rng = np.random.default_rng(0)
    parent = (0, 1, 2, 3, 4, 0)
    n = 18_000
    edges = Counter()
    for _ in range(n):
        child = mutate_nb201(space, parent, rng)
        diff = [i for i in range(6) if child[i] != parent[i]]
        assert len(diff) == 1  # exactly one edge, to another op
        edges[diff[0]] += 1
    freq = np.array([edges[i] for i in range(6)]) / n
    # node 1 has one incoming edge, node 2 two, node 3 three: 1/3, 1/6, 1/6, 1/9, 1/9, 1/9
    assert freq == pytest.approx([1 / 3, 1 / 6, 1 / 6, 1 / 9, 1 / 9, 1 / 9], abs=0.012)


def _children_of_population_best(history: list, population: int) -> list[bool]:
    """For every child, whether it is one mutation away from a best member of the population before it."""
    out = []
    for i in range(population, len(history)):
        pop = history[i - population:i]  # aging: the population is the last P evaluations
        top = max(e.reward for e in pop)
        best = [e.tokens for e in pop if e.reward == top]
        out.append(any(sum(a != b for a, b in zip(history[i].tokens, t)) == 1 for t in best))
    return out


def test_nb201_tournament_is_drawn_with_replacement() -> None:
    """With S = P the default tournament is the whole population (its best is always the parent);
    NAS-Bench-201's draws with replacement and so sometimes misses the best."""
    env = gym.make("nas_env/NB201-v0", fidelity=12)
    default = make_agent("evolution", population_size=10, sample_size=10).run(env, Budget(evaluations=80), seed=2)
    assert all(_children_of_population_best(default.history, 10))
    nb201 = make_agent("evolution", population_size=10, sample_size=10, variant="nb201").run(
        env, Budget(evaluations=80), seed=2)
    assert not all(_children_of_population_best(nb201.history, 10))


def test_evolution_variant_errors() -> None:
    with pytest.raises(ValueError, match=r"unknown evolution variant 'nb-201'; valid: \['default', 'nb201'\]"):
        make_agent("evolution", variant="nb-201")
    env = gym.make("nas_env/Macro-v0")
    with pytest.raises(ValueError, match="variant 'nb201' needs the NAS-Bench-201 cell space"):
        make_agent("evolution", variant="nb201").run(env, Budget(evaluations=15), seed=0)


# ----------------------------------------------------------------------------- accounting
def test_budget_crossing_follows_nb201_random_search_and_rea() -> None:
    """NAS-Bench-201's RS / REA: ``if total + cost > budget: stop`` -- a query that lands exactly on the budget
    counts, one that would cross it is dropped (and cannot be the answer)."""
    env = gym.make("nas_env/NB201-v0", fidelity=12)
    costs = [e.cost_seconds for e in make_agent("random").run(env, Budget(evaluations=6), seed=5).history]
    exact = sum(costs[:5])
    on_budget = make_agent("random").run(env, Budget(cost_seconds=exact), seed=5)
    assert len(on_budget.history) == 5 and on_budget.history[-1].total_cost_seconds == exact
    below = make_agent("random").run(env, Budget(cost_seconds=float(np.nextafter(exact, 0))), seed=5)
    assert len(below.history) == 4


def test_reinforce_table_resumes_exactly() -> None:
    env = gym.make("nas_env/NB201-v0", fidelity=12)
    saved: dict = {}

    def keep(state: dict) -> None:
        if state["num_evaluations"] == 12 and not state["final"]:
            saved.update(state)

    full = make_agent("reinforce-table", lr=0.01).run(env, Budget(evaluations=30), seed=8, checkpoint=keep)
    assert saved["agent"]["updates"] == 12
    resumed = make_agent("reinforce-table", lr=0.01).run(env, Budget(evaluations=30), seed=8,
                                                         history=full.history[:12], resume=saved)
    assert [(e.tokens, e.reward) for e in resumed.history] == [(e.tokens, e.reward) for e in full.history]
    assert resumed.extras["diagnostics"]["baseline"][-1] == full.extras["diagnostics"]["baseline"][-1]
