"""``nas-env export``: saved runs written where people browse searches (issue 26).

============================================  ================================================================
``nas_env.benchmarks.export.source``          the runs of a run or benchmark directory, read as data (no link
                                              followed, no module imported that the directory names)
``nas_env.benchmarks.export.trials``          a run's evaluations as trials: decisions, values, attributes
``nas_env.benchmarks.export.optuna_storage``  the trials written into an Optuna storage, one study per run,
                                              in bulk and idempotently (``optuna-dashboard URL`` shows them)
============================================  ================================================================

Imports flow ``nas_env.benchmarks.cli`` -> ``nas_env.benchmarks.export`` -> ``nas_env.benchmarks.run``.
"""

from nas_env.benchmarks.export.optuna_storage import StudyOutcome, export_to_optuna
from nas_env.benchmarks.export.source import export_runs

__all__ = ["StudyOutcome", "export_runs", "export_to_optuna"]
