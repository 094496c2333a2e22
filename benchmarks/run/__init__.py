"""One ``nas-env search`` run: the directory model of runs and benchmarks, reading them back, carrying a run out.

==========================================  ============================================================
``nas_env.benchmarks.run.spec``             :class:`RunSpec` (what defines the results) and :class:`RunOptions`
``nas_env.benchmarks.run.directory``        the files of a run directory and of a benchmark directory; when a
                                            directory can take a run or a benchmark; ``benchmark.json``
``nas_env.benchmarks.run.files``            atomic JSON writes, lenient reads
``nas_env.benchmarks.run.record``           :class:`RunRecord` / ``load_run``, ``load_runs``: directories read back
``nas_env.benchmarks.run.search``           ``run_search``: open, resume, search, finish
``nas_env.benchmarks.run.callbacks``        progress bar, TensorBoard (``history.jsonl``: :mod:`nas_env.agents.history`)
``nas_env.benchmarks.run.summary``          ``summary.json`` and ``extras.json``
``nas_env.benchmarks.run.environment``,     ``make_env``; platform and versions
``nas_env.benchmarks.run.machine``
==========================================  ============================================================
"""
