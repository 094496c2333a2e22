"""Ctrl-C at any moment of a ``nas-env`` command is one line and exit status 130 (issue 22, defect 15).

Each test runs the console script's own two lines (``from nas_env.benchmarks.cli import main``; ``sys.exit(main())``)
in a real subprocess, with argv[0] the script's, paused at a chosen point: the wrapper prints ``paused at ...`` there
and waits; the test sends SIGINT once it has read that line (no sleeps, no race).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from nas_env.benchmarks.cli import main
from tests.helpers import REPO

#: ``python -c WRAPPER POINT ARGS...``: the console script, paused at POINT: ``import:MODULE`` (when MODULE is first
#: imported), ``report-written`` (inside ``report``, after its files are written) or ``returned`` (after ``main()``
#: returned, before the interpreter exits)
WRAPPER = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, whatever started this test
point = sys.argv.pop(1)

def pause():
    print(f"paused at {point}", flush=True)
    while True:
        time.sleep(0.05)

class PauseAtImport:
    def find_spec(self, name, path=None, target=None):
        if point == f"import:{name}":
            pause()
        return None

sys.meta_path.insert(0, PauseAtImport())
sys.argv[0] = "/usr/local/bin/nas-env"  # the console script's argv[0]
from nas_env.benchmarks.cli import main
if point == "report-written":
    import nas_env.benchmarks.report as report
    build = report.build_run_report
    def build_then_pause(*args, **kwargs):
        build(*args, **kwargs)
        pause()
    report.build_run_report = build_then_pause
code = main()
if point == "returned":
    pause()
sys.exit(code)
"""
ENV = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
LINE = "nas-env: interrupted; rerun the same command to continue\n"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("interrupt") / "run"
    assert main(["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--budget", "3", "--seed", "0",
                 "--out", str(out), "--no-progress"]) == 0
    return out


def interrupted_at(point: str, *args: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of the command paused at ``point``, then sent SIGINT."""
    proc = subprocess.Popen([sys.executable, "-c", WRAPPER, point, *args], env=ENV, cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out = []
        for line in proc.stdout:  # type: ignore[union-attr]
            out.append(line)
            if line.startswith("paused at"):
                proc.send_signal(signal.SIGINT)
                break
        rest, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, "".join(out) + rest, err


@pytest.mark.parametrize("point", ["import:gymnasium", "import:torch"])
def test_ctrl_c_while_the_command_imports_is_one_line(run_dir, tmp_path, point):
    # a report imports no torch; a search with a torch agent does (its first seconds)
    args = (["report", str(run_dir)] if point == "import:gymnasium" else
            ["search", "--env", "nas_env/NB201-v0", "--agent", "reinforce", "--budget", "3",
             "--out", str(tmp_path / "r")])
    code, out, err = interrupted_at(point, *args)
    assert out == f"paused at {point}\n"
    assert (code, err) == (130, LINE)


def test_ctrl_c_at_the_end_of_report_is_one_line(run_dir):
    code, out, err = interrupted_at("report-written", "report", str(run_dir))
    assert (code, err) == (130, LINE)
    code, out, err = interrupted_at("returned", "report", str(run_dir))  # the report is done; exiting
    assert out == f"report: {run_dir / 'report.md'}\npaused at returned\n"
    assert (code, err) == (130, LINE)


def test_main_called_by_a_program_leaves_its_ctrl_c_handler_alone(run_dir):
    before = signal.getsignal(signal.SIGINT)
    assert main(["report", str(run_dir)]) == 0
    assert signal.getsignal(signal.SIGINT) is before
