"""Nothing a user does wedges a run directory: reports, moved directories, bad input, file-system errors.

Each test reproduces one defect of issue 15 on ``nas-env search`` / ``report`` / ``benchmark``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nas_env.benchmarks.cli import main


def search(out: Path | str, budget: int = 12, *extra: str, agent: str = "random") -> int:
    return main(["search", "--env", "nas_env/NB201-v0", "--agent", agent, "--budget", str(budget),
                 "--out", str(out), "--no-progress", *extra])


def test_report_never_blocks_resuming_or_extending(tmp_path, capsys):
    out = tmp_path / "r"
    assert search(out, 20) == 0
    assert main(["report", str(out)]) == 0
    assert (out / "report.md").is_file() and (out / "figures").is_dir()
    assert search(out, 40) == 0, capsys.readouterr().err
    assert json.loads((out / "summary.json").read_text())["num_evaluations"] == 40
    assert (out / "report.md").is_file() and (out / "report.html").is_file()  # the report is left where it was


def test_store_inside_the_run_is_recorded_relative_so_moved_or_respelled_runs_resume(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert search("r2", 10, "--store", "on") == 0
    assert json.loads((tmp_path / "r2" / "run.json").read_text())["store"] == "evaluations.sqlite"
    assert search(tmp_path / "r2", 15, "--store", "on") == 0, capsys.readouterr().err  # spelled absolute
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # a requeued batch job in another working directory
    assert search("../r2", 20, "--store", "on") == 0, capsys.readouterr().err
    os.rename(tmp_path / "r2", tmp_path / "moved")  # a renamed directory
    assert search(tmp_path / "moved", 25, "--store", "on") == 0, capsys.readouterr().err
    summary = json.loads((tmp_path / "moved" / "summary.json").read_text())
    assert summary["num_evaluations"] == 25 and summary["store"]["path"] == "evaluations.sqlite"
    archs = {json.loads(line)["arch"] for line in (tmp_path / "moved" / "history.jsonl").read_text().splitlines()}
    assert summary["store"]["rows"] == len(archs)


def bench(out: Path, *extra: str) -> int:
    return main(["benchmark", "--protocol", "fixed:nas_env/NB201-v0", "--agents", "random", "--seeds", "1",
                 "--budget", "5", "--workers", "0", "--no-progress", "--no-report", "--out", str(out), *extra])


def test_benchmark_refuses_a_foreign_directory_or_a_file(tmp_path, capsys):
    p = tmp_path / "p"
    p.mkdir()
    (p / "report.md").write_text("notes")
    assert bench(p) == 2
    err = capsys.readouterr().err
    assert "is not empty and is not a nas-env benchmark" in err and "report.md" in err and "Traceback" not in err
    assert (p / "report.md").read_text() == "notes" and sorted(x.name for x in p.iterdir()) == ["report.md"]
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert bench(afile) == 2
    assert f"--out {afile} exists and is not a directory" in capsys.readouterr().err
    assert bench(afile / "sub") == 2
    assert "not a directory" in capsys.readouterr().err
    ok = tmp_path / "ok"
    assert bench(ok) == 0 and bench(ok) == 0  # its own directory: resumed, finished runs skipped


def test_file_system_errors_exit_2_with_one_line(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    cases = [
        ((afile / "sub",), f"--out {afile / 'sub'} cannot be created: {afile} is not a directory"),
        *([(("/proc/nas-env-x",), "No such file or directory")] if os.path.isdir("/proc/self") else []),
        ((tmp_path / "o", "--store", str(afile / "x.sqlite")),
         f"--store {afile / 'x.sqlite'} cannot be created: {afile} is not a directory"),
    ]
    for (out, *extra), message in cases:
        assert search(out, 5, *extra) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and err.count("\n") == 1, err
    assert not (tmp_path / "o").exists() and afile.read_text() == "x"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux) to fill the disk")
def test_disk_full_mid_run_exits_2_and_the_run_resumes_exactly(tmp_path, capsys, monkeypatch):
    from nas_env.benchmarks.run import checkpointer

    full, out = tmp_path / "full", tmp_path / "r"
    assert search(full, 30, agent="evolution") == 0 and search(out, 10, agent="evolution") == 0

    def disk_full(path: Path, data: bytes) -> None:  # the next checkpoint write hits a full disk
        with open("/dev/full", "wb") as f:
            f.write(data)
            f.flush()

    # (a link at checkpoint.npz.tmp no longer reaches /dev/full: temporaries never follow links, issue 22)
    monkeypatch.setattr(checkpointer, "atomic_write", disk_full)
    assert search(out, 30, agent="evolution") == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "rerun the same command to continue" in err
    assert "Traceback" not in err and err.count("\n") == 1, err
    monkeypatch.undo()
    assert search(out, 30, agent="evolution") == 0
    assert (out / "history.jsonl").read_text().count("\n") == 30
    hist = [json.loads(x)["arch"] for x in (out / "history.jsonl").read_text().splitlines()]
    assert hist == [json.loads(x)["arch"] for x in (full / "history.jsonl").read_text().splitlines()]


def test_rerunning_a_finished_run_keeps_its_summary(tmp_path, capsys):
    out = tmp_path / "r"
    assert search(out, 15, "--store", "on") == 0
    first = json.loads((out / "summary.json").read_text())
    assert first["reference_optimum"]["best_found_rank"]["rank"] >= 1 and first["store"]["rows"] >= 1
    assert search(out, 15, "--store", "on") == 0
    again = json.loads((out / "summary.json").read_text())
    for key in ("reference_optimum", "best", "num_evaluations", "hyperparameters"):
        assert again[key] == first[key], key
    assert again["store"]["rows"] == first["store"]["rows"] and again["store"]["path"] == "evaluations.sqlite"
    (out / "summary.json").unlink()  # a SIGKILL after the final checkpoint, before the summary
    assert search(out, 15, "--store", "on") == 0
    killed = json.loads((out / "summary.json").read_text())
    assert killed["reference_optimum"] == first["reference_optimum"]
    assert killed["store"]["rows"] == first["store"]["rows"]
    printed = capsys.readouterr().out
    assert printed.count("best found ranks") == 3 and printed.count("evaluation store") == 3


BAD_INPUT = [
    ("reinforce", '{"lr": "fast"}', [], "lr must be a finite number >= 0.0, got 'fast'"),
    ("reinforce", '{"lr": NaN}', [], "lr must be a finite number >= 0.0, got nan"),
    ("reinforce", '{"lr": -1}', [], "lr must be a finite number >= 0.0, got -1"),
    ("reinforce", '{"torch_threads": 0}', [], "torch_threads must be an int >= 1 or None, got 0"),
    # issue 22, defect 13: an overflowing entropy bonus and a NaN failure reward
    ("reinforce", '{"entropy_coef": 1e308}', [],
     "entropy_coef must be a finite number >= 0.0 and <= 100.0, got 1e+308"),
    ("ppo", '{"ent_coef": -1}', [], "ent_coef must be a finite number >= 0.0 and <= 100.0, got -1"),
    ("random", "{}", ["--env-kwargs", '{"failure_reward": NaN}'], "failure_reward must be a finite number, got nan"),
    ("ppo", '{"learning_rate": "x"}', [], "learning_rate must be a finite number > 0.0, got 'x'"),
    ("ppo", '{"episodes_per_rollout": 0}', [], "episodes_per_rollout must be an int >= 1, got 0"),
    ("ppo", '{"net_arch": "x"}', [], "net_arch must be a list of ints >= 1 such as [64, 64], got 'x'"),
    ("grid", '{"shuffle_seed": "x"}', [], "shuffle_seed must be an int >= 0 or None, got 'x'"),
    ("random", "{}", ["--seed", "-1"], "seed must be an int in 0..9223372036854775807, got -1"),
    ("random", "{}", ["--seed", str(2**70)], f"seed must be an int in 0..9223372036854775807, got {2**70}"),
    ("random", "{}", ["--env-kwargs", '{"reward": "ppl"}'], "reward 'ppl' needs metrics['val_perplexity']"),
    ("random", "{}", ["--env-kwargs", '{"render_mode": "human"}'],
     "render_mode 'human' is not supported by nas_env/NB201-v0; valid: ['ansi', 'rgb_array'] or None"),
    ("random", "{}", ["--env", "CartPole-v1"], "is not a nas-env search env"),
]


@pytest.mark.filterwarnings("ignore:.*'human' rendering")
def test_bad_input_is_refused_before_anything_is_written(tmp_path, capsys):
    out = tmp_path / "o"
    for agent, kwargs, extra, message in BAD_INPUT:
        argv = ["search", "--env", "nas_env/NB201-v0", "--agent", agent, "--agent-kwargs", kwargs, "--budget", "3",
                "--out", str(out), "--no-progress", *extra]
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and err.count("\n") == 1, (argv, err)
        assert not out.exists(), argv
    assert search(out, 3, agent="reinforce") == 0  # the corrected command starts at once


def test_a_run_that_failed_before_its_first_evaluation_does_not_block_the_corrected_command(tmp_path):
    out = tmp_path / "o"
    assert search(out, 3) == 0
    for name in ("checkpoint.npz", "summary.json"):
        (out / name).unlink()
    (out / "history.jsonl").write_text("")  # what a failure at the first evaluation leaves
    assert search(out, 3, agent="evolution") == 0
    assert json.loads((out / "run.json").read_text())["agent"] == "evolution"
    (out / "history.jsonl").write_text((out / "history.jsonl").read_text().splitlines()[0] + "\n")
    (out / "checkpoint.npz").unlink()
    assert search(out, 3, agent="random") == 2  # one evaluation recorded: it is a run, never replaced


def test_a_run_killed_while_writing_its_first_file_does_not_block_the_rerun(tmp_path, capsys):
    """Every run file is written to NAME.tmp, then renamed: a run killed in between (a benchmark's worker stopped by
    Ctrl-C as its job began) leaves only run.json.tmp, which is no run and nothing else's: the rerun starts it."""
    out = tmp_path / "o"
    out.mkdir()
    (out / "run.json.tmp").write_text('{"format": ')  # cut off mid-write
    (out / ".lock").write_text("")
    assert search(out, 3) == 0, capsys.readouterr().err
    assert json.loads((out / "run.json").read_text())["agent"] == "random"
    assert not (out / "run.json.tmp").exists()
    empty = tmp_path / "e"  # a .tmp file a run does not write is someone else's
    empty.mkdir()
    (empty / "notes.tmp").write_text("")
    assert search(empty, 3) == 2
    assert "is not empty and is not a nas-env run (no run.json; found ['notes.tmp'])" in capsys.readouterr().err
    bench = tmp_path / "b"  # the same for a benchmark killed while writing its benchmark.json
    bench.mkdir()
    (bench / "benchmark.json.tmp").write_text("{")
    assert main(["benchmark", "--protocol", "fixed:nas_env/NB201-v0", "--agents", "random", "--seeds", "1",
                 "--budget", "3", "--workers", "0", "--no-report", "--out", str(bench)]) == 0, capsys.readouterr().err
    assert (bench / "benchmark.json").exists() and not (bench / "benchmark.json.tmp").exists()


def test_report_on_a_non_utf8_path(tmp_path, capsys):
    out = Path(os.fsdecode(bytes(tmp_path) + b"/run-\xff"))
    assert search(out, 10) == 0 and main(["report", str(out)]) == 0, capsys.readouterr().err
    assert (out / "report.md").is_file() and (out / "figures" / "rewards.png").is_file()
    assert "report: " in capsys.readouterr().out


def test_benchmark_env_kwargs_are_checked_before_any_run(tmp_path, capsys):
    base = ["benchmark", "--agents", "random", "--seeds", "1", "--budget", "5", "--workers", "0", "--no-progress"]
    assert main([*base, "--protocol", "nb201-cifar10", "--env-kwargs", '{"dataset": "cifar100"}',
                 "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert "dataset='cifar100' contradicts protocol 'nb201-cifar10', which reports dataset='cifar10'" in err
    assert main([*base, "--protocol", "fixed:nas_env/NB201-v0", "--env-kwargs", '{"bogus": 1}',
                 "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert "bogus" in err and "no runs under" not in err and "Traceback" not in err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_benchmark_whose_every_run_fails_says_why(tmp_path, capsys):
    cmd = ["benchmark", "--protocol", "fixed:nas_env/NB201-v0", "--agents", "random", "--seeds", "1", "--budget", "5",
           "--workers", "0", "--no-progress", "--out", str(tmp_path / "b")]
    assert main(cmd) == 0
    run = tmp_path / "b" / "runs" / "random" / "seed0"
    (run / "summary.json").unlink()  # an interrupted run ...
    (run / "checkpoint.npz").write_bytes(b"not a checkpoint")  # ... whose checkpoint got corrupted
    capsys.readouterr()
    assert main(cmd) == 1
    err = capsys.readouterr().err
    assert "nas-env benchmark: every run failed; the first: random seed 0: " in err
    assert "checkpoint.npz is not a nas-env checkpoint: not a .npz archive" in err
    assert "no runs under" not in err and "Traceback" not in err
