"""How the suite itself runs (tests/conftest.py): the README's command spreads it over two pytest-xdist processes test
by test, except the modules that build module-scoped fixtures, each run whole in one process."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict

from tests.conftest import GROUPED_MODULES, xdist_group
from tests.helpers import REPO

#: two grouped modules of many quick tests (plain load balancing spreads each over both processes) and an ungrouped one
GROUPED, SPREAD = ("tests/benchmarks/protocols/test_protocols.py", "tests/nas_env/training/test_datasets.py"), \
    "tests/nas_env/test_validation.py"


def test_a_grouped_module_runs_in_one_test_process():
    done = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-m", "quick", *GROUPED,
                           SPREAD], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    workers: dict[str, set[str]] = defaultdict(set)
    for worker, nodeid in re.findall(r"^\[(gw\d+)\] \[ *\d+%\] PASSED (\S+)", done.stdout, flags=re.M):
        workers[nodeid.split("::")[0]].add(worker)
    assert set(workers) == {*GROUPED, SPREAD}, done.stdout[-3000:]
    assert {module: len(workers[module]) for module in GROUPED} == {module: 1 for module in GROUPED}, dict(workers)
    assert set().union(*workers.values()) == {"gw0", "gw1"}, dict(workers)


def test_grouped_modules_are_those_with_module_scoped_fixtures():
    tests = REPO / "tests"
    scoped = {path.relative_to(REPO).as_posix() for path in tests.rglob("test_*.py")
              if re.search(r"""scope=["'](module|package|session)["']""", path.read_text(encoding="utf-8"))}
    assert scoped == set(GROUPED_MODULES)
    assert xdist_group(f"{GROUPED[0]}::test_x[a]") == GROUPED[0]
    assert xdist_group(f"{SPREAD}::test_x[a]") == f"{SPREAD}::test_x[a]"
