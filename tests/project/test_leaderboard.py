"""The README's leaderboard is the committed output of ``nas-env suite`` (docs/leaderboard.md), read from the files;
nothing is rerun."""

from __future__ import annotations

import re

from nas_env.benchmarks.suite.report import LEADERBOARD_BEGIN, LEADERBOARD_END
from nas_env.benchmarks.suite.tasks import DEFAULT_AGENTS, DEFAULT_SEEDS, SUITE_VERSION, TABLE_TASKS
from tests.helpers import REPO


def readme_block() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert text.count(LEADERBOARD_BEGIN) == 1 and text.count(LEADERBOARD_END) == 1
    return text.split(LEADERBOARD_BEGIN + "\n", 1)[1].split(LEADERBOARD_END, 1)[0]


def test_the_readme_leaderboard_is_the_committed_suite_output():
    assert readme_block() == (REPO / "docs" / "leaderboard.md").read_text(encoding="utf-8")


def test_the_leaderboard_is_of_the_default_agents_on_the_whole_table_tier_of_this_version():
    board = (REPO / "docs" / "leaderboard.md").read_text(encoding="utf-8")
    head = f"Suite task-set version {SUITE_VERSION}, table tier: {len(TABLE_TASKS)} tasks "
    assert board.startswith(head) and "budgets x" not in board
    assert f"seeds 0..{DEFAULT_SEEDS['table'] - 1} per task" in board
    for task in TABLE_TASKS:
        assert re.search(rf"[(, ]{re.escape(task.name)}[,)]", board), task.name
    rows = [line.split("|") for line in board.splitlines() if re.match(r"\| \d+ \|", line)]
    assert sorted(r[2].strip() for r in rows) == sorted(DEFAULT_AGENTS["table"])
    assert [int(r[1]) for r in rows] == list(range(1, len(DEFAULT_AGENTS["table"]) + 1))
    iqm = [float(r[3].split()[0]) for r in rows]
    assert iqm == sorted(iqm, reverse=True)  # ranked by IQM
