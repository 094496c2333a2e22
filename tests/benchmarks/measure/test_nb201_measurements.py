"""The NAS-Bench-201 measurement scripts of issue 24 (items 1, 4, 5), run as a user runs them, at a tiny size."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _script(name: str, *args: str) -> subprocess.CompletedProcess:
    """``python -m nas_env.benchmarks.measure.NAME ARGS``."""
    return subprocess.run([sys.executable, "-m", f"nas_env.benchmarks.measure.{name}", *args],
                          capture_output=True, text=True, timeout=300)


def test_the_lr_sweep_chooses_by_validation_and_prints_both_answers_of_reinforce_table() -> None:
    done = _script("tune_nb201_lr", "--agent", "reinforce-table", "--lrs", "0.01", "0.1", "--seeds", "1000-1002",
                   "--published", "93.85", "0.37", "500")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "seeds 1000..1002 (3 searches per lr)" in lines[0] and "argmax test mean [95% CI] std" in lines[2]
    rows = {float(line.split("|")[0]): line for line in lines[3:5]}
    assert sorted(rows) == [0.01, 0.1] and sum("<- chosen" in line for line in rows.values()) == 1
    chosen = next(lr for lr, line in rows.items() if "<- chosen" in line)
    vals = {lr: float(line.split("|")[1].split("±")[0]) for lr, line in rows.items()}
    assert vals[chosen] == max(vals.values())  # the choice is the highest validation mean, nothing else
    assert f"chosen by validation: lr {chosen:g};" in lines[-1] and all(line.count("p=") == 2 for line in rows.values())


@pytest.mark.parametrize(("name", "args", "message"), [
    ("tune_nb201_lr", ["--seeds", "0-9"], "--seeds must be >= 1000 (disjoint from the reported seeds 0..N-1), got 0"),
    ("nb201_rea_spread", ["--first-seed", "10"], "need --first-seed >= 1000"),
])
def test_the_scripts_refuse_the_reported_seeds(name: str, args: list[str], message: str) -> None:
    done = _script(name, *args)
    assert done.returncode == 2 and message in done.stderr


def test_the_rea_spread_script_prints_every_row_and_the_seed_chain() -> None:
    done = _script("nb201_rea_spread", "--runs", "3", "--blocks", "2", "--chains", "20")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for label in ("as run ", "as run, seeds 3003..3005", "trial noise per query 0.5 pp",
                  "single-trial table 0.5 pp (3)", "ties broken at random", "budget 18,000 s (1.5x)", "sample size 10",
                  "variant default"):
        assert f"\n{label}" in text, label
    assert "published runs' seed chain, emulated (20 chains of 500 runs, results drawn from the 6 as-run runs" in text
