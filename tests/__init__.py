"""nas-env's tests, one folder per room of the code: ``nas_env/`` (with ``envs/``, ``spaces/``, ``models/``,
``evaluators/``, ``training/``, ``executors/``), ``agents/``, ``benchmarks/`` (``cli/``, ``run/``, ``protocols/``,
``report/``, ``measure/``) and ``project/`` (the README, the docs and notebooks, the examples, the install).

Every folder is a package, so test modules may share a basename and import shared helpers as
``tests.helpers`` or ``tests.<room>.<module>``; fixtures are in the ``conftest.py`` files.
"""
