"""Tutorial 4: benchmark on NAS-Bench-201 and read the report (companion of docs/04_benchmark_on_nas_bench_201.md).

Runs the NAS-Bench-201 protocol for random search, regularized evolution and REINFORCE over a
few seeds -- the same thing as

    nas-env benchmark --protocol nb201-cifar10 --agents random,evolution,reinforce --seeds 5 --out DIR

-- then prints the final table and the headline numbers of each section of DIR/report.md.

    python docs/tutorials/04_benchmark_on_nas_bench_201.py --out-dir bench/           # 5 seeds, ~15 s
    python docs/tutorials/04_benchmark_on_nas_bench_201.py --quick                     # 2 seeds
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

from nas_env.benchmarks import build_report, get_protocol, run_benchmark

AGENTS = ["random", "evolution", "reinforce"]


def run(out: Path, seeds: list[int], workers: int | None) -> Path:
    """The body of ``nas-env benchmark``: every (agent, seed) run, then the report; returns report.md."""
    protocol = get_protocol("nb201-cifar10")  # reward, cost, budget, what is reported: see the report
    outcomes = run_benchmark(protocol, AGENTS, seeds, out, workers=workers, progress=False,
                             command=f"nas-env benchmark --protocol nb201-cifar10 --agents {','.join(AGENTS)} "
                                     f"--seeds {len(seeds)} --out {out}")
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        raise RuntimeError(f"{len(failed)} runs failed: {[o.line() for o in failed]}")
    return build_report(out)  # what `nas-env report DIR` does


def read(out: Path) -> dict:
    """Print what to look at first: the final IQM table, P(improvement), and the report's sections."""
    agg = json.loads((out / "aggregate.json").read_text())
    print(f"{'agent':<10} {'runs':>4}  {'mean ± std':>14}  {'IQM [95% CI]':>22}  P(> random)")
    for agent, e in agg["agents"].items():
        poi = (e.get("probability_of_improvement_over") or {}).get("random")
        poi_text = f"{poi['value']:.2f} [{poi['ci_low']:.2f}, {poi['ci_high']:.2f}]" if poi else "—"
        print(f"{agent:<10} {e['runs']:>4}  {e['mean']:>7.2f} ± {e['std']:<4.2f}  "
              f"{e['iqm']:>7.2f} [{e['iqm_ci'][0]:.2f}, {e['iqm_ci'][1]:.2f}]  {poi_text}")
    report = (out / "report.md").read_text()
    sections = re.findall(r"^## (.+)$", report, flags=re.M)
    print("report sections:", " | ".join(sections))
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    print("figures:", ", ".join(figures))
    return {"aggregate": agg, "sections": sections, "figures": figures}


def main(quick: bool = False, out_dir: str | Path | None = None, workers: int | None = None) -> dict:
    """Benchmark (2 seeds with ``quick``, else 5) into ``out_dir`` (a temporary directory by default)."""
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="nas_env_tutorial04_"))
    seeds = [0, 1] if quick else [0, 1, 2, 3, 4]
    report = run(out, seeds, workers)
    print(f"report: {report}")
    return {"report": report, **read(out)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds instead of 5")
    parser.add_argument("--out-dir", default=None, help="benchmark directory (default: a temp dir)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (0 = in this process)")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out_dir, workers=args.workers)
