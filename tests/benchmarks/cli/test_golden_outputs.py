"""The CLI's outputs stay what they were: small `search`, `report` and `benchmark` runs against a manifest.

The manifest (``tests/benchmarks/cli/golden/manifest.json``) holds a SHA-256 of every output file after removing what
legitimately changes between runs (timestamps, wall times, versions, the command line, absolute paths,
and the measured training seconds of real-training children). It was generated with the code from
before the layout change of issue 11 and must not move unless an output format changes on purpose:
regenerate with ``NAS_ENV_REGEN_GOLDEN=1 python -m pytest tests/benchmarks/cli/test_golden_outputs.py`` and say why in
the commit. Figures are checked for presence only (their bytes depend on the matplotlib version).
Module paths printed in text are written without the ``nas_env.`` namespace of issue 21
(``python -m nas_env.benchmarks.measure.x`` and ``python -m benchmarks.measure.x`` hash alike).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from nas_env.benchmarks.cli import main

GOLDEN = Path(__file__).parent / "golden" / "manifest.json"
CNN_KWARGS = {"num_layers": 2, "epochs": 1, "filter_sizes": [1, 3], "num_filters": [8, 16],
              "train_kwargs": {"max_train_samples": 400, "count_flops": False, "num_threads": 1}}
CASES: dict[str, list[list[str]]] = {
    "s_rf": [["search", "--env", "nas_env/NB201-v0", "--agent", "reinforce", "--budget", "40", "--seed", "3",
              "--out", "s_rf", "--no-progress"], ["report", "s_rf"]],
    "s_ev": [["search", "--env", "nas_env/NB201-v0", "--agent", "evolution", "--budget-seconds", "20000",
              "--seed", "1", "--out", "s_ev", "--no-progress"], ["report", "s_ev"]],
    "s_cnn": [["search", "--env", "nas_env/ZophLeCNN-v0", "--env-kwargs", json.dumps(CNN_KWARGS), "--agent",
               "reinforce", "--agent-kwargs", '{"m": 2}', "--budget", "4", "--seed", "3", "--out", "s_cnn",
               "--no-progress", "--executor", "none"], ["report", "s_cnn"]],
    "bench": [["benchmark", "--protocol", "nb201-cifar10", "--agents", "random,evolution,reinforce,grid",
               "--seeds", "2", "--budget", "6000", "--out", "bench", "--workers", "0", "--no-progress"]],
}
#: keys whose values are timings, machine facts or the command line
VOLATILE = {"wall_seconds", "total_wall_seconds", "versions", "machine", "argv", "command", "commands",
            "wall_seconds_last_invocation", "workers", "wall_seconds_mean"}
#: measured (not simulated) training time: only for real-training runs
MEASURED = {"cost_seconds", "total_cost_seconds", "simulated_hours"}
VOLATILE_LINE = re.compile(r"^(Generated |- \*\*(Wall time|Machine|Versions|Command)|\| (wall time|command) |"
                           r"wall seconds|cost hours|\d+ of \d+ runs finished|report: |Report built in )")

#: a module path of the repository's agents/ or benchmarks/ folder, installed under ``nas_env.`` since issue 21
MODULE_PATH = re.compile(r"\bnas_env\.(agents|benchmarks)\.")


def _scrub(obj: Any, drop: set[str], tmp: str) -> Any:
    if isinstance(obj, dict):
        return {k: _scrub(v, drop, tmp) for k, v in obj.items() if k not in drop}
    if isinstance(obj, list):
        return [_scrub(v, drop, tmp) for v in obj]
    if isinstance(obj, str):
        return obj.replace(tmp, "<tmp>")
    return obj


def normalise(path: Path, tmp: str, measured: bool) -> str:
    drop = VOLATILE | (MEASURED if measured else set())
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.dumps(_scrub(json.loads(text), drop, tmp), sort_keys=True)
    if path.suffix == ".jsonl":
        return "\n".join(json.dumps(_scrub(json.loads(x), drop, tmp), sort_keys=True) for x in text.splitlines())
    if path.suffix == ".csv":
        rows = list(csv.reader(io.StringIO(text)))
        keep = [i for i, name in enumerate(rows[0]) if "wall" not in name] if rows else []
        return "\n".join(",".join(r[i] for i in keep) for r in rows)
    text = MODULE_PATH.sub(r"\1.", text.replace(tmp, "<tmp>"))
    lines = [x for x in text.splitlines() if not VOLATILE_LINE.match(x.strip())]
    if measured:  # measured seconds and hours of real training
        lines = [re.sub(r"\d+\.\d+ (h|s)\b", "<t>", x) for x in lines]
    return "\n".join(lines)


def run_case(name: str, root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """Run one case in ``root``; returns {relative file: sha256 of its normalised content}."""
    cwd = os.getcwd()
    os.chdir(root)
    try:
        out = []
        for argv in CASES[name]:
            assert main(argv) == 0, argv
            out.append(capsys.readouterr().out)
    finally:
        os.chdir(cwd)
    (root / f"{name}.stdout").write_text("".join(out), encoding="utf-8")
    measured = name == "s_cnn"
    digests = {}
    for path in sorted([root / f"{name}.stdout", *(root / name).rglob("*")]):
        rel = path.relative_to(root).as_posix()
        if path.is_dir() or path.suffix in (".pkl", ".sqlite") or "-wal" in path.name or "-shm" in path.name:
            continue
        if path.suffix == ".png":
            digests[rel] = "png" if path.stat().st_size > 1000 else "empty png"
            continue
        digests[rel] = hashlib.sha256(normalise(path, str(root), measured).encode()).hexdigest()
    return digests


@pytest.mark.parametrize("name", list(CASES))
def test_outputs_match_the_manifest(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digests = run_case(name, tmp_path, capsys)
    manifest = json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}
    if os.environ.get("NAS_ENV_REGEN_GOLDEN"):
        manifest[name] = digests
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        pytest.skip("manifest regenerated")
    expected = manifest[name]
    assert sorted(digests) == sorted(expected), "the set of output files changed"
    changed = [f for f in expected if digests[f] != expected[f]]
    assert not changed, f"outputs changed: {changed}"
