"""The house's floors (README, Layout): imports flow down, never back up; modules stay small (issue 21).

Floors, lowest first: ``nas_env`` (the environment library), ``nas_env.agents``, then the harness's
rooms ``run``, ``protocols``, ``harness``, ``report``, ``suite``, ``cli``, and on top the measurement scripts,
which nothing imports. Read from the source with ``ast`` (nothing is imported).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import REPO

FLOORS = ["nas_env", "nas_env.agents", "nas_env.benchmarks.run", "nas_env.benchmarks.protocols",
          "nas_env.benchmarks.harness", "nas_env.benchmarks.report", "nas_env.benchmarks.export",
          "nas_env.benchmarks.suite", "nas_env.benchmarks.cli", "nas_env.benchmarks.measure"]
#: the repository folder of each installed package (setup.py's package_dir)
FOLDERS = {"nas_env": "nas_env", "agents": "nas_env.agents", "benchmarks": "nas_env.benchmarks"}
MAX_LINES = 300


def floor(module: str) -> int | None:
    """The index in FLOORS of the deepest floor ``module`` belongs to (None: not ours)."""
    found = None
    for i, name in enumerate(FLOORS):
        if module == name or module.startswith(name + "."):
            found = i
    return found


def modules() -> dict[str, Path]:
    """Every module of the package, by its installed dotted name."""
    out = {}
    for folder, package in FOLDERS.items():
        for path in (REPO / folder).rglob("*.py"):
            parts = list(path.relative_to(REPO / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


def imported(path: Path, name: str) -> set[str]:
    """The absolute module names ``path`` imports (relative imports resolved against ``name``)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


def test_no_import_runs_back_up_a_floor() -> None:
    mods = modules()
    assert {"nas_env.agents.base", "nas_env.benchmarks.cli", "nas_env.benchmarks.measure.learning"} <= set(mods)
    upward = []
    for name, path in mods.items():
        mine = floor(name)
        for target in imported(path, name):
            theirs = floor(target)
            if target in mods and theirs is not None and mine is not None and theirs > mine:
                upward.append(f"{name} imports {target}")
    assert not upward, upward


def test_the_child_builders_and_trainers_import_no_evaluator_or_env() -> None:
    """Inside nas_env, models/ and training/ sit below evaluators/ and envs/ (they build and train a child)."""
    above = ("nas_env.evaluators", "nas_env.envs")
    upward = [f"{name} imports {target}" for name, path in modules().items()
              if name.startswith(("nas_env.models", "nas_env.training"))
              for target in imported(path, name) if target.startswith(above)]
    assert not upward, upward


def test_the_measurement_scripts_are_imported_by_nothing() -> None:
    mods = modules()
    users = {name for name, path in mods.items() if not name.startswith("nas_env.benchmarks.measure")
             and any(t.startswith("nas_env.benchmarks.measure") for t in imported(path, name))}
    scripts = {name for name in mods if name.startswith("nas_env.benchmarks.measure.")}
    cross = {name for name in scripts if any(t in scripts and t != name for t in imported(mods[name], name))}
    assert len(scripts) >= 10 and not users and not cross, (users, cross)


def test_no_module_is_over_300_lines() -> None:
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


def test_the_floor_rule_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from nas_env.benchmarks.report import build_report\nfrom . import y\n", encoding="utf-8")
    assert "nas_env.benchmarks.report" in imported(bad, "nas_env.agents.x")
    assert "nas_env.agents.y" in imported(bad, "nas_env.agents.x")
    assert floor("nas_env.benchmarks.report.stats") > floor("nas_env.agents.x")
