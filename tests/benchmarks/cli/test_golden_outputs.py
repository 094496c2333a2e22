"""The CLI's outputs stay what they were: small `search`, `report` and `benchmark` runs against a manifest.

The manifest (``tests/benchmarks/cli/golden/manifest.json``) fingerprints every output file after removing
what legitimately changes between runs (timestamps, wall times, versions, the command line, absolute paths,
and the measured training seconds of real-training children). A fingerprint is the SHA-256 of the
normalised text with every decimal number replaced by ``<f>`` -- its skeleton: keys, architectures,
tokens, counts, statuses, exact -- plus, where the file has decimal numbers, the numbers themselves,
compared to a tolerance (issue 23): floats that go through torch's vectorised kernels or MKL (the
controller's entropy per token and what is derived from it) differ in their last bits between CPUs.
Measured on one machine under another CPU's numerics (``ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE``):
at most 9.6e-7 relative; :data:`REL_TOL` allows ten times that. A number printed rounded (``93.95``) may
also differ by one unit of its last printed digit. Table values, chosen architectures and histories keep
their power: a different architecture changes the skeleton, a different table entry changes a number by
far more than the tolerance. The manifest must not move unless an output changes on purpose:
regenerate with ``NAS_ENV_REGEN_GOLDEN=1 python -m pytest tests/benchmarks/cli/test_golden_outputs.py`` and say why in
the commit. Figures are checked for presence only (their bytes depend on the matplotlib version).
``report.html`` is normalised as ``report.md`` is (its lines' text without tags), its embedded pictures removed.
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
#: the same lines in report.html, matched on their text with the tags removed (issue 26)
VOLATILE_HTML = re.compile(r"^(Generated |(Wall time|Machine|Versions|Command)\b|(wall time|command)\b|"
                           r"Report built in )")
TAG = re.compile(r"<[^>]*>")
#: a picture embedded in report.html: its bytes depend on the matplotlib version, like the PNG files'
PNG_DATA = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")

#: the search wall time column of the benchmark report's compute table (section 3c: agent, runs, search wall time,
#: children's training, ...): a time measured on this machine, in Markdown and in report.html
SEARCH_WALL_MD = re.compile(r"^(\| [^|]+ \| \d+ \| )[\d,.]+ (?:s|min|h)( \| [\d,.]+ s \|)")
SEARCH_WALL_HTML = re.compile(r"(<tr><td>[^<]+</td><td>\d+</td><td>)[\d,.]+ (?:s|min|h)(</td><td>[\d,.]+ s</td>)")

#: relative tolerance of full-precision floats (see the module docstring)
REL_TOL = 1e-5
#: a decimal number in normalised text (not part of a word, a version string or a hexadecimal digest)
DECIMAL = re.compile(r"(?<![\w.])-?(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)(?![\w.])")

#: files that write floats at full precision (``repr``); the others print them rounded
JSON_OR_CSV = (".json", ".jsonl", ".csv")
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
    if path.suffix == ".html":
        text = PNG_DATA.sub("data:image/png;base64,<png>", text)
        lines = [x for x in text.splitlines() if not VOLATILE_HTML.match(TAG.sub(" ", x).strip())]
    else:
        lines = [x for x in text.splitlines() if not VOLATILE_LINE.match(x.strip())]
    lines = [SEARCH_WALL_MD.sub(r"\1<wall>\2", SEARCH_WALL_HTML.sub(r"\1<wall>\2", x)) for x in lines]
    if measured:  # measured seconds and hours of real training
        lines = [re.sub(r"\d+\.\d+ (h|s)\b", "<t>", x) for x in lines]
    return "\n".join(lines)


def fingerprint(text: str, rounded: bool = False) -> str | dict[str, Any]:
    """The SHA-256 of ``text``'s skeleton; with its decimal numbers (as written) where it has any.

    ``rounded``: the text prints numbers rounded (Markdown, the console), so each may also differ by one
    unit of its last digit; JSON and CSV write full-precision floats (Python's ``repr``).
    """
    digest = hashlib.sha256(DECIMAL.sub("<f>", text).encode()).hexdigest()
    numbers = DECIMAL.findall(text)
    if not numbers:
        return digest
    return {"sha256": digest, "numbers": numbers, **({"rounded": True} if rounded else {})}


def _close(expected: str, got: str, rounded: bool) -> bool:
    """``got`` within :data:`REL_TOL` of ``expected`` (or, ``rounded``, one unit of its last digit)."""
    a, b = float(expected), float(got)
    slack = REL_TOL * max(abs(a), abs(b))
    if rounded:
        mantissa, _, exponent = expected.lower().partition("e")
        slack = max(slack, 10.0 ** (int(exponent or 0) - len(mantissa.partition(".")[2])) * (1 + 1e-9))
    return abs(a - b) <= slack


def differences(expected: str | dict[str, Any], got: str | dict[str, Any]) -> str | None:
    """What differs between two fingerprints (``None``: equal up to the tolerance)."""
    if isinstance(expected, str) or isinstance(got, str):
        return None if expected == got else "changed"
    if expected["sha256"] != got["sha256"] or len(expected["numbers"]) != len(got["numbers"]):
        return "changed beyond its numbers"
    rounded = bool(expected.get("rounded"))
    off = [(i, e, g) for i, (e, g) in enumerate(zip(expected["numbers"], got["numbers"])) if not _close(e, g, rounded)]
    return None if not off else f"{len(off)} numbers off, first {off[:3]}"


def run_case(name: str, root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """Run one case in ``root``; returns {relative file: fingerprint of its normalised content}."""
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
    digests: dict[str, Any] = {}
    for path in sorted([root / f"{name}.stdout", *(root / name).rglob("*")]):
        rel = path.relative_to(root).as_posix()
        if path.is_dir() or path.suffix in (".pkl", ".npz", ".sqlite") or "-wal" in path.name or "-shm" in path.name:
            continue
        if path.suffix == ".png":
            digests[rel] = "png" if path.stat().st_size > 1000 else "empty png"
            continue
        digests[rel] = fingerprint(normalise(path, str(root), measured), rounded=path.suffix not in JSON_OR_CSV)
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
    changed = {f: why for f in expected if (why := differences(expected[f], digests[f]))}
    assert not changed, f"outputs changed: {changed}"


def test_the_comparison_keeps_its_power() -> None:
    """Last bits pass; a changed number, a rounding off by more than one digit or a changed word do not."""
    line = '{{"entropy": {}, "reward": {}, "arch": "|{}~0|"}}'
    base = fingerprint(line.format(1.608731746673584, 0.9137, "nor_conv_3x3"))
    assert differences(base, fingerprint(line.format(1.6087327, 0.9137, "nor_conv_3x3"))) is None  # last bits
    assert differences(base, fingerprint(line.format(1.6088, 0.9137, "nor_conv_3x3")))
    assert differences(base, fingerprint(line.format(1.608731746673584, 0.9138, "nor_conv_3x3")))  # a table entry
    assert differences(base, fingerprint(line.format(1.608731746673584, 0.9137, "nor_conv_1x1")))  # an architecture
    printed = fingerprint("| reinforce | 93.95 | 0.31 |", rounded=True)
    assert differences(printed, fingerprint("| reinforce | 93.96 | 0.31 |", rounded=True)) is None  # rounding
    assert differences(printed, fingerprint("| reinforce | 93.97 | 0.31 |", rounded=True))
    assert differences(printed, fingerprint("| evolution | 93.95 | 0.31 |", rounded=True))
    assert DECIMAL.findall("torch 2.13.0, seed0, 1e-05, a1e5f, -0.5, x2.5") == ["1e-05", "-0.5"]
