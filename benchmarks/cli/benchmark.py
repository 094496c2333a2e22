"""``nas-env benchmark``: every (agent, seed) of a protocol in parallel, then the report.

    nas-env benchmark --protocol nb201-cifar10 --agents random,evolution,reinforce,maskable-ppo \\
                      --seeds 20 --out DIR
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from nas_env.benchmarks.cli.args import HelpFormatter, csv_list, json_object, positive_int, seed_list

__all__ = ["DEFAULT_AGENTS", "add_benchmark_parser", "agents_and_seeds", "cmd_benchmark"]

DEFAULT_AGENTS = "random,evolution,reinforce,maskable-ppo"


def add_benchmark_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``benchmark``: run every (agent, seed) of a protocol in parallel, then write the report."""
    from nas_env.benchmarks.protocols import protocol_names, protocol_names_by_unit

    p = subparsers.add_parser(
        "benchmark",
        help="run agents x seeds under a benchmark protocol and write a report",
        description="Run every (agent, seed) of a protocol in parallel processes (resumable: finished runs "
        "are skipped, interrupted ones resume), then write DIR/report.md, figures and CSV/JSON results. "
        f"Protocols: {', '.join(protocol_names())}.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("--protocol", required=True,
                   help=f"one of {protocol_names()}; MODULE:NAME imports your module, which registers NAME with "
                   "nas_env.benchmarks.register_protocol (docs/02)")
    p.add_argument("--agents", type=csv_list, default=None,
                   help="comma-separated agent names or specs (default: the protocol's, e.g. the published "
                   f"algorithms for nb201-*; else {DEFAULT_AGENTS}); your own: MODULE:NAME or MODULE:CLASS, e.g. "
                   "random,myagent:hill-climb (docs/02)")
    seeds = p.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=positive_int, default=None,
                       help="run N seeds from the protocol's first seed: 0..N-1, or 100..99+N for the "
                       "real-training protocols (rnn-*, cnn-*), whose settings were tuned on seeds below 100 "
                       f"(default N: the protocol's: {_default_seeds_text()})")
    seeds.add_argument("--seed-list", type=seed_list, default=None, help="explicit seeds, e.g. 3,5,8")
    p.add_argument("--out", type=Path, required=True, help="output directory (reused to resume)")
    units = "; ".join(f"{unit} for {', '.join(names)}" for unit, names in protocol_names_by_unit().items())
    p.add_argument("--budget", type=float, default=None,
                   help=f"override the protocol's budget, a number in the protocol's own unit: {units}")
    p.add_argument("--env-kwargs", type=json_object, default=None, help="extra env kwargs as JSON")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (None = os.cpu_count(); 0 = serial, in this process)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar or per-run lines")
    p.add_argument("--no-report", action="store_true", help="do not write the report at the end")
    p.set_defaults(func=cmd_benchmark)
    return p


def _default_seeds_text() -> str:
    """Each protocol's default number of seeds, from the protocols themselves ("500 for nb201-cifar10, ...")."""
    from nas_env.benchmarks.protocols.base import Protocol
    from nas_env.benchmarks.protocols.registry import PROTOCOLS

    fallback = Protocol.__dataclass_fields__["default_seeds"].default
    groups: dict[int, list[str]] = {}
    for name in sorted(PROTOCOLS):
        groups.setdefault(PROTOCOLS[name].default_seeds, []).append(name)
    text = "; ".join(f"{n} for {', '.join(names)}" for n, names in sorted(groups.items(), reverse=True)
                     if n != fallback)
    return f"{text}; else {fallback}" if text else str(fallback)


def agents_and_seeds(args: argparse.Namespace, protocol: Any) -> tuple[list[str], list[int]]:
    """``--agents`` and the seeds (``--seed-list`` or ``--seeds``), or the protocol's defaults: the
    published sample size and algorithms for nb201-* (500 seeds), 5 seeds for the Figure 6 protocols (from the
    protocol's first seed: 100 for the real-training ones, disjoint from their tuning seeds)."""
    if args.seed_list is not None:
        seeds = list(args.seed_list)
    else:
        seeds = protocol.seeds_from_count(protocol.default_seeds if args.seeds is None else args.seeds)
    agents = args.agents if args.agents is not None else list(protocol.default_agents) or csv_list(DEFAULT_AGENTS)
    return _unique_agents(list(agents)), seeds


def _unique_agents(agents: list[str]) -> list[str]:
    """``agents`` without repeats (the first kept); says on stderr which were dropped: a repeated spec
    would search one run directory several times at once."""
    unique = list(dict.fromkeys(agents))
    if len(unique) < len(agents):
        repeated = [a for a in unique if agents.count(a) > 1]
        print(f"nas-env benchmark: dropped repeated agent spec(s) {repeated}: each runs once", file=sys.stderr)
    return unique


def cmd_benchmark(args: argparse.Namespace) -> int:
    """Run the benchmark described by ``args``; returns the exit code (1 if any run failed)."""
    from nas_env.benchmarks.harness.runner import run_benchmark
    from nas_env.benchmarks.protocols import get_protocol
    from nas_env.benchmarks.report import build_report
    from nas_env.benchmarks.run.files import UnsafePathError

    try:
        protocol = get_protocol(args.protocol, args.budget, args.env_kwargs)
    except ValueError as exc:
        print(f"nas-env benchmark: {exc}", file=sys.stderr)
        return 2
    agents, seeds = agents_and_seeds(args, protocol)
    progress = not args.no_progress
    t0 = time.perf_counter()
    try:
        outcomes = run_benchmark(protocol, agents, seeds, args.out, workers=args.workers, progress=progress,
                                 command=" ".join(["nas-env", *sys.argv[1:]]) if sys.argv[1:] else None)
    except UnsafePathError:
        raise  # nas-env: error: ... (a link in the directory)
    except ValueError as exc:
        print(f"nas-env benchmark: {exc}", file=sys.stderr)
        return 2
    failed = [o for o in outcomes if o.status == "failed"]
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} runs finished in {time.perf_counter() - t0:.1f} s "
          f"-> {args.out}/runs")
    for o in failed:
        print(f"  failed: {o.line()}", file=sys.stderr)
    if outcomes and len(failed) == len(outcomes):  # nothing to report: say why, not "no runs under DIR"
        print(f"nas-env benchmark: every run failed; the first: {failed[0].agent} seed {failed[0].seed}: "
              f"{failed[0].error}", file=sys.stderr)
        return 1
    if not args.no_report:
        path = build_report(args.out, trust=[protocol.env_id])  # the protocol the user named
        print(f"report: {path}  (wall time so far {time.perf_counter() - t0:.1f} s)")
        _print_final_table(args.out)
    return 1 if failed else 0


def _print_final_table(out: Path) -> None:
    agg = json.loads((Path(out) / "aggregate.json").read_text(encoding="utf-8"))
    rows = {agent: e for agent, e in agg.get("agents", {}).items() if "mean" in e}
    width = max([len("agent"), *map(len, rows)])  # a long spec (reinforce-table, reinforce@lr=0) sets the column
    print(f"{'agent':<{width}} {'runs':>4}  {'mean':>7} ± {'std':<5}  {'IQM':>7} [95% CI]")
    for agent, e in rows.items():
        print(f"{agent:<{width}} {e['runs']:>4}  {e['mean']:>7.2f} ± {e['std']:<5.2f}  "
              f"{e['iqm']:>7.2f} [{e['iqm_ci'][0]:.2f}, {e['iqm_ci'][1]:.2f}]")
