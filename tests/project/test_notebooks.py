"""The tutorials as notebooks: generated from the pages and scripts (one source of truth), up to date, and each
one runs top to bottom in a Jupyter kernel (quick settings) printing what its page shows."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import REPO, load_script

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = REPO
DOCS = ROOT / "docs"
# a line each notebook's run must print (the same checks tests/project/test_tutorials.py makes on the scripts)
EXPECTED = {
    "01_environment_in_five_minutes": "masked action -> True 0.0 invalid",
    "02_your_own_agent": "epsilon-greedy  best validation accuracy",
    "03_controller_equation_by_equation": "== 5-6. one REINFORCE step by hand ==",
    "04_benchmark_on_nas_bench_201": "report sections: Setup | Protocol notes | 1. Final results",
    "05_real_nas_on_digits": "rerun of the finished REINFORCE command",
    "06_bring_your_own_space": "gymnasium.utils.env_checker.check_env: passed",
}
# the test's budget: tutorial 4's benchmark in the kernel's process instead of a worker pool
RUN_CELL = {"04_benchmark_on_nas_bench_201": "result = main(quick=QUICK, workers=0)"}


def make_notebooks() -> ModuleType:
    return load_script(DOCS / "make_notebooks.py", "nas_env_make_notebooks")


def test_one_notebook_per_tutorial_and_all_up_to_date() -> None:
    mk = make_notebooks()
    assert mk.stems() == sorted(EXPECTED)
    assert sorted(p.stem for p in (DOCS / "notebooks").glob("*.ipynb")) == sorted(EXPECTED)
    assert mk.main(["--check"]) == 0, "run: python docs/make_notebooks.py"


def test_notebook_follows_its_sources() -> None:
    """Prose from the page (links rewritten for docs/notebooks/), code from the script, no command-line block."""
    mk = make_notebooks()
    nb = mk.build("02_your_own_agent")
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert markdown[0].startswith("# 2. Your own agent in 30 lines")
    assert "](../tutorials/02_your_own_agent.py)" in markdown[0]
    assert code[0].startswith("from __future__ import annotations\n\nimport argparse")
    assert any(c.startswith("class EpsilonGreedy(Agent):") for c in code)
    assert not any("__main__" in c for c in code)
    assert code[-1].endswith("result = main(quick=QUICK)")
    assert len({c.id for c in nb.cells}) == len(nb.cells)


def test_stale_notebook_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    mk = make_notebooks()
    monkeypatch.setattr(mk, "NOTEBOOKS", tmp_path)
    assert mk.main([]) == 0 and mk.main(["--check"]) == 0
    stale = tmp_path / "03_controller_equation_by_equation.ipynb"
    stale.write_text(stale.read_text().replace("QUICK = True", "QUICK = False"))
    assert mk.main(["--check"]) == 1
    assert capsys.readouterr().err == f"out of date (run python docs/make_notebooks.py): {stale}\n"


@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_notebook_runs(stem: str, tmp_path: Path) -> None:
    nb = nbformat.read(DOCS / "notebooks" / f"{stem}.ipynb", as_version=4)
    assert nb.cells[-1].source.endswith("result = main(quick=QUICK)")
    if stem in RUN_CELL:
        nb.cells[-1].source = nb.cells[-1].source.replace("result = main(quick=QUICK)", RUN_CELL[stem])
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, if any cell fails
    printed = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                      for out in cell.get("outputs", []) if out.get("output_type") == "stream")
    assert EXPECTED[stem] in printed
