"""A command imports what it uses. A search with an agent that needs no torch (``random``, ``grid``, ``evolution``
on a table), its report, and a benchmark of such agents with its worker processes and its report never import
torch: ``import torch`` costs a process 1-2 s of CPU before any work (more where ``torch._dynamo`` follows), which
every short command and every benchmark worker paid before. A torch agent imports torch when it is named.

Each command runs in a fresh interpreter with ``PYTHONPROFILEIMPORTTIME=1`` (inherited by its worker processes),
and the test reads which top-level packages any of them imported from that record on stderr.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nas_env.agents.registry import BUILTIN_AGENTS, BUILTIN_MODULES, agent_class, agent_names
from tests.helpers import REPO

#: the console script's two lines
SCRIPT = "import sys; from nas_env.benchmarks.cli import main; sys.exit(main())"
HEAVY = ("torch", "stable_baselines3", "optuna")


def imports_of(*args: str, cwd: Path) -> list[str]:
    """The heavy packages (:data:`HEAVY`) that ``nas-env ARGS`` or any of its processes imported; the command must
    succeed."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1",
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = {m.group(1) for m in re.finditer(r"^import time:.*\|\s*(\w+)$", proc.stderr, re.MULTILINE)}
    return sorted(found & set(HEAVY))


@pytest.mark.parametrize("agent", ["random", "grid", "evolution"])
def test_a_table_search_and_its_report_import_no_torch(tmp_path: Path, agent: str) -> None:
    run = tmp_path / "run"
    assert imports_of("search", "--env", "nas_env/NB201-v0", "--agent", agent, "--budget", "20", "--seed", "0",
                      "--out", str(run), "--no-progress", cwd=tmp_path) == []
    assert (run / "history.jsonl").is_file()
    assert imports_of("report", str(run), cwd=tmp_path) == []
    assert (run / "report.md").is_file()


def test_a_table_benchmark_its_workers_and_its_report_import_no_torch(tmp_path: Path) -> None:
    # nb201-cifar10 publishes REINFORCE's number: its report compares rows that run that agent, and has none here
    out = tmp_path / "bench"
    assert imports_of("benchmark", "--protocol", "nb201-cifar10", "--agents", "random,evolution", "--seeds", "2",
                      "--budget", "3000", "--workers", "2", "--no-progress", "--out", str(out), cwd=tmp_path) == []
    assert (out / "report.md").is_file()
    assert len(list((out / "runs").glob("*/seed*/history.jsonl"))) == 4


def torch_threads_in_this_process() -> tuple[bool, int]:
    """(whether torch was loaded before this call, torch's intra-op threads): run in a benchmark worker."""
    loaded = "torch" in sys.modules
    import torch

    return loaded, torch.get_num_threads()


def test_a_benchmark_worker_that_imports_torch_later_runs_it_on_one_thread() -> None:
    # the pool's workers no longer import torch to set its threads; the environment they set does it
    from nas_env.benchmarks.harness.runner import worker_pool

    with worker_pool(1) as pool:
        assert pool.submit(torch_threads_in_this_process).result(timeout=300) == (False, 1)


def test_a_torch_agent_imports_torch_when_named(tmp_path: Path) -> None:
    assert imports_of("search", "--env", "nas_env/NB201-v0", "--agent", "reinforce-table", "--budget", "5",
                      "--out", str(tmp_path / "run"), "--no-progress", cwd=tmp_path) == ["torch"]


def test_the_built_in_agents_are_listed_without_importing_them() -> None:
    code = ("import sys; from nas_env.agents import agent_names; from nas_env.agents.registry import BUILTIN_AGENTS; "
            "print(agent_names() == sorted(BUILTIN_AGENTS), sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{HEAVY!r}))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.stdout.split() == ["True", "[]"], proc.stderr


def test_each_built_in_name_is_registered_by_the_module_listed_for_it() -> None:
    for name, module in BUILTIN_AGENTS.items():
        cls = agent_class(name)
        assert (cls.name, cls.__module__) == (name, module)
    assert set(BUILTIN_AGENTS) <= set(agent_names())  # (this process may hold a test's own agents too)
    # every module of the package that registers an agent is listed (a new built-in cannot be forgotten)
    registering = {f"nas_env.agents.{p.stem}" for p in (REPO / "agents").glob("*.py")
                   if re.search(r"^@register_agent\(", p.read_text(encoding="utf-8"), re.MULTILINE)}
    assert registering == set(BUILTIN_MODULES)


def test_the_package_exports_its_torch_agents_on_first_access() -> None:
    import nas_env.agents as agents
    from nas_env.agents.reinforce import Reinforce

    assert agents.Reinforce is Reinforce
    assert {"Reinforce", "PPOAgent", "ReinforceTableConfig"} <= set(dir(agents)) and set(agents.__all__) <= set(
        dir(agents))
    with pytest.raises(AttributeError, match="'nas_env.agents' has no attribute 'Nope'"):
        agents.Nope  # noqa: B018
