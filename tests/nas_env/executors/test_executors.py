"""Executors: concurrency, per-child timeouts, retries after a worker is killed, Ray."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from nas_env.evaluators import FunctionEvaluator
from nas_env.evaluators.image_train import TrainEvaluator
from nas_env.executors import InProcessExecutor, ProcessExecutor, Request, make_executor
from nas_env.spaces import ZophLeCNNSpace
from tests.helpers import wait_for
from tests.nas_env.executors.marks import MarksItsStart, marked_pids

SPACE = ZophLeCNNSpace(num_layers=2)
ARCHS = [SPACE.from_string(s) for s in ("3x3-24-s1<img | 3x3-24-s1<0", "5x5-36-s1<img | 1x1-24-s1<img",
                                        "3x3-48-s1<img | 3x3-24-s1<0", "1x1-24-s1<img | 3x3-36-s1<0")]


def sleepy(arch, fidelity=None, seed=None):
    time.sleep(float(str(arch)))
    return 0.5


@pytest.fixture(scope="module")
def marks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the train pool's workers mark each evaluation they start (:class:`MarksItsStart`)."""
    return tmp_path_factory.mktemp("marks")


@pytest.fixture(scope="module")
def train_pool(marks: Path):
    ev = MarksItsStart(TrainEvaluator(epochs=1, max_train_samples=300, count_flops=False), marks)
    with ProcessExecutor(ev, num_workers=2, max_retries=1) as pool:
        yield pool


def test_inprocess_matches_process_results(train_pool):
    requests = [Request(a, None, 0) for a in ARCHS[:2]]
    local = InProcessExecutor(train_pool.evaluator).evaluate(requests)
    remote = train_pool.evaluate(requests)
    for a, b in zip(local, remote):
        assert a["status"] == b["status"] == "ok"
        assert a["val_accuracy"] == b["val_accuracy"]  # deterministic on CPU, whatever the process


def test_timeout_kills_the_child_not_the_search():
    ev = FunctionEvaluator(sleepy, pass_context=True)
    # the child that is not killed returns at once: 3 s is its margin on a machine with busy cores
    with ProcessExecutor(ev, num_workers=2, timeout=3.0) as pool:
        out = pool.evaluate([Request("60", None, 0), Request("0", None, 0)])
        assert out[0]["status"] == "timeout" and "timeout of 3.0 s" in out[0]["error"]
        assert out[1]["status"] == "ok"
        assert pool.restarts == 1
        assert pool.evaluate([Request("0", None, 0)])[0]["status"] == "ok"  # pool still works


def test_killed_worker_during_training_is_retried(train_pool, marks):
    killed: list[int] = []
    for mark in marks.iterdir():
        mark.unlink()

    def training() -> list[int]:
        return [pid for pid in marked_pids(marks) if pid in train_pool.busy_worker_pids()]

    def killer() -> None:
        wait_for(training, 600, "a worker to start training a child")
        pid = training()[0]
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    t = threading.Thread(target=killer)
    t.start()
    out = train_pool.evaluate([Request(a, 25, 0) for a in ARCHS])  # 25 epochs on 300 samples: ~1-2 s each
    t.join()
    assert killed
    assert all(m["status"] == "ok" for m in out), [m["error"] for m in out]
    assert sorted(m["attempts"] for m in out) == [1, 1, 1, 2]
    assert killed[0] not in train_pool.worker_pids()  # replaced


def test_worker_dying_every_time_is_marked_failed():
    def suicide(arch):
        os.kill(os.getpid(), signal.SIGKILL)

    with ProcessExecutor(FunctionEvaluator(suicide), num_workers=1, max_retries=1, start_method="fork") as pool:
        out = pool.evaluate([Request("x", None, 0)])
    assert out[0]["status"] == "failed"
    assert "died (exit code -9)" in out[0]["error"] and "gave up after 2 attempts" in out[0]["error"]


def test_bad_executor_arguments():
    ev = FunctionEvaluator(lambda a: 0.5)
    with pytest.raises(ValueError, match="unknown executor 'threads'"):
        make_executor("threads", ev)
    with pytest.raises(ValueError, match="num_workers must be an int >= 1, got 0"):
        ProcessExecutor(ev, num_workers=0)
    with pytest.raises(ValueError, match=r"timeout \(seconds\) must be a finite number > 0 or None, got 0"):
        ProcessExecutor(ev, timeout=0)


ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_local():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    yield
    ray.shutdown()


def test_ray_executor_trains_children(ray_local):
    from nas_env.executors.ray_executor import RayExecutor

    ev = TrainEvaluator(epochs=1, max_train_samples=300, count_flops=False)
    local = InProcessExecutor(ev).evaluate([Request(ARCHS[0], None, 0)])[0]
    ex = RayExecutor(ev, num_cpus=1)
    try:
        assert ex.max_concurrency == 2
        out = ex.evaluate([Request(a, None, 0) for a in ARCHS[:3]])
        assert [m["status"] for m in out] == ["ok"] * 3
        assert out[0]["val_accuracy"] == local["val_accuracy"]
    finally:
        ex.close()


def test_ray_actor_death_is_retried_and_timeout_enforced(ray_local, tmp_path):
    from nas_env.executors.ray_executor import RayExecutor

    marks = str(tmp_path)

    def nap(arch):  # a local function: Ray pickles it by value
        Path(marks, str(os.getpid())).touch()  # this actor has started a child
        time.sleep(float(str(arch)))
        return 0.5

    # a generous timeout while a killed actor is replaced (a loaded machine starts its Python slowly), then a short
    # one to see a child killed past it (the executor reads its timeout at each evaluate)
    ex = RayExecutor(FunctionEvaluator(nap), num_cpus=1, timeout=600.0, max_retries=1)
    try:
        pids = ex.actor_pids()

        def kill_a_napping_actor() -> None:
            wait_for(lambda: set(marked_pids(tmp_path)) & set(pids), 600, "an actor to start a child")
            os.kill(sorted(set(marked_pids(tmp_path)) & set(pids))[0], signal.SIGKILL)

        t = threading.Thread(target=kill_a_napping_actor)
        t.start()
        out = ex.evaluate([Request("1.5", None, 0), Request("1.5", None, 0)])
        t.join()
        assert [m["status"] for m in out] == ["ok", "ok"]
        assert sorted(m["attempts"] for m in out) == [1, 2]
        ex.timeout = 3.0
        out = ex.evaluate([Request("60", None, 0)])
        assert out[0]["status"] == "timeout" and out[0]["cost_seconds"] == 3.0
    finally:
        ex.close()


def test_unreachable_ray_address_fails_fast():
    from nas_env.executors.ray_executor import check_ray_address

    t0 = time.monotonic()
    with pytest.raises(ConnectionError, match=r"cannot reach the Ray cluster at '127.0.0.1:1'"):
        check_ray_address("127.0.0.1:1", timeout=2.0)
    assert time.monotonic() - t0 < 30  # not Ray's own wait of minutes (generous: a loaded machine meets it)
    with pytest.raises(ValueError, match="not 'host:port'"):
        check_ray_address("nonsense")
