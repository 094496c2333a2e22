"""Agent specs (``reinforce@lr=0``): one benchmark runs an agent next to its settings' variants under clear names."""

from __future__ import annotations

import pytest

from nas_env.agents.registry import check_agent_spec, make_agent, parse_agent_spec
from nas_env.benchmarks.cli import main
from nas_env.benchmarks.harness.runner import run_benchmark
from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.protocols.nb201 import NB201_REINFORCE_LR


def test_parse_agent_spec() -> None:
    assert parse_agent_spec("reinforce") == ("reinforce", {})
    assert parse_agent_spec("reinforce@lr=0@m=2") == ("reinforce", {"lr": 0, "m": 2})
    assert parse_agent_spec("evolution@variant=nb201") == ("evolution", {"variant": "nb201"})
    with pytest.raises(ValueError, match=r"bad setting 'lr' in agent spec 'reinforce@lr'; expected NAME@key=value"):
        parse_agent_spec("reinforce@lr")


def test_make_agent_applies_the_spec_over_other_hyperparameters() -> None:
    agent = make_agent("reinforce-table@lr=0", lr=0.01, baseline_decay=0.5)
    assert agent.config.lr == 0 and agent.config.baseline_decay == 0.5
    assert agent.name == "reinforce-table"
    assert make_agent("reinforce@lr=0").config.lr == 0  # the no-learning ablation is a valid config
    with pytest.raises(ValueError, match=r"agent spec 'reinforce@lrr=0': unknown hyperparameters \['lrr'\]"):
        check_agent_spec("reinforce@lrr=0")
    with pytest.raises(ValueError, match="unknown agent 'reinforc'"):
        check_agent_spec("reinforc@lr=0")


def test_nb201_protocol_settings_per_row() -> None:
    p = get_protocol("nb201-cifar10")
    assert p.kwargs_for("evolution") == {"variant": "nb201"}  # NAS-Bench-201's REA
    assert p.kwargs_for("reinforce-table") == {}  # its REINFORCE at the defaults of REINFORCE.sh
    assert p.kwargs_for("reinforce") == {"lr": NB201_REINFORCE_LR}  # the LSTM controller, tuned lr
    assert p.kwargs_for("reinforce@lr=0") == {"lr": 0}  # the spec wins over the protocol
    assert p.kwargs_for("reinforce@m=2") == {"lr": NB201_REINFORCE_LR, "m": 2}
    assert {r.method: r.agent for r in p.published if r.agent} == {
        "REA": "evolution", "REINFORCE": "reinforce-table", "RS": "random"}
    assert get_protocol("rnn-tinyshakespeare").kwargs_for("evolution") == {}


def test_benchmark_refuses_a_bad_spec_before_running(tmp_path, capsys) -> None:
    with pytest.raises(ValueError, match=r"unknown hyperparameters \['lrr'\]"):
        run_benchmark(get_protocol("nb201-cifar10", budget=500), ["random", "reinforce@lrr=0"], [0], tmp_path / "b",
                      workers=0, progress=False)
    assert not (tmp_path / "b").exists()
    assert main(["benchmark", "--protocol", "nb201-cifar10", "--agents", "random,reinforce@lrr=0", "--seeds", "1",
                 "--out", str(tmp_path / "c"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown hyperparameters ['lrr']" in err[0]

