"""Section 2 of a single run's report: the controller's policy, from the agent's typed diagnostics.

Reads :class:`~nas_env.agents.diagnostics.ControllerDiagnostics` (per update) and
:class:`~nas_env.agents.diagnostics.ControllerSnapshots` (per snapshot) from the run's ``extras.json``;
agents that save none get a note instead of the figures.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from nas_env.agents.diagnostics import ControllerDiagnostics, ControllerSnapshots
from nas_env.benchmarks.report.run import plots
from nas_env.benchmarks.report.run.data import RunReportData, space_for

__all__ = ["controller_section"]

FIGURES = ("token_probabilities.png", "controller.png")


def _choice_labels(d: RunReportData, snaps: ControllerSnapshots, tokens: tuple[int, ...]) -> list[list[str]]:
    """Per decision, the names of its choices (from the rebuilt space; ``choice k`` without one)."""
    decisions = None
    if d.space is not None:
        try:
            decisions = space_for(d.space, tokens).decisions(tokens)
        except (ValueError, AttributeError):
            decisions = None
    labels: list[list[str]] = []
    for i, _name in enumerate(snaps.decision_names):
        n_choices = len(snaps.decision_probs[-1][i])
        if decisions is not None and i < len(decisions):
            labels.append([str(c) for c in decisions[i].choices][:n_choices])
        else:
            labels.append([f"choice {k}" for k in range(n_choices)])
    return labels


def _baseline(d: RunReportData, diag: ControllerDiagnostics) -> tuple[np.ndarray | None, str]:
    """The baseline in reward units and its legend label (None when the reward transform is unknown)."""
    hp = d.record.summary.get("hyperparameters") or {}
    transform = (d.run.get("agent_kwargs") or {}).get("reward_transform", hp.get("reward_transform", "cubed"))
    base = np.asarray(diag.column("baseline"), dtype=float)
    if transform == "cubed":
        return np.cbrt(base), "EMA baseline (cube root: the signal is reward³)"
    if transform == "identity":
        return base, "EMA baseline"
    return None, ""


def controller_section(d: RunReportData, fig_dir: Path) -> list[str]:
    """Draw ``token_probabilities.png`` and ``controller.png``; returns the section's Markdown lines."""
    diag = ControllerDiagnostics.from_extras(d.record.extras)
    snaps = ControllerSnapshots.from_extras(d.record.extras)
    agent = d.run.get("agent", "?")
    if snaps is None or not snaps.decision_probs or diag is None or not len(diag):
        for stale in FIGURES:
            (fig_dir / stale).unlink(missing_ok=True)
        return [f"*No controller figures: agent `{agent}` saves no token probabilities in `extras.json` "
                "(only the REINFORCE controller does), so there is no policy to show.*"]
    names = list(snaps.decision_names)
    tokens = tuple(int(t) for t in snaps.best_tokens)
    labels = _choice_labels(d, snaps, tokens)
    title = (f"{agent} on {d.run.get('env_id')}: the controller's probability of each choice, per snapshot\n"
             "(along the final best architecture, whose choices are starred; right: final probabilities)")
    plots.plot_token_probabilities(snaps.evaluations, snaps.decision_probs, names, labels, tokens,
                                       title, fig_dir / "token_probabilities.png")
    baseline, blabel = _baseline(d, diag)
    ent = diag.column("entropy_per_token")
    max_ent = float(np.mean([math.log(len(lab)) for lab in labels])) if labels else None
    plots.plot_controller(diag.column("evaluations"), diag.column("mean_reward"), baseline, blabel, ent,
                              max_ent, snaps.evaluations, snaps.prob_best,
                              f"{agent} on {d.run.get('env_id')}: learning diagnostics per update",
                              fig_dir / "controller.png")
    pb = snaps.prob_best
    out = [
        "Each panel is one decision of the final best architecture; rows are its choices, columns the saved "
        "controller snapshots (x: evaluations done when the snapshot was taken), colour the probability the "
        "controller gives each choice at that point (teacher-forced along the best architecture's earlier "
        "tokens). A uniform policy is evenly pale; a sharpening policy concentrates its colour in one row. "
        "The starred row is the best architecture's choice; the numbers on the right are the final "
        "probabilities.",
        "",
        "![token probabilities](figures/token_probabilities.png)",
        "",
        f"- {len(diag)} policy updates; {len(snaps.evaluations)} snapshots kept",
        f"- entropy per token: {ent[0]:.3f} → {ent[-1]:.3f} nats"
        + (f" (uniform policy: {max_ent:.3f})" if max_ent is not None else ""),
        f"- probability of the final best architecture: {pb[0]:.3g} → {pb[-1]:.3g} "
        f"({pb[-1] / pb[0]:.1f}x)" if pb[0] > 0 else f"- probability of the final best architecture: → {pb[-1]:.3g}",
        "",
        "| decision | most probable choice, first snapshot | most probable choice, final | best architecture's "
        "choice (final probability) |",
        "|---|---|---|---|",
    ]
    for i, name in enumerate(names):
        p0 = np.asarray(snaps.decision_probs[0][i], dtype=float)
        p1 = np.asarray(snaps.decision_probs[-1][i], dtype=float)
        a0, a1 = int(p0.argmax()), int(p1.argmax())
        t = tokens[i] if i < len(tokens) else None
        chosen = "—" if t is None or t >= len(labels[i]) else f"{labels[i][t]} ({p1[t]:.2f})"
        out.append(f"| {name} | {labels[i][a0]} ({p0[a0]:.2f}) | {labels[i][a1]} ({p1[a1]:.2f}) | {chosen} |")
    out += ["", "![controller](figures/controller.png)"]
    return out
