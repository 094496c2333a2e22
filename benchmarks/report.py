"""``DIR/report.md``, its figures and CSV/JSON results, rebuilt from the saved histories alone.

:func:`build_report` reads ``DIR/benchmark.json`` and ``DIR/runs/*/seed*/`` and writes:

=============================  ====================================================================
``report.md``                  the report (protocol, machine, versions, seeds, command, tables, figures)
``summary.csv``                one row per (agent, seed): evaluations, simulated seconds, best reward,
                               best arch, final reported accuracy and its name
``aggregate.json``             per agent: mean, std, IQM with 95% CI, median, probability of
                               improvement over every other agent, time to a top architecture
``anytime_by_evaluations.csv``  IQM / CI / mean of the incumbent's reported accuracy per evaluation count
``anytime_by_time.csv``        the same on a log grid of simulated seconds (protocols that charge time)
``figures/*.png``              anytime curves, final accuracies, top-k vs random, time to top, controller
=============================  ====================================================================

Aggregates over seeds use the interquartile mean with percentile
stratified-bootstrap 95% confidence intervals (Agarwal et al., 2021); means
± std are given too for comparison with published numbers.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import analysis, plots, stats
from benchmarks.protocols import Protocol, protocol_from_json
from benchmarks.reporters import Reporter
from benchmarks.results import RunRecord, load_benchmark_meta, load_runs

__all__ = ["ReportData", "build_report"]

TOPK = (1, 5, 15)
TOP_FRACTIONS = (("top-1%", 0.01), ("top-0.1%", 0.001))
BASELINE = "random"
REPS = 2000
BAND_REPS = 1000


@dataclass
class ReportData:
    """Everything the report needs, computed once from the runs."""

    out: Path
    meta: dict[str, Any]
    protocol: Protocol
    reporter: Reporter
    runs: dict[str, list[RunRecord]]
    finals: dict[str, np.ndarray] = field(default_factory=dict)  # percent, per seed
    aggregate: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def agents(self) -> list[str]:
        return [a for a, r in self.runs.items() if r]

    @property
    def charges_time(self) -> bool:
        return any(r.total_cost_seconds > 0 for rs in self.runs.values() for r in rs)


# ------------------------------------------------------------------------ loading
def _load(out: Path, agents: Sequence[str] | None) -> ReportData:
    meta = load_benchmark_meta(out)
    if not meta.get("protocol"):
        raise FileNotFoundError(f"{out}/benchmark.json is missing: is {out} a `nas-env benchmark` output directory?")
    protocol = protocol_from_json(meta["protocol"])
    order = list(agents) if agents else list(meta.get("agents", []))
    found = load_runs(out)
    names = [a for a in order if a in found] + [a for a in found if a not in order and not agents]
    runs = {a: found[a] for a in names if found[a]}
    if not runs:
        raise FileNotFoundError(f"no finished evaluations under {out}/runs")
    return ReportData(Path(out), meta, protocol, protocol.make_reporter(), runs)


def _pct(x: float | None) -> float:
    return float("nan") if x is None else 100.0 * x


# ------------------------------------------------------------------------ tables
def _summary_rows(d: ReportData) -> list[dict[str, Any]]:
    rows = []
    for agent, rs in d.runs.items():
        for r in rs:
            best = r.best
            acc = d.protocol.final_accuracy(best)
            rows.append({
                "agent": agent,
                "seed": r.seed,
                "evaluations": len(r.history),
                "total_simulated_seconds": round(r.total_cost_seconds, 3),
                "total_wall_seconds": round(r.total_wall_seconds, 3),
                "best_reward": None if best is None else best.reward,
                "best_arch": None if best is None else best.arch,
                "final_reported_accuracy": acc,
                "reported_name": d.reporter.name(),
                "complete": r.complete,
            })
    return rows


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        if not rows:
            return path
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def _aggregate_finals(d: ReportData) -> None:
    for agent, rs in d.runs.items():
        d.finals[agent] = np.array([_pct(d.protocol.final_accuracy(r.best)) for r in rs])
    for i, (agent, y) in enumerate(d.finals.items()):
        ok = y[np.isfinite(y)]
        rs = d.runs[agent]
        entry: dict[str, Any] = {
            "runs": len(rs),
            "complete_runs": sum(r.complete for r in rs),
            "seeds": [r.seed for r in rs],
            "evaluations_mean": float(np.mean([len(r.history) for r in rs])),
            "simulated_seconds_mean": float(np.mean([r.total_cost_seconds for r in rs])),
            "wall_seconds_mean": float(np.mean([r.total_wall_seconds for r in rs])),
            "final_accuracy_percent": y.tolist(),
        }
        if ok.size:
            mean, std = stats.mean_std(ok)
            est = stats.iqm_estimate(ok, reps=REPS, seed=i)
            entry.update(mean=mean, std=std, median=float(np.median(ok)), min=float(ok.min()), max=float(ok.max()),
                         iqm=est.value, iqm_ci=[est.low, est.high])
        d.aggregate.setdefault("agents", {})[agent] = entry
    for i, a in enumerate(d.finals):
        pis = {}
        for j, b in enumerate(d.finals):
            x, y = d.finals[a], d.finals[b]
            x, y = x[np.isfinite(x)], y[np.isfinite(y)]
            if a != b and x.size and y.size:
                pis[b] = stats.probability_of_improvement_ci(x, y, reps=REPS, seed=100 * i + j).as_dict()
        d.aggregate["agents"][a]["probability_of_improvement_over"] = pis


# ------------------------------------------------------------------------ curves
def _anytime(d: ReportData) -> tuple[dict[str, plots.Band], dict[str, plots.Band]]:
    n_max = max(len(r.history) for rs in d.runs.values() for r in rs)
    evals = np.arange(1, n_max + 1)
    by_evals, by_time = {}, {}
    rows_e, rows_t = [], []
    for i, (agent, rs) in enumerate(d.runs.items()):
        v = 100 * np.vstack([analysis.anytime_by_evaluations(r, d.reporter, n_max) for r in rs])
        est, lo, hi = stats.bootstrap_band(v, "iqm", reps=BAND_REPS, seed=i)
        by_evals[agent] = (evals, est, lo, hi)
        mean = v.mean(axis=0)
        rows_e += [{"agent": agent, "evaluations": int(n), "iqm": est[k], "ci_low": lo[k], "ci_high": hi[k],
                    "mean": mean[k], "runs": v.shape[0]} for k, n in enumerate(evals)]
    if d.charges_time:
        t0 = max(r.history[0].total_cost_seconds for rs in d.runs.values() for r in rs)
        t1 = d.protocol.budget.cost_seconds or max(r.total_cost_seconds for rs in d.runs.values() for r in rs)
        grid = np.geomspace(max(t0, 1e-6), max(t1, t0 * 1.0001), 150)
        for i, (agent, rs) in enumerate(d.runs.items()):
            v = 100 * np.vstack([analysis.anytime_by_time(r, d.reporter, grid) for r in rs])
            est, lo, hi = stats.bootstrap_band(v, "iqm", reps=BAND_REPS, seed=i)
            by_time[agent] = (grid / 3600.0, est, lo, hi)
            mean = v.mean(axis=0)
            rows_t += [{"agent": agent, "simulated_seconds": float(t), "simulated_hours": float(t) / 3600,
                        "iqm": est[k], "ci_low": lo[k], "ci_high": hi[k], "mean": mean[k], "runs": v.shape[0]}
                       for k, t in enumerate(grid)]
        _write_csv(d.out / "anytime_by_time.csv", rows_t)
    _write_csv(d.out / "anytime_by_evaluations.csv", rows_e)
    return by_time, by_evals


def _topk(d: ReportData) -> dict[int, dict[str, plots.Band]]:
    if BASELINE not in d.runs:
        d.notes.append(f"Top-k analysis skipped: it compares against `{BASELINE}`, which was not run.")
        return {}
    others = [a for a in d.runs if a != BASELINE]
    if not others:
        return {}
    out: dict[int, dict[str, plots.Band]] = {k: {} for k in TOPK}
    rows = []
    for j, agent in enumerate(others):
        n = min(len(r.history) for r in d.runs[agent] + d.runs[BASELINE])
        x = np.arange(1, n + 1)
        for k in TOPK:
            a = 100 * np.vstack([analysis.topk_curve(r, k, n) for r in d.runs[agent]])
            b = 100 * np.vstack([analysis.topk_curve(r, k, n) for r in d.runs[BASELINE]])
            est, lo, hi = stats.bootstrap_difference_band(a, b, reps=BAND_REPS, seed=10 * j + k)
            out[k][agent] = (x, est, lo, hi)
            rows += [{"agent": agent, "k": k, "samples": int(s), "difference_pp": est[i], "ci_low": lo[i],
                      "ci_high": hi[i]} for i, s in enumerate(x)]
    _write_csv(d.out / "topk_vs_random.csv", rows)
    final = {}
    for k in TOPK:
        final[str(k)] = {a: {"samples": int(b[0][-1]), "difference_pp": float(b[1][-1]), "ci": [float(b[2][-1]),
                                                                                                  float(b[3][-1])]}
                         for a, b in out[k].items()}
    d.aggregate["topk_difference_vs_random_at_end"] = final
    return out


def _median_iqr(values: list[float]) -> tuple[float, float, float]:
    v = np.asarray(values, dtype=float)  # +inf = never found (censored): order statistics stay valid
    if v.size == 0:
        return math.nan, math.nan, math.nan
    q = np.percentile(v, [50, 25, 75], method="lower")
    return float(q[0]), float(q[1]), float(q[2])


def _time_to_top(d: ReportData) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    table = d.reporter.table()
    if table is None:
        d.notes.append("Time-to-top analysis skipped: the protocol's space is not tabulated, so top-1% is undefined.")
        return {}
    res: dict[str, Any] = {}
    curves: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    use_time = d.charges_time
    x0 = min(r.history[0].total_cost_seconds / 3600 if use_time else 1 for rs in d.runs.values() for r in rs)
    for label, frac in TOP_FRACTIONS:
        thr = analysis.top_fraction_threshold(table, frac)
        n_top = int(np.sum(table >= thr))
        res[label] = {"fraction": frac, "threshold_percent": 100 * thr, "architectures": n_top, "agents": {}}
        curves[label] = {}
        for agent, rs in d.runs.items():
            hits = [analysis.first_hit(r, d.reporter, thr) for r in rs]
            ev = [math.inf if h is None else h.evaluations for h in hits]
            hr = [math.inf if h is None else h.seconds / 3600 for h in hits]
            found = sum(h is not None for h in hits)
            res[label]["agents"][agent] = {
                "found": found, "runs": len(rs),
                "evaluations_median_q1_q3": _median_iqr(ev),
                "hours_median_q1_q3": _median_iqr(hr),
                "per_seed_evaluations": [None if h is None else h.evaluations for h in hits],
                "per_seed_seconds": [None if h is None else h.seconds for h in hits],
            }
            xs = np.sort(np.asarray(hr if use_time else ev, dtype=float))
            finite = xs[np.isfinite(xs)]
            lim = max(r.total_cost_seconds / 3600 if use_time else len(r.history) for r in rs)
            x = np.concatenate([[x0], finite, [max(lim, x0)]])
            frac_found = np.concatenate([[0.0], np.arange(1, finite.size + 1) / len(rs), [finite.size / len(rs)]])
            curves[label][agent] = (x, frac_found)
    d.aggregate["time_to_top"] = res
    return curves


def _controller(d: ReportData) -> tuple[dict[str, list], dict[str, list], list[str]]:
    entropy: dict[str, list] = {}
    prob: dict[str, list] = {}
    without = []
    summary = {}
    for agent, rs in d.runs.items():
        ent_runs, prob_runs = [], []
        for r in rs:
            diag = r.extras.get("diagnostics") or {}
            if diag.get("evaluations") and diag.get("entropy_per_token"):
                ent_runs.append((np.asarray(diag["evaluations"], float), np.asarray(diag["entropy_per_token"], float)))
            snap = r.extras.get("snapshots") or {}
            if snap.get("evaluations") and snap.get("prob_best"):
                prob_runs.append((np.asarray(snap["evaluations"], float), np.asarray(snap["prob_best"], float)))
        if ent_runs or prob_runs:
            entropy[agent], prob[agent] = ent_runs, prob_runs
            summary[agent] = {
                "runs_with_diagnostics": len(ent_runs),
                "entropy_first_median": float(np.median([y[0] for _, y in ent_runs])) if ent_runs else None,
                "entropy_last_median": float(np.median([y[-1] for _, y in ent_runs])) if ent_runs else None,
                "prob_best_first_median": float(np.median([y[0] for _, y in prob_runs])) if prob_runs else None,
                "prob_best_last_median": float(np.median([y[-1] for _, y in prob_runs])) if prob_runs else None,
            }
        else:
            without.append(agent)
    d.aggregate["controller"] = summary
    return entropy, prob, without


def _uniform_entropy(p: Protocol) -> float | None:
    """Mean per-token entropy of the uniform policy along the all-zeros path of the space."""
    try:
        env = p.make_env()
        space = env.unwrapped.space  # type: ignore[attr-defined]
        tokens: list[int] = []
        ent = []
        while (dec := space.next_decision(tokens)) is not None and len(tokens) < 10_000:
            ent.append(math.log(dec.num_choices))
            tokens.append(0)
        env.close()
        return float(np.mean(ent)) if ent else None
    except Exception:
        return None


# ------------------------------------------------------------------------ markdown
def _fmt(x: float | None, nd: int = 2) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.{nd}f}"


def _fmt_miq(m: Sequence[float], nd: int = 0, unit: str = "") -> str:
    med, q1, q3 = m
    def f(v: float) -> str:
        return "not found" if math.isinf(v) else (f"{v:.{nd}f}{unit}")
    if math.isnan(med):
        return "n/a"
    if math.isinf(q1):
        return "not found"
    return f"{f(med)} [{f(q1)}, {f(q3)}]"


def _markdown(d: ReportData, wall_report: float) -> str:
    p, m = d.protocol, d.meta
    mach = m.get("machine", {})
    ag = d.aggregate["agents"]
    lines: list[str] = []
    add = lines.append
    add(f"# Benchmark report: `{p.name}`\n")
    add(f"Generated {time.strftime('%Y-%m-%d %H:%M:%S')} from the saved histories in `{d.out}` "
        f"(regenerate with `nas-env report {d.out}`).\n")
    add("## Setup\n")
    add(f"- **Command:** `{m.get('command', 'n/a')}`")
    if len(m.get("commands", [])) > 1:
        add(f"- Earlier invocations on this directory: {len(m['commands']) - 1} (runs resumed or skipped)")
    wall = m.get("wall_seconds_last_invocation")
    if wall is not None:
        add(f"- **Wall time of the last `benchmark` invocation:** {wall:.1f} s "
            f"with {m.get('workers', '?')} worker processes")
    add(f"- **Machine:** {mach.get('platform', '?')}, {mach.get('processor', '?')}, "
        f"{mach.get('cpu_count', '?')} CPUs, Python {mach.get('python', '?')}")
    vers = mach.get("versions", {})
    add("- **Versions:** " + ", ".join(f"{k} {v}" for k, v in vers.items() if v))
    seeds = sorted({r.seed for rs in d.runs.values() for r in rs})
    add(f"- **Seeds:** {len(seeds)} per agent: {_seed_text(seeds)}")
    add(f"- **Agents:** {', '.join(d.agents)}\n")
    add("### Protocol\n")
    add("| | |\n|---|---|")
    add(f"| env | `{p.env_id}` with `{json.dumps(dict(p.env_kwargs))}` |")
    add(f"| reward signal | {p.reward} |")
    add(f"| cost accounting | {p.cost} |")
    add(f"| budget | {p.budget_text()} (an evaluation that would exceed a time budget is not counted) |")
    add(f"| reported at the end | {d.reporter.label} of the architecture with the best reward |")
    if p.agent_kwargs:
        add(f"| agent hyperparameters | `{json.dumps({k: dict(v) for k, v in p.agent_kwargs.items()})}` |")
    if p.notes:
        add(f"| notes | {p.notes} |")
    add("")

    unit = d.reporter.label
    add("## 1. Final results\n")
    add(f"Final {unit} (%) of each run's best-reward architecture. IQM = interquartile mean over seeds, "
        "95% CI from a percentile stratified bootstrap (2,000 resamples). "
        f"P(> {BASELINE}) = P(X > Y) + ½ P(X = Y) for a run X of the agent and a run Y of {BASELINE}, "
        "with bootstrap 95% CI. Std is the population std (`np.std`, as NAS-Bench-201).\n")
    add(f"| agent | runs | evaluations (mean) | simulated h (mean) | mean ± std | IQM [95% CI] | median "
        f"| P(> {BASELINE}) [95% CI] |")
    add("|---|---|---|---|---|---|---|---|")
    for a in d.agents:
        e = ag[a]
        pi = e.get("probability_of_improvement_over", {}).get(BASELINE)
        pi_s = "—" if pi is None else f"{pi['value']:.2f} [{pi['ci_low']:.2f}, {pi['ci_high']:.2f}]"
        if "mean" in e:
            add(f"| {a} | {e['runs']} | {e['evaluations_mean']:.1f} | {e['simulated_seconds_mean'] / 3600:.2f} "
                f"| {e['mean']:.2f} ± {e['std']:.2f} | {e['iqm']:.2f} [{e['iqm_ci'][0]:.2f}, {e['iqm_ci'][1]:.2f}] "
                f"| {e['median']:.2f} | {pi_s} |")
        else:
            add(f"| {a} | {e['runs']} | {e['evaluations_mean']:.1f} | — | n/a | n/a | n/a | — |")
    for pub in p.published:
        std = "" if pub.std is None else f" ± {pub.std:.2f}"
        add(f"| *{pub.method} (published: {pub.source})* | | | | {pub.mean:.2f}{std} | | | |")
    opt = d.reporter.optimum()
    if opt is not None:
        add(f"| *optimum of the table* | | | | {100 * opt[0]:.2f} | | | |")
        d.aggregate["optimum"] = {"accuracy_percent": 100 * opt[0], "arch": opt[1]}
        add(f"\nOptimum: `{opt[1]}`.")
    add(f"\n![final accuracies](figures/{d.figures['final'].name})\n")
    if len(d.agents) > 2:
        add("Probability of improvement between every pair (row over column):\n")
        add("| | " + " | ".join(d.agents) + " |")
        add("|---" * (len(d.agents) + 1) + "|")
        for a in d.agents:
            cells = []
            for b in d.agents:
                v = ag[a].get("probability_of_improvement_over", {}).get(b)
                cells.append("—" if v is None else f"{v['value']:.2f}")
            add(f"| {a} | " + " | ".join(cells) + " |")
        add("")

    add("## 2. Anytime performance\n")
    add(f"{unit.capitalize()} (%) of the incumbent (best reward so far) against simulated search time and against "
        "the number of evaluations. Line: IQM over seeds; band: 95% percentile stratified-bootstrap interval of "
        "the IQM (whole curves resampled over seeds). A run that ended (budget) keeps its final incumbent. "
        "Data: `anytime_by_evaluations.csv`" + (", `anytime_by_time.csv`" if d.charges_time else "") + ".\n")
    add(f"![anytime](figures/{d.figures['anytime'].name})\n")

    add("## 3. Top-k architectures vs random search (Zoph & Le, Figure 6)\n")
    if "topk" in d.figures:
        add(f"For the top-1, top-5 and top-15 *distinct* architectures found so far (by reward), the difference of "
            f"their average reward (percentage points) between each agent and `{BASELINE}`, as a function of the "
            "number of architectures sampled; line = difference of the means over seeds, band = 95% bootstrap "
            "interval (seeds resampled in both agents). Curves stop at the shortest run of the pair. "
            "Evolution and grid are shown for reference next to the RL agents. Data: `topk_vs_random.csv`.\n")
        add(f"![top-k](figures/{d.figures['topk'].name})\n")
        tk = d.aggregate.get("topk_difference_vs_random_at_end", {})
        add("| agent | " + " | ".join(f"top-{k} Δ at end [95% CI] (pp)" for k in TOPK) + " |")
        add("|---" * (len(TOPK) + 1) + "|")
        for a in d.agents:
            if a == BASELINE or a not in tk.get("1", {}):
                continue
            cells = [f"{tk[str(k)][a]['difference_pp']:+.2f} [{tk[str(k)][a]['ci'][0]:+.2f}, "
                     f"{tk[str(k)][a]['ci'][1]:+.2f}]" for k in TOPK]
            add(f"| {a} | " + " | ".join(cells) + " |")
        add("")
    else:
        add("Skipped (see notes).\n")

    add("## 4. How much search until a top architecture?\n")
    tt = d.aggregate.get("time_to_top")
    if tt:
        add(f"A **top-q architecture** is one whose {unit} in the table is at least the ⌈q·N⌉-th largest value "
            f"over all N architectures of the space (ties included). A run **finds** one at the first evaluation "
            "of such an architecture, whatever its reward; we count evaluations (1-based) and the simulated "
            "time charged up to and including it. Median [Q1, Q3] over all seeds, runs that never find one "
            "counted as +∞ (so a median can read 'not found').\n")
        for lab, v in tt.items():
            add(f"**{lab}** = {unit} ≥ {v['threshold_percent']:.2f}% ({v['architectures']} architectures):\n")
            add("| agent | found in | evaluations: median [Q1, Q3] | simulated hours: median [Q1, Q3] |")
            add("|---|---|---|---|")
            for a in d.agents:
                s = v["agents"][a]
                add(f"| {a} | {s['found']} of {s['runs']} runs | {_fmt_miq(s['evaluations_median_q1_q3'])} "
                    f"| {_fmt_miq(s['hours_median_q1_q3'], 2)} |")
            add("")
        add(f"\n![time to top](figures/{d.figures['time_to_top'].name})\n")
    else:
        add("Skipped (see notes).\n")

    add("## 5. How much does the controller learn?\n")
    ctl = d.aggregate.get("controller", {})
    if "controller" in d.figures:
        add("Mean policy entropy per token at each update, and the probability the controller assigns to the "
            "run's *final* best architecture at saved snapshots (teacher-forced), from the agent's saved "
            "diagnostics (`SearchResult.extras`). Thin lines: seeds; thick: median over seeds.\n")
        add(f"![controller](figures/{d.figures['controller'].name})\n")
        add("| agent | entropy/token first → last (median) | P(best) first → last (median) |")
        add("|---|---|---|")
        for a, s in ctl.items():
            add(f"| {a} | {_fmt(s['entropy_first_median'], 3)} → {_fmt(s['entropy_last_median'], 3)} | "
                f"{_fmt_sci(s['prob_best_first_median'])} → {_fmt_sci(s['prob_best_last_median'])} |")
        add("")
    without = d.aggregate.get("controller_missing", [])
    if without:
        add(f"No learning diagnostics saved for: {', '.join(without)} (skipped).\n")

    if d.notes:
        add("## Notes\n")
        for n in d.notes:
            add(f"- {n}")
        add("")
    add("## Files\n")
    add("`summary.csv` (one row per agent × seed), `aggregate.json` (per-agent statistics), "
        "`anytime_by_evaluations.csv`" + (", `anytime_by_time.csv`" if d.charges_time else "")
        + ", `topk_vs_random.csv`, `figures/*.png`, histories under `runs/<agent>/seed<k>/history.jsonl`.")
    add(f"\nReport built in {wall_report:.1f} s.")
    return "\n".join(lines) + "\n"


def _fmt_sci(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2e}"


def _seed_text(seeds: list[int]) -> str:
    if seeds and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}..{seeds[-1]}"
    return ", ".join(map(str, seeds))


# ------------------------------------------------------------------------ entry point
def build_report(out: Path, agents: Sequence[str] | None = None) -> Path:
    """Write ``report.md``, figures, ``summary.csv``, ``aggregate.json`` and curve CSVs; returns report.md."""
    t0 = time.perf_counter()
    d = _load(Path(out), agents)
    fig_dir = d.out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    colors = plots.agent_colors(d.agents)
    _write_csv(d.out / "summary.csv", _summary_rows(d))
    _aggregate_finals(d)

    label = d.reporter.label
    ylabel = f"{label} (%)" if len(label) < 40 else "reported accuracy (%)"
    refs = {}
    if d.protocol.published:
        refs = {f"{p.method} (published)": p.mean for p in d.protocol.published if p.method in ("REA", "RS")}
    opt = d.reporter.optimum()
    if opt is not None:
        refs["optimum in table"] = 100 * opt[0]
    by_time, by_evals = _anytime(d)
    d.figures["anytime"] = plots.plot_anytime(
        by_time, by_evals, colors, ylabel, f"{d.protocol.name}: incumbent's {label}", fig_dir / "anytime.png",
        refs=refs, budget_hours=(d.protocol.budget.cost_seconds or 0) / 3600 or None)
    pub = [(p.method, p.mean, p.std) for p in d.protocol.published if p.std is not None]
    d.figures["final"] = plots.plot_final(d.finals, colors, ylabel, f"{d.protocol.name}: final {label}",
                                          fig_dir / "final.png", pub, None if opt is None else 100 * opt[0])
    topk = _topk(d)
    if topk:
        d.figures["topk"] = plots.plot_topk_difference(topk, colors, fig_dir / "topk_vs_random.png", BASELINE)
    ttt = _time_to_top(d)
    if ttt:
        xlabel = "simulated search time (hours, log scale)" if d.charges_time else "evaluations (count, log scale)"
        d.figures["time_to_top"] = plots.plot_time_to_top(ttt, colors, fig_dir / "time_to_top.png", xlabel)
    entropy, prob, without = _controller(d)
    d.aggregate["controller_missing"] = without
    if entropy or prob:
        d.figures["controller"] = plots.plot_controller(entropy, prob, colors, fig_dir / "controller.png",
                                                        _uniform_entropy(d.protocol))
    d.aggregate["protocol"] = d.protocol.to_json()
    d.aggregate["reported_name"] = d.reporter.name()
    d.aggregate["statistics"] = ("IQM with 95% percentile stratified-bootstrap CI (2000 resamples); "
                                 "probability of improvement P(X>Y)+0.5P(X=Y) with bootstrap CI; std with ddof=0")
    agg_text = json.dumps(_finite(d.aggregate), indent=2, default=_json_default)
    (d.out / "aggregate.json").write_text(agg_text, encoding="utf-8")
    md = _markdown(d, time.perf_counter() - t0)
    path = d.out / "report.md"
    path.write_text(md, encoding="utf-8")
    return path


def _finite(o: Any) -> Any:
    """JSON has no infinities or NaN: write them as null ("not found" / undefined)."""
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    if isinstance(o, (float, np.floating)) and not math.isfinite(float(o)):
        return None
    return o


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serializable: {type(o).__name__}")
