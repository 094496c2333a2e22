"""``nas-env benchmark`` and ``nas-env report``: the benchmark harness on the command line.

    nas-env benchmark --protocol nb201-cifar10 --agents random,evolution,reinforce,maskable-ppo \\
                      --seeds 20 --out DIR
    nas-env report DIR

``benchmarks.cli`` wires these in with :func:`add_benchmark_parser` and
:func:`add_report_parser`; ``python -m benchmarks.harness_cli ...`` runs them
stand-alone. Each parser sets ``func`` (called with the parsed namespace,
returns an exit code).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.cli_args import json_object, positive_int

__all__ = ["add_benchmark_parser", "add_report_parser", "main"]

DEFAULT_AGENTS = "random,evolution,reinforce,maskable-ppo"


def _csv_list(text: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
    return items


def _seed_list(text: str) -> list[int]:
    try:
        seeds = [int(t) for t in _csv_list(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed-list needs comma-separated integers, got {text!r}") from None
    if any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"--seed-list needs distinct non-negative integers, got {text!r}")
    return seeds


def add_benchmark_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``benchmark``: run every (agent, seed) of a protocol in parallel, then write the report."""
    from benchmarks.protocols import protocol_names

    p = subparsers.add_parser(
        "benchmark",
        help="run agents x seeds under a benchmark protocol and write a report",
        description="Run every (agent, seed) of a protocol in parallel processes (resumable: finished runs "
        "are skipped, interrupted ones resume), then write DIR/report.md, figures and CSV/JSON results. "
        f"Protocols: {', '.join(protocol_names())}.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--protocol", required=True, help=f"one of {protocol_names()}")
    p.add_argument("--agents", type=_csv_list, default=DEFAULT_AGENTS,
                   help="comma-separated agent names")
    seeds = p.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=positive_int, default=20, help="run seeds 0..N-1")
    seeds.add_argument("--seed-list", type=_seed_list, default=None, help="explicit seeds, e.g. 3,5,8")
    p.add_argument("--out", type=Path, required=True, help="output directory (reused to resume)")
    p.add_argument("--budget", type=float, default=None,
                   help="override the budget: evaluations for fixed:/macro protocols, simulated seconds for nb201")
    p.add_argument("--env-kwargs", type=json_object, default=None, help="extra env kwargs as JSON")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (None = os.cpu_count(); 0 = serial, in this process)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar or per-run lines")
    p.add_argument("--no-report", action="store_true", help="do not write the report at the end")
    p.set_defaults(func=cmd_benchmark)
    return p


def add_report_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``report``: rebuild DIR/report.md, figures and CSV/JSON from the saved histories."""
    p = subparsers.add_parser(
        "report",
        help="(re)build the report of a benchmark directory or of a single search run",
        description="For a `nas-env benchmark` directory: rebuild DIR/report.md, DIR/figures/*.png, summary.csv, "
        "aggregate.json and the curve CSVs from DIR/benchmark.json and DIR/runs/<agent>/seed<k>/history.jsonl. "
        "For a `nas-env search` run directory (DIR/run.json): write DIR/report.md and DIR/figures/*.png "
        "(rewards, the REINFORCE controller's token probabilities over time, the top architectures drawn).",
    )
    p.add_argument("dir", type=Path, help="a `nas-env benchmark` output directory or a `nas-env search` run directory")
    p.add_argument("--agents", type=_csv_list, default=None,
                   help="only these agents, in this order (benchmark directories only)")
    p.set_defaults(func=cmd_report)
    return p


def cmd_benchmark(args: argparse.Namespace) -> int:
    """Run the benchmark described by ``args``; returns the exit code (1 if any run failed)."""
    from benchmarks.protocols import get_protocol
    from benchmarks.report import build_report
    from benchmarks.runner import run_benchmark

    try:
        protocol = get_protocol(args.protocol, args.budget, args.env_kwargs)
    except ValueError as exc:
        print(f"nas-env benchmark: {exc}", file=sys.stderr)
        return 2
    seeds = args.seed_list if args.seed_list is not None else list(range(args.seeds))
    progress = not args.no_progress
    t0 = time.perf_counter()
    try:
        outcomes = run_benchmark(protocol, args.agents, seeds, args.out, workers=args.workers, progress=progress,
                                 command=" ".join(["nas-env", *sys.argv[1:]]) if sys.argv[1:] else None)
    except ValueError as exc:
        print(f"nas-env benchmark: {exc}", file=sys.stderr)
        return 2
    failed = [o for o in outcomes if o.status == "failed"]
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} runs finished in {time.perf_counter() - t0:.1f} s "
          f"-> {args.out}/runs")
    for o in failed:
        print(f"  failed: {o.line()}", file=sys.stderr)
    if not args.no_report:
        path = build_report(args.out)
        print(f"report: {path}  (wall time so far {time.perf_counter() - t0:.1f} s)")
        _print_final_table(args.out)
    return 1 if failed else 0


def _print_final_table(out: Path) -> None:
    agg = json.loads((Path(out) / "aggregate.json").read_text(encoding="utf-8"))
    print(f"{'agent':<14} {'runs':>4}  {'mean ± std':>14}  {'IQM [95% CI]':>24}")
    for agent, e in agg.get("agents", {}).items():
        if "mean" not in e:
            continue
        print(f"{agent:<14} {e['runs']:>4}  {e['mean']:>7.2f} ± {e['std']:<4.2f}  "
              f"{e['iqm']:>7.2f} [{e['iqm_ci'][0]:.2f}, {e['iqm_ci'][1]:.2f}]")


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild the report of ``args.dir`` (a benchmark directory, or a single run: :mod:`benchmarks.run_report`)."""
    from benchmarks.report import build_report
    from benchmarks.run_report import build_run_report, is_benchmark_dir, is_run_dir

    if not is_benchmark_dir(args.dir) and is_run_dir(args.dir):
        if args.agents is not None:
            print("nas-env report: --agents applies to benchmark directories, not to a single run", file=sys.stderr)
            return 2
        try:
            path = build_run_report(args.dir)
        except (FileNotFoundError, ValueError) as exc:
            print(f"nas-env report: {exc}", file=sys.stderr)
            return 2
        print(f"report: {path}")
        return 0
    if not is_benchmark_dir(args.dir):
        print(f"nas-env report: {args.dir} is neither a `nas-env benchmark` directory (no benchmark.json) nor a "
              "`nas-env search` run directory (no nas-env run.json)", file=sys.stderr)
        return 2
    try:
        path = build_report(args.dir, args.agents)
    except FileNotFoundError as exc:
        print(f"nas-env report: {exc}", file=sys.stderr)
        return 2
    print(f"report: {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point (``python -m benchmarks.harness_cli``)."""
    parser = argparse.ArgumentParser(prog="nas-env", description="nas-env benchmark harness")
    sub = parser.add_subparsers(dest="command", required=True)
    add_benchmark_parser(sub)
    add_report_parser(sub)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
