"""``nas-env export DIR --optuna URL`` (issue 26): one study per run, the decisions as categorical parameters,
failed children as FAIL trials, idempotent reruns, bulk writes equal to Optuna's own ``add_trials``, and a
directory only read (no link followed, no module it names imported, nothing written in it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nas_env.benchmarks.cli import main
from tests.benchmarks.run.test_hostile_directories import MODULE, _rename_env, payload  # noqa: F401 (fixture)

optuna = pytest.importorskip("optuna")

NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
NB201_EDGES = ["edge_1<-0", "edge_2<-0", "edge_2<-1", "edge_3<-0", "edge_3<-1", "edge_3<-2"]


def history(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "history.jsonl").read_text().splitlines()]


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(root.rglob("*"))}


def dump(url: str) -> dict:
    """Everything a user sees of a storage: studies, their attributes and trials."""
    out = {}
    for s in optuna.get_all_study_summaries(url):
        study = optuna.load_study(study_name=s.study_name, storage=url)
        out[s.study_name] = {
            "directions": [d.name for d in study.directions], "attrs": study.user_attrs,
            "trials": [(t.number, t.state.name, t.values, t.params, t.user_attrs,
                        {k: repr(d) for k, d in t.distributions.items()}) for t in study.trials]}
    return out


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "b"
    assert main(["benchmark", "--protocol", "fixed:nas_env/NB201-v0", "--agents", "random,evolution", "--seeds",
                 "2", "--budget", "12", "--workers", "0", "--no-progress", "--no-report", "--out", str(out)]) == 0
    return out


def export(d: Path, url: str, *extra: str) -> int:
    return main(["export", str(d), "--optuna", url, *extra])


def test_a_benchmark_becomes_one_study_per_run(bench, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    before = snapshot(bench)
    assert export(bench, url) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"created   {a}/seed{k}: 12 trials (12 new)" for a in ("evolution", "random") for k in (0, 1)] \
        + [f"open it:  optuna-dashboard {url}"]
    assert snapshot(bench) == before  # read only
    studies = {s.study_name: s for s in optuna.get_all_study_summaries(url)}
    assert sorted(studies) == ["evolution/seed0", "evolution/seed1", "random/seed0", "random/seed1"]
    study = optuna.load_study(study_name="random/seed1", storage=url)
    hist = history(bench / "runs" / "random" / "seed1")
    assert [d.name for d in study.directions] == ["MAXIMIZE"]
    assert study.user_attrs["agent"] == "random" and study.user_attrs["seed"] == 1
    assert study.user_attrs["protocol"] == "fixed:nas_env/NB201-v0"
    assert [t.number for t in study.trials] == list(range(12))
    for t, h in zip(study.trials, hist):
        assert t.state.name == "COMPLETE" and t.values == [h["reward"]]
        assert list(t.params) == NB201_EDGES
        assert [t.params[e] for e in NB201_EDGES] == [NB201_OPS[k] for k in h["tokens"]]
        assert all(d.choices == tuple(NB201_OPS) for d in t.distributions.values())
        assert isinstance(t.distributions["edge_1<-0"], optuna.distributions.CategoricalDistribution)
        assert t.user_attrs["test_accuracy"] == h["metrics"]["test_accuracy"]
        assert t.user_attrs["cost_seconds"] == h["cost_seconds"] and t.user_attrs["status"] == "ok"
        assert t.user_attrs["arch"] == h["arch"] and t.user_attrs["index"] == h["index"]
        assert t.datetime_start <= t.datetime_complete
    assert study.best_trial.value == max(h["reward"] for h in hist)


def test_a_rerun_leaves_the_storage_unchanged(bench, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert export(bench, url, "--agents", "random") == 0
    first = dump(url)
    capsys.readouterr()
    assert export(bench, url, "--agents", "random") == 0
    assert capsys.readouterr().out.splitlines()[:2] == ["unchanged random/seed0: 12 trials (0 new)",
                                                         "unchanged random/seed1: 12 trials (0 new)"]
    assert dump(url) == first


def test_a_live_run_gets_only_its_new_evaluations_then_a_remade_run_replaces_its_study(tmp_path, capsys):
    run, url = tmp_path / "r", f"sqlite:///{tmp_path / 'x.db'}"
    search = ["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--seed", "3", "--no-progress",
              "--out", str(run)]
    assert main([*search, "--budget", "8"]) == 0
    assert export(run, url) == 0
    assert main([*search, "--budget", "13"]) == 0  # the search went on
    capsys.readouterr()
    assert export(run, url) == 0
    assert capsys.readouterr().out.splitlines()[0] == "appended  random/seed3: 13 trials (5 new)"
    trials = optuna.load_study(study_name="random/seed3", storage=url).trials
    assert [t.number for t in trials] == list(range(13))
    assert [t.values[0] for t in trials] == [h["reward"] for h in history(run)]
    # a child that failed (edited into the history): the study no longer matches, so it is written anew
    lines = (run / "history.jsonl").read_text().splitlines()
    bad = json.loads(lines[2])
    bad["metrics"] = {"status": "failed", "error": "CUDA out of memory", "cost_seconds": 0.0}
    bad["reward"] = 0.0
    lines[2] = json.dumps(bad)
    (run / "history.jsonl").write_text("\n".join(lines) + "\n")
    assert export(run, url) == 0
    assert capsys.readouterr().out.splitlines()[0] == "replaced  random/seed3: 13 trials (13 new)"
    trials = optuna.load_study(study_name="random/seed3", storage=url).trials
    assert len(trials) == 13 and trials[2].state.name == "FAIL" and trials[2].values is None
    assert trials[2].user_attrs["status"] == "failed" and trials[2].user_attrs["error"] == "CUDA out of memory"
    assert list(trials[2].params) == NB201_EDGES  # the architecture that failed is still shown
    assert [t.state.name for t in trials].count("FAIL") == 1


def test_a_multi_objective_run_exports_its_objectives(tmp_path, capsys):
    run, url = tmp_path / "r", f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["search", "--env", "nas_env/NB201-v0", "--agent", 'nsga2@objectives=["params"]', "--budget", "6",
                 "--no-progress", "--out", str(run)]) == 0, capsys.readouterr().err
    assert export(run, url) == 0
    (s,) = optuna.get_all_study_summaries(url)
    study = optuna.load_study(study_name=s.study_name, storage=url)
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MINIMIZE"]
    assert study.user_attrs["objectives"] == ["reward", "params"]
    assert [t.values for t in study.trials] == [[h["reward"], float(h["metrics"]["params"])] for h in history(run)]
    assert 1 <= len(study.best_trials) <= 6


def test_bulk_writes_equal_optunas_add_trials(bench, tmp_path):
    from nas_env.benchmarks.export import export_runs, export_to_optuna

    runs = export_runs(bench, ["evolution"])
    fast, slow = f"sqlite:///{tmp_path / 'fast.db'}", f"sqlite:///{tmp_path / 'slow.db'}"
    export_to_optuna(runs, fast)
    export_to_optuna(runs, slow, bulk=False)
    a, b = dump(fast), dump(slow)
    assert a == b and len(a["evolution/seed0"]["trials"]) == 12
    spans = [[(t.datetime_start, t.datetime_complete) for t in optuna.load_study(study_name="evolution/seed1",
                                                                                  storage=u).trials]
             for u in (fast, slow)]
    assert spans[0] == spans[1]


def test_a_study_nas_env_did_not_write_is_left_alone(bench, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    optuna.create_study(study_name="random/seed0", storage=url).optimize(lambda t: t.suggest_float("x", 0, 1), 2)
    capsys.readouterr()
    assert export(bench, url) == 2
    err = capsys.readouterr().err
    assert err == (f"nas-env: error: study 'random/seed0' in {url} was not written by nas-env export; pass --prefix "
                   "NAME/ to export beside it, or delete that study\n")
    assert len(optuna.load_study(study_name="random/seed0", storage=url).trials) == 2
    assert export(bench, url, "--prefix", "nb201/", "--agents", "random") == 0
    names = sorted(s.study_name for s in optuna.get_all_study_summaries(url))
    assert names == ["nb201/random/seed0", "nb201/random/seed1", "random/seed0"]


def test_another_directorys_run_is_not_overwritten(bench, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    other = tmp_path / "other"
    assert main(["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--seed", "0", "--budget", "5",
                 "--no-progress", "--out", str(other)]) == 0
    assert export(other, url) == 0
    capsys.readouterr()
    assert export(bench, url, "--agents", "random") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nas-env: error: study 'random/seed0' in {url} holds another directory's run ({other})")
    assert len(optuna.load_study(study_name="random/seed0", storage=url).trials) == 5
    moved = tmp_path / "moved"
    shutil.copytree(other, moved)
    assert export(moved, url) == 0  # the same run from another place: recognised by its content
    assert capsys.readouterr().out.startswith("unchanged random/seed0: 5 trials")


@pytest.mark.parametrize("argv, message", [
    (["--optuna", "runs.db"], "--optuna 'runs.db' is not a database URL; valid: e.g. sqlite:///runs.db"),
    (["--optuna", "nosuchdb://x/y"], "--optuna 'nosuchdb://x/y': Optuna cannot open this storage"),
])
def test_bad_storage_urls_get_one_line(bench, capsys, argv, message):
    assert main(["export", str(bench), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nas-env: error: {message}") and len(err.strip().splitlines()) == 1


def test_bad_directories_get_one_line(bench, tmp_path, capsys):
    assert export(tmp_path, f"sqlite:///{tmp_path / 'x.db'}") == 2
    assert "is neither a `nas-env benchmark` directory" in capsys.readouterr().err
    assert export(bench, f"sqlite:///{bench / 'runs' / 'x.db'}") == 2
    assert "lies inside" in capsys.readouterr().err and not (bench / "runs" / "x.db").exists()
    assert export(bench, f"sqlite:///{tmp_path / 'x.db'}", "--agents", "tpe") == 2
    assert "no runs of agent 'tpe'" in capsys.readouterr().err


def test_export_imports_no_module_the_directory_names(tmp_path, capsys, payload):  # noqa: F811
    run, url = tmp_path / "r", f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--budget", "4", "--no-progress",
                 "--out", str(run)]) == 0
    env_id = f"{MODULE}:nas_env/NB201-v0"
    _rename_env(run / "run.json", ["env_id"], env_id)
    capsys.readouterr()
    assert export(run, url) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"--env {env_id}" in err and not payload.exists()
    assert export(run, url, "--env", env_id) == 0 and payload.exists()  # named by the user: trusted


def test_export_follows_no_link(tmp_path, capsys):
    run, url = tmp_path / "r", f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--budget", "4", "--no-progress",
                 "--out", str(run)]) == 0
    secret = tmp_path / "secret.jsonl"
    (run / "history.jsonl").rename(secret)
    (run / "history.jsonl").symlink_to(secret)
    capsys.readouterr()
    assert export(run, url) == 2
    err = capsys.readouterr().err
    assert err.startswith("nas-env: error: ") and "is a symbolic link; nas-env export reads no link" in err
    assert optuna.get_all_study_summaries(url) == []
