"""``nas-env benchmark``: protocols, the jobs of a benchmark, running them, and the benchmark directory.

====================================  ================================================================
``benchmarks.harness.protocols``      :class:`Protocol`, the registry, ``get_protocol``
``benchmarks.harness.published``      published results printed next to ours
``benchmarks.harness.reporters``      what a protocol reports at the end (the accuracy of an arch)
``benchmarks.harness.jobs``           :class:`Job` (agent, seed) and :class:`JobOutcome`
``benchmarks.harness.runner``         ``run_benchmark``: every job, in parallel processes, resumably
``benchmarks.harness.benchmark_dir``  ``benchmark.json``, ``runs/<agent>/seed<k>/``, ``load_runs``
====================================  ================================================================

Imports flow one way: ``benchmarks.report`` -> ``benchmarks.harness`` -> ``benchmarks.run`` -> ``agents``.
"""
