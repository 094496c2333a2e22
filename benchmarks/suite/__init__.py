"""``nas-env suite``: one score for a search strategy across every shipped table benchmark.

=============================================  ===========================================================
``nas_env.benchmarks.suite.tasks``             the versioned task set (``SUITE_VERSION``), default agents and
                                               seeds; one ``Task`` line per task
``nas_env.benchmarks.suite.runner``            ``run_suite``: one benchmark directory per task, ``suite.json``,
                                               resume / extend / version refusal
``nas_env.benchmarks.suite.reference``         each task's score references: random search's expected answer
                                               (simulated on the enumerated table) and the table optimum
``nas_env.benchmarks.suite.score``             every run's reported accuracy and normalised score
``nas_env.benchmarks.suite.aggregate``         the maths: IQM with stratified-bootstrap CIs, performance
                                               profiles, probability of improvement, average rank
``nas_env.benchmarks.suite.compute``           the report's numbers (rows for CSV and markdown)
``nas_env.benchmarks.suite.report``, ``plots``  ``report.md``, CSVs, figures, the leaderboard
=============================================  ===========================================================

Imports flow one way: ``nas_env.benchmarks.cli`` -> ``nas_env.benchmarks.suite`` -> ``nas_env.benchmarks.report``,
``harness``, ``protocols``, ``run``.
"""
