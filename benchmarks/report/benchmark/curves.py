"""The curve analyses of a benchmark report: anytime, top-k vs random, time to a top architecture, controller.

Each function reads :class:`~nas_env.benchmarks.report.benchmark.data.ReportData`, adds its numbers to
``d.aggregate`` (and its reasons for skipping to ``d.notes``), writes its CSV, and returns the
curves its figure draws. Per-run definitions are in :mod:`nas_env.benchmarks.report.analysis`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nas_env.agents.diagnostics import ControllerDiagnostics, ControllerSnapshots
from nas_env.benchmarks.protocols import Protocol
from nas_env.benchmarks.report import analysis, stats
from nas_env.benchmarks.report.benchmark.data import BAND_REPS, BASELINE, TOP_FRACTIONS, TOPK, ReportData, write_csv
from nas_env.benchmarks.report.benchmark.plots import Band

__all__ = ["anytime", "controller", "time_to_top", "topk", "uniform_entropy"]


def anytime(d: ReportData) -> tuple[dict[str, Band], dict[str, Band]]:
    """IQM bands of the incumbent's reported accuracy by simulated time and by evaluations (writes their CSVs)."""
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
        write_csv(d.out / "anytime_by_time.csv", rows_t)
    write_csv(d.out / "anytime_by_evaluations.csv", rows_e)
    return by_time, by_evals


def topk(d: ReportData) -> dict[int, dict[str, Band]]:
    """Top-k average reward of each agent minus the baseline's, per k (writes ``topk_vs_random.csv``)."""
    if BASELINE not in d.runs:
        d.notes.append(f"Top-k analysis skipped: it compares against `{BASELINE}`, which was not run.")
        return {}
    others = [a for a in d.runs if a != BASELINE]
    if not others:
        return {}
    out: dict[int, dict[str, Band]] = {k: {} for k in TOPK}
    rows = []
    u = d.units
    for j, agent in enumerate(others):
        n = min(len(r.history) for r in d.runs[agent] + d.runs[BASELINE])
        x = np.arange(1, n + 1)
        for k in TOPK:
            a = u.scale * np.vstack([analysis.topk_curve(r, k, n) for r in d.runs[agent]])
            b = u.scale * np.vstack([analysis.topk_curve(r, k, n) for r in d.runs[BASELINE]])
            est, lo, hi = stats.bootstrap_difference_band(a, b, reps=BAND_REPS, seed=10 * j + k)
            out[k][agent] = (x, est, lo, hi)
            rows += [{"agent": agent, "k": k, "samples": int(s), u.difference_key: est[i], "ci_low": lo[i],
                      "ci_high": hi[i]} for i, s in enumerate(x)]
    write_csv(d.out / "topk_vs_random.csv", rows)
    d.aggregate["reward_unit"] = u.to_json()
    return out


def time_to_top(d: ReportData) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Per top fraction and agent, the fraction of seeds that found a top architecture vs search effort."""
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
                "evaluations_median_q1_q3": stats.median_quartiles(ev),
                "hours_median_q1_q3": stats.median_quartiles(hr),
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


def controller(d: ReportData) -> tuple[dict[str, list], dict[str, list], list[str]]:
    """Per agent, (evaluations, entropy per token) per update and (evaluations, P(best)) per snapshot of each run
    from its saved diagnostics (:mod:`nas_env.agents.diagnostics`); and the agents that saved none."""
    entropy: dict[str, list] = {}
    prob: dict[str, list] = {}
    without = []
    summary = {}
    for agent, rs in d.runs.items():
        ent_runs, prob_runs = [], []
        for r in rs:
            diag = ControllerDiagnostics.from_extras(r.extras)
            if diag is not None and len(diag):
                ent_runs.append((np.asarray(diag.column("evaluations"), float),
                                 np.asarray(diag.column("entropy_per_token"), float)))
            snap = ControllerSnapshots.from_extras(r.extras)
            if snap is not None and snap.evaluations and snap.prob_best:
                prob_runs.append((np.asarray(snap.evaluations, float), np.asarray(snap.prob_best, float)))
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


def uniform_entropy(p: Protocol) -> float | None:
    """Mean per-token entropy of the uniform policy along the lowest-valid-token path of the space."""
    try:
        env = p.make_env()
        space = env.unwrapped.space  # type: ignore[attr-defined]
        tokens: list[int] = []
        ent = []
        while (dec := space.next_decision(tokens)) is not None and len(tokens) < 10_000:
            ent.append(math.log(dec.num_valid))  # a decision may mask some of its choices (Decision.valid)
            tokens.append(dec.valid_tokens[0])
        env.close()
        return float(np.mean(ent)) if ent else None
    except Exception:
        return None
