"""``nas-env report DIR`` for a *single search run* (a ``nas-env search`` directory).

:func:`build_run_report` reads ``DIR/run.json``, ``DIR/history.jsonl`` and, when present,
``DIR/summary.json`` and ``DIR/extras.json`` (see :mod:`benchmarks.runs`), and writes:

=====================================  ===========================================================
``DIR/report.md``                      setup, best architecture, first vs last quarter, figures
``DIR/figures/rewards.png``            reward of every architecture, best so far, rolling mean
``DIR/figures/token_probabilities.png``  (REINFORCE) the controller's probability of every choice
                                       of every decision, per snapshot: the policy sharpening
``DIR/figures/controller.png``         (REINFORCE) batch reward and baseline, entropy per token,
                                       probability of the final best architecture
``DIR/figures/top_architectures.png``  the best distinct architectures, drawn
=====================================  ===========================================================

The controller figures need the diagnostics the REINFORCE agent saves in
``extras.json``; other agents get the report without them (and a note saying so).
The search space for the drawings is rebuilt from ``run.json``'s env id and kwargs.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.base import Evaluation
from benchmarks import run_plots
from benchmarks.runs import RUN_FORMAT, load_history

__all__ = ["RunData", "build_run_report", "is_benchmark_dir", "is_run_dir", "load_run", "top_architectures"]

TOP_K = 6


def is_run_dir(path: Path | str) -> bool:
    """A single search run directory: ``run.json`` of a nas-env run and no benchmark layout."""
    p = Path(path)
    if not (p / "run.json").is_file() or (p / "benchmark.json").exists():
        return False
    try:
        return json.loads((p / "run.json").read_text(encoding="utf-8")).get("format") == RUN_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def is_benchmark_dir(path: Path | str) -> bool:
    """A ``nas-env benchmark`` output directory (has ``benchmark.json``)."""
    return (Path(path) / "benchmark.json").is_file()


@dataclass
class RunData:
    """Everything a run directory holds, loaded."""

    out: Path
    run: dict[str, Any]
    history: list[Evaluation]
    summary: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    space: Any = None
    space_error: str | None = None


def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_run(out: Path | str, with_space: bool = True) -> RunData:
    """Load a run directory; ``with_space`` rebuilds the env's search space (for drawings).

    Raises:
        FileNotFoundError: ``out`` is not a run directory.
        ValueError: the run has no evaluations yet.
    """
    out = Path(out)
    if not is_run_dir(out):
        raise FileNotFoundError(f"{out} is not a `nas-env search` run directory (no nas-env run.json)")
    run = _read_json(out / "run.json")
    history = load_history(out / "history.jsonl")
    if not history:
        raise ValueError(f"{out}/history.jsonl holds no evaluations yet: nothing to report")
    data = RunData(out, run, history, _read_json(out / "summary.json"), _read_json(out / "extras.json"))
    if with_space:
        data.space, data.space_error = _rebuild_space(run)
    return data


def _rebuild_space(run: dict[str, Any]) -> tuple[Any, str | None]:
    """``gym.make(env_id, **env_kwargs).unwrapped.space``, or ``(None, why)``."""
    try:
        from benchmarks.runs import make_env

        env = make_env(run["env_id"], run.get("env_kwargs") or {})
        try:
            return env.unwrapped.space, None
        finally:
            env.close()
    except Exception as exc:  # a missing dataset or optional dependency must not stop the report
        return None, f"{type(exc).__name__}: {exc}"


def _space_for(space: Any, tokens: tuple[int, ...]) -> Any:
    """The grammar ``tokens`` belong to: ``space``, or a shallower copy (layer curriculum runs)."""
    try:
        space.validate(tokens)
        return space
    except ValueError:
        pass
    config = space.config() if hasattr(space, "config") else {}
    full = config.get("num_layers")
    if isinstance(full, int) and not isinstance(full, bool):
        kwargs = {k: v for k, v in config.items() if k != "name"}
        for n in range(1, full):
            try:
                sp = type(space)(**{**kwargs, "num_layers": n})
                sp.validate(tokens)
                return sp
            except (ValueError, TypeError):
                continue
    raise ValueError(f"tokens {tokens} do not fit {space!r}")


def top_architectures(history: list[Evaluation], k: int = TOP_K) -> list[Evaluation]:
    """The ``k`` best *distinct* architectures by reward (the first evaluation of each; failed ones skipped)."""
    best: dict[Any, Evaluation] = {}
    for ev in history:
        if ev.metrics.get("status", "ok") != "ok":
            continue
        key = ev.arch if ev.arch is not None else tuple(ev.tokens)
        cur = best.get(key)
        if cur is None or ev.reward > cur.reward:
            best[key] = ev
    return sorted(best.values(), key=lambda e: (-e.reward, e.index))[:k]


def _reward_label(history: list[Evaluation]) -> tuple[str, str]:
    """(axis label, words) for what the reward is, recognised from the metrics."""
    ok = [e for e in history if e.metrics.get("status", "ok") == "ok" and e.metrics.get("val_accuracy") is not None]
    if ok and all(abs(e.reward - float(e.metrics["val_accuracy"])) < 1e-9 for e in ok):
        return "reward = validation accuracy (fraction)", "validation accuracy (a fraction)"
    if ok and all(abs(e.reward - float(e.metrics["val_accuracy"]) ** 3) < 1e-9 for e in ok):
        return "reward = validation accuracy³", "validation accuracy cubed"
    return "reward", "the env's reward"


def _fmt(x: Any, digits: int = 4) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _pct(x: Any) -> str:
    return "—" if x is None else f"{100 * float(x):.2f}%"


def _cell(text: Any) -> str:
    """Text for a Markdown table cell (GitHub tables split on ``|``, even inside code spans)."""
    return str(text).replace("|", "\\|")


def _ok(ev: Evaluation) -> bool:
    return ev.metrics.get("status", "ok") == "ok"


# ------------------------------------------------------------------------------ report
def build_run_report(out: Path | str) -> Path:
    """Write ``DIR/report.md`` and ``DIR/figures/*.png`` for a single run; returns the report's path."""
    t0 = time.perf_counter()
    d = load_run(out)
    fig_dir = d.out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    run, hist = d.run, d.history
    agent, env_id = run.get("agent", "?"), run.get("env_id", "?")
    rewards = np.array([e.reward for e in hist], dtype=float)
    ok = np.array([_ok(e) for e in hist], dtype=bool)
    ylabel, reward_words = _reward_label(hist)
    best = max(hist, key=lambda e: (e.reward, -e.index))
    lines: list[str] = [
        f"# Search run report: `{agent}` on `{env_id}`",
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M:%S')} from `{d.out}` "
        f"(regenerate with `nas-env report {d.out}`).",
        "",
        "## Setup",
        "",
        "| | |",
        "|---|---|",
        f"| env | `{env_id}` with `{json.dumps(run.get('env_kwargs') or {})}` |",
        f"| agent | `{agent}` with `{json.dumps(run.get('agent_kwargs') or {})}` |",
        f"| seed | {run.get('seed')} |",
        f"| budget | {_budget_words(run.get('budget') or {})} |",
        f"| evaluations | {len(hist)} ({int((~ok).sum())} failed) |",
        f"| simulated training time | {hist[-1].total_cost_seconds / 3600:.2f} h |",
        f"| wall time of the search | {hist[-1].total_wall_seconds:.1f} s |",
    ]
    if run.get("argv"):
        lines.append(f"| command | `{' '.join(['nas-env', *run['argv'][1:]])}` |")
    if not d.summary:
        lines += ["", "*No summary.json: the run was interrupted or is still running; "
                  "this report covers the evaluations recorded so far.*"]

    # ---- result
    lines += ["", "## Result", "", f"Reward: {reward_words}.", "",
              f"- **Best architecture:** `{best.arch}` (tokens `{list(best.tokens)}`)",
              f"- **Best reward:** {best.reward:.4f}, found at evaluation {best.index + 1} of {len(hist)}"]
    if best.metrics.get("test_accuracy") is not None:
        lines.append(f"- validation accuracy {_pct(best.metrics.get('val_accuracy'))}, test accuracy "
                     f"{_pct(best.metrics.get('test_accuracy'))} (reported, never rewarded)")
    ref = d.summary.get("reference_optimum")
    if ref:
        acc = {k: v for k, v in ref.items() if k not in ("arch", "best_found_rank")}
        lines.append(f"- optimum of the table: `{ref.get('arch')}` "
                     f"({', '.join(f'{k} {_pct(v)}' for k, v in acc.items())})")
        rank = ref.get("best_found_rank")
        if rank:
            lines.append(f"- the best architecture found ranks {rank['rank']:,} of {rank['of']:,} in the table "
                         f"(top {rank['top_percent']:.2f}% by 200-epoch {rank['by']})")
    q = max(1, len(hist) // 4)
    first, last = rewards[:q][ok[:q]], rewards[-q:][ok[-q:]]
    if len(hist) >= 8 and first.size and last.size:
        lines.append(f"- **Mean reward, first vs last quarter** ({q} evaluations each, failed children excluded): "
                     f"{first.mean():.4f} → {last.mean():.4f} ({last.mean() - first.mean():+.4f})")

    # ---- 1. rewards
    run_plots.plot_rewards(rewards, ok, ylabel, f"{agent} on {env_id} (seed {run.get('seed')}): every architecture",
                           fig_dir / "rewards.png")
    lines += ["", "## 1. Reward of every architecture", "",
              "Each dot is one evaluated architecture (x: its evaluation number); black: the best reward so far; "
              "orange: a rolling mean, which rises when the search samples better architectures more often.", "",
              "![rewards](figures/rewards.png)"]

    # ---- 2. controller
    lines += ["", "## 2. The controller's policy", ""]
    lines += _controller_section(d, best, fig_dir)

    # ---- 3. top architectures
    lines += ["", f"## 3. Top {TOP_K} distinct architectures", ""]
    lines += _top_section(d, fig_dir)
    lines += ["", f"Report built in {time.perf_counter() - t0:.1f} s."]
    path = d.out / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _budget_words(budget: dict[str, Any]) -> str:
    parts = []
    if budget.get("evaluations") is not None:
        parts.append(f"{budget['evaluations']} evaluations")
    if budget.get("cost_seconds") is not None:
        parts.append(f"{budget['cost_seconds']:,.0f} simulated seconds")
    return " or ".join(parts) or "—"


def _controller_section(d: RunData, best: Evaluation, fig_dir: Path) -> list[str]:
    diag = d.extras.get("diagnostics") or {}
    snaps = d.extras.get("snapshots") or {}
    agent = d.run.get("agent", "?")
    if not snaps.get("decision_probs") or not diag.get("update"):
        for stale in ("token_probabilities.png", "controller.png"):
            (fig_dir / stale).unlink(missing_ok=True)
        return [f"*No controller figures: agent `{agent}` saves no token probabilities in `extras.json` "
                "(only the REINFORCE controller does), so there is no policy to show.*"]
    names = list(snaps["decision_names"])
    tokens = tuple(int(t) for t in snaps["best_tokens"])
    labels: list[list[str]] = []
    decisions = None
    if d.space is not None:
        try:
            decisions = _space_for(d.space, tokens).decisions(tokens)
        except (ValueError, AttributeError):
            decisions = None
    for i, _name in enumerate(names):
        n_choices = len(snaps["decision_probs"][-1][i])
        if decisions is not None and i < len(decisions):
            labels.append([str(c) for c in decisions[i].choices][:n_choices])
        else:
            labels.append([f"choice {k}" for k in range(n_choices)])
    title = (f"{agent} on {d.run.get('env_id')}: the controller's probability of each choice, per snapshot\n"
             "(along the final best architecture, whose choices are starred; right: final probabilities)")
    run_plots.plot_token_probabilities(snaps["evaluations"], snaps["decision_probs"], names, labels, tokens,
                                       title, fig_dir / "token_probabilities.png")
    hp = d.summary.get("hyperparameters") or {}
    transform = (d.run.get("agent_kwargs") or {}).get("reward_transform", hp.get("reward_transform", "cubed"))
    base = np.asarray(diag["baseline"], dtype=float)
    if transform == "cubed":
        baseline, blabel = np.cbrt(base), "EMA baseline (cube root: the signal is reward³)"
    elif transform == "identity":
        baseline, blabel = base, "EMA baseline"
    else:
        baseline, blabel = None, ""
    max_ent = float(np.mean([math.log(len(lab)) for lab in labels])) if labels else None
    run_plots.plot_controller(diag["evaluations"], diag["mean_reward"], baseline, blabel, diag["entropy_per_token"],
                              max_ent, snaps["evaluations"], snaps["prob_best"],
                              f"{agent} on {d.run.get('env_id')}: learning diagnostics per update",
                              fig_dir / "controller.png")
    ent = diag["entropy_per_token"]
    pb = snaps["prob_best"]
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
        f"- {len(diag['update'])} policy updates; {len(snaps['evaluations'])} snapshots kept",
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
        p0 = np.asarray(snaps["decision_probs"][0][i], dtype=float)
        p1 = np.asarray(snaps["decision_probs"][-1][i], dtype=float)
        a0, a1 = int(p0.argmax()), int(p1.argmax())
        t = tokens[i] if i < len(tokens) else None
        chosen = "—" if t is None or t >= len(labels[i]) else f"{labels[i][t]} ({p1[t]:.2f})"
        out.append(f"| {name} | {labels[i][a0]} ({p0[a0]:.2f}) | {labels[i][a1]} ({p1[a1]:.2f}) | {chosen} |")
    out += ["", "![controller](figures/controller.png)"]
    return out


def _top_section(d: RunData, fig_dir: Path) -> list[str]:
    top = top_architectures(d.history)
    if not top:
        return ["*No successful evaluation to show.*"]
    out = ["| rank | reward | evaluation | test accuracy | architecture |", "|---|---|---|---|---|"]
    for rank, ev in enumerate(top, 1):
        out.append(f"| {rank} | {ev.reward:.4f} | {ev.index + 1} | {_pct(ev.metrics.get('test_accuracy'))} "
                   f"| `{_cell(ev.arch)}` |")
    if d.space is None:
        (fig_dir / "top_architectures.png").unlink(missing_ok=True)
        out += ["", f"*Not drawn: the search space could not be rebuilt from run.json ({d.space_error}).*"]
        return out
    from nas_env.rendering import draw_architecture

    images, titles = [], []
    for rank, ev in enumerate(top, 1):
        try:
            images.append(draw_architecture(_space_for(d.space, tuple(ev.tokens)), ev.tokens))
        except Exception:  # a drawing must never stop the report
            continue
        titles.append(f"#{rank}: reward {ev.reward:.4f} (evaluation {ev.index + 1})")
    if not images:
        return out
    title = f"{d.run.get('agent')} on {d.run.get('env_id')}: top {len(images)} distinct architectures by reward"
    run_plots.plot_architectures(images, titles, title, fig_dir / "top_architectures.png")
    out += ["", "![top architectures](figures/top_architectures.png)"]
    return out
