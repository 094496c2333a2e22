"""The install claims one top-level name, ``nas_env`` (issue 21).

The package is installed into a fresh virtual environment, once editable and once from a built wheel,
next to a top-level ``agents`` package (a stand-in for the OpenAI Agents SDK, which owns that name) and
a top-level ``benchmarks`` folder (as torchrl's wheels install one). Then, from a directory holding the
user's own ``agents/`` and ``benchmarks/`` packages with ``PYTHONPATH=.``, ``nas-env search`` and the
README's Python snippet run, and ``import agents`` still gives the user's package.

The new environment sees every site-packages directory on this interpreter's path through a ``.pth`` file (for
gymnasium, torch, setuptools and pip, also where this interpreter is itself a venv that reaches another one's
packages through a ``.pth`` file), so nothing is downloaded; what is tested is where nas-env itself lands.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.helpers import BEST_NB201_CELL, REPO
from tests.project.readme import block

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, f"{cmd} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


def _outer_site_dirs() -> list[str]:
    """Every site-packages directory on this interpreter's path, in order: its own, and those it reached through
    ``.pth`` files (a light venv on top of another one). A ``.pth`` line puts a directory on the path but does not
    read the ``.pth`` files in it, so the new environment is given each of them."""
    dirs = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages") and Path(p).is_dir()]
    purelib = sysconfig.get_path("purelib")
    return dirs if purelib in dirs else [purelib, *dirs]


def _venv(where: Path) -> tuple[Path, Path]:
    """A fresh venv seeing this interpreter's packages; returns (python, its site-packages)."""
    _run([sys.executable, "-m", "venv", "--without-pip", str(where)], cwd=where.parent)
    python = where / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                     cwd=where).stdout.strip())
    (site / "outer.pth").write_text("".join(f"{d}\n" for d in _outer_site_dirs()), encoding="utf-8")
    # the colliding top-level names: the OpenAI Agents SDK's package and torchrl's benchmarks/ folder
    (site / "agents").mkdir()
    (site / "agents" / "__init__.py").write_text('WHO = "openai-agents stand-in"\n', encoding="utf-8")
    (site / "benchmarks").mkdir()
    (site / "benchmarks" / "conftest.py").write_text("", encoding="utf-8")
    return python, site


def _source_copy(dest: Path) -> Path:
    """The repository's files that git does not ignore (a wheel build writes build/ and *.egg-info beside them)."""
    listing = ["git", "ls-files", "--cached", "--others", "--exclude-standard"]
    files = subprocess.run(listing, cwd=REPO, capture_output=True, text=True).stdout.split()
    if not files:
        pytest.skip("not a git checkout: cannot list the files a wheel is built from")
    for name in files:
        if (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    return dest


def _user_dir(root: Path) -> Path:
    """A user's project: its own ``agents`` and ``benchmarks`` packages."""
    work = root / "project"
    for pkg in ("agents", "benchmarks"):
        (work / pkg).mkdir(parents=True)
        (work / pkg / "__init__.py").write_text(f'WHO = "the user\'s {pkg}"\n', encoding="utf-8")
    return work


@pytest.mark.parametrize("mode", ["editable", "wheel"])
def test_only_nas_env_is_installed_at_the_top_level(mode: str, tmp_path: Path) -> None:
    python, site = _venv(tmp_path / "venv")
    pip = [str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "-q"]
    if mode == "editable":
        _run([*pip, "-e", str(REPO)], cwd=tmp_path)
    else:
        src = _source_copy(tmp_path / "src")
        _run([str(python), "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
              "-w", str(tmp_path / "dist"), str(src)], cwd=tmp_path)
        (wheel,) = (tmp_path / "dist").glob("nas_env-*.whl")
        _run([*pip, str(wheel)], cwd=tmp_path)
        installed = {p.name for p in site.iterdir()} - {"outer.pth", "agents", "benchmarks", "__pycache__"}
        assert {n for n in installed if not n.endswith(".dist-info")} == {"nas_env"}, installed
        assert (site / "nas_env" / "agents" / "reinforce.py").is_file()
        assert (site / "nas_env" / "benchmarks" / "cli" / "__init__.py").is_file()

    work = _user_dir(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": "."}
    nas_env_cli = str(python.parent / "nas-env")
    _run([nas_env_cli, "search", "--env", "nas_env/NB201-v0", "--agent", "reinforce", "--budget", "5",
          "--seed", "0", "--out", "r", "--no-progress"], cwd=work, env=env)
    assert (work / "r" / "summary.json").is_file() and len((work / "r" / "history.jsonl").read_text().splitlines()) == 5

    snippet = block('gym.make("nas_env/NB201-v0", dataset="cifar10", fidelity=200)')
    out = _run([str(python), "-c", snippet], cwd=work, env=env).stdout.splitlines()
    assert out[0] == BEST_NB201_CELL

    who = _run([str(python), "-c", "import agents, benchmarks, nas_env.agents, nas_env.benchmarks.cli; "
                "print(agents.WHO); print(benchmarks.WHO); print(nas_env.agents.__file__)"], cwd=work, env=env)
    lines = who.stdout.splitlines()
    assert lines[:2] == ["the user's agents", "the user's benchmarks"]
    expected_root = REPO / "agents" if mode == "editable" else site / "nas_env" / "agents"
    assert Path(lines[2]).resolve() == (expected_root / "__init__.py").resolve()
    # without the user's folder, the stand-in SDK keeps its name
    sdk = _run([str(python), "-c", "import agents; print(agents.WHO)"], cwd=tmp_path, env={**env, "PYTHONPATH": ""})
    assert sdk.stdout.strip() == "openai-agents stand-in"


def _install_cell() -> str:
    """The install cell the tutorials' notebooks start with (the same in every tutorial)."""
    sources = sorted((REPO / "docs" / "tutorials").glob("0*.py"))
    cells = {p.read_text(encoding="utf-8").split('# %% tags=["install"]\n', 1)[1].split("\n# %%", 1)[0]
             for p in sources}
    assert len(sources) == 6 and len(cells) == 1
    return cells.pop()


def test_the_notebook_install_cell_installs_a_wheel_or_the_checkout_and_never_guesses(tmp_path: Path) -> None:
    # nas-env is not on PyPI: the cell installs what NAS_ENV_PIP names, else the checkout it sits in, else stops
    # with what to set (it once ran `pip install nas-env`, which fails, or installs another project of that name)
    cell = _install_cell()
    src = _source_copy(tmp_path / "src")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", str(tmp_path / "dist"), str(src)], cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("nas_env-*.whl")
    offline = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NAS_ENV_PIP")} | {
        "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0"}  # pip's quirk: 0 turns build isolation off
    check = "import nas_env, nas_env.agents; print(nas_env.__file__)"

    python, site = _venv(tmp_path / "a")
    (tmp_path / "elsewhere").mkdir()
    out = subprocess.run([str(python), "-c", cell], cwd=tmp_path / "elsewhere", env=offline, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 1 and "not on PyPI: set os.environ['NAS_ENV_PIP'] to a wheel" in out.stderr
    assert not (site / "nas_env").exists()
    _run([str(python), "-c", cell], cwd=tmp_path / "elsewhere", env={**offline, "NAS_ENV_PIP": str(wheel)})
    assert Path(_run([str(python), "-c", check], cwd=tmp_path / "elsewhere", env=offline).stdout.strip()) == (
        site / "nas_env" / "__init__.py")
    _run([str(python), "-c", cell], cwd=tmp_path / "elsewhere", env=offline)  # installed: does nothing

    python, site = _venv(tmp_path / "b")
    _run([str(python), "-c", cell], cwd=src / "docs" / "notebooks", env=offline)  # a notebook in a checkout
    assert (site / "nas_env" / "agents" / "reinforce.py").is_file()
