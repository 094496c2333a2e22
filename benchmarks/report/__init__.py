"""``nas-env report``: reports rebuilt from saved run directories alone.

=======================================  ==============================================================
``nas_env.benchmarks.report.benchmark_report``   ``build_report``: a benchmark directory's report.md, CSVs, figures
``nas_env.benchmarks.report.benchmark_data``     its runs read back, per-run table, final accuracies
``nas_env.benchmarks.report.benchmark_curves``   anytime, top-k vs random, time to top, controller analyses
``nas_env.benchmarks.report.benchmark_markdown``  its text
``nas_env.benchmarks.report.benchmark_plots``    its figures
``nas_env.benchmarks.report.protocol_notes``     differences from the published protocol, published rows compared
``nas_env.benchmarks.report.answers``            the paper's four questions answered (+ ``answers_plots``: figures)
``nas_env.benchmarks.report.run_report``         ``build_run_report``: a single search run's report
``nas_env.benchmarks.report.run_data``           a run read back for its report (space rebuilt lazily)
``nas_env.benchmarks.report.run_controller``     the controller section, from :mod:`nas_env.agents.diagnostics`
``nas_env.benchmarks.report.run_plots``          its figures
``nas_env.benchmarks.report.analysis``           per-run quantities: incumbent curves, top-k, first hits
``nas_env.benchmarks.report.stats``              IQM, stratified bootstrap, probability of improvement
``nas_env.benchmarks.report.style``              the one plotting style and save helper
=======================================  ==============================================================

Both reports read runs with :func:`nas_env.benchmarks.run.record.load_run` (benchmark runs through
:func:`nas_env.benchmarks.run.record.load_runs`). Imports flow one way:
``nas_env.benchmarks.report`` -> ``nas_env.benchmarks.harness`` -> ``nas_env.benchmarks.run`` -> ``nas_env.agents``
-> ``nas_env``.
"""

from nas_env.benchmarks.report.benchmark_report import build_report
from nas_env.benchmarks.report.run_report import build_run_report

__all__ = ["build_report", "build_run_report"]
