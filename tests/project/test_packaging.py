"""The package tells the truth about itself (issue 23): its version, its dependencies, its licences, its hints.

* ``nas-env --version`` prints ``nas_env.__version__``, the one source setup.py reads;
* every third-party package the code imports is a declared requirement (``install_requires``), or an
  extra's package imported only by that extra's own modules (scipy was imported by the report undeclared);
* every ``pip install`` hint in an error message or docstring names an extra that setup.py defines, or a
  package one of its extras lists;
* the licence text the Apache-2.0 data asks for ships inside the package (section 4(a)).
"""

from __future__ import annotations

import ast
import re
import sys

import pytest

from nas_env import __version__
from nas_env.benchmarks.cli import main
from tests.helpers import REPO

SETUP = (REPO / "setup.py").read_text(encoding="utf-8")
SOURCES = [p for folder in ("nas_env", "agents", "benchmarks") for p in (REPO / folder).rglob("*.py")]
#: the import name of each distribution the code may import
IMPORT_NAMES = {"scikit-learn": "sklearn", "stable-baselines3": "stable_baselines3", "sb3-contrib": "sb3_contrib",
                "pyyaml": "yaml", "dm-tree": "tree", "tensorboardx": "tensorboardX"}


def _requirements(block: str) -> set[str]:
    """Distribution names in a setup.py list literal's text."""
    return {re.split(r"[<>=\[ ;]", req)[0].lower() for req in re.findall(r'"([A-Za-z0-9_.\-\[\]]+[^"]*)"', block)}


def _install_requires() -> set[str]:
    return _requirements(re.search(r"install_requires=\[(.*?)\]", SETUP, re.S).group(1))


def _extras() -> dict[str, set[str]]:
    block = re.search(r"EXTRAS = \{(.*?)\n\}", SETUP, re.S).group(1)
    return {name: _requirements(reqs) for name, reqs in re.findall(r'"([a-z0-9-]+)": \[(.*?)\]', block, re.S)}


def test_version_is_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"nas-env {__version__}"
    assert "version=VERSION" in SETUP and re.match(r"^\d+\.\d+\.\d+$", __version__)


#: the only modules that may import each optional package (an extra's feature), always inside a function or a
#: module that nothing on the core path imports
OPTIONAL_USERS = {
    "optuna": ("agents/optuna_agent.py", "agents/optuna_state.py", "benchmarks/export/optuna_storage.py"),
    "sqlalchemy": ("benchmarks/export/optuna_storage.py",),  # Optuna's own dependency (its RDB storage)
    "ray": ("nas_env/executors/ray_executor.py", "benchmarks/measure/parallel_scaling.py"),
    "stable_baselines3": ("agents/ppo.py",),
    "sb3_contrib": ("agents/ppo.py",),
    "tensorboard": ("benchmarks/run/tensorboard.py",),
    "nas_bench_graph": ("nas_env/evaluators/nbgraph_table.py",),
}


def test_every_imported_package_is_declared_or_belongs_to_an_extra() -> None:
    declared = {IMPORT_NAMES.get(d, d.replace("-", "_")) for d in _install_requires()}
    stdlib = set(sys.stdlib_module_names) | {"nas_env", "__future__"}
    wrong = []
    for path in SOURCES:
        rel = path.relative_to(REPO).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # lazy imports too
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            for top in {name.split(".")[0] for name in names} - stdlib - declared:
                if rel not in OPTIONAL_USERS.get(top, ()):
                    wrong.append(f"{rel}: {top}")
    assert not wrong, f"imported but neither in install_requires nor an extra's own module: {wrong}"


def test_install_hints_name_extras_and_packages_that_exist() -> None:
    extras = _extras()
    known = {d for deps in extras.values() for d in deps} | _install_requires() | {"torch"}
    hints = [(p, m) for p in SOURCES for m in re.findall(r"pip install ([^`\"()]+)", p.read_text(encoding="utf-8"))]
    assert len(hints) >= 5
    for path, hint in hints:
        for word in hint.split():
            if word.startswith("-"):
                continue
            extra = re.fullmatch(r"'?\.\[([a-z0-9,-]+)\]'?", word)
            if extra:
                assert set(extra.group(1).split(",")) <= set(extras), (path, hint)
            else:
                assert word.strip("'\"").lower() in known, (path, hint, word)


def test_the_apache_licence_text_ships_with_the_data() -> None:
    text = (REPO / "nas_env" / "data" / "licenses" / "Apache-2.0.txt").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text
    assert "data/licenses/*.txt" in SETUP
    assert "nas_env/data/licenses/Apache-2.0.txt" in (REPO / "NOTICE").read_text(encoding="utf-8")
