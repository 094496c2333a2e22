"""Your own agent and protocol by name on the command line (issue 25): ``search --agent MODULE:NAME``,
``benchmark --agents random,MODULE:NAME``, ``benchmark --protocol MODULE:NAME``; one-line errors, exit status 2;
a report rebuilt later imports the protocol's module only when the command names it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from nas_env.benchmarks.cli import main
from nas_env.benchmarks.protocols.registry import PROTOCOLS
from tests.helpers import REPO

HILLCLIMB = (REPO / "docs" / "tutorials" / "hillclimb.py").read_text()
PROTOCOL = """
from nas_env.agents import Budget
from nas_env.benchmarks import Protocol, PublishedResult, register_protocol

register_protocol(Protocol(
    name="ua-tiny-macro",
    env_id="nas_env/Macro-v0",
    env_kwargs={"signal_seed": 1},
    budget=Budget(evaluations=7),
    reward="NAS-Bench-Macro accuracy of training seed 1",
    cost="evaluations are counted",
    reporter="macro",
    reporter_option=1,
    published=(PublishedResult("a made-up method", 92.5, 0.3, "nowhere"),),
    default_seeds=2,
    default_agents=("random", "hillclimb:hill-climb"),
))
open(MARKER, "a").write("imported\\n")
"""


def bench(out: Path, *extra: str) -> int:
    return main(["benchmark", "--seeds", "2", "--workers", "0", "--no-progress", "--out", str(out), *extra])


def test_search_and_benchmark_take_a_user_agent_by_name(tmp_path, user_module, capsys):
    user_module("hillclimb", HILLCLIMB)
    out = tmp_path / "s"
    args = ["search", "--env", "nas_env/NB201-v0", "--agent", "hillclimb:hill-climb@patience=4", "--budget", "30",
            "--out", str(out), "--no-progress"]
    assert main(args) == 0, capsys.readouterr().err
    assert json.loads((out / "run.json").read_text())["agent"] == "hillclimb:hill-climb@patience=4"
    assert json.loads((out / "summary.json").read_text())["hyperparameters"] == {"patience": 4}
    assert main(args) == 0  # finished: read back, nothing searched again
    assert len((out / "history.jsonl").read_text().splitlines()) == 30

    b = tmp_path / "b"
    assert bench(b, "--protocol", "fixed:nas_env/NB201-v0", "--budget", "12",
                 "--agents", "random,hillclimb:hill-climb,hillclimb:HillClimb") == 0, capsys.readouterr().err
    runs = sorted(p.name for p in (b / "runs").iterdir())
    assert runs[-1] == "random" and [r.rpartition("-")[0] for r in runs[:2]] == ["hillclimb.HillClimb",
                                                                                "hillclimb.hill-climb"]
    meta = json.loads((b / "benchmark.json").read_text())
    assert meta["agents"] == ["random", "hillclimb:hill-climb", "hillclimb:HillClimb"]
    summary = (b / "summary.csv").read_text()
    assert "hillclimb:hill-climb" in summary and "hillclimb:HillClimb" in summary
    assert main(["report", str(b)]) == 0  # a report imports no agent module


@pytest.mark.parametrize(("agents", "expected"), [
    ("random,ua_nowhere:hc", "nas-env benchmark: cannot import module 'ua_nowhere' of agent 'ua_nowhere:hc': No "
                             "module named 'ua_nowhere' (is its directory on PYTHONPATH?)"),
    ("random,hill-climb", "nas-env benchmark: unknown agent(s) ['hill-climb']; valid: ["),
])
def test_a_bad_agent_fails_in_one_line_before_anything_is_written(tmp_path, capsys, agents, expected):
    out = tmp_path / "b"
    assert bench(out, "--protocol", "fixed:nas_env/NB201-v0", "--budget", "5", "--agents", agents) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected) and len(err.strip().splitlines()) == 1, err
    assert not out.exists()
    assert main(["search", "--env", "nas_env/NB201-v0", "--agent", agents.split(",")[1], "--budget", "5",
                 "--out", str(tmp_path / "s"), "--no-progress"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1 and not (tmp_path / "s").exists()


def test_a_user_protocol_by_name_and_its_report_rebuilt_later(tmp_path, user_module, capsys):
    marker = tmp_path / "IMPORTED"
    user_module("hillclimb", HILLCLIMB)
    user_module("ua_proto", f"MARKER = {str(marker)!r}\n" + PROTOCOL)
    out = tmp_path / "b"
    try:
        assert main(["benchmark", "--protocol", "ua_proto:ua-tiny-macro", "--workers", "0", "--no-progress",
                     "--out", str(out)]) == 0, capsys.readouterr().err
        meta = json.loads((out / "benchmark.json").read_text())
        assert meta["protocol"]["name"] == "ua_proto:ua-tiny-macro" and meta["seeds"] == [0, 1]
        assert meta["agents"] == ["random", "hillclimb:hill-climb"]  # the protocol's default agents
        run = json.loads((out / "runs" / "random" / "seed1" / "summary.json").read_text())
        assert run["num_evaluations"] == 7 and run["env_kwargs"] == {"signal_seed": 1}
        assert "a made-up method" in (out / "report.md").read_text()
        # a resume names the protocol again: the same protocol, extended by a seed
        assert main(["benchmark", "--protocol", "ua_proto:ua-tiny-macro", "--seeds", "3", "--agents", "random",
                     "--workers", "0", "--no-progress", "--no-report", "--out", str(out)]) == 0
        assert json.loads((out / "benchmark.json").read_text())["seeds"] == [0, 1, 2]

        sys.modules.pop("ua_proto")  # a later process: the module is not imported
        PROTOCOLS.pop("ua-tiny-macro")
        marker.unlink()
        capsys.readouterr()
        assert main(["report", str(out)]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "names module 'ua_proto'" in err
        assert "add --protocol ua_proto:ua-tiny-macro to this command" in err and not marker.exists()
        assert main(["report", str(out), "--protocol", "ua_proto:ua-tiny-macro"]) == 0, capsys.readouterr().err
        assert marker.exists()
    finally:
        PROTOCOLS.pop("ua-tiny-macro", None)


@pytest.mark.parametrize(("protocol", "expected"), [
    ("ua_nowhere:x", "nas-env benchmark: cannot import module 'ua_nowhere' of protocol 'ua_nowhere:x': No module "
                     "named 'ua_nowhere' (is its directory on PYTHONPATH?)"),
    ("ua_proto2:nope", "nas-env benchmark: protocol 'ua_proto2:nope': module 'ua_proto2' registers no protocol "
                       "'nope' (with nas_env.benchmarks.register_protocol); registered: ["),
    ("nb201-cifar", "nas-env benchmark: unknown protocol 'nb201-cifar'; valid: ["),
])
def test_a_bad_protocol_fails_in_one_line(tmp_path, user_module, capsys, protocol, expected):
    user_module("ua_proto2", "x = 1\n")
    assert bench(tmp_path / "b", "--protocol", protocol, "--agents", "random") == 2
    err = capsys.readouterr().err
    assert err.startswith(expected) and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "b").exists()
