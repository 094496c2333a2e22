"""``nas-env search``: run (or resume) one search and print its result table."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from nas_env.benchmarks.cli.args import json_object, non_negative_float, positive_float, positive_int
from nas_env.benchmarks.cli.errors import CLIError
from nas_env.benchmarks.run.spec import EXECUTOR_CHOICES

__all__ = ["add_search_parser", "cmd_search", "format_summary"]


def add_search_parser(sub: Any) -> argparse.ArgumentParser:
    s = sub.add_parser("search", help="run one search (resumes an interrupted --out)")
    s.add_argument("--env", required=True,
                   help="any Gymnasium id of a nas-env search env, e.g. nas_env/NB201-v0 (see `nas-env envs`), "
                   "or module:id to import your module first, e.g. mymodule:my/Space-v0 (docs/06)")
    s.add_argument("--env-kwargs", type=json_object, default={}, metavar="JSON", help="env keyword arguments")
    s.add_argument("--agent", required=True,
                   help="agent name or spec (see `nas-env agents`; settings: NAME@key=value), or your own: "
                   "MODULE:NAME (a name your module registers with register_agent) or MODULE:CLASS (an Agent "
                   "subclass), e.g. myagent:hill-climb (docs/02)")
    s.add_argument("--agent-kwargs", type=json_object, default={}, metavar="JSON", help="agent hyperparameters")
    s.add_argument("--budget", type=positive_int, default=None, metavar="N", help="number of evaluations")
    s.add_argument("--budget-seconds", type=positive_float, default=None, metavar="S",
                   help="simulated training seconds (NB201's protocol)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", required=True, metavar="DIR", help="run directory (history, summary, checkpoint)")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.add_argument("--tensorboard", default=None, metavar="DIR", help="TensorBoard log directory")
    s.add_argument("--executor", default="auto", choices=list(EXECUTOR_CHOICES),
                   help="how batches of children are evaluated (auto: worker processes for training envs)")
    s.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help="worker processes or Ray actors (default: CPU cores)")
    s.add_argument("--store", default="auto", metavar="auto|on|off|PATH",
                   help="SQLite evaluation store (auto: on for training envs, in DIR/evaluations.sqlite)")
    s.add_argument("--store-wait", type=non_negative_float, default=30.0, metavar="S",
                   help="seconds to wait for the store while another process holds it locked (default 30); "
                   "past it the run stops and rerunning the same command continues it")
    s.add_argument("--ray-address", default=None, metavar="HOST:PORT", help="Ray cluster for --executor ray")
    s.add_argument("--retrain-top", type=positive_int, default=None, metavar="K",
                   help="after the search, train its K best architectures from scratch with the stand-alone "
                   "trainer and record both numbers in DIR/retrain.json (e.g. for backend='shared')")
    s.add_argument("--retrain-epochs", type=positive_int, default=None, metavar="E",
                   help="epochs of each stand-alone re-training (default: the env's epochs)")
    s.set_defaults(func=cmd_search)
    return s


def cmd_search(args: argparse.Namespace) -> int:
    from nas_env.agents.budget import Budget
    from nas_env.benchmarks.run.search import run_search

    if args.budget is None and args.budget_seconds is None:
        raise CLIError("give --budget N (evaluations), --budget-seconds S (simulated seconds) or both")
    if args.retrain_epochs is not None and args.retrain_top is None:
        raise CLIError(f"--retrain-epochs {args.retrain_epochs} needs --retrain-top K")
    budget = Budget.from_value({"evaluations": args.budget, "cost_seconds": args.budget_seconds})
    run_search(
        args.env, args.env_kwargs, args.agent, args.agent_kwargs, budget, args.seed, Path(args.out),
        progress=not args.no_progress, tensorboard=args.tensorboard, executor=args.executor,
        workers=args.workers, store=_store_arg(args.store), ray_address=args.ray_address, store_wait=args.store_wait,
    )
    summary = json.loads((Path(args.out) / "summary.json").read_text(encoding="utf-8"))
    print(format_summary(summary))
    if args.retrain_top is not None:
        from nas_env.benchmarks.run.retrain import format_retrain, retrain_top

        print(format_retrain(retrain_top(Path(args.out), args.retrain_top, epochs=args.retrain_epochs)))
    return 0


def _store_arg(value: str) -> str | bool:
    return {"auto": "auto", "on": True, "off": False}.get(value, value)


def format_summary(summary: dict[str, Any]) -> str:
    """The short table printed at the end of ``nas-env search``."""
    best = summary.get("best") or {}
    m = best.get("metrics", {})

    def pct(x: Any) -> str:
        return "n/a" if x is None else f"{100 * x:.2f}%"

    rows = [
        ("env", summary["env_id"]),
        ("agent (seed)", f"{summary['agent']} ({summary['seed']})"),
        ("best arch", str(best.get("arch"))),
        ("best reward", "n/a" if not best else f"{best['reward']:.4f}"),
        ("val accuracy", pct(m.get("val_accuracy"))),
        ("test accuracy", pct(m.get("test_accuracy"))),
        ("found at evaluation", "n/a" if not best else str(best["index"] + 1)),
        ("evaluations", str(summary["num_evaluations"])),
        ("cost hours", f"{summary['simulated_hours']:.2f} (simulated for tables, measured for training)"),
        ("wall seconds", f"{summary['total_wall_seconds']:.1f}"),
    ]
    ref = summary.get("reference_optimum")
    if ref:
        acc = ref.get("test_accuracy", ref.get("val_accuracy_mean"))
        rows.append(("table optimum", f"{ref['arch']} ({pct(acc)})"))
        rank = ref.get("best_found_rank")
        if rank:
            by = rank.get("label") or f"200-epoch {rank['by']}"  # NB201's ranks carry no label
            rows.append(("best found ranks", f"{rank['rank']:,} of {rank['of']:,} in the table "
                                             f"(top {rank['top_percent']:.2f}% by {by})"))
    st = summary.get("store")
    if st:
        rows.append(("evaluation store", f"{st['rows']} children stored, {st['hits']} requests served from it "
                                         f"(hit rate {100 * st['hit_rate']:.1f}%)"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
