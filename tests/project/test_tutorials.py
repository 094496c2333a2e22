"""The tutorials under docs/ run as written (each source, docs/tutorials/NN_name.py, run as a script), link
correctly, and tutorial 3's code quotes still match the code."""

from __future__ import annotations

import contextlib
import io
import re
import runpy
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers import BEST_NB201_CELL, REPO

ROOT = REPO
DOCS = ROOT / "docs"
TUTORIALS = DOCS / "tutorials"
QUOTE = re.compile(r"```python\n# ((?:agents|nas_env|benchmarks)/[\w/]+\.py):(\d+)(?:-(\d+))?\n(.*?)```", re.S)


def run_tutorial(stem: str, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], str]:
    """Run the tutorial's source top to bottom as a script in ``cwd``: its globals and what it printed."""
    monkeypatch.chdir(cwd)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace = runpy.run_path(str(TUTORIALS / f"{stem}.py"), run_name="__main__")
    return namespace, out.getvalue()


def test_01_environment_in_five_minutes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ns, text = run_tutorial("01_environment_in_five_minutes", tmp_path, monkeypatch)
    assert ns["info"]["arch"] == BEST_NB201_CELL
    assert len(ns["images"]) == 4
    for image in ns["images"].values():
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100 and image.dtype == np.uint8
        assert np.ptp(image) > 0  # not a blank picture
    assert len(ns["fig"].axes) == 4  # shown in the notebook, not saved to /tmp
    assert "masked action -> True 0.0 invalid" in text
    assert "ArchitectureAction: MultiDiscrete([5 5 5 5 5 5])" in text
    assert "layer0/stride" in text  # the stride decisions exist: predict_stride=True
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_01_says_the_stride_mask_needs_predict_stride() -> None:
    source = (TUTORIALS / "01_environment_in_five_minutes.py").read_text()
    masks = source[source.index("# ## Masks"):source.index("# ## Rendering")]
    assert "**with `predict_stride=True`**" in masks
    assert "ZophLeCNNSpace(num_layers=2, predict_stride=True)" in masks


def test_02_your_own_agent_prints_the_comparison_its_page_shows(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison (5 seeds x 300 cells) prints exactly the table on the generated page, and the tutorial's
    agent beats random search there, as the page says."""
    ns, text = run_tutorial("02_your_own_agent", tmp_path, monkeypatch)
    page = (DOCS / "02_your_own_agent.md").read_text()
    (shown,) = re.findall(r"```text\n(NB201 CIFAR-10, 300 cells per run.*?)```", page, flags=re.S)
    assert shown in text
    assert {label: len(v) for label, v in ns["results"].items()} == {"epsilon-greedy": 5, "random": 5}
    assert np.mean(ns["results"]["epsilon-greedy"]) > np.mean(ns["results"]["random"])
    assert all(0.8 < r < 1.0 for v in ns["results"].values() for r in v)


def test_03_controller_equation_by_equation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ns, text = run_tutorial("03_controller_equation_by_equation", tmp_path, monkeypatch)
    assert len(ns["out"].tokens) == 4
    assert abs(float(ns["p_sigmoid"]) - float(ns["p_softmax"])) < 1e-6
    assert all(0.3 < p < 0.7 for _, p in ns["skips"])
    before, after, best, worst = ns["before"], ns["after"], ns["best"], ns["worst"]
    assert after[best] > before[best]  # the rewarded architecture rose
    assert after[worst] < before[worst]
    entropy, prob_best = ns["diag"]["entropy_per_token"], ns["snaps"]["prob_best"]
    assert entropy[-1] < entropy[0] - 0.1
    assert prob_best[-1] > 10 * prob_best[0]


def test_04_benchmark_on_nas_bench_201(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ns, text = run_tutorial("04_benchmark_on_nas_bench_201", tmp_path, monkeypatch)
    assert ns["report"].exists()
    assert set(ns["agg"]["agents"]) == {"random", "evolution", "reinforce"}
    assert all(e["runs"] == 2 for e in ns["agg"]["agents"].values())
    assert "1. Final results" in ns["sections"] and "anytime.png" in ns["figures"]
    assert ns["shown"] == ["anytime.png", "topk_vs_random.png"]
    page = (DOCS / "04_benchmark_on_nas_bench_201.md").read_text()
    assert "nas-env benchmark --protocol nb201-cifar10" in page and "| reinforce | 20 |" in page


def test_05_real_nas_on_digits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ns, text = run_tutorial("05_real_nas_on_digits", tmp_path, monkeypatch)
    for agent in ("reinforce", "random"):
        r = ns["results"][agent]
        assert r["n"] == 8 and 0.0 <= r["first"] <= 1.0 and r["store"]  # the evaluation store is on by default
    assert ns["rerun"] < 5.0  # a finished run is read back, not retrained
    assert "token_probabilities.png" in ns["report"].read_text()
    assert str(ns["out"]) not in text  # the page shows no temporary path


def test_06_bring_your_own_space(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ns, text = run_tutorial("06_bring_your_own_space", tmp_path, monkeypatch)
    rewards = [r for r, _ in ns["trained"]]
    # real (tiny) training: a poor configuration may score low, but every score is an accuracy
    # and the best of six configurations learns digits
    assert len(rewards) == 6 and all(0.0 <= r <= 1.0 for r in rewards) and max(rewards) > 0.8
    space = ns["chain_env"].space
    assert space.size() == 120
    assert {len(t) for t in space.enumerate()} == {2, 3, 4, 5}
    assert "gymnasium.utils.env_checker.check_env: passed" in text
    assert "MetricsError: table entry 'op=conv3x3,width=16': metrics['params'] = 1.2" in text


def test_every_tutorial_has_one_source_and_a_generated_page() -> None:
    sources = {p.stem for p in TUTORIALS.glob("[0-9][0-9]_*.py")}
    pages = {p.stem for p in DOCS.glob("[0-9][0-9]_*.md")}
    assert sources == pages and len(sources) == 6
    for stem in sources:
        source = (TUTORIALS / f"{stem}.py").read_text()
        assert source.startswith("# %% [markdown]\n# # "), f"{stem}: a jupytext percent source opens with its title"
        assert '# %% tags=["install"]' in source
        assert f"tutorials/{stem}.py" in source and f"notebooks/{stem}.ipynb" in source
        assert (DOCS / f"{stem}.md").read_text().startswith("<!-- Generated by docs/make_notebooks.py")


def test_docs_links_resolve() -> None:
    for page in [DOCS / "README.md", DOCS / "integrations.md", DOCS / "browsing_runs.md",
                 *DOCS.glob("[0-9][0-9]_*.md")]:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text()):
            if target.startswith(("http://", "https://")):
                continue
            assert (page.parent / target).resolve().exists(), f"{page.name} links to missing {target}"


def test_03_quotes_match_the_source() -> None:
    """Every ``# file:a-b`` block of tutorial 3 (its source, and so its page) is lines a..b of that file."""
    page = (TUTORIALS / "03_controller_equation_by_equation.py").read_text()
    page = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in page.splitlines())
    quotes = QUOTE.findall(page)
    assert len(quotes) >= 12
    assert QUOTE.findall((DOCS / "03_controller_equation_by_equation.md").read_text()) == quotes
    files = {f for f, *_ in quotes}
    assert files == {"agents/controller.py", "agents/reinforce.py"}
    for path, a, b, body in quotes:
        start, end = int(a), int(b or a)
        source = (ROOT / path).read_text().splitlines()
        expected = textwrap.dedent("\n".join(source[start - 1:end])).strip("\n")
        if body.strip("\n") != expected:
            first = body.strip("\n").splitlines()[0].strip()
            found = [i + 1 for i, line in enumerate(source) if line.strip() == first]
            pytest.fail(f"docs/03 quotes {path}:{a}-{b or a}, which no longer matches; its first line "
                        f"{first!r} is now at line(s) {found}: update docs/tutorials/03's source")


def test_docs_index_lists_every_tutorial() -> None:
    text = (DOCS / "README.md").read_text()
    rows = [line for line in text.splitlines() if re.match(r"\| [1-6] \|", line)]
    assert len(rows) == 6
    assert not any("coming" in row for row in rows)
    for row in rows:
        for target in re.findall(r"\]\(([^)]+)\)", row):
            assert (DOCS / target).exists(), target
