"""Plain helpers shared by test modules in several rooms (fixtures live in the ``conftest.py`` files).

Import them as ``from tests.helpers import ...``: every folder under ``tests/`` is a package, so pytest puts the
repository root on ``sys.path`` and names each test module by its dotted path (``tests.nas_env.test_env``).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import pkgutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["BEST_NB201_CELL", "REPO", "jsonl_records", "load_script", "play", "resolve", "tiny_filesystem", "wait_for"]

#: the repository root (tests/ is one of its folders)
REPO = Path(__file__).resolve().parents[1]

#: NAS-Bench-201's best CIFAR-10 cell (200-epoch test accuracy 94.37%, tied with index 13714; the lower index wins),
#: in the canonical string form the env and the README print
BEST_NB201_CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


def play(env: Any, tokens: Iterable[int], seed: int | None = None) -> tuple[Any, float, dict[str, Any]]:
    """One episode of a search env: ``reset(seed=seed)``, then ``tokens``; it must end (terminated, not truncated)
    at the last one. Returns the last observation, the reward and the info."""
    env.reset(seed=seed)
    for t in tokens:
        obs, reward, terminated, truncated, info = env.step(int(t))
    assert terminated and not truncated
    return obs, reward, info


def jsonl_records(path: Path) -> list[dict]:
    """The complete records of a JSON-lines file another process may be writing (``history.jsonl``): a last line
    cut short by a kill is left out; no file, no records."""
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip().endswith("}")]


def wait_for(predicate: Callable[[], object], timeout: float, what: str, poll: float = 0.05) -> None:
    """Return once ``predicate()`` is true; fail the test naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(poll)


def load_script(path: Path, module_name: str) -> ModuleType:
    """Import a script that is not part of a package (an example, a tutorial) as the module ``module_name``."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


def resolve(dotted: str) -> Any:
    """``nas_env.a.b``: a module, or a name in a module or (for a package) in one of its modules."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for i, name in enumerate(parts[cut:]):
            if hasattr(obj, name):
                obj = getattr(obj, name)
            elif i == 0 and hasattr(obj, "__path__"):  # e.g. nas_env.executors.RayExecutor (lazy: needs Ray)
                found = pkgutil.iter_modules(obj.__path__)
                modules = [importlib.import_module(f"{obj.__name__}.{m.name}") for m in found]
                obj = next((getattr(m, name) for m in modules if name in getattr(m, "__all__", ())), None)
                if obj is None:
                    raise AttributeError(f"{dotted}: no {name!r} in the package or its modules")
            else:
                raise AttributeError(f"{dotted}: no {name!r}")
        return obj
    raise ModuleNotFoundError(dotted)


@contextlib.contextmanager
def tiny_filesystem(folder: Path, size: str) -> Iterator[Callable[[str], None]]:
    """A real file system of ``size`` (tmpfs, e.g. ``"256k"``) mounted on ``folder`` while the block runs; yields
    ``remount(options)`` (e.g. ``"ro"``, ``"size=8m"``). Skips the test where this process may not mount (not root,
    no CAP_SYS_ADMIN, not Linux)."""
    import pytest

    folder.mkdir(parents=True, exist_ok=True)
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root on Linux")
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mount.stderr.decode().strip()}")

    def remount(options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True, capture_output=True)

    try:
        yield remount
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def process_tree(pid: int) -> dict[int, str]:
    """Every live process below ``pid``, with its command line."""
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                kids = Path(f"/proc/{p}/task/{t}/children").read_text().split()
            except OSError:
                continue
            for k in map(int, kids):
                if k not in found:
                    try:
                        found[k] = Path(f"/proc/{k}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                    except OSError:
                        continue
                    todo.append(k)
    return found
