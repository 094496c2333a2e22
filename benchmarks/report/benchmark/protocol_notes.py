"""The report's "protocol notes": every remaining difference from the published protocol, and how our rows
that run a published algorithm compare with its published number.

What is said is the protocol's (``Protocol.differences``, ``published``, ``effects_measured_by``: written beside each
protocol in its family's module of :mod:`nas_env.benchmarks.protocols`); this module only compares and prints it."""

from __future__ import annotations

from typing import Any

import numpy as np

from nas_env.agents.registry import parse_agent_spec
from nas_env.benchmarks.report.benchmark.data import ReportData
from nas_env.benchmarks.report.stats import welch_test

__all__ = ["protocol_notes_markdown", "published_comparison"]


def published_comparison(d: ReportData) -> list[dict[str, Any]]:
    """Per published result and every row here that runs its agent (:meth:`Protocol.runs_as`: by what a row
    runs, whatever its spelling): ours (mean, std, runs) vs published, and whether the difference of the means
    is within one published std."""
    out = []
    for pub in d.protocol.published:
        if pub.agent is None:
            continue
        base = parse_agent_spec(pub.agent)[0]
        rows = [a for a in d.finals if parse_agent_spec(a)[0] == base]  # only its agent can run it
        if not rows:
            continue  # (and its agent's module, e.g. torch, is not imported for nothing)
        runs = d.protocol.runs_as(pub.agent)
        for agent in [a for a in rows if d.protocol.runs_as(a) == runs]:
            row = _compare(d, pub, agent)
            if row is not None:
                out.append(row)
    return out


def _compare(d: ReportData, pub: Any, agent: str) -> dict[str, Any] | None:
    """Our row ``agent`` (which runs what ``pub.agent`` names) against the published result ``pub``."""
    y = d.finals[agent][np.isfinite(d.finals[agent])]
    if not y.size:
        return None
    mean, std = float(y.mean()), float(y.std())
    diff = mean - pub.mean
    welch_p = None
    if pub.std is not None and pub.runs is not None and pub.runs > 1 and y.size > 1:
        welch_p = welch_test(mean, float(y.std(ddof=1)), int(y.size), pub.mean, pub.std, pub.runs)
    return {"method": pub.method, "agent": agent, "runs": int(y.size), "mean": mean, "std": std,
            "standard_error": float(y.std(ddof=1) / np.sqrt(y.size)) if y.size > 1 else None,
            "published_mean": pub.mean, "published_std": pub.std, "published_runs": pub.runs,
            "difference": diff, "welch_p": welch_p,
            "within_one_published_std": None if pub.std is None else bool(abs(diff) <= pub.std)}


def _p(p: float | None) -> str:
    if p is None:
        return "n/a"
    return f"{p:.2g}" if p >= 1e-4 else "< 1e-4"


def protocol_notes_markdown(d: ReportData) -> list[str]:
    """The "Protocol notes" section (empty when the protocol states no differences and has no published rows)."""
    rows = d.aggregate.get("published_comparison")
    if rows is None:
        rows = d.aggregate["published_comparison"] = published_comparison(d)
    diffs = d.protocol.differences
    if not diffs and not rows:
        return []
    lines = ["## Protocol notes\n"]
    add = lines.append
    if diffs:
        command = d.protocol.effects_measured_by
        measured = f" (measured effects from `{command}` where given)" if command else ""
        add(f"Every remaining difference from the published protocol, one line each{measured}:\n")
        lines += [f"- {t}" for t in diffs]
        add("")
    if rows:
        add("Rows that run a published algorithm with its published settings, against the published number:\n")
        add("Welch's p: the unequal-variance t-test of our mean against the published mean ± std over its runs "
            "(small p: the difference is not seed noise; see the differences above for its causes).\n")
        add("| published | our row | runs | ours: mean ± std (s.e.) | published | difference | Welch's p | within one "
            "published std? |")
        add("|---|---|---|---|---|---|---|---|")
        for r in rows:
            se = "" if r["standard_error"] is None else f" ({r['standard_error']:.2f})"
            pstd = "" if r["published_std"] is None else f" ± {r['published_std']:.2f}"
            within = {True: "yes", False: "no", None: "n/a"}[r["within_one_published_std"]]
            add(f"| {r['method']} | `{r['agent']}` | {r['runs']} | {r['mean']:.2f} ± {r['std']:.2f}{se} | "
                f"{r['published_mean']:.2f}{pstd} | {r['difference']:+.2f} | {_p(r.get('welch_p'))} | {within} |")
        add("")
    return lines
