"""One ``nas-env search`` run: its directory model, reading it back, and carrying it out.

==========================  ============================================================
``nas_env.benchmarks.run.spec``     :class:`RunSpec` (what defines the results) and :class:`RunOptions`
``nas_env.benchmarks.run.layout``   the files of a run directory; when a directory can take a run
``nas_env.benchmarks.run.files``    atomic JSON writes, lenient reads
``nas_env.benchmarks.run.record``   :class:`RunRecord` / ``load_run``: a run directory read back
``nas_env.benchmarks.run.search``   ``run_search``: open, resume, search, finish
``nas_env.benchmarks.run.callbacks``  history writer, progress bar, TensorBoard
``nas_env.benchmarks.run.summary``  ``summary.json`` and ``extras.json``
``nas_env.benchmarks.run.environment``, ``nas_env.benchmarks.run.machine``  ``make_env``; platform and versions
==========================  ============================================================
"""
