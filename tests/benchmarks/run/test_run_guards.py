"""A run directory keeps its history and is searched by one process at a time (issue 22, defects 5, 6, 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nas_env.benchmarks.cli import main


def search(out: Path | str, budget: int = 12, *extra: str, agent: str = "random") -> int:
    return main(["search", "--env", "nas_env/NB201-v0", "--agent", agent, "--budget", str(budget),
                 "--out", str(out), "--no-progress", *extra])


@pytest.mark.parametrize("budget", [5, 20, 30])
def test_a_missing_checkpoint_never_truncates_the_history(tmp_path, capsys, budget):
    """Defect 5: without checkpoint.pkl a finished run restarted from zero (smaller budget: the history cut to it)."""
    out = tmp_path / "r"
    assert search(out, 20, agent="evolution") == 0
    history = (out / "history.jsonl").read_text()
    (out / "checkpoint.pkl").unlink()
    capsys.readouterr()
    assert search(out, budget, agent="evolution") == 2
    err = capsys.readouterr().err
    assert f"{out / 'checkpoint.pkl'} is missing" in err and "20 evaluations" in err and "history.jsonl" in err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert (out / "history.jsonl").read_text() == history


def test_a_run_killed_before_its_first_checkpoint_still_starts_again(tmp_path, capsys):
    """A new run writes a start checkpoint first: history lines after it are unseen and are replayed."""
    out, ref = tmp_path / "r", tmp_path / "ref"
    assert search(out, 3, agent="evolution") == 0
    lines = (out / "history.jsonl").read_text().splitlines(keepends=True)
    (out / "summary.json").unlink()
    (out / "checkpoint.pkl").unlink()
    (out / "history.jsonl").write_text("")
    assert search(out, 3, agent="evolution") == 0  # an empty history: a new run (writes the start checkpoint)
    (out / "summary.json").unlink()
    (out / "history.jsonl").write_text("".join(lines[:2]))
    from nas_env.benchmarks.run.checkpointer import write_start
    write_start(out / "checkpoint.pkl")  # killed after two evaluations, before the first real checkpoint
    assert search(out, 10, agent="evolution") == 0, capsys.readouterr().err
    assert search(ref, 10, agent="evolution") == 0
    assert (out / "history.jsonl").read_text().count("\n") == 10
    archs = [json.loads(x)["arch"] for x in (out / "history.jsonl").read_text().splitlines()]
    assert archs == [json.loads(x)["arch"] for x in (ref / "history.jsonl").read_text().splitlines()]
