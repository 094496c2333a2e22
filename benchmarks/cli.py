"""The ``nas-env`` command line: ``search``, ``envs``, ``agents`` (and a hook for ``benchmark``/``report``).

::

    nas-env search --env nas_env/NB201-v0 --agent reinforce --budget 500 --seed 0 --out runs/rf0
    nas-env envs
    nas-env agents

Bad input (unknown names, budgets <= 0, foreign or mismatched ``--out``) prints one
line on stderr and exits with status 2. The work is in :func:`benchmarks.runs.run_search`.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from benchmarks.cli_args import json_object, positive_float, positive_int

__all__ = ["build_parser", "main"]


class CLIError(Exception):
    """A user error: reported on stderr, exit status 2."""


# ------------------------------------------------------------------- subcommands
def cmd_search(args: argparse.Namespace) -> int:
    from agents.base import Budget
    from benchmarks.runs import run_search

    if args.budget is None and args.budget_seconds is None:
        raise CLIError("give --budget N (evaluations), --budget-seconds S (simulated seconds) or both")
    budget = Budget(evaluations=args.budget, cost_seconds=args.budget_seconds)
    run_search(
        args.env, args.env_kwargs, args.agent, args.agent_kwargs, budget, args.seed, Path(args.out),
        progress=not args.no_progress, tensorboard=args.tensorboard, executor=args.executor,
        workers=args.workers, store=_store_arg(args.store), ray_address=args.ray_address,
    )
    summary = json.loads((Path(args.out) / "summary.json").read_text(encoding="utf-8"))
    print(format_summary(summary))
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
            rows.append(("best found ranks", f"{rank['rank']:,} of {rank['of']:,} in the table "
                                             f"(top {rank['top_percent']:.2f}% by 200-epoch {rank['by']})"))
    st = summary.get("store")
    if st:
        rows.append(("evaluation store", f"{st['rows']} children stored, {st['hits']} requests served from it "
                                         f"(hit rate {100 * st['hit_rate']:.1f}%)"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def cmd_envs(args: argparse.Namespace) -> int:
    import gymnasium as gym

    import nas_env

    for env_id in nas_env.ENV_IDS:
        entry = gym.registry[env_id].entry_point
        cls = entry if not isinstance(entry, str) else _load(entry)
        doc = (cls.__doc__ or "").strip().splitlines()
        print(f"{env_id:<24} {doc[0] if doc else ''}")
    return 0


def _load(entry_point: str) -> Any:
    module, _, name = entry_point.partition(":")
    return getattr(importlib.import_module(module), name)


def cmd_agents(args: argparse.Namespace) -> int:
    from agents import AGENTS

    for name, cls in sorted(AGENTS.items()):
        doc = (cls.__doc__ or "").strip().splitlines()
        print(f"{name:<14} {doc[0] if doc else ''}")
        if is_dataclass(cls.Config):
            defaults = cls.Config()
            for f in fields(cls.Config):
                print(f"    {f.name} = {getattr(defaults, f.name)!r}")
    return 0



# ------------------------------------------------------------------------ parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nas-env", description="Neural architecture search as a Gymnasium env.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    s = sub.add_parser("search", help="run one search (resumes an interrupted --out)")
    s.add_argument("--env", required=True, help="env id, e.g. nas_env/NB201-v0 (see `nas-env envs`)")
    s.add_argument("--env-kwargs", type=json_object, default={}, metavar="JSON", help="env keyword arguments")
    s.add_argument("--agent", required=True, help="agent name (see `nas-env agents`)")
    s.add_argument("--agent-kwargs", type=json_object, default={}, metavar="JSON", help="agent hyperparameters")
    s.add_argument("--budget", type=positive_int, default=None, metavar="N", help="number of evaluations")
    s.add_argument("--budget-seconds", type=positive_float, default=None, metavar="S",
                   help="simulated training seconds (NB201's protocol)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", required=True, metavar="DIR", help="run directory (history, summary, checkpoint)")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.add_argument("--tensorboard", default=None, metavar="DIR", help="TensorBoard log directory")
    s.add_argument("--executor", default="auto", choices=["auto", "none", "inprocess", "process", "ray"],
                   help="how batches of children are evaluated (auto: worker processes for training envs)")
    s.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help="worker processes or Ray actors (default: CPU cores)")
    s.add_argument("--store", default="auto", metavar="auto|on|off|PATH",
                   help="SQLite evaluation store (auto: on for training envs, in DIR/evaluations.sqlite)")
    s.add_argument("--ray-address", default=None, metavar="HOST:PORT", help="Ray cluster for --executor ray")
    s.set_defaults(func=cmd_search)

    e = sub.add_parser("envs", help="list the registered environments")
    e.set_defaults(func=cmd_envs)
    a = sub.add_parser("agents", help="list the agents and their hyperparameter defaults")
    a.set_defaults(func=cmd_agents)

    # ---- HOOK: `benchmark` and `report` subcommands (issue 4) come from benchmarks/harness_cli.py
    # when it exists: it must define add_benchmark_parser(sub) and add_report_parser(sub), each
    # adding a subparser whose defaults set func=<callable(args) -> int>.
    if importlib.util.find_spec("benchmarks.harness_cli") is not None:
        from benchmarks import harness_cli

        harness_cli.add_benchmark_parser(sub)
        harness_cli.add_report_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nas-env`` console script; returns the exit status."""
    from nas_env.data.tables import TableFileError
    from nas_env.store import StoreError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed its message (usage errors: status 2)
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except (CLIError, ValueError, ImportError, ConnectionError, StoreError, TableFileError) as exc:
        print(f"nas-env: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nas-env: interrupted (rerun the same command to resume)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
