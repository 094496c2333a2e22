"""How the suite itself runs (tests/conftest.py): the README's command spreads it over two pytest-xdist processes test
by test, except the modules that build module-scoped fixtures, each run whole in one process; the temporary files
of what the tests run stay in the suite's own folder, removed at the end."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from tests.conftest import GROUPED_MODULES, xdist_group
from tests.helpers import REPO

#: two grouped modules of many quick tests (plain load balancing spreads each over both processes) and an ungrouped one
GROUPED, SPREAD = ("tests/benchmarks/protocols/test_protocols.py", "tests/nas_env/training/test_datasets.py"), \
    "tests/nas_env/test_validation.py"


#: a test that leaves a folder in the temporary folder, in its process and in a subprocess, as Stable-Baselines3's
#: logger, the tutorials and Chromium do
LEAVES = "tests/project/test_suite_layout.py::test_temporary_files_go_to_the_suites_own_folder"


def test_temporary_files_go_to_the_suites_own_folder(tmp_path):
    own = Path(tempfile.gettempdir())
    assert own.name.startswith("nas-env-tests-") and os.environ["TMPDIR"] == str(own)
    assert Path(tempfile.mkdtemp(prefix="left-here-")).parent == own
    child = subprocess.run([sys.executable, "-c", "import tempfile; print(tempfile.mkdtemp(prefix='left-there-'))"],
                           capture_output=True, text=True, timeout=60, check=True)
    assert Path(child.stdout.strip()).parent == own
    assert own not in tmp_path.parents  # pytest's own folders stay where pytest keeps them


def test_a_grouped_module_runs_in_one_test_process_and_no_temporary_file_is_left(tmp_path):
    """The run of the README's command (two test processes) also leaves nothing in the system's temporary folder but
    pytest's own folders."""
    system = tmp_path / "system"
    system.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTEST_DEBUG_TEMPROOT", "RAY_TMPDIR")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-m", "quick", *GROUPED,
                           SPREAD, LEAVES], cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**env, "TMPDIR": str(system)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert LEAVES in done.stdout
    assert [p.name for p in system.iterdir() if not p.name.startswith("pytest-of-")] == []
    workers: dict[str, set[str]] = defaultdict(set)
    for worker, nodeid in re.findall(r"^\[(gw\d+)\] \[ *\d+%\] PASSED (\S+)", done.stdout, flags=re.M):
        workers[nodeid.split("::")[0]].add(worker)
    assert set(workers) == {*GROUPED, SPREAD, LEAVES.split("::")[0]}, done.stdout[-3000:]
    assert {module: len(workers[module]) for module in GROUPED} == {module: 1 for module in GROUPED}, dict(workers)
    assert set().union(*workers.values()) == {"gw0", "gw1"}, dict(workers)


def test_grouped_modules_are_those_with_module_scoped_fixtures():
    tests = REPO / "tests"
    scoped = {path.relative_to(REPO).as_posix() for path in tests.rglob("test_*.py")
              if re.search(r"""scope=["'](module|package|session)["']""", path.read_text(encoding="utf-8"))}
    assert scoped == set(GROUPED_MODULES)
    assert xdist_group(f"{GROUPED[0]}::test_x[a]") == GROUPED[0]
    assert xdist_group(f"{SPREAD}::test_x[a]") == f"{SPREAD}::test_x[a]"
