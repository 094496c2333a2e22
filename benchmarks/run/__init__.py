"""One ``nas-env search`` run: its directory model, reading it back, and carrying it out.

==========================  ============================================================
``benchmarks.run.spec``     :class:`RunSpec` (what defines the results) and :class:`RunOptions`
``benchmarks.run.layout``   the files of a run directory; when a directory can take a run
``benchmarks.run.files``    atomic JSON writes, lenient reads
``benchmarks.run.record``   :class:`RunRecord` / ``load_run``: a run directory read back
``benchmarks.run.search``   ``run_search``: open, resume, search, finish
``benchmarks.run.callbacks``  history writer, progress bar, TensorBoard
``benchmarks.run.summary``  ``summary.json`` and ``extras.json``
``benchmarks.run.environment``, ``benchmarks.run.machine``  ``make_env``; platform and versions
==========================  ============================================================
"""
