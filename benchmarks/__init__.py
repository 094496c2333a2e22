"""Running, comparing and reporting searches.

Imports flow one way: ``cli -> report -> harness -> protocols -> run -> agents``.

==========================  ============================================================
``nas_env.benchmarks.run``          one ``nas-env search`` run: its directory, carrying it out, reading it back
``nas_env.benchmarks.protocols``    benchmark protocols, one family per file behind a registry
``nas_env.benchmarks.harness``      running agents x seeds under a protocol
``nas_env.benchmarks.report``       statistics, figures and report.md of a benchmark or of one run
``nas_env.benchmarks.cli``          the ``nas-env`` command line (one module per subcommand)
``nas_env.benchmarks.measure``      stand-alone measurement scripts (``python -m nas_env.benchmarks.measure.<name>``)
==========================  ============================================================

The public functions are importable from here: ``run_search``, ``run_benchmark``,
``get_protocol``, ``build_report``, ``build_run_report``, ``load_run``; and, to define your own protocol
(``nas-env benchmark --protocol MODULE:NAME``), ``Protocol``, ``PublishedResult`` and ``register_protocol``.
"""

from __future__ import annotations

from nas_env.lazy_exports import lazy_exports

_PUBLIC = {
    "run_search": "nas_env.benchmarks.run.search",
    "load_run": "nas_env.benchmarks.run.record",
    "run_benchmark": "nas_env.benchmarks.harness.runner",
    "get_protocol": "nas_env.benchmarks.protocols",
    "register_protocol": "nas_env.benchmarks.protocols",  # your own protocol: --protocol MODULE:NAME
    "Protocol": "nas_env.benchmarks.protocols",
    "PublishedResult": "nas_env.benchmarks.protocols",
    "build_report": "nas_env.benchmarks.report",
    "build_run_report": "nas_env.benchmarks.report",
}
__all__ = sorted(_PUBLIC)


#: lazy: `nas-env` should not import matplotlib to start a search
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
