"""``nas-env benchmark``: the jobs of a benchmark and running them under a protocol.

==========================================  ================================================================
``nas_env.benchmarks.harness.jobs``         :class:`Job` (agent, seed) and :class:`JobOutcome`
``nas_env.benchmarks.harness.runner``       ``run_benchmark``: every job, in parallel processes, resumably
==========================================  ================================================================

The protocols are :mod:`nas_env.benchmarks.protocols`; the benchmark directory (``benchmark.json``,
``runs/<agent>/seed<k>/``) is :mod:`nas_env.benchmarks.run.directory`. Imports flow one way:
``nas_env.benchmarks.report`` -> ``nas_env.benchmarks.harness`` -> ``nas_env.benchmarks.protocols`` ->
``nas_env.benchmarks.run`` -> ``nas_env.agents``.
"""
