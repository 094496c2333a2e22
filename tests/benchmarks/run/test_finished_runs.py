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


def test_a_finished_reinforce_run_keeps_no_controller_snapshots(tmp_path):
    """The weight snapshots were ~90 % of a finished LSTM run's directory (2.4 of its 2.7 MB)."""
    mid_states = []
    reinforce(tmp_path / "r", 30, 0)
    state = decode((tmp_path / "r" / "checkpoint.npz").read_bytes())
    snapshots = state["agent"]["snapshots"]
    assert state["complete"] and len(snapshots) == 15 and all(w is None for _, _, w in snapshots)
    assert (tmp_path / "r" / "checkpoint.npz").stat().st_size < 300_000  # controller + Adam: 23k weights x 3 x 4 B
    # a run in progress keeps them (its end-of-search figure needs them)
    run_search("nas_env/NB201-v0", {}, "reinforce", KWARGS, Budget(evaluations=30), 0, tmp_path / "m",
               progress=False, checkpoint_interval_s=0,
               callbacks=[lambda e, t: mid_states.append(decode((tmp_path / "m" / "checkpoint.npz").read_bytes()))])
    assert any(s["agent"].get("snapshots") and all(w is not None for _, _, w in s["agent"]["snapshots"])
               for s in mid_states)


@pytest.mark.parametrize(("seed", "same_best"), [(2, True), (0, False)])
def test_extending_a_finished_run_continues_exactly(tmp_path, seed, same_best):
    """History, diagnostics and the controller continue as in an uninterrupted run; the snapshot figure is the
    uninterrupted one while the best architecture is the same, and otherwise scores the new best under the
    controllers still held (the extension's and the final one) -- each of its rows the uninterrupted row."""
    out = tmp_path / "r"
    first = reinforce(out, 30, seed)
    extended = reinforce(out, 60, seed)
    full = reinforce(tmp_path / "full", 60, seed)
    assert [(e.tokens, e.reward) for e in extended.history] == [(e.tokens, e.reward) for e in full.history]
    assert extended.extras["diagnostics"] == full.extras["diagnostics"]
    assert (first.best.arch == full.best.arch) is same_best
    got, want = extended.extras["snapshots"], full.extras["snapshots"]
    if same_best:
        assert got == want
    else:
        assert 0 < len(got["update"]) < len(want["update"])
        rows = {u: (lp, dp) for u, lp, dp in zip(want["update"], want["log_prob_best"], want["decision_probs"])}
        for u, lp, dp in zip(got["update"], got["log_prob_best"], got["decision_probs"]):
            assert rows[u] == (lp, dp)
    assert json.loads((out / "extras.json").read_text())["snapshots"] == got


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
