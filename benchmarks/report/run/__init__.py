"""The single-run report: ``DIR/report.md`` and figures of one ``nas-env search`` run directory.

==============  ==========================================================================
``report``      :func:`~nas_env.benchmarks.report.run.report.build_run_report`: the report
``data``        the run read back for its report (space rebuilt lazily), top architectures
``controller``  section 2: the controller's policy, from :mod:`nas_env.agents.diagnostics`
``pareto``      section 4: the Pareto front of a multi-objective run (``nsga2``)
``plots``       its figures
==============  ==========================================================================
"""
