"""The Optuna agents (ask/tell): ``tpe`` searches NB201 through ``nas-env search`` better than random search,
deterministically and resumably; ``nsga2`` returns the non-dominated evaluations; without Optuna, a hint."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import gymnasium as gym
import pytest

pytest.importorskip("optuna")

from nas_env import Decision, DecisionSpace, FixedSearchSpace, NASEnv  # noqa: E402
from nas_env.agents import make_agent  # noqa: E402
from nas_env.agents.nsga2 import dominates, pareto_front  # noqa: E402
from nas_env.agents.optuna_agent import objective_value  # noqa: E402
from nas_env.benchmarks.cli import main  # noqa: E402


def _nb201() -> gym.Env:
    return gym.make("nas_env/NB201-v0", fidelity=12)


def _history(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]


def test_tpe_through_nas_env_search_learns_where_random_search_does_not(tmp_path, capsys):
    runs = {}
    for agent in ("tpe", "random"):
        out = tmp_path / f"{agent}{len(runs)}"
        assert main(["search", "--env", "nas_env/NB201-v0", "--env-kwargs", '{"fidelity": 12}', "--agent", agent,
                     "--budget", "100", "--seed", "0", "--out", str(out), "--no-progress"]) == 0
        runs[out.name] = _history(out)
    tpe, random = runs["tpe0"], runs["random1"]  # (same seed, same history: tests/agents/test_agents.py)
    assert len(tpe) == 100 and json.loads((tmp_path / "tpe0/summary.json").read_text())["agent"] == "tpe"

    def late_mean(h: list[dict]) -> float:
        return sum(e["reward"] for e in h[50:]) / 50

    # after its 10 random start-up trials TPE plays good cells: measured 0.793 vs 0.707 for seed 0
    assert late_mean(tpe) > late_mean(random) + 0.05
    assert max(e["reward"] for e in tpe) > 0.83


@pytest.mark.parametrize("name", ["tpe", "nsga2"])
def test_a_resumed_search_continues_exactly(name):
    states: list[dict] = []
    full = make_agent(name).run(_nb201(), 40, seed=5, checkpoint=states.append)
    mid = next(s for s in states if s["num_evaluations"] == 25)
    resumed = make_agent(name).run(_nb201(), 40, seed=5, history=full.history[:25], resume=mid)
    assert [(e.tokens, e.reward) for e in resumed.history] == [(e.tokens, e.reward) for e in full.history]
    assert make_agent(name).exact_resume


def test_nsga2_through_nas_env_search_returns_exactly_the_non_dominated_points_and_reports_them(tmp_path):
    objectives = ("params", "latency_ms.pixel3")
    out = tmp_path / "nsga2"
    assert main(["search", "--env", "nas_env/NB201-v0", "--env-kwargs", '{"fidelity": 12}', "--agent", "nsga2",
                 "--agent-kwargs", json.dumps({"objectives": objectives, "population_size": 10}),
                 "--budget", "60", "--seed", "0", "--out", str(out), "--no-progress"]) == 0
    history = _history(out)
    extras = json.loads((out / "extras.json").read_text())
    front = extras["pareto_front"]
    assert extras["objectives"] == list(objectives) and len(front) >= 2 and len(history) == 60

    def point(e: dict) -> tuple[float, ...]:
        return (e["reward"], *(objective_value(e["metrics"], k) for k in objectives))

    by_arch = {e["arch"]: e for e in history}
    front_points = [(f["reward"], f["params"], f["latency_ms.pixel3"]) for f in front]
    for f, p in zip(front, front_points):
        assert p == point(by_arch[f["arch"]]) and isinstance(f["params"], int)
        assert not any(dominates(point(o), p) for o in history)
    for e in history:  # every other evaluation is dominated by (or equal to) a front point
        if e["arch"] not in {f["arch"] for f in front}:
            assert any(dominates(p, point(e)) or p == point(e) for p in front_points)
    # the single-run report draws and tabulates the front
    assert main(["report", str(out)]) == 0
    report = (out / "report.md").read_text()
    assert "## 4. Pareto front" in report and f"{len(front)} of 60 evaluations are non-dominated" in report
    assert (out / "figures/pareto_front.png").stat().st_size > 10_000
    first = front[0]
    assert f"| {first['index'] + 1} | {first['reward']:.4f} | {first['params']:,} |" in report


@pytest.mark.parametrize("objectives", [["bogus"], ["params", "latency_ms.pixle3"]])
def test_nsga2_refuses_an_objective_its_children_lack(tmp_path, capsys, objectives):
    """Issue 22, defect 12: a misspelt objective gave exit 0, every trial told as failed, an empty front."""
    assert main(["search", "--env", "nas_env/NB201-v0", "--agent", "nsga2", "--agent-kwargs",
                 json.dumps({"objectives": objectives}), "--budget", "10", "--out", str(tmp_path / "o"),
                 "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"objective {objectives[-1]!r} is not a metric of this env's children" in err, err
    assert "'params'" in err and "'latency_ms.pixel3'" in err and "Traceback" not in err and err.count("\n") == 1


def test_pareto_front_on_a_known_set():
    space = DecisionSpace({"w": [1, 2, 3, 4]})
    table = {"w=1": {"val_accuracy": 0.5, "params": 10}, "w=2": {"val_accuracy": 0.7, "params": 20},
             "w=3": {"val_accuracy": 0.6, "params": 30}, "w=4": {"val_accuracy": 0.9, "params": 40}}
    history = make_agent("grid").run(NASEnv(space, table), 4, seed=0).history
    assert pareto_front(history, ["params"]) == [
        {"index": 0, "arch": "w=1", "reward": 0.5, "params": 10},
        {"index": 1, "arch": "w=2", "reward": 0.7, "params": 20},
        {"index": 3, "arch": "w=4", "reward": 0.9, "params": 40},
    ]


class NoMiddleY(FixedSearchSpace):
    """Two decisions over ("a", "b", "c"); y may not be "b" (a masked choice in the middle)."""

    name = "no_middle_y"

    def __init__(self) -> None:
        ops = ("a", "b", "c")
        super().__init__([Decision("x", "x", ops), Decision("y", "y", ops, valid=(0, 2))])

    def decode(self, tokens):
        return "".join("abc"[t] for t in self._check_complete(tokens))

    def encode(self, arch):
        return tuple("abc".index(c) for c in arch)

    def from_string(self, text):
        return self.decode(self.encode(text))


@pytest.mark.parametrize("name", ["tpe", "nsga2"])
def test_optuna_agents_honour_masked_choices(name):
    env = NASEnv(NoMiddleY(), lambda arch: {"val_accuracy": 0.5 + 0.1 * arch.count("a"), "params": len(arch)})
    result = make_agent(name).run(env, 30, seed=0)
    assert all(e.metrics["status"] == "ok" and e.tokens[1] != 1 for e in result.history)


@pytest.mark.parametrize(("name", "kwargs", "needle"), [
    ("nsga2", {"objectives": []}, "objectives must be a non-empty list"),
    ("nsga2", {"objectives": "params"}, "objectives must be a non-empty list"),
    ("nsga2", {"population_size": 1}, "population_size must be an int >= 2, got 1"),
    ("nsga2", {"crossover_prob": 1.5}, "crossover_prob must be a finite number >= 0.0 and <= 1.0, got 1.5"),
    ("tpe", {"n_startup_trials": -1}, "n_startup_trials must be an int >= 0, got -1"),
    ("tpe", {"n_ei_candidates": 0}, "n_ei_candidates must be an int >= 1, got 0"),
])
def test_bad_hyperparameters_name_the_value(name, kwargs, needle):
    with pytest.raises(ValueError) as info:
        make_agent(name, **kwargs)
    assert needle in str(info.value)


def test_without_optuna_the_agents_are_listed_and_say_how_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "optuna", None)  # `import optuna` now raises ImportError
    from nas_env.agents import agent_names

    assert {"tpe", "nsga2"} <= set(agent_names())
    for name in ("tpe", "nsga2"):
        with pytest.raises(ImportError, match=rf"agent '{name}' needs Optuna: pip install optuna \(or, in the nas-env"):
            make_agent(name)
    assert main(["search", "--env", "nas_env/NB201-v0", "--agent", "tpe", "--budget", "3",
                 "--out", str(tmp_path / "run"), "--no-progress"]) == 2
    assert "pip install optuna (or, in the nas-env checkout, pip install -e '.[optuna]')" in capsys.readouterr().err
