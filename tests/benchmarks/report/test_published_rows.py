"""A row is compared with a published number by what it runs, not by how it is spelled (issue 24, item 13)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.protocols.nb201 import NB201_REINFORCE_LR
from nas_env.benchmarks.report.benchmark.data import ReportData
from nas_env.benchmarks.report.benchmark.protocol_notes import published_comparison


def _data(finals: dict[str, list[float]]) -> ReportData:
    p = get_protocol("nb201-cifar10")
    return ReportData(Path("."), {}, p, p.make_reporter(), {}, finals={a: np.array(v) for a, v in finals.items()})


def test_the_spelled_out_rea_row_gets_the_published_comparison() -> None:
    rows = published_comparison(_data({"evolution@variant=nb201": [93.9, 94.1, 93.8]}))
    assert [(r["method"], r["agent"]) for r in rows] == [("REA", "evolution@variant=nb201")]
    assert rows[0]["mean"] == np.mean([93.9, 94.1, 93.8]) and rows[0]["published_mean"] == 93.92


def test_both_spellings_are_compared_and_other_settings_are_not() -> None:
    finals = {"evolution": [94.0, 94.2], "evolution@variant=nb201": [93.9, 94.1],
              "evolution@variant=nb201@population_size=20": [93.0, 93.2], "reinforce-table@lr=0.001": [93.7, 93.8],
              "random": [93.7, 93.6], "reinforce-table@lr=0.01": [93.8, 93.9]}
    rows = published_comparison(_data(finals))
    assert [(r["method"], r["agent"]) for r in rows] == [
        ("REA", "evolution"), ("REA", "evolution@variant=nb201"), ("REINFORCE", "reinforce-table@lr=0.001"),
        ("RS", "random")]


def test_runs_as_resolves_defaults_and_protocol_settings() -> None:
    p = get_protocol("nb201-cifar10")
    assert p.runs_as("evolution") == p.runs_as("evolution@variant=nb201") != p.runs_as("evolution@variant=real")
    tuned = f"reinforce@lr={NB201_REINFORCE_LR:g}"
    assert p.runs_as("reinforce") == p.runs_as(tuned) != p.runs_as("reinforce@lr=0.0006")
    assert p.runs_as("nope@x=1") == "nope@x=1"
