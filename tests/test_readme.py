"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs(index, capsys):
    exec(compile(BLOCKS[index], f"README.md[python block {index}]", "exec"), {"__name__": "__readme__"})


def test_custom_space_example_is_short():
    custom = next(b for b in BLOCKS if "DecisionSpace" in b)
    assert len(custom.strip().splitlines()) <= 30


def test_readme_commands_match_ci():
    ci = (README.parent / ".ci" / "run").read_text()
    test_cmd = re.search(r"Run the tests:\n\n```bash\n(.*?)\n```", README.read_text(), flags=re.S).group(1)
    assert test_cmd in ci
