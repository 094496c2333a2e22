"""``nas-env search ... --retrain-top K``: a run's finalists re-trained stand-alone, both numbers recorded."""

from __future__ import annotations

import json

import gymnasium as gym

import nas_env  # noqa: F401
from nas_env.agents.history import Evaluation
from nas_env.benchmarks.cli import main
from nas_env.benchmarks.run.retrain import finalists
from nas_env.benchmarks.run.state_codec import decode

ENV_KWARGS = {"num_layers": 2, "filter_sizes": [1, 3], "num_filters": [4, 8], "epochs": 1, "backend": "shared",
              "train_kwargs": {"steps": 2, "max_train_samples": 256, "num_threads": 1, "device": "cpu"}}


def ev(index: int, arch: str | None, reward: float, status: str = "ok") -> Evaluation:
    return Evaluation(index, arch, (), reward, {"status": status}, 0.0, 0.0, 0.0, 0.0, reward)


def test_finalists_are_the_best_distinct_successful_archs_earliest_on_ties():
    history = [ev(0, "a", 0.5), ev(1, "b", 0.9), ev(2, "a", 0.95), ev(3, "c", 0.9), ev(4, "d", 0.99, "failed"),
               ev(5, None, 1.0), ev(6, "e", 0.1)]
    assert [(e.arch, e.index) for e in finalists(history, 3)] == [("a", 2), ("b", 1), ("c", 3)]
    assert len(finalists(history, 10)) == 4


def test_retrain_top_records_search_and_standalone_numbers_and_reads_them_back(tmp_path, capsys):
    argv = ["search", "--env", "nas_env/ZophLeCNN-v0", "--env-kwargs", json.dumps(ENV_KWARGS), "--agent", "random",
            "--budget", "6", "--seed", "1", "--out", str(tmp_path / "run"), "--no-progress", "--retrain-top", "3"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    result = json.loads((tmp_path / "run" / "retrain.json").read_text())
    history = [json.loads(line) for line in (tmp_path / "run" / "history.jsonl").read_text().splitlines()]
    assert result["k"] == 3 and result["epochs"] == 1 and result["evaluator"]["name"] == "TrainEvaluator"
    assert result["evaluations"] == 6 and result["ranking"] == "final_shared_weights"
    # every distinct child measured again with the final shared weights, the best of that re-trained
    env = gym.make("nas_env/ZophLeCNN-v0", **ENV_KWARGS).unwrapped
    env.evaluator.load_state_dict(decode((tmp_path / "run" / "checkpoint.npz").read_bytes())["evaluator"])
    archs = list(dict.fromkeys(e["arch"] for e in history if e["metrics"]["status"] == "ok"))
    final = {a: env.evaluator.evaluate(env.space.from_string(a), fidelity=0, seed=0)["val_accuracy"] for a in archs}
    reward = {e["arch"]: e["reward"] for e in sorted(history, key=lambda e: (e["reward"], -e["index"]))}
    ranked = sorted(archs, key=lambda a: (-final[a], -reward[a]))
    assert result["candidates"] == len(archs)
    assert [c["arch"] for c in result["children"]] == ranked[:3]
    assert [c["final_weights_val_accuracy"] for c in result["children"]] == [final[a] for a in ranked[:3]]
    for c in result["children"]:
        assert c["standalone_status"] == "ok" and 0.0 <= c["standalone_test_accuracy"] <= 1.0
        assert c["search_reward"] == reward[c["arch"]]
    assert "re-trained stand-alone (1 epoch, seed 0" in printed and result["children"][0]["arch"] in printed
    assert f"the 3 best of {len(archs)} distinct children under the search's final shared weights" in printed
    trained = [c for c in result["children"] if c["standalone_val_accuracy"] is not None]
    pick = max(trained, key=lambda c: (c["standalone_val_accuracy"], -c["rank"]))
    assert (f"pick (best stand-alone validation): rank {pick['rank']}, "
            f"val {100 * pick['standalone_val_accuracy']:.2f}%, "
            f"test {100 * pick['standalone_test_accuracy']:.2f}%  {pick['arch']}") in printed
    # the same command again: the finished run and its retrain.json are read back, nothing is trained
    assert main(argv) == 0
    assert json.loads((tmp_path / "run" / "retrain.json").read_text()) == result


def test_a_stand_alone_run_is_ranked_by_its_search_reward(tmp_path):
    kwargs = {k: v for k, v in ENV_KWARGS.items() if k not in ("backend", "train_kwargs")}
    kwargs["train_kwargs"] = {"max_train_samples": 256, "num_threads": 1}
    assert main(["search", "--env", "nas_env/ZophLeCNN-v0", "--env-kwargs", json.dumps(kwargs), "--agent", "random",
                 "--budget", "3", "--seed", "2", "--out", str(tmp_path / "run"), "--no-progress", "--executor", "none",
                 "--retrain-top", "2"]) == 0
    result = json.loads((tmp_path / "run" / "retrain.json").read_text())
    history = [json.loads(line) for line in (tmp_path / "run" / "history.jsonl").read_text().splitlines()]
    best = sorted(history, key=lambda e: (-e["reward"], e["index"]))
    assert result["ranking"] == "search_reward" and result["candidates"] == len({e["arch"] for e in history})
    assert [c["arch"] for c in result["children"]] == [best[0]["arch"], best[1]["arch"]]
    assert all(c["final_weights_val_accuracy"] is None for c in result["children"])


def test_retrain_epochs_without_retrain_top_exits_2(tmp_path, capsys):
    argv = ["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--budget", "2", "--out",
            str(tmp_path / "o"), "--no-progress", "--retrain-epochs", "3"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--retrain-epochs 3 needs --retrain-top K" in err and "Traceback" not in err
