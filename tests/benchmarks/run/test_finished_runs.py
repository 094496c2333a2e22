"""A finished run keeps a compact state (issue 22, defect 11) that still re-reports, extends and resumes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nas_env.agents import Budget
from nas_env.benchmarks.cli import main
from nas_env.benchmarks.run.search import run_search
from nas_env.benchmarks.run.state_codec import decode

KWARGS = {"m": 2, "lr": 0.05}


def reinforce(out: Path, budget: int, seed: int):
    return run_search("nas_env/NB201-v0", {}, "reinforce", KWARGS, Budget(evaluations=budget), seed, out,
                      progress=False)


def test_a_finished_reinforce_run_keeps_what_its_history_does_not_determine(tmp_path):
    """The controller, Adam's moments and the weight snapshots were 2.3-2.7 MB of a finished LSTM run's
    checkpoint: the history determines them (agents/reinforce_rebuild.py)."""
    mid_states = []
    reinforce(tmp_path / "r", 30, 0)
    state = decode((tmp_path / "r" / "checkpoint.npz").read_bytes())
    agent = state["agent"]
    assert state["complete"] and "controller" not in agent and "optimizer" not in agent
    assert len(agent["snapshots"]) == 15 and all(w is None for _, _, w in agent["snapshots"])
    assert len(agent["rebuild_digest"]) == 64 and agent["updates"] == 15
    assert (tmp_path / "r" / "checkpoint.npz").stat().st_size < 40_000
    # a run in progress keeps them all (a resume after an interruption restores them as they were)
    run_search("nas_env/NB201-v0", {}, "reinforce", KWARGS, Budget(evaluations=30), 0, tmp_path / "m",
               progress=False, checkpoint_interval_s=0,
               callbacks=[lambda e, t: mid_states.append(decode((tmp_path / "m" / "checkpoint.npz").read_bytes()))])
    assert any("controller" in s["agent"] and s["agent"]["snapshots"]
               and all(w is not None for _, _, w in s["agent"]["snapshots"]) for s in mid_states)


@pytest.mark.parametrize(("seed", "same_best"), [(2, True), (0, False)])
def test_extending_a_finished_run_continues_exactly(tmp_path, seed, same_best):
    """History, diagnostics, the controller and its snapshot figure continue as in an uninterrupted run,
    whether or not the continuation finds a better architecture (the figure scores the final best one)."""
    out = tmp_path / "r"
    first = reinforce(out, 30, seed)
    extended = reinforce(out, 60, seed)
    full = reinforce(tmp_path / "full", 60, seed)
    assert [(e.tokens, e.reward) for e in extended.history] == [(e.tokens, e.reward) for e in full.history]
    assert extended.extras["diagnostics"] == full.extras["diagnostics"]
    assert (first.best.arch == full.best.arch) is same_best
    assert extended.extras["snapshots"] == full.extras["snapshots"]
    assert json.loads((out / "extras.json").read_text())["snapshots"] == full.extras["snapshots"]
    state = decode((out / "checkpoint.npz").read_bytes())["agent"]
    assert state["rebuild_digest"] == decode((tmp_path / "full" / "checkpoint.npz").read_bytes())["agent"][
        "rebuild_digest"]


def test_a_controller_that_does_not_rebuild_is_refused_in_one_line(tmp_path, capsys):
    """Another CPU or torch version may round the replayed updates differently: never continue from a
    controller the run did not have."""
    from nas_env.benchmarks.run.state_codec import encode

    out = tmp_path / "r"
    argv = ["search", "--env", "nas_env/NB201-v0", "--agent", "reinforce", "--agent-kwargs", json.dumps(KWARGS),
            "--seed", "3", "--out", str(out), "--no-progress", "--budget"]
    assert main([*argv, "20"]) == 0
    state = decode((out / "checkpoint.npz").read_bytes())
    state["agent"]["rebuild_digest"] = "0" * 64  # what a machine that rounds differently would meet
    (out / "checkpoint.npz").write_bytes(encode(state))
    history = (out / "history.jsonl").read_bytes()
    capsys.readouterr()
    assert main([*argv, "30"]) == 2
    err = capsys.readouterr().err
    assert "rebuilt controller differs from the one the run ended with" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert (out / "history.jsonl").read_bytes() == history
    assert main([*argv, "20"]) == 0  # re-reporting it needs no controller


def bench(out: Path, agents: str, seeds: int) -> int:
    return main(["benchmark", "--protocol", "fixed:nas_env/NB201-v0", "--agents", agents, "--seeds", str(seeds),
                 "--budget", "12", "--workers", "0", "--no-progress", "--no-report", "--out", str(out)])


def test_a_finished_benchmark_reports_extends_and_its_runs_resume(tmp_path, capsys):
    out = tmp_path / "b"
    assert bench(out, "reinforce@m=2,random", 2) == 0
    runs = sorted(p for p in (out / "runs").glob("*/seed*"))
    before = {p: (p / "history.jsonl").read_bytes() for p in runs}
    assert main(["report", str(out)]) == 0, capsys.readouterr().err
    assert bench(out, "reinforce@m=2,random,evolution", 3) == 0, capsys.readouterr().err
    assert {p: (p / "history.jsonl").read_bytes() for p in runs} == before  # finished runs are left as they are
    assert len(list((out / "runs").glob("*/seed*"))) == 9
    assert main(["report", str(out)]) == 0, capsys.readouterr().err
    run = out / "runs" / "reinforce@m=2" / "seed1"
    args = ("nas_env/NB201-v0", {}, "reinforce@m=2", {"m": 2})  # as the benchmark's job ran it
    more = run_search(*args, Budget(evaluations=20), 1, run, progress=False)  # a finished run continued
    full = run_search(*args, Budget(evaluations=20), 1, tmp_path / "full", progress=False)
    assert [(e.tokens, e.reward) for e in more.history] == [(e.tokens, e.reward) for e in full.history]
    assert more.extras["diagnostics"] == full.extras["diagnostics"]


@pytest.mark.parametrize("rebuilds", [True, False])
def test_convert_compacts_a_0_1_run_when_its_controller_rebuilds_and_it_extends_exactly(tmp_path, capsys, rebuilds):
    import pickle

    import gymnasium as gym

    from nas_env.agents import make_agent
    from nas_env.agents.diagnostics import ControllerDiagnostics

    out = tmp_path / "r"
    reinforce(out, 20, 5)
    # what nas-env 0.1 wrote: the whole final state, pickled, its diagnostics an object
    states: list[dict] = []
    agent = make_agent("reinforce", **KWARGS)
    agent.finished_state = lambda state: state
    agent.run(gym.make("nas_env/NB201-v0"), 20, seed=5, checkpoint=states.append)
    old = {**states[-1], "budget": json.loads((out / "run.json").read_text())["budget"]}
    old["agent"]["diagnostics"] = ControllerDiagnostics.from_json(old["agent"]["diagnostics"])
    if not rebuilds:  # a controller this machine does not rebuild to the same bits
        old["agent"]["controller"]["start"] = old["agent"]["controller"]["start"] + 1e-6
    (out / "checkpoint.npz").unlink()
    (out / "checkpoint.pkl").write_bytes(pickle.dumps(old))
    assert main(["convert", str(out), "--trust-pickle"]) == 0, capsys.readouterr().err
    state = decode((out / "checkpoint.npz").read_bytes())["agent"]
    assert ("controller" not in state and "rebuild_digest" in state) is rebuilds
    assert ("controller" in state) is not rebuilds
    extended = reinforce(out, 40, 5)  # either way it continues: from the rebuilt controller or the kept one
    assert len(extended.history) == 40
    if rebuilds:
        full = reinforce(tmp_path / "full", 40, 5)
        assert [(e.tokens, e.reward) for e in extended.history] == [(e.tokens, e.reward) for e in full.history]
        assert extended.extras == full.extras
