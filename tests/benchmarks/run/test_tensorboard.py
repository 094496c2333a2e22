"""``--tensorboard DIR`` (issue 26): the event files, read back with TensorBoard's EventAccumulator, hold the
policy's per-decision probabilities (histograms and an image) at each update, the top-k curves and the status
counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nas_env.agents.history import Evaluation
from nas_env.benchmarks.cli import main

pytest.importorskip("tensorboard")

NB201_EDGES = ["edge_1<-0", "edge_2<-0", "edge_2<-1", "edge_3<-0", "edge_3<-1", "edge_3<-2"]


def events(logs: Path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(logs), size_guidance={"scalars": 0, "histograms": 0, "images": 0})
    acc.Reload()
    return acc


def search(out: Path, agent: str, budget: int, *extra: str) -> None:
    assert main(["search", "--env", "nas_env/NB201-v0", "--agent", agent, "--budget", str(budget), "--seed", "0",
                 "--no-progress", "--out", str(out / "run"), "--tensorboard", str(out / "logs"), *extra]) == 0


def test_reinforce_table_logs_its_policy_per_update(tmp_path):
    search(tmp_path, "reinforce-table", 12)
    acc = events(tmp_path / "logs")
    tags = acc.Tags()
    assert set(tags["histograms"]) == {f"policy/{e}" for e in NB201_EDGES}
    assert tags["images"] == ["policy/decision_probs"]
    for edge in NB201_EDGES:  # one update per evaluation: a histogram at each, over the 5 operations
        hist = acc.Histograms(f"policy/{edge}")
        assert [h.step for h in hist] == list(range(1, 13))
        for h in hist:
            assert h.histogram_value.bucket_limit == [0.5, 1.5, 2.5, 3.5, 4.5]
            assert abs(sum(h.histogram_value.bucket) - 1.0) < 1e-6 and h.histogram_value.num == 1.0
    images = acc.Images("policy/decision_probs")
    assert len(images) == 12 and (images[0].height, images[0].width) == (6 * 12, 5 * 12)
    assert {"search/top1", "search/top5", "search/status/ok", "policy/entropy_per_token"} <= set(tags["scalars"])
    assert [s.value for s in acc.Scalars("search/status/ok")] == list(range(1, 13))


def test_reinforce_logs_its_controllers_probabilities(tmp_path):
    search(tmp_path, "reinforce", 8, "--agent-kwargs", '{"m": 2}')
    acc = events(tmp_path / "logs")
    assert set(acc.Tags()["histograms"]) == {f"policy/{e}" for e in NB201_EDGES}
    assert [h.step for h in acc.Histograms("policy/edge_1<-0")] == [2, 4, 6, 8]  # evaluations at each update
    assert len(acc.Images("policy/decision_probs")) == 4


def test_an_agent_without_a_policy_logs_the_search_only(tmp_path):
    search(tmp_path, "random", 20)
    acc = events(tmp_path / "logs")
    assert acc.Tags()["histograms"] == [] and acc.Tags()["images"] == []
    top1 = [s.value for s in acc.Scalars("search/top1")]
    best = [s.value for s in acc.Scalars("search/best_reward")]
    assert top1 == pytest.approx(best)  # the best distinct architecture is the best reward


class FakeAgent:
    diagnostics = None


def evaluation(i: int, arch: str, reward: float, status: str = "ok") -> Evaluation:
    return Evaluation(i, arch, (i,), reward, {"status": status}, 1.0, 0.1, float(i + 1), 0.1 * (i + 1), reward)


def test_top_k_curves_and_status_counts_exactly(tmp_path):
    from nas_env.benchmarks.run.tensorboard import TensorBoardLogger

    log = TensorBoardLogger(tmp_path, FakeAgent())  # type: ignore[arg-type]
    rewards = [0.5, 0.9, 0.0, 0.7, 0.9, 0.1, 0.8, 0.6]
    statuses = ["ok", "ok", "failed", "ok", "ok", "ok", "timeout", "ok"]
    archs = ["a", "b", "c", "d", "b", "e", "f", "g"]  # "b" comes twice: a distinct architecture counts once
    for i, (r, s, a) in enumerate(zip(rewards, statuses, archs)):
        log(evaluation(i, a, r, s), None)  # type: ignore[arg-type]
    log.close()
    acc = events(tmp_path)
    assert [(s.step, s.value) for s in acc.Scalars("search/status/failed")] == [(i, 1.0) for i in range(2, 8)]
    assert [(s.step, s.value) for s in acc.Scalars("search/status/timeout")] == [(6, 1.0), (7, 1.0)]
    assert [s.value for s in acc.Scalars("search/status/ok")] == [1, 2, 2, 3, 4, 5, 5, 6]
    assert [s.step for s in acc.Scalars("search/top1")] == [0, 1, 3, 5, 7]  # successful, and new or better
    assert [s.value for s in acc.Scalars("search/top1")] == pytest.approx([0.5, 0.9, 0.9, 0.9, 0.9])
    # five distinct successful architectures only at the last: a 0.5, b 0.9, d 0.7, e 0.1, g 0.6
    assert [(s.step, s.value) for s in acc.Scalars("search/top5")] == [(7, pytest.approx(0.56))]


def test_probs_image_draws_a_row_per_decision():
    from nas_env.benchmarks.run.tensorboard import CELL, probs_image

    img = probs_image([[0.25, 0.75], [1.0, 0.0, 0.0]])
    assert img.shape == (3, 2 * CELL, 3 * CELL)
    assert np.allclose(img[:, 0, CELL], 0.75) and np.allclose(img[:, CELL, 0], 1.0)
    assert np.allclose(img[:, 0, 2 * CELL], [0.25, 0.0, 0.0])  # the first decision has no third choice
