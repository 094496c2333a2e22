"""Protocols whose final numbers are re-trained finalists: ``cnn-digits`` (Figure 6 on the Zoph & Le CNN space
with shared-weight rewards) and ``rnn-tinyshakespeare-shared`` (the recurrent-cell Figure 6 with shared weights)."""

from __future__ import annotations

import csv
import dataclasses
import json

import gymnasium as gym
import numpy as np
import pytest

from nas_env.benchmarks.harness.runner import run_benchmark
from nas_env.benchmarks.protocols import PROTOCOLS, get_protocol, protocol_from_json
from nas_env.benchmarks.report.benchmark.report import build_report
from nas_env.benchmarks.run.retrain import read_retrain, retrained_pick

TINY = {"num_layers": 2, "filter_sizes": [1, 3], "num_filters": [4, 8],
        "train_kwargs": {"steps": 2, "max_train_samples": 256, "num_threads": 1, "evaluate_test": False}}
AGENTS, SEEDS = ["random", "reinforce"], [0, 1, 2]


def test_the_protocol_searches_on_shared_weights_and_reports_re_trained_numbers():
    p = PROTOCOLS["cnn-digits"]
    assert p.env_id == "nas_env/ZophLeCNN-v0" and p.env_kwargs["backend"] == "shared"
    assert p.env_kwargs["num_layers"] == 4 and p.budget.evaluations == 300
    assert (p.default_seeds, p.default_agents) == (5, ("random", "reinforce"))
    assert (p.retrain_top, p.retrain_epochs) == (15, 2)
    assert p.report_name == "retrained_test_accuracy" and "re-trained 2 epochs" in p.report_label
    saved = p.to_json()
    assert (saved["retrain_top"], saved["retrain_epochs"]) == (15, 2)
    assert "retrain_top" not in PROTOCOLS["rnn-tinyshakespeare"].to_json()  # other saved protocols unchanged
    again = protocol_from_json({**saved, "retrain_top": 3})
    assert again.retrain_top == 3 and again.retrain_epochs == 2


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("cnn") / "bench"
    p = dataclasses.replace(get_protocol("cnn-digits", budget=8, env_kwargs=TINY), retrain_top=3)
    outcomes = run_benchmark(p, AGENTS, SEEDS, out, workers=0, progress=False)
    return p, out, outcomes


def test_every_run_is_re_trained_and_its_final_number_is_the_re_trained_pick(bench):
    p, out, outcomes = bench
    assert [o.status for o in outcomes] == ["done"] * 6
    for o in outcomes:
        run = out / "runs" / o.agent / f"seed{o.seed}"
        retrain = read_retrain(run)
        assert retrain["ranking"] == "final_shared_weights" and retrain["epochs"] == 2 and retrain["k"] == 3
        vals = [c["final_weights_val_accuracy"] for c in retrain["children"]]
        assert vals == sorted(vals, reverse=True) and len(vals) == min(3, retrain["candidates"])
        assert all(c["standalone_reward"] == c["standalone_val_accuracy"] for c in retrain["children"])  # accuracy
        pick = max(retrain["children"], key=lambda c: (c["standalone_reward"], -c["rank"]))
        assert retrained_pick(run) == pick and o.final_accuracy == pick["standalone_test_accuracy"]
        assert o.report_name == "retrained_test_accuracy"


def test_the_report_gives_the_re_trained_top_k_and_its_difference_from_random(bench):
    p, out, outcomes = bench
    text = build_report(out).read_text()
    agg = json.loads((out / "aggregate.json").read_text())["retrained"]
    top1 = {a: [100 * read_retrain(out / "runs" / a / f"seed{s}")["children"][0]["standalone_reward"]
                for s in SEEDS] for a in AGENTS}
    for a in AGENTS:
        assert agg["topk_mean_percent"][a]["1"] == pytest.approx(np.mean(top1[a]))
        assert agg["topk_mean_percent"][a]["15"] is None  # 3 finalists: no top-15 (NaN, written as null)
    diff = agg["difference_vs_random"]["1"]["reinforce"]
    assert diff["difference"] == pytest.approx(np.mean(top1["reinforce"]) - np.mean(top1["random"]))
    assert diff["ci"][0] <= diff["difference"] <= diff["ci"][1]
    assert "## 3b. Re-trained finalists (the final numbers)" in text
    assert f"| random | 3 | {np.mean(top1['random']):.2f} | n/a | n/a | — | — | — |" in text
    assert "- On re-trained numbers, `reinforce`: too few seeds for a verdict" in text  # 3 seeds: below the minimum
    with (out / "summary.csv").open() as f:
        rows = list(csv.DictReader(f))
    finals = {(o.agent, o.seed): o.final_accuracy for o in outcomes}
    assert {(r["agent"], int(r["seed"])): float(r["final_reported_accuracy"]) for r in rows} == finals
    assert len(list(csv.DictReader((out / "retrained.csv").open()))) == sum(
        len(read_retrain(out / "runs" / a / f"seed{s}")["children"]) for a in AGENTS for s in SEEDS)


def test_a_run_interrupted_while_re_training_is_re_trained_on_the_rerun(bench):
    p, out, outcomes = bench
    run = out / "runs" / "reinforce" / "seed1"
    before = read_retrain(run)
    (run / "retrain.json").unlink()
    again = run_benchmark(p, AGENTS, SEEDS, out, workers=0, progress=False)
    assert [o.status for o in again] == ["skipped"] * 6
    after = read_retrain(run)
    assert [c["arch"] for c in after["children"]] == [c["arch"] for c in before["children"]]
    assert [c["standalone_val_accuracy"] for c in after["children"]] == \
        [c["standalone_val_accuracy"] for c in before["children"]]  # deterministic on the CPU
    assert [o.final_accuracy for o in again] == [o.final_accuracy for o in outcomes]


def test_the_shared_recurrent_protocol_re_trains_its_cells_as_the_stand_alone_protocol_trains_them(tmp_path):
    p = PROTOCOLS["rnn-tinyshakespeare-shared"]
    standalone = PROTOCOLS["rnn-tinyshakespeare"]
    assert p.env_kwargs["backend"] == "shared" and p.budget == standalone.budget
    assert p.kwargs_for("reinforce") == standalone.kwargs_for("reinforce")
    assert (p.retrain_top, p.retrain_epochs) == (15, 1)
    tiny = {"seq_len": 16, "batch_size": 8, "hidden_size": 16, "max_chars": 8_000, "base": 2,
            "train_kwargs": {"steps": 2, "val_chars": 256, "num_threads": 1, "evaluate_test": False}}
    small = dataclasses.replace(get_protocol("rnn-tinyshakespeare-shared", budget=5, env_kwargs=tiny), retrain_top=2)
    [o] = run_benchmark(small, ["random"], [0], tmp_path / "b", workers=0, progress=False)
    retrain = read_retrain(tmp_path / "b" / "runs" / "random" / "seed0")
    assert retrain["ranking"] == "final_shared_weights" and retrain["evaluator"]["name"] == "LMTrainEvaluator"
    assert retrain["epochs"] == 1 and len(retrain["children"]) == 2
    for c in retrain["children"]:  # the env's reward, bits saved, of the re-trained cell's own metrics
        env = gym.make("nas_env/ZophLeRNN-v0", **{**{k: v for k, v in tiny.items() if k != "train_kwargs"},
                                                  "device": "cpu", "epochs": 1, "train_kwargs": {"num_threads": 1}})
        m = env.unwrapped.evaluator.evaluate(env.unwrapped.space.from_string(c["arch"]), seed=0)
        env.close()
        assert c["standalone_reward"] == pytest.approx(1 - m["val_bpc"] / np.log2(65))
        assert c["standalone_test_accuracy"] == m["test_accuracy"]
    assert o.final_accuracy == retrained_pick(tmp_path / "b" / "runs" / "random" / "seed0")["standalone_test_accuracy"]
