"""Whose failure is it (issue 22, defect 9)? The child's (it does not build, it diverges) is its result, stored for
good; the machine's (memory refused, a time limit under load, a killed worker) is kept in the history but never
served from the store: the next query trains the child again. README and code say the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import gymnasium as gym
import pytest

import nas_env  # noqa: F401  (registers the envs)
from nas_env.cache import attach_store
from nas_env.evaluators.base import Evaluator, machine_failure
from nas_env.executors import InProcessExecutor, Request
from tests.helpers import REPO, play

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CNN = {"num_layers": 2, "epochs": 1, "filter_sizes": [1, 3], "num_filters": [8, 16], "strides": [1, 2, 3],
       "predict_stride": True, "train_kwargs": {"max_train_samples": 64, "count_flops": False}}
FIRST = [0] * 9  # two layers of 1x1, 8 filters, stride 1; no skip


def statuses(store) -> list[tuple[str, str]]:
    return [(r["status"], r["metrics"]["status"]) for r in store.rows()]


def test_a_time_limit_is_the_machines_failure_the_child_is_trained_again(tmp_path):
    env = gym.make("nas_env/ZophLeCNN-v0", **{**CNN, "max_train_seconds": 1e-9})  # over before its first batch
    store = attach_store(env, tmp_path / "s.sqlite")
    _, reward, info = play(env, FIRST, seed=0)
    assert info["metrics"]["status"] == "timeout" and info["metrics"]["transient"] is True and reward == 0.0
    assert statuses(store) == [("retry", "timeout")]  # in the record, never served
    _, _, again = play(env, FIRST, seed=1)
    assert again["metrics"]["cached"] is False and store.hits == 0
    env.close()


def test_the_childs_own_failures_are_its_results_served_from_the_store(tmp_path):
    diverges = gym.make("nas_env/ZophLeCNN-v0", **{**CNN, "lr": 1e30, "batch_size": 16})  # inf/nan from step 2
    store = attach_store(diverges, tmp_path / "d.sqlite")
    _, _, info = play(diverges, FIRST, seed=0)
    assert info["metrics"]["status"] == "diverged" and "transient" not in info["metrics"]
    assert play(diverges, FIRST, seed=1)[2]["metrics"]["cached"] is True
    assert statuses(store) == [("diverged", "diverged")]
    diverges.close()
    small = gym.make("nas_env/ZophLeCNN-v0", **{**CNN, "num_layers": 3})  # three strides of 3: 8x8 digits -> 3x3
    store = attach_store(small, tmp_path / "b.sqlite")                   # -> 1x1, too small for a third: no network
    _, _, info = play(small, [0, 0, 0, 2] + [0, 0, 0, 2, 1] + [0, 0, 0, 2, 0, 1], seed=0)
    assert info["metrics"]["status"] == "failed" and "transient" not in info["metrics"], info["metrics"]["error"]
    assert statuses(store) == [("failed", "failed")]
    small.close()


@pytest.mark.parametrize("exc", [MemoryError(), RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried "
                                                                "to allocate 9663676416 bytes. Error code 12"),
                                 RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB"),
                                 OSError(12, "Cannot allocate memory")])
def test_memory_the_machine_refused_is_the_machines_failure(exc):
    assert machine_failure(exc)


@pytest.mark.parametrize("exc", [ValueError("feature map too small"), RuntimeError("mat1 and mat2 shapes cannot be "
                                                                                   "multiplied"), ZeroDivisionError()])
def test_other_exceptions_are_the_childs_failure(exc):
    assert not machine_failure(exc)


#: a child whose weights do not fit under an address-space limit (ulimit -v) set after start-up: PyTorch's own
#: allocator refuses it ("can't allocate memory"), caught in Python
LIMITED = """
import json, resource, sys
import gymnasium as gym, nas_env
from nas_env.cache import attach_store
from tests.helpers import play
env = gym.make("nas_env/NB201-v0", backend="train", train_kwargs={"epochs": 1, "max_train_samples": 64,
               "count_flops": False, "model_options": {"channels": 4096, "cells_per_stage": 1}})
store = attach_store(env, sys.argv[1])
env.unwrapped.evaluator.inner.data  # the data loaded before the limit
size = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (size + 512 * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1]))
out = []
for seed in (0, 1):
    info = play(env, [1, 1, 1, 1, 1, 1], seed=seed)[2]
    out.append({k: info["metrics"].get(k) for k in ("status", "error", "transient", "cached")})
out.append([r["status"] for r in store.rows()])
print(json.dumps(out))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ulimit -v and /proc: Linux")
def test_an_allocation_the_machine_refused_is_trained_again(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", LIMITED, str(tmp_path / "s.sqlite")], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    first, second, rows = json.loads(done.stdout.splitlines()[-1])
    assert first["status"] == "failed" and "can't allocate memory" in first["error"], first
    assert first["transient"] is True and second["cached"] is False and second["transient"] is True
    assert rows == ["retry"]


class _RefusedMemory(Evaluator):
    def evaluate(self, arch, *, fidelity=None, seed=None):
        raise MemoryError if arch == "big" else ValueError(f"{arch} is no architecture")


def test_an_executor_marks_memory_errors_of_any_evaluator_as_the_machines():
    big, bad = InProcessExecutor(_RefusedMemory()).evaluate([Request("big"), Request("bad")])
    assert (big["status"], big["error"], big["transient"]) == ("failed", "MemoryError: ", True)
    assert (bad["status"], bad["error"]) == ("failed", "ValueError: bad is no architecture") and "transient" not in bad
