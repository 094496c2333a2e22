"""The numbers of a benchmark that the README and docs quote, as one small committed JSON file (issue 24, item 12).

``python -m nas_env.benchmarks.measure.benchmark_record DIR OUT.json [--note TEXT]``

Reads a ``nas-env benchmark`` output directory (``benchmark.json``, ``aggregate.json``, ``report.md``,
written by ``nas-env benchmark`` / ``nas-env report``) and writes what prose may quote: the command, wall time,
machine, and per agent the final-results row (runs, evaluations, simulated hours, mean ± std, IQM with its CI,
median, P(> random)), time to a top-1% architecture, the end-of-budget top-k differences with their
t-intervals, the published comparison and the learning ablations. ``tests/project/test_quoted_numbers.py``
reads these files (rerunning nothing) and fails when a number quoted in README.md, MEASUREMENTS.md or docs/
disagrees.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def record(out: Path | str, note: str = "") -> dict[str, Any]:
    """The quotable numbers of the benchmark in ``out`` (module docstring)."""
    out = Path(out)
    meta = json.loads((out / "benchmark.json").read_text(encoding="utf-8"))
    agg = json.loads((out / "aggregate.json").read_text(encoding="utf-8"))
    machine = meta.get("machine", {})
    agents: dict[str, Any] = {}
    top1 = agg.get("time_to_top", {}).get("top-1%", {}).get("agents", {})
    ends = agg.get("topk_vs_random_end", {}).get("comparisons", {}).get("end_of_budget", {}).get("k", {})
    for a, e in agg["agents"].items():
        pi = e.get("probability_of_improvement_over", {}).get("random")
        agents[a] = {k: e.get(k) for k in ("runs", "evaluations_mean", "simulated_seconds_mean", "mean", "std",
                                            "iqm", "iqm_ci", "median")}
        agents[a]["p_improvement_over_random"] = None if pi is None else [pi["value"], pi["ci_low"], pi["ci_high"]]
        t = top1.get(a)
        agents[a]["top1_found"] = None if t is None else [t["found"], t["runs"]]
        agents[a]["top1_evaluations_median"] = None if t is None else t["evaluations_median_q1_q3"][0]
        agents[a]["topk_end_difference"] = {k: [v[a]["difference"], *v[a]["ci"]] for k, v in ends.items() if a in v}
    answers = agg.get("answers", {})
    built = re.search(r"Report built in ([0-9.]+) s", (out / "report.md").read_text(encoding="utf-8"))
    return {"command": meta.get("command"), "note": note,
            "wall_seconds": meta.get("wall_seconds_last_invocation"), "workers": meta.get("workers"),
            "report_seconds": None if built is None else float(built.group(1)),
            "machine": {k: machine.get(k) for k in ("platform", "processor", "cpu_count", "python")},
            "seeds": len(meta.get("seeds", [])), "agents": agents,
            "published_comparison": agg.get("published_comparison", []),
            "learning_ablations": answers.get("learning", {}).get("ablations", []),
            "time_saved_top1": {a: s.get("ratio_to", {}).get("random") for a, s in
                                answers.get("time_saved", {}).get("fractions", {}).get("top-1%", {})
                                .get("agents", {}).items()}}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nas_env.benchmarks.measure.benchmark_record",
                                description=__doc__.splitlines()[0])
    p.add_argument("dir", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--note", default="", help="what the numbers were measured under (machine load ...)")
    args = p.parse_args(argv)
    args.out.write_text(json.dumps(record(args.dir, args.note), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
