"""``nas-env report DIR`` on a single search run (benchmarks/report/run/report.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from nas_env.agents.history import HistoryError, read_history  # noqa: E402
from nas_env.benchmarks.cli import main as cli_main  # noqa: E402
from nas_env.benchmarks.report import build_run_report  # noqa: E402
from nas_env.benchmarks.report.run.data import top_architectures  # noqa: E402
from nas_env.benchmarks.run.directory import is_benchmark_dir, is_run_dir  # noqa: E402
from nas_env.benchmarks.run.search import run_search  # noqa: E402

NB201 = "nas_env/NB201-v0"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def reinforce_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "reinforce"
    run_search(NB201, {}, "reinforce", {"lr": 0.01}, 48, seed=0, out_dir=out, progress=False)
    return out


@pytest.fixture(scope="module")
def random_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "random"
    run_search(NB201, {}, "random", {}, 24, seed=1, out_dir=out, progress=False)
    return out


def _assert_png(path: Path) -> None:
    from matplotlib.image import imread

    assert path.read_bytes()[:8] == PNG_MAGIC, path
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 400, (path, image.shape)
    assert np.ptp(image[..., :3]) > 0.5, f"{path} looks blank"


def test_reinforce_run_report(reinforce_run: Path) -> None:
    assert is_run_dir(reinforce_run) and not is_benchmark_dir(reinforce_run)
    assert cli_main(["report", str(reinforce_run)]) == 0
    figures = reinforce_run / "figures"
    names = {"rewards.png", "token_probabilities.png", "controller.png", "top_architectures.png"}
    assert names <= {p.name for p in figures.iterdir()}
    for name in names:
        _assert_png(figures / name)
    report = (reinforce_run / "report.md").read_text()
    summary = json.loads((reinforce_run / "summary.json").read_text())
    best_arch = summary["best"]["arch"]
    assert f"`{best_arch}`" in report  # the best architecture, spelled out
    assert best_arch.replace("|", "\\|") in report  # and in the top-k table, with its pipes escaped
    rank = summary["reference_optimum"]["best_found_rank"]
    assert f"ranks {rank['rank']:,} of 15,625 in the table" in report
    for name in names:
        assert f"(figures/{name})" in report
    extras = json.loads((reinforce_run / "extras.json").read_text())
    for decision in extras["snapshots"]["decision_names"]:
        assert f"| {decision} |" in report
    assert "No controller figures" not in report
    diag, snaps = extras["diagnostics"], extras["snapshots"]
    ent = diag["entropy_per_token"]
    assert f"- {len(diag['update'])} policy updates; {len(snaps['evaluations'])} snapshots kept" in report
    assert f"- entropy per token: {ent[0]:.3f} → {ent[-1]:.3f} nats" in report
    assert "| budget | 48 evaluations |" in report
    assert "first vs last quarter" in report


def test_random_run_report_has_no_controller_figures(random_run: Path) -> None:
    stale = random_run / "figures" / "controller.png"
    stale.parent.mkdir(exist_ok=True)
    stale.write_bytes(b"stale")  # a leftover from an earlier report must not survive
    path = build_run_report(random_run)
    report = path.read_text()
    assert "No controller figures" in report and "`random`" in report
    figures = {p.name for p in (random_run / "figures").iterdir()}
    assert figures == {"rewards.png", "top_architectures.png"}
    _assert_png(random_run / "figures" / "rewards.png")


def test_top_architectures_are_distinct_and_sorted(random_run: Path) -> None:
    history = read_history(random_run / "history.jsonl")
    doubled = history + history  # every architecture twice
    top = top_architectures(doubled, k=4)
    assert len({e.arch for e in top}) == len(top) == 4
    assert [e.reward for e in top] == sorted((e.reward for e in top), reverse=True)
    assert all(e.index < len(history) for e in top)  # the first evaluation of each architecture


def test_report_rejects_other_directories(tmp_path: Path, random_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["report", str(tmp_path)]) == 2
    assert "neither" in capsys.readouterr().err
    assert cli_main(["report", str(random_run), "--agents", "random"]) == 2
    assert "--agents" in capsys.readouterr().err


def test_report_reads_history_by_the_one_rule(tmp_path: Path, random_run: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(random_run, run)
    lines = (run / "history.jsonl").read_text().splitlines()
    (run / "history.jsonl").write_text("\n".join([*lines, '{"index": 24, "ar']) + "\n")  # a torn last write
    report = build_run_report(run).read_text()
    assert f"| evaluations | {len(lines)} (0 failed) |" in report
    (run / "history.jsonl").write_text("\n".join([*lines[:3], "{corrupt", *lines[3:]]) + "\n")
    with pytest.raises(HistoryError, match="line 4"):
        build_run_report(run)
    (run / "history.jsonl").write_text("")
    with pytest.raises(ValueError, match="no evaluations"):
        build_run_report(run)


def test_rewards_text_names_the_rolling_median_the_figure_draws(random_run: Path) -> None:
    """Issue 26: the text said "rolling mean" where ``plot_rewards`` draws a rolling median."""
    import inspect

    from nas_env.benchmarks.report.run import plots

    assert "np.median(rewards[" in inspect.getsource(plots.rolling_median)  # what the figure draws
    assert "rolling_median(rewards)" in inspect.getsource(plots.plot_rewards)
    report = build_run_report(random_run).read_text()
    assert "orange: a rolling median" in report and "rolling mean" not in report
