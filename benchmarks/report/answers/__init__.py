"""Section 6 of the benchmark report: the four questions a reader of Zoph & Le asks, answered with numbers.

============  ============================================================================
``compute``   :func:`~nas_env.benchmarks.report.answers.compute.compute_answers`: the numbers
              (``aggregate.json["answers"]``) and figures
``markdown``  the section's sentences and tables
``plots``     its figures (``figures/answer_*.png``)
============  ============================================================================
"""
