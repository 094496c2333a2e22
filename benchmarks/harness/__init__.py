"""``nas-env benchmark``: protocols, the jobs of a benchmark, running them, and the benchmark directory.

====================================  ================================================================
``nas_env.benchmarks.harness.protocols``      :class:`Protocol`, the registry, ``get_protocol``
``nas_env.benchmarks.harness.published``      published results printed next to ours
``nas_env.benchmarks.harness.reporters``      what a protocol reports at the end (the accuracy of an arch)
``nas_env.benchmarks.harness.jobs``           :class:`Job` (agent, seed) and :class:`JobOutcome`
``nas_env.benchmarks.harness.runner``         ``run_benchmark``: every job, in parallel processes, resumably
``nas_env.benchmarks.harness.benchmark_dir``  ``benchmark.json``, ``runs/<agent>/seed<k>/``, ``load_runs``
====================================  ================================================================

Imports flow one way: ``nas_env.benchmarks.report`` -> ``nas_env.benchmarks.harness`` -> ``nas_env.benchmarks.run``
-> ``nas_env.agents``.
"""
