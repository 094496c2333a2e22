"""A run or benchmark directory received from someone else changes nothing outside itself (issue 22).

Defect 2: links at output names (``report.md``, ``figures/*.png``, ``history.jsonl.tmp``, ``runs/...``)
are never written through: a one-line error (``... is a symbolic link; refusing to write through it``),
exit status 2, the link's target untouched; a stale temporary (even a link) is replaced, not followed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nas_env.benchmarks.cli import main

SECRET = b"precious\n"


def search(out: Path, budget: int = 8) -> int:
    return main(["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--budget", str(budget),
                 "--out", str(out), "--no-progress"])


def bench(out: Path, agents: str = "random") -> int:
    return main(["benchmark", "--protocol", "fixed:nas_env/NB201-v0", "--agents", agents, "--seeds", "1",
                 "--budget", "5", "--workers", "0", "--no-progress", "--no-report", "--out", str(out)])


def target(tmp_path: Path, name: str = "outside.txt") -> Path:
    t = tmp_path / name
    t.write_bytes(SECRET)
    return t


@pytest.mark.parametrize("name", ["report.md", "figures/rewards.png"])
def test_report_refuses_a_link_at_an_output_name(tmp_path, capsys, name):
    out = tmp_path / "r"
    assert search(out) == 0
    outside = target(tmp_path)
    (out / "figures").mkdir(exist_ok=True)
    (out / name).symlink_to(outside)
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nas-env: error: ") and "is a symbolic link; refusing to write through it" in err
    assert len(err.strip().splitlines()) == 1
    assert outside.read_bytes() == SECRET and (out / name).is_symlink()


def test_report_refuses_a_figures_link_out_of_the_directory(tmp_path, capsys):
    out = tmp_path / "r"
    assert search(out) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "figures").symlink_to(elsewhere, target_is_directory=True)
    assert main(["report", str(out)]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []


def test_resume_replaces_a_planted_temporary_instead_of_following_it(tmp_path, capsys):
    out = tmp_path / "r"
    assert search(out, 8) == 0
    outside = target(tmp_path)
    (out / "history.jsonl.tmp").symlink_to(outside)
    (out / "checkpoint.npz.tmp").symlink_to(outside)
    (out / "summary.json.tmp").symlink_to(outside)
    assert search(out, 12) == 0, capsys.readouterr().err
    assert outside.read_bytes() == SECRET
    hist = out / "history.jsonl"
    assert not hist.is_symlink() and len(hist.read_text().splitlines()) == 12
    assert not any(p.is_symlink() for p in out.iterdir())


@pytest.mark.parametrize("name", ["history.jsonl", "checkpoint.npz", "summary.json", "run.json"])
def test_resume_refuses_a_link_at_a_run_file(tmp_path, capsys, name):
    out = tmp_path / "r"
    assert search(out, 8) == 0
    outside = target(tmp_path)
    outside.write_bytes((out / name).read_bytes())
    before = outside.read_bytes()
    (out / name).unlink()
    (out / name).symlink_to(outside)
    capsys.readouterr()
    assert search(out, 12) == 2
    err = capsys.readouterr().err
    assert "is a symbolic link; refusing to write through it" in err and len(err.strip().splitlines()) == 1
    assert outside.read_bytes() == before


def test_benchmark_refuses_links_under_runs(tmp_path, capsys):
    out = tmp_path / "b"
    assert bench(out) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "runs" / "evolution").symlink_to(elsewhere, target_is_directory=True)
    capsys.readouterr()
    assert bench(out, "random,evolution") == 2
    assert "symbolic link" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []
    outside = target(tmp_path)
    (out / "runs" / "random" / "seed0" / "summary.json").unlink()  # unfinished: would be resumed
    (out / "runs" / "random" / "seed0" / "summary.json").symlink_to(outside)
    (out / "runs" / "evolution").unlink()
    assert bench(out) == 2
    assert outside.read_bytes() == SECRET


def test_benchmark_report_refuses_links(tmp_path, capsys):
    out = tmp_path / "b"
    assert bench(out) == 0
    outside = target(tmp_path)
    (out / "summary.csv").symlink_to(outside)
    assert main(["report", str(out)]) == 2
    assert "nas-env: error:" in capsys.readouterr().err and outside.read_bytes() == SECRET


def test_the_safe_write_helpers(tmp_path):
    from nas_env.benchmarks.run.files import UnsafePathError, atomic_write, check_inside, safe_mkdir

    root = tmp_path / "root"
    root.mkdir()
    atomic_write(root / "a.txt", b"one")
    (root / "a.txt.tmp").write_bytes(b"stale")
    atomic_write(root / "a.txt", b"two")
    assert (root / "a.txt").read_bytes() == b"two" and not (root / "a.txt.tmp").exists()
    (root / "inner").mkdir()
    (root / "alias").symlink_to(root / "inner", target_is_directory=True)
    check_inside(root / "alias" / "x", root)  # a link that stays inside is allowed
    (root / "out").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(UnsafePathError):
        safe_mkdir(root / "out" / "sub", root)
    assert not (tmp_path / "sub").exists()
    linked_root = tmp_path / "linked"
    linked_root.symlink_to(root, target_is_directory=True)
    check_inside(linked_root / "inner" / "f", linked_root)  # the directory the user named may be a link


# ---------------------------------------------------------------- defect 3: no code named by a directory
MODULE = "hostile_payload_mod"


@pytest.fixture
def payload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An importable module whose import leaves a marker file (what a directory must not make nas-env run)."""
    home = tmp_path / "mods"
    home.mkdir()
    marker = tmp_path / "IMPORTED"
    (home / f"{MODULE}.py").write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(home))
    yield marker
    import sys

    sys.modules.pop(MODULE, None)


def _rename_env(path: Path, key_path: list[str], value: str) -> None:
    import json

    data = json.loads(path.read_text())
    node = data
    for k in key_path[:-1]:
        node = node[k]
    node[key_path[-1]] = value
    path.write_text(json.dumps(data))


def test_report_imports_no_module_named_by_run_json(tmp_path, capsys, payload):
    out = tmp_path / "r"
    assert search(out) == 0
    env_id = f"{MODULE}:nas_env/NB201-v0"
    _rename_env(out / "run.json", ["env_id"], env_id)
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and MODULE in err and f"--env {env_id}" in err
    assert not payload.exists()
    assert main(["report", str(out), "--env", env_id]) == 0  # named by the user: trusted
    assert payload.exists()


def test_benchmark_report_imports_no_module_named_by_benchmark_json(tmp_path, capsys, payload):
    out = tmp_path / "b"
    assert bench(out) == 0
    env_id = f"{MODULE}:nas_env/NB201-v0"
    _rename_env(out / "benchmark.json", ["protocol", "env_id"], env_id)
    _rename_env(out / "benchmark.json", ["protocol", "name"], f"fixed:{env_id}")
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and MODULE in err and "--env" in err
    assert not payload.exists()


def test_retrain_and_resume_import_no_module_named_by_run_json(tmp_path, capsys, payload):
    from nas_env.benchmarks.run.environment import trusted_modules
    from nas_env.benchmarks.run.retrain import retrain_top

    out = tmp_path / "r"
    assert search(out) == 0
    _rename_env(out / "run.json", ["env_id"], f"{MODULE}:nas_env/NB201-v0")
    with trusted_modules(["nas_env/NB201-v0"]), pytest.raises(ValueError, match=MODULE):
        retrain_top(out, 1)  # a finished benchmark job re-trains under its protocol's trust only
    assert search(out, 12) == 2  # the resume compares run.json, importing nothing
    assert not payload.exists()


# ---------------------------------------------------------------- defect 4: an agent spec's directory
def test_an_agent_spec_cannot_lead_a_run_out_of_the_benchmark(tmp_path, monkeypatch, capsys):
    work = tmp_path / "a" / "b" / "c" / "d" / "e"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    spec = 'nsga2@objectives=["../../../../../ESCAPED"]'
    rc = main(["benchmark", "--protocol", "fixed:nas_env/NB201-v0", "--agents", spec, "--seeds", "1", "--budget", "3",
               "--workers", "0", "--no-progress", "--no-report", "--out", "b"])
    assert list(tmp_path.rglob("ESCAPED*")) == []
    err = capsys.readouterr().err  # the run starts in a directory of its own inside b/, then nsga2 refuses
    assert rc == 1 and "objective '../../../../../ESCAPED' is not a metric" in err, err  # every run failed: rc 1
    for p in tmp_path.rglob("*"):  # nothing outside b/ but what the test made
        assert p == work / "b" or work / "b" in p.parents or p in work.parents or p == work, p
    (made,) = (work / "b" / "runs").iterdir()
    assert made.name.startswith("nsga2-") and len(made.name) == len("nsga2-") + 12


def test_agent_directory_names_are_canonical_and_keep_todays_plain_names():
    from nas_env.agents.registry import canonical_agent_spec
    from nas_env.benchmarks.run.directory import agent_dir

    for plain in ("reinforce", "reinforce@lr=0", "evolution@variant=nb201", "random"):
        assert agent_dir(plain) == plain  # golden outputs and existing benchmark directories keep resuming
    assert canonical_agent_spec("reinforce@m=2@lr=1e-3") == "reinforce@lr=0.001@m=2"
    assert agent_dir("reinforce@lr=1e-3@m=2") == "reinforce@lr=0.001@m=2"
    a, b = agent_dir('nsga2@objectives=["x", "y"]'), agent_dir('nsga2@objectives=["x","y"]')
    assert a == b and a.startswith("nsga2-") and "/" not in a
    for hostile in ("../x", "..", ".hidden", "a/b@c=d", "x@k=" + "y" * 300, 'r@k="..\\\\x"'):
        name = agent_dir(hostile)
        assert "/" not in name and "\\" not in name and ".." not in name and not name.startswith(".")
        assert 0 < len(name) <= 100


def test_a_hashed_agent_directory_reports_under_its_spec(tmp_path, capsys):
    from nas_env.benchmarks.run.record import load_runs

    out = tmp_path / "b"
    spec = 'nsga2@objectives=["val_accuracy"]'
    assert bench(out, spec) == 0, capsys.readouterr().err
    assert list(load_runs(out)) == [spec] and list(load_runs(out, [spec])) == [spec]
    assert main(["report", str(out)]) == 0, capsys.readouterr().err
    assert bench(out, spec) == 0  # finished: resumed from the same directory, nothing new
    assert len(list((out / "runs").iterdir())) == 1


def test_a_directory_named_by_an_earlier_version_keeps_resuming(tmp_path, capsys):
    out = tmp_path / "b"
    assert bench(out, "reinforce@m=2@lr=0") == 0
    assert (out / "runs" / "reinforce@lr=0@m=2").is_dir()
    (out / "runs" / "reinforce@lr=0@m=2").rename(out / "runs" / "reinforce@m=2@lr=0")  # as before issue 22
    assert bench(out, "reinforce@m=2@lr=0") == 0
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["reinforce@m=2@lr=0"]
    assert main(["report", str(out)]) == 0, capsys.readouterr().err


# ---------------------------------------------------------------- defect 1 and all of the above at once
class Unpickled:
    """Unpickling it creates the file ``marker`` (the payload of a crafted ``checkpoint.pkl``)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


#: names a run's commands write (or lock), each made a link to a file outside the directory
LINKED = ("summary.json", "extras.json", "report.md", "retrain.json", "evaluations.sqlite", "evaluations.sqlite-wal",
          "evaluations.sqlite-shm", "evaluations.sqlite-journal", ".lock", "history.jsonl.tmp", "checkpoint.npz.tmp",
          "summary.json.tmp", "run.json.tmp", "extras.json.tmp", "report.md.tmp")


def _plant(run: Path, outside: Path, elsewhere: Path, unpickled: Path) -> None:
    import pickle

    (run / "checkpoint.pkl").write_bytes(pickle.dumps(Unpickled(unpickled)))
    (run / "checkpoint.npz").write_bytes(b"PK\x03\x04 a corrupted checkpoint")
    for name in LINKED:
        (run / name).unlink(missing_ok=True)
        (run / name).symlink_to(outside)
    for name in ("figures", "tensorboard"):
        (run / name).symlink_to(elsewhere, target_is_directory=True)
    _rename_env(run / "run.json", ["env_id"], f"{MODULE}:nas_env/NB201-v0")


def _files(root: Path, skip: tuple[Path, ...]) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink() and not any(s == p or s in p.parents for s in skip)}


@pytest.mark.parametrize("command", ["search", "benchmark"])
def test_a_pickled_checkpoint_is_never_loaded(tmp_path, capsys, command):
    """Defect 1: a crafted checkpoint.pkl in a finished run, then the same search with a larger budget (or the
    benchmark resuming the run): the pickle's payload ran, then a KeyError traceback."""
    import pickle

    unpickled = tmp_path / "UNPICKLED"
    out = tmp_path / "r" if command == "search" else tmp_path / "b"
    assert (search(out, 8) if command == "search" else bench(out)) == 0
    run = out if command == "search" else out / "runs" / "random" / "seed0"
    for name in ("checkpoint.npz", "summary.json"):
        (run / name).unlink(missing_ok=True)
    (run / "checkpoint.pkl").write_bytes(pickle.dumps(Unpickled(unpickled)))
    capsys.readouterr()
    assert (search(out, 12) if command == "search" else bench(out)) == 2
    err = capsys.readouterr().err
    assert not unpickled.exists()
    assert f"{run / 'checkpoint.pkl'} is an earlier nas-env's pickled checkpoint" in err
    assert err.strip().endswith(f"if you trust {out}, convert it once with: nas-env convert {out} --trust-pickle")
    assert len(err.strip().splitlines()) == 1
    assert main(["report", str(out)]) == 0, capsys.readouterr().err  # a report reads no checkpoint at all
    assert not unpickled.exists()


def test_a_hostile_run_and_benchmark_run_no_foreign_code_and_change_nothing_outside(tmp_path, capsys, payload):
    """Issue 22's hostile directory: a pickled checkpoint whose loading would create a file, a corrupted
    checkpoint.npz, links at every output name, run.json and benchmark.json naming a module. search (resume),
    search --retrain-top, retrain_top, benchmark and report each end in one line; nothing ran, nothing outside
    the directories changed."""
    from nas_env.benchmarks.run.retrain import retrain_top

    run, bench_dir = tmp_path / "r", tmp_path / "b"
    assert search(run, 8) == 0 and bench(bench_dir) == 0
    outside, elsewhere, unpickled = target(tmp_path), tmp_path / "elsewhere", tmp_path / "UNPICKLED"
    elsewhere.mkdir()
    _plant(run, outside, elsewhere, unpickled)
    _plant(bench_dir / "runs" / "random" / "seed0", outside, elsewhere, unpickled)
    _rename_env(bench_dir / "benchmark.json", ["protocol", "env_id"], f"{MODULE}:nas_env/NB201-v0")
    before = _files(tmp_path, (run, bench_dir))
    capsys.readouterr()
    commands = [
        ["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--budget", "12", "--out", str(run),
         "--no-progress"],
        ["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--budget", "8", "--out", str(run),
         "--no-progress", "--retrain-top", "1"],
        ["report", str(run)],
        ["benchmark", "--protocol", "fixed:nas_env/NB201-v0", "--agents", "random,evolution", "--seeds", "2",
         "--budget", "5", "--workers", "0", "--no-progress", "--out", str(bench_dir)],
        ["report", str(bench_dir)],
        ["convert", str(run)],  # without --trust-pickle: refused by argparse
    ]
    for argv in commands:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.strip(), argv
        assert len(err.strip().splitlines()) == 1 or argv[0] == "convert", (argv, err)
        if argv[0] in ("search", "benchmark"):
            assert "nas-env convert" in err and "--trust-pickle" in err, err
    with pytest.raises(ValueError, match="nas-env convert"):
        retrain_top(run, 1)
    assert not unpickled.exists() and not payload.exists()
    assert outside.read_bytes() == SECRET and list(elsewhere.iterdir()) == []
    assert _files(tmp_path, (run, bench_dir)) == before
    for d in (run, bench_dir / "runs" / "random" / "seed0"):
        assert all((d / name).is_symlink() for name in LINKED)


def test_converting_a_trusted_run_then_a_corrupted_checkpoint_is_one_line(tmp_path, capsys):
    """``nas-env convert DIR --trust-pickle`` is the one way a pickled checkpoint is read; afterwards the run
    resumes; a checkpoint.npz that does not parse is one line naming it."""
    import pickle

    from nas_env.benchmarks.run.state_codec import decode

    out = tmp_path / "r"
    assert search(out, 8) == 0
    state = decode((out / "checkpoint.npz").read_bytes())
    (out / "checkpoint.npz").unlink()
    (out / "checkpoint.pkl").write_bytes(pickle.dumps(state))  # as nas-env 0.1 wrote it
    assert search(out, 12) == 2 and "nas-env convert" in capsys.readouterr().err
    assert main(["convert", str(out), "--trust-pickle"]) == 0
    assert f"converted 1 run in {out}" in capsys.readouterr().out
    assert not (out / "checkpoint.pkl").exists() and (out / "checkpoint.npz").is_file()
    assert main(["convert", str(out), "--trust-pickle"]) == 2 and "already" in capsys.readouterr().err
    assert search(out, 12) == 0 and len((out / "history.jsonl").read_text().splitlines()) == 12
    (out / "checkpoint.npz").write_bytes(b"PK\x03\x04 a corrupted checkpoint")
    assert search(out, 16) == 2
    err = capsys.readouterr().err
    assert f"{out / 'checkpoint.npz'} is not a nas-env checkpoint: not a .npz archive" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
