"""``nas-env report``: reports rebuilt from saved run directories alone, one folder per report.

=============================================  ===========================================================
``nas_env.benchmarks.report.run``              the single-run report: ``build_run_report`` (``run/report.py``),
                                               the run read back (``data``), controller and Pareto sections,
                                               figures (``plots``)
``nas_env.benchmarks.report.benchmark``        the benchmark report: ``build_report`` (``benchmark/report.py``),
                                               the runs read back (``data``), curve analyses (``curves``),
                                               re-trained finalists (``retrained``), text, figures
``nas_env.benchmarks.report.answers``          the benchmark report's section 6: the paper's four questions
                                               answered (``compute``, ``markdown``, ``plots``)
``nas_env.benchmarks.report.analysis``         per-run quantities: incumbent curves, top-k, first hits
``nas_env.benchmarks.report.stats``            every statistic: IQM, bootstrap CIs and bands, probability of
                                               improvement, ratio of medians, Welch's test
``nas_env.benchmarks.report.style``            the one plotting style (rc parameters, agent colours) and save
=============================================  ===========================================================

Both reports read runs with :func:`nas_env.benchmarks.run.record.load_run` (benchmark runs through
:func:`nas_env.benchmarks.run.record.load_runs`). Imports flow one way:
``nas_env.benchmarks.report`` -> ``nas_env.benchmarks.harness`` -> ``nas_env.benchmarks.run`` -> ``nas_env.agents``
-> ``nas_env``; inside the report, the report folders use the shared ``stats``, ``analysis`` and ``style``, and
``answers`` reads the benchmark report's data (``benchmark.data``).
"""

from nas_env.benchmarks.report.benchmark.report import build_report
from nas_env.benchmarks.report.run.report import build_run_report

__all__ = ["build_report", "build_run_report"]
