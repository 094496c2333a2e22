"""``nas-env report``: reports rebuilt from saved run directories alone.

=======================================  ==============================================================
``benchmarks.report.benchmark_report``   ``build_report``: a benchmark directory's report.md, CSVs, figures
``benchmarks.report.benchmark_data``     its runs read back, per-run table, final accuracies
``benchmarks.report.benchmark_curves``   anytime, top-k vs random, time to top, controller analyses
``benchmarks.report.benchmark_markdown``  its text
``benchmarks.report.benchmark_plots``    its figures
``benchmarks.report.protocol_notes``     differences from the published protocol, published rows compared
``benchmarks.report.answers``            the paper's four questions answered (+ ``answers_plots``: figures)
``benchmarks.report.run_report``         ``build_run_report``: a single search run's report
``benchmarks.report.run_data``           a run read back for its report (space rebuilt lazily)
``benchmarks.report.run_controller``     the controller section, from :mod:`agents.diagnostics`
``benchmarks.report.run_plots``          its figures
``benchmarks.report.analysis``           per-run quantities: incumbent curves, top-k, first hits
``benchmarks.report.stats``              IQM, stratified bootstrap, probability of improvement
``benchmarks.report.style``              the one plotting style and save helper
=======================================  ==============================================================

Both reports read runs with :func:`benchmarks.run.record.load_run` (benchmark runs through
:func:`benchmarks.harness.benchmark_dir.load_runs`). Imports flow one way:
``benchmarks.report`` -> ``benchmarks.harness`` -> ``benchmarks.run`` -> ``agents`` -> ``nas_env``.
"""

from benchmarks.report.benchmark_report import build_report
from benchmarks.report.run_report import build_run_report

__all__ = ["build_report", "build_run_report"]
