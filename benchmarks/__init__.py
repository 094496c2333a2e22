"""Running, comparing and reporting searches. Imports flow one way: ``cli -> report -> harness -> run -> agents``.

==========================  ============================================================
``benchmarks.run``          one ``nas-env search`` run: its directory, carrying it out, reading it back
``benchmarks.harness``      protocols, what is reported per architecture, running agents x seeds
``benchmarks.report``       statistics, figures and report.md of a benchmark or of one run
``benchmarks.cli``          the ``nas-env`` command line (one module per subcommand)
``benchmarks.measure``      stand-alone measurement scripts (``python -m benchmarks.measure.<name>``)
==========================  ============================================================

The public functions are importable from here: ``run_search``, ``run_benchmark``,
``get_protocol``, ``build_report``, ``build_run_report``, ``load_run``.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "run_search": "benchmarks.run.search",
    "load_run": "benchmarks.run.record",
    "run_benchmark": "benchmarks.harness.runner",
    "get_protocol": "benchmarks.harness.protocols",
    "build_report": "benchmarks.report",
    "build_run_report": "benchmarks.report",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:  # lazy: `nas-env` should not import matplotlib to start a search
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'benchmarks' has no attribute {name!r}")
