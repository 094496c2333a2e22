"""Every NAS-Bench-201 number the docs quote comes from a committed measurement record (issue 24, item 12).

The records under ``docs/measured/`` are written by ``python -m nas_env.benchmarks.measure.benchmark_record``
from a benchmark's output directory; this test reads them and the prose (rerunning nothing) and fails when a
quoted number disagrees with its record.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import REPO

MEASURED = REPO / "docs" / "measured"


def _record(name: str) -> dict[str, Any]:
    return json.loads((MEASURED / name).read_text(encoding="utf-8"))


def _row(agent: str, e: dict[str, Any]) -> str:
    """The report's final-results row of ``agent`` (its formatting)."""
    pi = e["p_improvement_over_random"]
    pi_s = "—" if pi is None else f"{pi[0]:.2f} [{pi[1]:.2f}, {pi[2]:.2f}]"
    head = f"| {agent} | "
    tail = f"{e['evaluations_mean']:.1f} | {e['simulated_seconds_mean'] / 3600:.2f} | "
    if e["runs"] == 1:
        return head + f"1 (deterministic: one run suffices, run once) | {tail}{e['mean']:.2f} | — | " \
                      f"{e['median']:.2f} | {pi_s} |"
    lo, hi = e["iqm_ci"]
    return head + f"{e['runs']} | {tail}{e['mean']:.2f} ± {e['std']:.2f} | {e['iqm']:.2f} [{lo:.2f}, {hi:.2f}] | " \
                  f"{e['median']:.2f} | {pi_s} |"


def test_docs_04_quotes_its_committed_20_seed_run() -> None:
    page = (REPO / "docs" / "04_benchmark_on_nas_bench_201.md").read_text(encoding="utf-8")
    r = _record("nb201_bench20.json")
    assert r["command"].endswith(
        "--protocol nb201-cifar10 --agents random,evolution,reinforce,maskable-ppo,grid --seeds 20 --out "
        "/tmp/nb201/bench20 --no-progress")
    assert "--agents random,evolution,reinforce,maskable-ppo,grid --seeds 20 --out bench20" in page
    ag = r["agents"]
    for agent, e in ag.items():
        assert _row(agent, e) in page, agent
    ev, rf, rnd = ag["evolution"], ag["reinforce"], ag["random"]
    flat = " ".join(page.split())
    needles = [
        f"its {r['wall_seconds']:.0f} s of wall time",
        f"({ev['mean']:.2f} and {rf['mean']:.2f} vs {rnd['mean']:.2f}; published RS 93.70)",
        f"P(> random), {ev['p_improvement_over_random'][1]:.2f} and {rf['p_improvement_over_random'][1]:.2f}",
        "top-15 average reward is {:+.2f} pp above random's (Welch 95% t-interval [{:+.2f}, {:+.2f}])".format(
            *ev["topk_end_difference"]["15"]),
        "`reinforce`'s {:+.2f} pp [{:+.2f}, {:+.2f}]".format(*rf["topk_end_difference"]["15"]),
        f"evaluated in {rf['top1_found'][0]} of {rf['top1_found'][1]} `reinforce` runs (median "
        f"{rf['top1_evaluations_median']:.0f} evaluations)",
        f"{ev['top1_found'][0]} of {ev['top1_found'][1]} `evolution` runs (median {ev['top1_evaluations_median']:.0f})",
        f"random's {rnd['top1_found'][0]} of {rnd['top1_found'][1]} (median {rnd['top1_evaluations_median']:.0f})",
    ]
    for needle in needles:
        assert needle in flat, needle


@pytest.mark.parametrize("name", sorted(p.name for p in MEASURED.glob("*.json")))
def test_every_record_names_its_command_machine_and_conditions(name: str) -> None:
    r = _record(name)
    assert r["command"].startswith("nas-env benchmark --protocol ") and r["machine"]["cpu_count"]
    assert r["note"] and r["wall_seconds"] > 0 and r["agents"]


def test_the_nb201_notes_quote_the_committed_argmax_measurement() -> None:
    import re

    from nas_env.benchmarks.protocols import get_protocol

    out = (MEASURED / "nb201_argmax_answer.txt").read_text(encoding="utf-8")
    best, argmax, std = re.search(r"best-reward answer ([0-9.]+) .* final argmax cell ([0-9.]+) .*\(std ([0-9.]+)\)",
                                  out).groups()
    notes = "\n".join(get_protocol("nb201-cifar10").differences)
    assert f"best-reward answer {float(best):.2f}, argmax answer {float(argmax):.2f} (std {float(std):.2f})" in notes


def test_the_rea_spread_note_quotes_the_default_run() -> None:
    from scipy import stats

    from nas_env.benchmarks.protocols import get_protocol

    ev = _record("nb201_default.json")["agents"]["evolution"]
    n = ev["runs"]
    f = (ev["std"] ** 2 * n / (n - 1)) / 0.30 ** 2
    p = 2 * stats.f.sf(f, n - 1, 499)
    notes = "\n".join(get_protocol("nb201-cifar10").differences)
    assert f"`evolution` over {n} seeds has std {ev['std']:.2f} against the published 0.30" in notes
    assert f"p = {p:.1e}" in notes and f"its mean matches ({ev['mean']:.2f} vs 93.92)" in notes


def test_the_readme_quotes_the_committed_default_run() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    r = _record("nb201_default.json")
    assert r["command"].startswith("nas-env benchmark --protocol nb201-cifar10 --out ") and r["seeds"] == 500
    a = r["agents"]
    assert sorted(a) == sorted(["random", "grid", "evolution", "reinforce-table", "reinforce", "reinforce@lr=0.0006",
                                "reinforce@lr=0", "reinforce-table@lr=0"])

    def ms(agent: str) -> str:
        return f"{a[agent]['mean']:.2f} ± {a[agent]['std']:.2f}"

    row = next(line for line in readme.splitlines() if line.startswith("| `nas-env benchmark --protocol nb201-cifar10"))
    for needle in (f"{r['wall_seconds'] / 60:.0f} min of runs + {r['report_seconds'] / 60:.1f} min of report",
                   f"REA (`evolution`) {ms('evolution')}", f"REINFORCE (`reinforce-table`) {ms('reinforce-table')}",
                   f"RS (`random`) {ms('random')}", f"LSTM controller {ms('reinforce')} at lr 0.03",
                   f"{ms('reinforce@lr=0.0006')} at the paper's 0.0006"):
        assert needle in row, needle
    assert f"it took {r['wall_seconds'] / 60:.0f} min of runs and {r['report_seconds'] / 60:.1f} min of report" in \
        " ".join(readme.split())


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else None]


@pytest.mark.parametrize(("heading", "record", "report"), [
    ("## NAS-Bench-201 at the published sample size", "nb201_default.json", "nb201_default_report.md"),
    ("## NAS-Bench-201, 20 seeds (docs/04's command)", "nb201_bench20.json", "nb201_bench20_report.md"),
])
def test_measurements_copies_its_tables_from_the_committed_reports(heading: str, record: str, report: str) -> None:
    section = _section((REPO / "MEASUREMENTS.md").read_text(encoding="utf-8"), heading)
    copied = (MEASURED / report).read_text(encoding="utf-8")
    lines = [line for line in section.splitlines() if line.startswith(("| ", "- `", "- Learning"))]
    assert len(lines) > 8
    for line in lines:
        assert line in copied, line
    r = _record(record)
    assert f"{r['wall_seconds']:,.0f} s" in section or f"{r['wall_seconds']:.0f} s" in section
    if r["report_seconds"] and record == "nb201_default.json":
        assert f"report {r['report_seconds'] / 60:.1f} min" in section
        assert f"{sum(e['runs'] for e in r['agents'].values()):,} runs" in section


def test_docs_02_quotes_its_committed_suite_score() -> None:
    page = (REPO / "docs" / "02_your_own_agent.md").read_text(encoding="utf-8")
    board = (MEASURED / "suite_hillclimb_leaderboard.md").read_text(encoding="utf-8")
    rows = [line for line in board.splitlines() if line.startswith("|")]  # header, rule, two agents
    assert len(rows) == 4 and all(line in page for line in rows)
    assert board.startswith("Suite task-set version 2, table tier: 12 tasks")
    hc = next(r for r in rows if "hillclimb:hill-climb" in r).split("|")[3].split()[0]
    leaderboard = (REPO / "docs" / "leaderboard.md").read_text(encoding="utf-8")
    evo, rf = (next(r for r in leaderboard.splitlines() if f"| {a} |" in r).split("|")[3].split()[0]
               for a in ("evolution", "reinforce"))
    assert f"scores {hc} where the built-in `evolution` scores {evo} and `reinforce` {rf}" in " ".join(page.split())
