"""Section 3 of report.md (Figure 6: top-k vs random search) and the verdict sentences it shares with section 3b.

Text only, from ``d.aggregate["topk_vs_random_end"]`` (:mod:`.topk_end`) and ``d.aggregate["retrained"]``.
"""

from __future__ import annotations

import math
from typing import Any

from nas_env.benchmarks.report.benchmark.data import BASELINE, TOPK, ReportData
from nas_env.benchmarks.report.benchmark.units import RewardUnits
from nas_env.benchmarks.report.intervals import MIN_SEEDS_FOR_VERDICT

__all__ = ["topk_markdown", "topk_verdicts"]

#: per-seed values are printed in a verdict up to this many seeds per agent (all of them are in aggregate.json)
PER_SEED_SHOWN = 10


def _cell(e: dict[str, Any], u: RewardUnits) -> str:
    """A difference with its t-interval, in ``u``'s units (percentage points, or reward units)."""
    lo, hi = e["ci"]
    if not math.isfinite(e["difference"]):
        return "n/a"
    ci = "" if not (math.isfinite(lo) and math.isfinite(hi)) else f" [{u.fmt(lo, True)}, {u.fmt(hi, True)}]"
    return f"{u.fmt(e['difference'], True)}{ci}"


def _seeds(agent: str, e: dict[str, Any], u: RewardUnits) -> str:
    """How many runs each side has, and their values where there are few."""
    def side(name: str, values: list[float], det: bool) -> str:
        if det:
            return f"`{name}` is one deterministic run ({u.fmt(values[0])})" if values else f"`{name}`: no run"
        shown = f": {', '.join(u.fmt(v) for v in values)}" if len(values) <= PER_SEED_SHOWN else ""
        return f"`{name}` {len(values)} seed{'s' if len(values) != 1 else ''}{shown}"
    return (f"{side(agent, e['values_x'], e['deterministic_x'])}; "
            f"{side(BASELINE, e['values_y'], e['deterministic_y'])}")


def topk_verdicts(d: ReportData, by_k: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """One sentence per agent: does it beat random search on the top-k averages, by how much, how sure (Welch's
    t-interval; no verdict below :data:`MIN_SEEDS_FOR_VERDICT` seeds on a side that varies). Differences are in
    ``d.units`` (percentage points for a fraction reward, else reward units)."""
    out, u = [], d.units
    for a in d.agents:
        rows = [(k, by_k[str(k)][a]) for k in TOPK if a in by_k.get(str(k), {})
                and math.isfinite(by_k[str(k)][a]["difference"])]
        if a == BASELINE or not rows:
            continue
        diffs = ", ".join(f"top-{k} {_cell(e, u)} {u.difference}" for k, e in rows)
        seeds = _seeds(a, rows[0][1], u)
        few = [k for k, e in rows if e["status"] == "too_few_seeds"]
        if len(few) == len(rows):
            out.append(f"`{a}`: too few seeds for a verdict (at least {MIN_SEEDS_FOR_VERDICT} per agent whose runs "
                       f"vary; a deterministic agent needs one run): {diffs} ({seeds}).")
            continue
        few_text = (f"; too few seeds for a verdict on {', '.join(f'top-{k}' for k in few)} (at least "
                    f"{MIN_SEEDS_FOR_VERDICT} runs per agent with that many results)" if few else "")
        rows = [(k, e) for k, e in rows if k not in few]
        above = [k for k, e in rows if e["ci"][0] > 0]
        below = [k for k, e in rows if e["ci"][1] < 0]
        ks = lambda group: ", ".join(f"top-{k}" for k in group)  # noqa: E731
        if len(above) == len(rows) and not few:
            verdict = "beats random search on every top-k average (each 95% t-interval excludes 0)"
        elif len(below) == len(rows) and not few:
            verdict = "trails random search on every top-k average (each 95% t-interval excludes 0)"
        elif above or below or few:
            unclear = [k for k, _ in rows if k not in above and k not in below]
            parts = ([f"beats random search on the {ks(above)} average (95% t-interval excludes 0)"] if above else []) \
                + ([f"trails it on the {ks(below)} average"] if below else []) \
                + ([f"is not distinguishable on {ks(unclear)} (interval includes 0)"] if unclear else [])
            verdict = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
        else:
            verdict = "is not distinguishable from random search at this number of seeds (each 95% interval includes 0)"
        out.append(f"`{a}` {verdict}{few_text}: {diffs} ({seeds}).")
    return out


def topk_markdown(d: ReportData) -> list[str]:
    """Section 3: the figure, the end-of-search differences at equal time and at equal evaluations, verdicts."""
    lines = ["## 3. Top-k architectures vs random search (Zoph & Le, Figure 6)\n"]
    add = lines.append
    if "topk" not in d.figures:
        add("Skipped (see notes).\n")
        return lines
    u = d.units
    unit = "percentage points" if u.percent else f"{u.unit}: the reward as it is, not a percentage"
    add(f"For the top-1, top-5 and top-15 *distinct* architectures found so far (by reward), the difference of "
        f"their average reward ({unit}) between each agent and `{BASELINE}`, as a function of the "
        "number of architectures sampled; line = difference of the means over seeds, band = 95% bootstrap "
        "interval (seeds resampled in both agents; a display). Curves stop at the shortest run of the pair. "
        "Evolution and grid are shown for reference next to the RL agents. Data: `topk_vs_random.csv`.\n")
    add(f"![top-k](figures/{d.figures['topk'].name})\n")
    end = d.aggregate.get("topk_vs_random_end", {})
    comparisons = end.get("comparisons", {})
    for name, c in comparisons.items():
        at = "" if name == "end_of_budget" else " at the evaluations given"
        label = f"the {c['label']}" if name == "end_of_budget" else c["label"]
        add(f"**At {label}**{' (the verdicts below)' if name == end.get('primary') else ''}: "
            f"difference of the means, 95% Welch t-interval{at}.\n")
        evals = name == "equal_evaluations"
        add("| agent | " + ("evaluations | " if evals else "")
            + " | ".join(u.diff_head(f"top-{k} Δ [95% t-interval]") for k in TOPK) + " |")
        add("|---" * (len(TOPK) + 1 + evals) + "|")
        for a in d.agents:
            if a not in c["k"][str(TOPK[0])]:
                continue
            first = c["k"][str(TOPK[0])][a]
            add(f"| {a} | " + (f"{first['evaluations']} | " if evals else "")
                + " | ".join(_cell(c["k"][str(k)][a], u) for k in TOPK) + " |")
        add("")
    primary = comparisons.get(end.get("primary", ""), {})
    lines += [f"- {t}" for t in topk_verdicts(d, primary.get("k", {}))]
    add("")
    return lines
