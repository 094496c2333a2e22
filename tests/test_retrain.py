"""``nas-env search ... --retrain-top K``: a run's finalists re-trained stand-alone, both numbers recorded."""

from __future__ import annotations

import json

from agents.history import Evaluation
from benchmarks.cli import main
from benchmarks.run.retrain import finalists, standalone_env_kwargs

ENV_KWARGS = {"num_layers": 2, "filter_sizes": [1, 3], "num_filters": [4, 8], "epochs": 1, "backend": "shared",
              "train_kwargs": {"steps": 2, "max_train_samples": 256, "num_threads": 1, "device": "cpu"}}


def ev(index: int, arch: str | None, reward: float, status: str = "ok") -> Evaluation:
    return Evaluation(index, arch, (), reward, {"status": status}, 0.0, 0.0, 0.0, 0.0, reward)


def test_finalists_are_the_best_distinct_successful_archs_earliest_on_ties():
    history = [ev(0, "a", 0.5), ev(1, "b", 0.9), ev(2, "a", 0.95), ev(3, "c", 0.9), ev(4, "d", 0.99, "failed"),
               ev(5, None, 1.0), ev(6, "e", 0.1)]
    assert [(e.arch, e.index) for e in finalists(history, 3)] == [("a", 2), ("b", 1), ("c", 3)]
    assert len(finalists(history, 10)) == 4


def test_standalone_kwargs_drop_the_shared_backend_and_its_shared_only_train_kwargs():
    assert standalone_env_kwargs(ENV_KWARGS, epochs=3) == {
        "num_layers": 2, "filter_sizes": [1, 3], "num_filters": [4, 8], "epochs": 3, "backend": "train",
        "device": "cpu", "train_kwargs": {"max_train_samples": 256, "num_threads": 1}}  # "steps" dropped
    plain = {"num_layers": 4, "train_kwargs": {"num_threads": 1}}
    assert standalone_env_kwargs(plain) == plain


def test_retrain_top_records_search_and_standalone_numbers_and_reads_them_back(tmp_path, capsys):
    argv = ["search", "--env", "nas_env/ZophLeCNN-v0", "--env-kwargs", json.dumps(ENV_KWARGS), "--agent", "random",
            "--budget", "4", "--seed", "1", "--out", str(tmp_path / "run"), "--no-progress", "--retrain-top", "2"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    result = json.loads((tmp_path / "run" / "retrain.json").read_text())
    history = [json.loads(line) for line in (tmp_path / "run" / "history.jsonl").read_text().splitlines()]
    best = sorted(history, key=lambda e: (-e["reward"], e["index"]))
    assert result["k"] == 2 and result["epochs"] == 1 and result["evaluator"]["name"] == "TrainEvaluator"
    assert [c["arch"] for c in result["children"]] == [best[0]["arch"], best[1]["arch"]]
    assert [c["search_reward"] for c in result["children"]] == [best[0]["reward"], best[1]["reward"]]
    for c in result["children"]:
        assert c["standalone_status"] == "ok" and 0.0 <= c["standalone_test_accuracy"] <= 1.0
    assert "re-trained stand-alone (1 epochs, seed 0" in printed and result["children"][0]["arch"] in printed
    # the same command again: the finished run and its retrain.json are read back, nothing is trained
    assert main(argv) == 0
    assert json.loads((tmp_path / "run" / "retrain.json").read_text()) == result


def test_retrain_epochs_without_retrain_top_exits_2(tmp_path, capsys):
    argv = ["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--budget", "2", "--out",
            str(tmp_path / "o"), "--no-progress", "--retrain-epochs", "3"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--retrain-epochs 3 needs --retrain-top K" in err and "Traceback" not in err
