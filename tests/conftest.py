"""Fixtures shared by the test modules.

``one_torch_thread`` runs a module of tiny networks on one intra-op torch thread (use it with
``pytestmark = pytest.mark.usefixtures("one_torch_thread")``).

``paused_cli`` runs ``nas-env`` in a subprocess that stops after recording a chosen evaluation and waits there
until the test resumes it (or kills it): the test injects the pause into the subprocess (it wraps
:class:`nas_env.agents.history.HistoryWriter`); nothing in the library knows about it, and the test waits on
the pause itself instead of sleeping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch

#: run as ``python -c PAUSE_HOOK CONDITION FLAG_DIR ARGS...``: ``nas-env ARGS...`` whose history writer, after the
#: evaluation that first makes CONDITION true (a Python expression over ``history``, the evaluations recorded so
#: far), creates FLAG_DIR/paused and waits until FLAG_DIR/resume exists
PAUSE_HOOK = """
import sys, time
from pathlib import Path
from nas_env.agents import history as history_module
from nas_env.benchmarks.cli import main

condition, flags, recorded, paused = sys.argv[1], Path(sys.argv[2]), [], []
write = history_module.HistoryWriter.__call__

def write_then_pause(self, ev, tracker):
    write(self, ev, tracker)
    recorded.append(ev)
    if not paused and eval(condition, {"history": recorded}):
        paused.append(ev.index)
        (flags / "paused").touch()
        while not (flags / "resume").exists():
            time.sleep(0.01)

history_module.HistoryWriter.__call__ = write_then_pause
sys.exit(main(sys.argv[3:]))
"""


@dataclass
class PausedCLI:
    """A ``nas-env`` subprocess that pauses once, after the evaluation that makes its condition true."""

    proc: subprocess.Popen
    flags: Path

    def wait_until_paused(self, timeout: float) -> bool:
        """True once the process has paused; False if it exited first or ``timeout`` seconds passed."""
        deadline = time.monotonic() + timeout
        while not (self.flags / "paused").exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                return (self.flags / "paused").exists()
            time.sleep(0.02)
        return True

    def resume(self) -> None:
        (self.flags / "resume").touch()


@pytest.fixture
def paused_cli(tmp_path: Path) -> Iterator[Callable[..., PausedCLI]]:
    """``start(args, pause_when, env=None, **popen_kwargs)``: ``nas-env *args`` in a subprocess that pauses after
    the evaluation that first makes ``pause_when`` true (a Python expression over ``history``, the list of
    :class:`~nas_env.agents.history.Evaluation` recorded so far, e.g. ``"len(history) >= 50"``)."""
    started: list[PausedCLI] = []

    def start(args: Sequence[str], pause_when: str, env: Mapping[str, str] | None = None,
              **popen_kwargs: Any) -> PausedCLI:
        flags = tmp_path / f"pause{len(started)}"
        flags.mkdir()
        cmd = [sys.executable, "-c", PAUSE_HOOK, pause_when, str(flags), *args]
        proc = subprocess.Popen(cmd, env=dict(os.environ if env is None else env), **popen_kwargs)
        started.append(PausedCLI(proc, flags))
        return started[-1]

    yield start
    for paused in started:  # a test that failed midway leaves no process behind
        if paused.proc.poll() is None:
            paused.proc.kill()
            paused.proc.wait()


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, str], Path]]:
    """``write(name, source)``: a user's module ``name`` written to ``tmp_path/mods`` (on ``sys.path`` for the test,
    and the folder to put on ``PYTHONPATH`` for subprocesses); returns the folder. Afterwards the module is
    forgotten, with the agents it registered (the registry is process-wide; a test pops its own protocols)."""
    from nas_env.agents.registry import AGENTS

    home = tmp_path / "mods"
    home.mkdir(exist_ok=True)
    monkeypatch.syspath_prepend(str(home))
    names: list[str] = []

    def write(name: str, source: str) -> Path:
        (home / f"{name}.py").write_text(source, encoding="utf-8")
        names.append(name)
        return home

    yield write
    for name in names:
        sys.modules.pop(name, None)
        for key, cls in list(AGENTS.items()):
            if cls.__module__ == name:
                del AGENTS[key]


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """One intra-op torch thread while a module runs, then the session's setting again: the networks of these tests
    are tiny, and on a busy 2-core machine 2 threads can be 10x slower (OpenMP spin-waits)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


#: end-to-end tests marked ``slow`` (``python -m pytest -q -m "not slow"`` skips them); the whole suite
#: (the README's command, CI) runs them all. Chosen from ``--durations`` of a whole run with two busy processes
#: beside it: whole modules that start processes, Ray, training or full benchmarks, and single tests over ~5 s.
SLOW = (
    "tests/project/test_examples.py", "tests/project/test_notebooks.py", "tests/project/test_install_namespace.py",
    "tests/project/test_tutorials.py", "tests/agents/test_learning.py", "tests/nas_env/executors/",
    "tests/benchmarks/run/test_fault_injection.py", "tests/benchmarks/run/test_fault_injection_machine.py",
    "tests/benchmarks/run/test_resume.py",
    "tests/benchmarks/run/test_resume_training.py", "tests/benchmarks/run/test_user_env.py",
    "tests/benchmarks/run/test_user_agent_resume.py",
    "tests/nas_env/envs/test_nbgraph.py::test_every_token_sequence_but_all_skip_is_one_of_the_packages_architectures[cora",
    "tests/benchmarks/cli/test_golden_outputs.py::test_outputs_match_the_manifest",
    "tests/benchmarks/measure/", "tests/benchmarks/report/test_answers.py",
    "tests/benchmarks/report/test_benchmark_report.py", "tests/benchmarks/protocols/test_retrained_protocols.py",
    "tests/benchmarks/report/test_definitions.py", "tests/benchmarks/cli/test_cli.py::test_real_subprocess",
    "tests/benchmarks/report/test_html_report.py",
    "tests/nas_env/envs/test_zoph_le_rnn.py::test_search_through_the_cli",
    "tests/nas_env/test_vector.py::test_vector_env_with_process_executor",
    "tests/nas_env/evaluators/test_image_train.py::test_three_layer_child_learns_digits",
    "tests/nas_env/test_store_robustness.py::test_many_processes_create_one_new_store_at_once",
    "tests/benchmarks/export/test_dashboard.py",
    "tests/benchmarks/cli/test_interrupt.py",
    "tests/nas_env/evaluators/test_failure_kinds.py::test_an_allocation_the_machine_refused_is_trained_again",
    "tests/benchmarks/suite/test_suite_cli.py",
    "tests/project/test_suite_layout.py::test_a_grouped_module_runs_in_one_test_process_and_no_temporary_file_is_left",
    "tests/benchmarks/cli/test_command_imports.py::test_a_",
)


#: tests left out of the quick loop (``python -m pytest -q -m quick``) besides the slow ones: single tests of a few
#: seconds each (whole benchmarks, reports with figures, subprocesses), chosen from ``--durations`` of a whole run
#: (over ~2.5 s each with a loaded 2-core machine). Every package keeps its fast tests in the quick loop; the whole
#: suite runs them all.
MEDIUM = (
    "tests/agents/test_agents.py::test_exact_evaluation_budget",
    "tests/benchmarks/cli/test_user_names.py::test_a_user_protocol_by_name_and_its_report_rebuilt_later",
    "tests/benchmarks/cli/test_user_names.py::test_search_and_benchmark_take_a_user_agent_by_name",
    "tests/benchmarks/export/test_optuna_export.py::test_bulk_writes_equal_optunas_add_trials",
    "tests/benchmarks/protocols/test_protocols.py::test_the_paper_variant_of_figure_6_uses_the_papers_reward_and_lr",
    "tests/benchmarks/report/test_compute.py",
    "tests/benchmarks/report/test_random_grid.py::test_the_report_answers_time_saved_vs_grid_per_agent",
    "tests/benchmarks/report/test_reward_units.py::test_the_top_k_table_prints_the_paper_reward_as_a_reward_not_a_",
    "tests/benchmarks/report/test_run_report.py::test_random_run_report_has_no_controller_figures",
    "tests/benchmarks/report/test_run_report.py::test_reinforce_run_report",
    "tests/benchmarks/report/test_run_report.py::test_report_reads_history_by_the_one_rule",
    "tests/benchmarks/report/test_run_report.py::test_rewards_text_names_the_rolling_median_the_figure_draws",
    "tests/benchmarks/report/test_topk_end.py", "tests/benchmarks/report/test_transfer.py::test_each_cifar10_answer_",
    "tests/benchmarks/run/test_finished_runs.py::test_a_finished_benchmark_reports_extends_and_its_runs_resume",
    "tests/benchmarks/run/test_finished_runs.py::test_a_finished_reinforce_run_keeps_what_its_history_does_not_",
    "tests/benchmarks/run/test_finished_runs.py::test_convert_compacts_a_0_1_run_when_its_controller_rebuilds_",
    "tests/benchmarks/run/test_finished_runs.py::test_extending_a_finished_run_continues_exactly",
    "tests/benchmarks/run/test_hostile_directories.py::test_a_directory_named_by_an_earlier_version_keeps_resuming",
    "tests/benchmarks/run/test_hostile_directories.py::test_a_hashed_agent_directory_reports_under_its_spec",
    "tests/benchmarks/run/test_hostile_directories.py::test_a_pickled_checkpoint_is_never_loaded",
    "tests/benchmarks/run/test_hostile_directories.py::test_report_imports_no_module_named_by_run_json",
    "tests/benchmarks/run/test_hostile_directories.py::test_report_refuses_a_link_at_an_output_name",
    "tests/benchmarks/run/test_run_directories.py::test_benchmark_whose_every_run_fails_says_why",
    "tests/benchmarks/run/test_run_directories.py::test_report_never_blocks_resuming_or_extending",
    "tests/benchmarks/run/test_run_directories.py::test_report_on_a_non_utf8_path",
    "tests/benchmarks/run/test_run_guards.py::test_a_second_search_process_is_refused_while_the_first_runs",
    "tests/benchmarks/run/test_state_codec.py::test_every_agent_state_round_trips_and_resumes",
    "tests/benchmarks/suite/test_reference.py::test_nb201_cifar10_reference",
    "tests/nas_env/envs/test_nbgraph.py::test_registered_listed_and_benchmarked_under_its_protocols",
    "tests/nas_env/envs/test_nbgraph.py::test_rewards_equal_the_packages_own_table_for_sampled_architectures",
    "tests/nas_env/evaluators/test_image_train.py::test_nb201_and_macro_train_on_digits",
    "tests/nas_env/models/test_rnn_fused.py::test_kernel_bits_do_not_depend_on_the_instruction_set",
    "tests/nas_env/test_backend_untouched.py", "tests/nas_env/test_store.py::test_concurrent_writers_and_readers",
    "tests/nas_env/training/test_datasets.py::test_digits_read_without_importing_sklearn_are_load_digits",
    "tests/project/test_packaging.py::test_every_imported_package_is_declared_or_belongs_to_an_extra",
    "tests/project/test_readme.py::test_readme_python_m_modules_exist",
    "tests/benchmarks/cli/test_command_imports.py::test_the_built_in_agents_are_listed_without_importing_them",
)


#: pytest-xdist spreads the suite over two processes (``-n 2 --dist loadgroup``, pyproject.toml) test by test, except
#: these modules, each run whole in one process in its order: they build module-scoped fixtures (a search, a benchmark
#: and its report, a local Ray cluster, a table) that would otherwise be built once in each process, and again each
#: time a process came back to the module. ``tests/project/test_suite_layout.py`` checks the list against the sources.
GROUPED_MODULES = (
    "tests/benchmarks/cli/test_interrupt.py", "tests/benchmarks/export/test_optuna_export.py",
    "tests/benchmarks/protocols/test_protocols.py", "tests/benchmarks/protocols/test_retrained_protocols.py",
    "tests/benchmarks/report/test_answers.py", "tests/benchmarks/report/test_benchmark_report.py",
    "tests/benchmarks/report/test_compute.py", "tests/benchmarks/report/test_html_report.py",
    "tests/benchmarks/report/test_reward_units.py", "tests/benchmarks/report/test_run_report.py",
    "tests/benchmarks/report/test_topk_end.py", "tests/benchmarks/run/test_fault_injection_machine.py",
    "tests/benchmarks/suite/test_suite_cli.py", "tests/nas_env/executors/test_executors.py",
    "tests/nas_env/training/test_datasets.py",
)


def xdist_group(nodeid: str) -> str:
    """The unit of work a test belongs to: its module's path for :data:`GROUPED_MODULES`, else the test itself."""
    module = nodeid.split("::")[0]
    return module if module in GROUPED_MODULES else nodeid


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own scheduler for --dist loadgroup
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` by :func:`xdist_group`, computed from the node id here. (pytest-xdist's own loadgroup
    reads a group from a suffix its workers append to each node id; under pytest 9.2 the suffix no longer takes,
    and the groups were silently ignored: pytest-xdist issue 1386.) Other ``--dist`` modes are pytest-xdist's."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group(nodeid)

    return ByGroup(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks every test ``slow``, ``quick`` or neither and orders the modules longest first (by their counts of slow,
    then of medium, then of all tests; a module's tests keep their order). The two test processes take work from the
    front of the queue (``--no-loadscope-reorder``, pyproject.toml), test by test within a module but for
    :data:`GROUPED_MODULES`: both processes work on the same long module at first, and a long module taken last no
    longer leaves one process working alone at the end."""
    groups: dict[str, list[int]] = {}
    for item in items:
        slow = item.nodeid.startswith(SLOW)
        medium = not slow and item.nodeid.startswith(MEDIUM)
        if slow:
            item.add_marker(pytest.mark.slow)
        elif not medium:
            item.add_marker(pytest.mark.quick)
        counts = groups.setdefault(item.nodeid.split("::")[0], [0, 0, 0])
        counts[0], counts[1], counts[2] = counts[0] - slow, counts[1] - medium, counts[2] - 1
    rank = {group: (counts, i) for i, (group, counts) in enumerate(groups.items())}
    items.sort(key=lambda item: rank[item.nodeid.split("::")[0]])


def pytest_configure(config: pytest.Config) -> None:
    """In a pytest-xdist worker, one intra-op torch thread: two test processes on two cores with two threads each
    oversubscribe the cores, and OpenMP's spin-waits then make tiny networks many times slower. In every test process,
    the suite's own temporary folder (:func:`keep_temporary_files`)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        torch.set_num_threads(1)
    config.add_cleanup(keep_temporary_files())


def keep_temporary_files() -> Callable[[], None]:
    """Point ``tempfile`` and ``$TMPDIR`` (which subprocesses inherit) at a new folder of this test process; return
    what removes it. What the tests run but do not own writes temporary files that nothing removes (Stable-Baselines3's
    empty ``SB3-<date>`` log folder per model, the tutorials' result folders, Chromium's profiles): without this, every
    run of the suite left about 20 folders in the system's temporary folder. pytest's own ``tmp_path`` folders stay in
    the system's temporary folder (``$PYTEST_DEBUG_TEMPROOT``), kept as pytest keeps them, to look at after a failure,
    and so do Ray's sessions (``$RAY_TMPDIR``: its socket paths must stay short)."""
    root = tempfile.gettempdir()
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", root)
    os.environ.setdefault("RAY_TMPDIR", root)
    own = tempfile.mkdtemp(prefix="nas-env-tests-")
    previous = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"], tempfile.tempdir = own, own

    def restore() -> None:
        if previous[0] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = previous[0]
        tempfile.tempdir = previous[1]
        shutil.rmtree(own, ignore_errors=True)

    return restore
