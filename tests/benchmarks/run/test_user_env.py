"""A user's own env through every entry point: docs/06 (d)'s module and commands, run as written, and the
errors for ids that do not exist, modules that cannot be imported and Gymnasium envs that are not search envs."""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import gymnasium as gym
import pytest

from nas_env.benchmarks.cli import main
from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.run.environment import make_env
from tests.helpers import REPO

DOC = REPO / "docs" / "06_bring_your_own_space.md"


def _doc_blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """docs/06's ``mymodule.py`` written into a fresh directory on ``sys.path`` (and PYTHONPATH)."""
    (source,) = [b for b in _doc_blocks("python") if b.startswith("# mymodule.py\n")]
    home = tmp_path / "user"
    home.mkdir()
    (home / "mymodule.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(home))
    monkeypatch.setenv("PYTHONPATH", str(home))
    monkeypatch.chdir(home)
    yield home
    sys.modules.pop("mymodule", None)
    gym.registry.pop("my/Space-v0", None)


def test_docs_06_path_runs_as_written(user_module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (commands,) = [b for b in _doc_blocks("bash") if "mymodule:my/Space-v0" in b]
    lines = [line for line in commands.splitlines() if line.strip()]
    assert [shlex.split(line)[2] for line in lines] == ["search", "report", "benchmark", "report"]
    for line in lines:
        argv = shlex.split(line)
        assert argv[:2] == ["PYTHONPATH=.", "nas-env"]
        extra = ["--no-progress", "--workers", "0"] if argv[2] == "benchmark" else []
        extra += ["--no-progress"] if argv[2] == "search" else []
        assert main(argv[2:] + extra) == 0, line
    out = capsys.readouterr().out
    summary = json.loads((user_module / "runs/my-evolution/summary.json").read_text())
    assert summary["env_id"] == "mymodule:my/Space-v0" and summary["num_evaluations"] == 6
    assert summary["best"]["arch"] in out
    assert (user_module / "runs/my-evolution/report.md").is_file()
    meta = json.loads((user_module / "runs/my-bench/benchmark.json").read_text())
    assert meta["protocol"]["name"] == "fixed:mymodule:my/Space-v0"
    assert meta["protocol"]["env_id"] == "mymodule:my/Space-v0"
    for agent in ("random", "evolution"):
        for seed in range(3):
            history = (user_module / f"runs/my-bench/runs/{agent}/seed{seed}/history.jsonl").read_text()
            assert len(history.splitlines()) == 6
    report = (user_module / "runs/my-bench/report.md").read_text()
    assert "fixed:mymodule:my/Space-v0" in report and "evolution" in report


def test_module_id_makes_the_users_env(user_module: Path) -> None:
    env = make_env("mymodule:my/Space-v0", {"failure_reward": -1.0})
    assert type(env.unwrapped).__name__ == "MySpaceEnv" and env.unwrapped.failure_reward == -1.0
    assert env.unwrapped.space.size() == 9
    # once imported, the bare id works too
    assert make_env("my/Space-v0").unwrapped.space.name == "my_space"


@pytest.mark.parametrize(("env_id", "needles"), [
    ("nosuchmodule:my/Space-v0", ["cannot import module 'nosuchmodule'", "PYTHONPATH"]),
    ("json:my/Space-v0", ["unknown env 'my/Space-v0'", "module 'json' was imported but did not register it",
                          "nas_env/NB201-v0"]),
    ("nas_env/Nope-v0", ["unknown env 'nas_env/Nope-v0'", "module:id", "nas_env/NB201-v0"]),
    ("CartPole-v1", ["'CartPole-v1' (CartPoleEnv) is not a nas-env search env",
                     ".space (a nas_env.SearchSpace), .evaluator (a nas_env.Evaluator), .action_masks()",
                     "nas_env.NASEnv", "nas_env/NB201-v0"]),
])
def test_bad_env_ids_name_what_is_valid(env_id: str, needles: list[str], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError) as info:
        make_env(env_id)
    for needle in needles:
        assert needle in str(info.value), (needle, str(info.value))
    # the CLI: one line on stderr, exit 2, nothing written
    out = tmp_path / "run"
    assert main(["search", "--env", env_id, "--agent", "random", "--budget", "2", "--out", str(out),
                 "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needles[0] in err and not out.exists()
    assert main(["benchmark", "--protocol", f"fixed:{env_id}", "--agents", "random", "--seeds", "1",
                 "--out", str(tmp_path / "bench"), "--no-progress", "--workers", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"'fixed:{env_id}'" in err and needles[0] in err
    assert not (tmp_path / "bench").exists()


def test_fixed_protocol_on_a_module_id_rebuilds_from_its_json(user_module: Path) -> None:
    from nas_env.benchmarks.protocols import protocol_from_json

    p = get_protocol("fixed:mymodule:my/Space-v0", budget=4)
    assert (p.name, p.env_id, p.budget.evaluations) == ("fixed:mymodule:my/Space-v0", "mymodule:my/Space-v0", 4)
    assert protocol_from_json(p.to_json()) == p
