"""Section 3b of a benchmark report: the re-trained finalists, for protocols with ``retrain_top``.

A shared-weight search's rewards are estimates; what a user keeps is the stand-alone accuracy of what it
found. For each run, ``retrain.json`` (:mod:`nas_env.benchmarks.run.retrain`) holds its finalists ranked (under the
run's final shared weights) and re-trained stand-alone. From them:

* **top-k re-trained** (k = 1, 5, 15): the mean stand-alone reward (the env's reward of the re-trained
  child's validation metrics: its validation accuracy for the CNN) of the run's k best-ranked finalists --
  Figure 6's top-k average reward, on re-trained numbers, at the end of the search;
* the difference of each agent's top-k mean from random search's over seeds, with Welch's 95% t-interval
  (:mod:`nas_env.benchmarks.report.intervals`), and one verdict sentence per agent (none below the minimum
  number of seeds);
* ``retrained.csv``: one row per (agent, seed, finalist).

Fills ``d.aggregate["retrained"]``; :func:`retrained_markdown` writes the section from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nas_env.benchmarks.report.benchmark.data import BASELINE, TOPK, ReportData, deterministic_agents, write_csv
from nas_env.benchmarks.report.benchmark.units import RewardUnits
from nas_env.benchmarks.report.binomial import wilson_interval
from nas_env.benchmarks.report.intervals import MIN_SEEDS_FOR_VERDICT, difference_of_means
from nas_env.benchmarks.run.retrain import read_retrain, retrained_pick
from nas_env.training.dataset_files import TEST_SIZES, check_dataset_name

__all__ = ["compute_retrained", "retrained_markdown"]


def _topk_means(retrain: dict[str, Any], scale: float, failure_reward: float) -> dict[int, float]:
    """Mean stand-alone reward (x ``scale``: percent for a fraction) of the k best-ranked re-trained finalists
    (NaN if fewer). A finalist whose re-training failed (diverged, failed to build, timed out) is a result: it
    counts with the env's ``failure_reward``, as it would in a search, so its run keeps its place."""
    vals = [c.get("standalone_reward") for c in sorted(retrain.get("children", []), key=lambda c: c["rank"])]
    vals = [scale * (failure_reward if v is None else v) for v in vals]
    return {k: float(np.mean(vals[:k])) if len(vals) >= k else float("nan") for k in TOPK}


def _mean(values: np.ndarray) -> float:
    """Mean over the runs that had k finalists (NaN when none had)."""
    ok = values[np.isfinite(values)]
    return float(ok.mean()) if ok.size else float("nan")


def _epochs(n: int | None) -> str:
    return "the env's epochs" if n is None else f"{n} epoch{'s' if n != 1 else ''}"


def compute_retrained(d: ReportData) -> None:
    """Per-run top-k re-trained means, differences from random search, ``retrained.csv`` (module docstring)."""
    if not d.protocol.retrain_top:
        return
    rows, per_agent, u = [], {}, d.units
    failure_reward = float(d.protocol.env_kwargs.get("failure_reward", 0.0))
    for agent in d.agents:
        means = []
        for r in d.runs[agent]:
            retrain = read_retrain(r.path)
            if not retrain:
                continue
            means.append(_topk_means(retrain, u.scale, failure_reward))
            rows += [{"agent": agent, "seed": r.seed, "rank": c["rank"], "arch": c["arch"],
                      "search_reward": c["search_reward"], "final_weights_reward": c.get("final_weights_reward"),
                      "standalone_reward": c.get("standalone_reward"),
                      "standalone_val_accuracy": c["standalone_val_accuracy"],
                      "standalone_test_accuracy": c["standalone_test_accuracy"]} for c in retrain["children"]]
        if means:
            per_agent[agent] = {k: np.array([m[k] for m in means]) for k in TOPK}
    write_csv(d.out / "retrained.csv", rows)
    out: dict[str, Any] = {"runs": {a: len(v[TOPK[0]]) for a, v in per_agent.items()},
                           f"topk_mean_{u.mean_key}": {a: {str(k): _mean(v[k]) for k in TOPK}
                                                 for a, v in per_agent.items()},
                           "difference_vs_random": {str(k): {} for k in TOPK}}
    if BASELINE in per_agent:
        det = set(deterministic_agents(d))
        for agent in (a for a in per_agent if a != BASELINE):
            for k in TOPK:
                a, b = per_agent[agent][k], per_agent[BASELINE][k]
                if np.isnan(a).all() or np.isnan(b).all():  # fewer finalists than k
                    continue
                diff = difference_of_means(a, b, agent in det, BASELINE in det)
                out["difference_vs_random"][str(k)][agent] = {"samples": d.protocol.retrain_top, **diff}
    n_test = _test_images(d)
    if n_test is not None:
        out["test_images"] = n_test
        out["pick_test_accuracy_wilson95"] = {
            a: [{"seed": r.seed, "accuracy": pick["standalone_test_accuracy"],
                 "interval": list(wilson_interval(pick["standalone_test_accuracy"], n_test))}
                for r in d.runs[a] if (pick := retrained_pick(r.path)) and pick.get("standalone_test_accuracy")
                is not None] for a in d.agents}
    d.aggregate["retrained"] = out


def _test_images(d: ReportData) -> int | None:
    """Test images of the protocol's image dataset (``None``: not an image dataset we know)."""
    if "ZophLeCNN" not in d.protocol.env_id and "dataset" not in d.protocol.env_kwargs:
        return None
    try:
        return TEST_SIZES.get(check_dataset_name(str(d.protocol.env_kwargs.get("dataset", "digits"))))
    except ValueError:
        return None


def _cell(e: dict[str, Any], u: RewardUnits) -> str:
    """A difference with its t-interval, in ``u``'s units (no interval where it is undefined)."""
    lo, hi = e["ci"]
    ci = f" [{u.fmt(lo, True)}, {u.fmt(hi, True)}]" if np.isfinite(lo) and np.isfinite(hi) else ""
    return f"{u.fmt(e['difference'], True)}{ci}" if np.isfinite(e["difference"]) else "n/a"


def retrained_markdown(d: ReportData, verdicts: Callable[[ReportData, dict], list[str]]) -> list[str]:
    """The section's text; ``verdicts`` writes the one-sentence answers (the top-k section's wording)."""
    r = d.aggregate.get("retrained")
    if not d.protocol.retrain_top or r is None:
        return []
    p, u = d.protocol, d.units
    lines = ["## 3b. Re-trained finalists (the final numbers)\n"]
    add = lines.append
    add(f"After each run, its {p.retrain_top} best distinct architectures (a shared-weight run: under its final "
        f"shared weights) were re-trained stand-alone from scratch ({_epochs(p.retrain_epochs)}, seed "
        f"0). Top-k = mean stand-alone reward ({u.unit}; the env's reward of the re-trained child, e.g. its validation "
        "accuracy) of a run's k best-ranked finalists; the final result of section 1 is the test accuracy of its "
        "finalist with the best stand-alone reward. "
        f"Δ = difference of the means from `{BASELINE}` over seeds, 95% Welch t-interval (verdicts from "
        f"{MIN_SEEDS_FOR_VERDICT} seeds per agent on). "
        "Data: `retrained.csv`.\n")
    add("| agent | runs | " + " | ".join(u.head(f"top-{k} re-trained reward") for k in TOPK) + " | "
        + " | ".join(u.diff_head(f"top-{k} Δ [95% t-interval]") for k in TOPK) + " |")
    add("|---" * (2 + 2 * len(TOPK)) + "|")
    diff = r["difference_vs_random"]
    for a, means in r[f"topk_mean_{u.mean_key}"].items():
        cells = [u.fmt(means[str(k)]) for k in TOPK]
        cells += [_cell(diff[str(k)][a], u) if a in diff[str(k)] else "—" for k in TOPK]
        add(f"| {a} | {r['runs'][a]} | " + " | ".join(cells) + " |")
    add("")
    lines += [f"- On re-trained numbers, {t}" for t in verdicts(d, diff)]
    add("")
    wilson = r.get("pick_test_accuracy_wilson95")
    if wilson:
        n = r["test_images"]
        add(f"Test accuracy of each run's pick on the {n:,} test images (one image = {100 / n:.2f} pp), with its 95% "
            "Wilson interval: what another test sample of that size could give. The t-intervals over seeds "
            "above do not contain it (every run is tested on the same images).\n")
        add("| agent | pick's test accuracy per seed (%) [95% Wilson] |")
        add("|---|---|")
        for a, picks in wilson.items():
            cells = "; ".join(f"{p['seed']}: {100 * p['accuracy']:.2f} [{100 * p['interval'][0]:.2f}, "
                              f"{100 * p['interval'][1]:.2f}]" for p in picks)
            add(f"| {a} | {cells or '—'} |")
        add("")
    return lines
