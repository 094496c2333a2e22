"""The tutorials as notebooks: generated from one source each (docs/tutorials/NN_name.py, jupytext percent
format), stored executed, and each one runs top to bottom from its install cell on a clean kernel giving
outputs of the stored notebook's structure."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import REPO, load_script

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("jupytext")

ROOT = REPO
DOCS = ROOT / "docs"
# a line each notebook's run must print (the same checks tests/project/test_tutorials.py makes on the scripts)
EXPECTED = {
    "01_environment_in_five_minutes": "masked action -> True 0.0 invalid",
    "02_your_own_agent": "epsilon-greedy  best validation accuracy",
    "03_controller_equation_by_equation": "best of the batch: reward",
    "04_benchmark_on_nas_bench_201": "report sections: Setup | Protocol notes | 1. Final results",
    "05_real_nas_on_digits": "rerun of the finished REINFORCE command",
    "06_bring_your_own_space": "gymnasium.utils.env_checker.check_env: passed",
}
#: the notebooks whose printed output is exact (table lookups, seeded token draws; no timings, no trained floats):
#: a fresh run prints the stored text again (notebook 1's random tokens once came from an unseeded action space)
EXACT = ("01_environment_in_five_minutes", "02_your_own_agent", "04_benchmark_on_nas_bench_201")
#: the notebooks that draw figures inline, and how many
FIGURES = {"01_environment_in_five_minutes": 1, "03_controller_equation_by_equation": 1,
           "04_benchmark_on_nas_bench_201": 1, "05_real_nas_on_digits": 1}


def make_notebooks() -> ModuleType:
    return load_script(DOCS / "make_notebooks.py", "nas_env_make_notebooks")


def stored(stem: str):  # noqa: ANN201 (an nbformat NotebookNode)
    return nbformat.read(DOCS / "notebooks" / f"{stem}.ipynb", as_version=4)


def test_one_notebook_and_page_per_tutorial_all_up_to_date() -> None:
    mk = make_notebooks()
    assert mk.stems() == sorted(EXPECTED)
    assert sorted(p.stem for p in (DOCS / "notebooks").glob("*.ipynb")) == sorted(EXPECTED)
    assert mk.main(["--check"]) == 0, "run: python docs/make_notebooks.py"


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_stored_notebooks_teach_in_reading_order(stem: str) -> None:
    """Prose, code and outputs interleaved; the install cell first; outputs stored; figures inline; no /tmp."""
    nb = stored(stem)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds[0] == "markdown" and nb.cells[0].source.startswith("# ")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["install"] and code[0].outputs == []  # nas_env imports here
    assert "find_spec(\"nas_env\") is None" in code[0].source and "pip\", \"install\"" in code[0].source
    assert sum(1 for a, b in zip(kinds, kinds[1:]) if a == "markdown" and b == "code") >= 3  # interleaved
    assert all(c.execution_count is not None for c in code)
    printed = [c for c in code[1:] if any(o.get("name") == "stdout" for o in c.outputs)]
    assert len(printed) >= 2  # outputs right under the code that made them
    images = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) == FIGURES.get(stem, 0)
    text = nbformat.writes(nb)
    assert "/tmp/" not in text and "savefig" not in text
    assert not any(o.get("output_type") == "error" for c in code for o in c.outputs)


def test_notebook_links_are_relative_to_its_folder() -> None:
    nb = stored("02_your_own_agent")
    assert "](../tutorials/02_your_own_agent.py)" in nb.cells[0].source
    assert "](../06_bring_your_own_space.md)" in nb.cells[-1].source
    page = (DOCS / "02_your_own_agent.md").read_text()
    assert "](tutorials/02_your_own_agent.py)" in page and "](06_bring_your_own_space.md)" in page


def test_stale_notebook_or_page_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    mk = make_notebooks()
    notebooks, docs = tmp_path / "notebooks", tmp_path
    shutil.copytree(DOCS / "notebooks", notebooks)
    for p in DOCS.glob("[0-9][0-9]_*.md"):
        shutil.copy(p, docs / p.name)
    monkeypatch.setattr(mk, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(mk, "DOCS", docs)
    assert mk.main(["--check"]) == 0
    nb = notebooks / "03_controller_equation_by_equation.ipynb"
    nb.write_text(nb.read_text().replace("lr=0.01", "lr=0.02"))
    (docs / "06_bring_your_own_space.md").write_text("edited by hand\n")
    assert mk.main(["--check"]) == 1
    assert capsys.readouterr().err == (f"out of date (run python docs/make_notebooks.py): {nb}, "
                                       f"{docs / '03_controller_equation_by_equation.md'}, "
                                       f"{docs / '06_bring_your_own_space.md'}\n")


def test_structure_names_the_outputs_of_each_code_cell() -> None:
    mk = make_notebooks()
    cells = [nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="a"), nbformat.v4.new_output("stream", name="stderr",
                                                                                            text="warn"),
        nbformat.v4.new_output("stream", name="stdout", text="b"),
        nbformat.v4.new_output("display_data", data={"image/png": "", "text/plain": "<Figure>"})]),
        nbformat.v4.new_markdown_cell("prose"), nbformat.v4.new_code_cell("y")]
    assert mk.structure(nbformat.v4.new_notebook(cells=cells)) == [["stdout", "image/png"], []]


@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_notebook_runs_from_its_install_cell_like_the_stored_one(stem: str, tmp_path: Path) -> None:
    mk = make_notebooks()
    want = stored(stem)
    nb = stored(stem)
    for cell in nb.cells:  # a clean copy: no outputs, nothing carried over
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    mk.execute(nb, tmp_path, timeout=300)  # a fresh kernel, from the first cell; raises if any cell fails
    assert mk.structure(nb) == mk.structure(want)
    assert nb.cells[1].outputs == [] or nb.cells[1].metadata.get("tags") != ["install"]
    printed = "".join(mk.printed(c) for c in nb.cells if c.cell_type == "code")
    assert EXPECTED[stem] in printed
    if stem in EXACT:
        assert printed == "".join(mk.printed(c) for c in want.cells if c.cell_type == "code")
