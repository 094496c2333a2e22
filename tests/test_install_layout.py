"""The installed ``benchmarks`` package is this project's, also next to torchrl.

Every torchrl wheel (0.11-0.14) installs a top-level ``benchmarks/`` folder without ``__init__.py``
into site-packages. With setuptools' default editable install (a meta-path finder consulted after
site-packages) that namespace folder shadowed our package and ``nas-env`` failed to start;
``package_dir={"": "."}`` in setup.py makes the editable install a plain path entry, where our
regular package wins over the namespace portion.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _clean_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # as a user's shell has it: only what was installed
    return env


def test_torchrl_ships_a_benchmarks_folder_and_ours_still_wins(tmp_path):
    pytest.importorskip("torchrl")
    files = md.distribution("torchrl").files or []
    if not any(str(f).startswith("benchmarks/") for f in files):
        pytest.skip("this torchrl wheel has no top-level benchmarks/ folder: nothing to shadow ours")
    code = "import benchmarks, benchmarks.cli, torchrl; print(benchmarks.__file__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_clean_env(), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()).resolve() == REPO / "benchmarks" / "__init__.py"


def test_the_console_script_starts_from_any_directory(tmp_path):
    exe = shutil.which("nas-env", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("nas-env is not installed in this interpreter's environment")
    out = subprocess.run([exe, "benchmark", "--help"], cwd=tmp_path, env=_clean_env(), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "--protocol" in out.stdout and "published algorithms" in out.stdout
