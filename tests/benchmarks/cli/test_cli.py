"""The ``nas-env`` CLI and ``run_search``: files, exact budgets, errors, in-process resume."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nas_env.agents import Budget, agent_names
from nas_env.agents.history import read_history as load_history
from nas_env.benchmarks.cli import main
from nas_env.benchmarks.run.directory import RunDirError
from nas_env.benchmarks.run.search import run_search
from tests.helpers import BEST_NB201_CELL, REPO

FAST = {"ppo": {"episodes_per_rollout": 2, "n_epochs": 2}, "maskable-ppo": {"episodes_per_rollout": 2, "n_epochs": 2}}


def search(out: Path, agent: str = "random", budget: int = 12, seed: int = 0, *extra: str) -> int:
    args = ["search", "--env", "nas_env/NB201-v0", "--agent", agent, "--budget", str(budget),
            "--seed", str(seed), "--out", str(out), "--no-progress"]
    if agent in FAST:
        args += ["--agent-kwargs", json.dumps(FAST[agent])]
    return main(args + list(extra))


@pytest.mark.parametrize("agent", agent_names())
def test_search_writes_history_and_summary(tmp_path, agent, capsys):
    out = tmp_path / agent
    assert search(out, agent, 14) == 0
    lines = (out / "history.jsonl").read_text().splitlines()
    assert len(lines) == 14
    first = json.loads(lines[0])
    for key in ("index", "arch", "tokens", "reward", "metrics", "cost_seconds", "wall_seconds"):
        assert key in first
    summary = json.loads((out / "summary.json").read_text())
    assert summary["num_evaluations"] == 14 and summary["agent"] == agent and summary["seed"] == 0
    assert summary["env_id"] == "nas_env/NB201-v0" and "torch" in summary["versions"]
    best = max((json.loads(x) for x in lines), key=lambda e: (e["reward"], -e["index"]))
    assert summary["best"]["arch"] == best["arch"]
    assert summary["reference_optimum"]["test_accuracy"] > 0.94
    printed = capsys.readouterr().out
    for row in ("best arch", "table optimum", "cost hours", "best found ranks"):
        assert row in printed


def test_cost_budget_and_listing_commands(tmp_path, capsys):
    out = tmp_path / "cost"
    assert main(["search", "--env", "nas_env/NB201-v0", "--env-kwargs", '{"fidelity": 12}', "--agent", "random",
                 "--budget-seconds", "5000", "--out", str(out), "--no-progress"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert 0 < summary["total_cost_seconds"] <= 5000
    assert main(["envs"]) == 0
    assert "nas_env/NB201-v0" in capsys.readouterr().out
    assert main(["agents"]) == 0
    text = capsys.readouterr().out
    assert "reinforce" in text and "lr = 0.0006" in text and "population_size = 10" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["--agent", "nope"], "valid: ['evolution'"),
        (["--env", "nas_env/Nope-v0"], "valid:"),
        (["--budget", "0"], "--budget: must be an int >= 1, got 0"),
        (["--budget", "-3"], "--budget: must be an int >= 1, got -3"),
        (["--agent-kwargs", "{bad"], "not valid JSON"),
        (["--agent-kwargs", '{"bogus": 1}'], "unknown hyperparameters"),
    ],
)
def test_bad_input_exit_2(tmp_path, capsys, args, message):
    base = {"--env": "nas_env/NB201-v0", "--agent": "random", "--budget": "5", "--out": str(tmp_path / "o")}
    for k, v in zip(args[::2], args[1::2]):
        base[k] = v
    argv = ["search", "--no-progress"] + [x for kv in base.items() for x in kv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "o" / "history.jsonl").exists()


def test_out_dir_errors_never_overwrite(tmp_path, capsys):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert search(foreign) == 2
    assert "not a nas-env run" in capsys.readouterr().err
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]

    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert search(a_file) == 2 and "not a directory" in capsys.readouterr().err

    run = tmp_path / "run"
    assert search(run, "random", 10, 0) == 0
    before = (run / "history.jsonl").read_text()
    assert search(run, "evolution", 10, 0) == 2
    assert "agent='random'" in capsys.readouterr().err
    assert search(run, "random", 10, 1) == 2
    assert "seed=0" in capsys.readouterr().err
    assert main(["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--budget-seconds", "100",
                 "--out", str(run), "--no-progress"]) == 2
    assert "different kind" in capsys.readouterr().err
    assert (run / "history.jsonl").read_text() == before

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "run.json").write_text("{not json")
    assert search(broken) == 2 and "unreadable" in capsys.readouterr().err


def test_rerun_finished_and_extend(tmp_path):
    out = tmp_path / "r"
    full = run_search("nas_env/NB201-v0", {}, "evolution", {}, Budget(evaluations=40), 2, tmp_path / "full",
                      progress=False)
    run_search("nas_env/NB201-v0", {}, "evolution", {}, Budget(evaluations=40), 2, out, progress=False)
    again = run_search("nas_env/NB201-v0", {}, "evolution", {}, Budget(evaluations=40), 2, out, progress=False)
    assert [e.tokens for e in again.history] == [e.tokens for e in full.history]
    more = run_search("nas_env/NB201-v0", {}, "evolution", {}, Budget(evaluations=60), 2, out, progress=False)
    assert len(more.history) == 60 and len(load_history(out / "history.jsonl")) == 60
    assert [e.tokens for e in more.history[:40]] == [e.tokens for e in full.history]
    with pytest.raises(RunDirError, match="more than"):
        run_search("nas_env/NB201-v0", {}, "evolution", {}, Budget(evaluations=30), 2, out, progress=False)


class Crash(Exception):
    pass


@pytest.mark.parametrize("agent", ["random", "grid", "evolution", "reinforce", "reinforce-table"])
def test_in_process_resume_is_exact(tmp_path, agent):
    kwargs = {"m": 3} if agent == "reinforce" else {}
    ref = run_search("nas_env/NB201-v0", {}, agent, kwargs, Budget(evaluations=45), 5, tmp_path / "ref",
                     progress=False)

    def crash(ev, tracker):
        if ev.index == 25:
            raise Crash

    out = tmp_path / "run"
    with pytest.raises(Crash):
        run_search("nas_env/NB201-v0", {}, agent, kwargs, Budget(evaluations=45), 5, out, progress=False,
                   callbacks=[crash], checkpoint_interval_s=0)
    assert len(load_history(out / "history.jsonl")) == 26
    res = run_search("nas_env/NB201-v0", {}, agent, kwargs, Budget(evaluations=45), 5, out, progress=False)
    key = [(e.arch, e.tokens, e.reward) for e in ref.history]
    assert [(e.arch, e.tokens, e.reward) for e in res.history] == key
    assert [(e["arch"], tuple(e["tokens"]), e["reward"])
            for e in map(json.loads, (out / "history.jsonl").read_text().splitlines())] == key
    assert json.loads((out / "summary.json").read_text())["best"]["arch"] == ref.best.arch
    if agent in ("reinforce", "reinforce-table"):
        assert res.extras["diagnostics"] == ref.extras["diagnostics"]


def test_tensorboard_logging_or_clear_error(tmp_path, capsys):
    logs = tmp_path / "logs"
    code = search(tmp_path / "tb", "reinforce", 8, 0, "--tensorboard", str(logs))
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        assert code == 2
        assert "pip install tensorboard" in capsys.readouterr().err
        assert not (tmp_path / "tb").exists()
        return
    assert code == 0
    assert any(p.name.startswith("events.out.tfevents") for p in logs.iterdir())


def test_real_subprocess(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = tmp_path / "sub"
    proc = subprocess.run(
        [sys.executable, "-m", "nas_env.benchmarks.cli", "search", "--env", "nas_env/NB201-v0", "--agent", "random",
         "--budget", "7", "--seed", "1", "--out", str(out)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "best arch" in proc.stdout
    assert "best=" in proc.stderr  # the progress bar shows the best so far
    assert len((out / "history.jsonl").read_text().splitlines()) == 7
    bad = subprocess.run([sys.executable, "-m", "nas_env.benchmarks.cli", "search", "--env", "nas_env/NB201-v0",
                          "--agent", "nope", "--budget", "3", "--out", str(tmp_path / "x")],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert bad.returncode == 2 and "valid:" in bad.stderr and "Traceback" not in bad.stderr


def test_table_rank_counts_strictly_better_cells():
    import gymnasium as gym

    import nas_env  # noqa: F401
    from nas_env.benchmarks.run.summary import reference_optimum

    table = gym.make("nas_env/NB201-v0").unwrapped.evaluator.table
    assert table.rank(BEST_NB201_CELL)["rank"] == 1  # tied at the top with one other cell: nothing is better
    worst = table.rank("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    assert worst["of"] == 15_625 and worst["rank"] > 15_000
    assert reference_optimum(gym.make("nas_env/Synthetic-v0")) is None

def test_foreign_store_and_unreachable_ray_fail_before_writing(tmp_path, capsys):
    shared = tmp_path / "shared.sqlite"
    base = ["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--budget", "3", "--no-progress"]
    assert main([*base, "--out", str(tmp_path / "a"), "--store", str(shared)]) == 0
    other = tmp_path / "b"
    code = main([*base, "--env-kwargs", '{"dataset": "cifar100"}', "--out", str(other), "--store", str(shared)])
    assert code == 2 and "belongs to another configuration" in capsys.readouterr().err
    assert not other.exists()  # nothing written for the refused run
    ray_out = tmp_path / "c"
    code = main([*base, "--out", str(ray_out), "--executor", "ray", "--ray-address", "127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach the Ray cluster at '127.0.0.1:1'" in err
    assert not ray_out.exists()


def test_listing_and_final_table_columns_fit_long_agent_names(tmp_path, capsys):
    """Issue 26: ``reinforce-table`` (15 characters) overflowed the 14-wide name column of ``nas-env agents``
    and of the table ``nas-env benchmark`` prints at the end."""
    from nas_env.benchmarks.cli.benchmark import _print_final_table

    assert main(["agents"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")]
    starts = {len(line) - len(line.split(maxsplit=1)[1]) for line in rows}
    assert len(rows) > 5 and len(starts) == 1, rows  # every description starts in the same column
    entry = {"runs": 2, "mean": 93.5, "std": 0.25, "iqm": 93.5, "iqm_ci": [93.25, 93.75]}
    agents = {"random": entry, "reinforce-table": entry, "reinforce@lr=0.001": {**entry, "std": 10.125}}
    (tmp_path / "aggregate.json").write_text(json.dumps({"agents": agents}))
    _print_final_table(tmp_path)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["agent", *agents]
    assert len({line.index("runs" if i == 0 else " 2 ") + 4 - 2 * (i > 0) for i, line in enumerate(lines)}) == 1
    assert len({line.index("±") for line in lines}) == 1 and len({line.index(" [") for line in lines}) == 1, lines


def test_benchmark_help_names_every_protocols_default_seeds(capsys):
    """Issue 26: ``--seeds``' help is derived from the protocols (it left out cnn-digits' 5 when hand-written)."""
    import re

    from nas_env.benchmarks.protocols.registry import PROTOCOLS

    assert main(["benchmark", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    start = text.index("--seeds SEEDS run")
    seeds_help = text[start:text.index("--seed-list SEED_LIST", start)]
    groups = dict(re.findall(r"(\d+) for ([^;)]+)", seeds_help))
    named = {name.strip(): int(n) for n, names in groups.items() for name in names.split(",")}
    other = int(re.findall(r"else (\d+)", seeds_help)[0])
    for name, protocol in PROTOCOLS.items():
        assert named.get(name, other) == protocol.default_seeds, (name, seeds_help)
    assert "nb201-cifar10" in named and "cnn-digits" in named  # listed by name, not by a pattern
