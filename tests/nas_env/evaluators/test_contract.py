"""The metric contract (nas_env/evaluators/contract.py): values that break it are errors naming the key, never
silent conversions (a ``params`` of 1.5 used to become 1 through ``int()``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nas_env import DecisionSpace, MetricsError, NASEnv, make_metrics
from nas_env.evaluators import Evaluator, check_metrics

SPACE = DecisionSpace({"op": ["conv", "pool"], "width": [16, 32]}, name="tiny")
ARCH = "op=conv,width=16"


def _table(**row: object) -> dict[str, object]:
    return {ARCH: {"val_accuracy": 0.8, **row}}


@pytest.mark.parametrize(("row", "needles"), [
    ({"params": 1.5}, ["table entry 'op=conv,width=16'", "metrics['params'] = 1.5", "not an integral count",
                       "1500000", "non-negative integer"]),
    ({"params": -3}, ["metrics['params'] = -3", "negative"]),
    ({"params": "12k"}, ["metrics['params'] = '12k'", "type str"]),
    ({"val_accuracy": 81.0}, ["metrics['val_accuracy'] = 81.0", "outside [0, 1]", "use 0.81"]),
    ({"val_accuracy": None}, ["metrics['val_accuracy'] is None with status 'ok'"]),
    ({"val_accuracy": True}, ["metrics['val_accuracy'] = True", "type bool"]),
    ({"test_accuracy": float("nan")}, ["metrics['test_accuracy'] = nan", "not finite", "diverged"]),
    ({"cost_seconds": -1.0}, ["metrics['cost_seconds'] = -1.0", "negative"]),
    ({"status": "great"}, ["'great'", "ok", "diverged"]),
])
def test_a_table_that_breaks_the_contract_fails_when_the_env_is_built(row, needles):
    with pytest.raises(MetricsError) as info:
        NASEnv(SPACE, _table(**row))
    for needle in needles:
        assert needle in str(info.value), (needle, str(info.value))


def test_integral_counts_are_kept_exact_and_typed():
    m = make_metrics(0.5, params=1200.0)
    assert m["params"] == 1200 and type(m["params"]) is int
    assert make_metrics(0.5, params=np.int64(7))["params"] == 7
    assert make_metrics(0.5, params=2**40)["params"] == 2**40
    with pytest.raises(MetricsError, match=r"metrics\['params'\] = 0.25 is not an integral count"):
        make_metrics(0.5, params=0.25)  # the old code returned params=0


def test_a_function_breaking_the_contract_raises_but_a_crashing_child_is_a_result():
    env = NASEnv(SPACE, lambda arch: {"val_accuracy": 0.9, "params": 2.7})  # parameters in millions
    env.reset(seed=0)
    env.step(0)
    with pytest.raises(MetricsError, match=r"metrics\['params'\] = 2.7 is not an integral count"):
        env.step(0)

    def crashes(arch):
        raise RuntimeError("out of memory")

    env = NASEnv(SPACE, crashes)
    env.reset(seed=0)
    env.step(0)
    _, reward, terminated, _, info = env.step(1)
    assert terminated and reward == 0.0
    assert info["metrics"]["status"] == "failed" and info["metrics"]["error"] == "RuntimeError: out of memory"


class RawDictEvaluator(Evaluator):
    """An evaluator that skips make_metrics and returns its own dict."""

    def __init__(self, metrics: dict[str, object]):
        self.metrics = metrics

    def evaluate(self, arch, *, fidelity=None, seed=None):
        return dict(self.metrics)


def test_the_env_checks_every_evaluators_metrics_naming_the_evaluator():
    env = NASEnv(SPACE, RawDictEvaluator({"status": "ok", "val_accuracy": 0.7, "params": 0.5}))
    env.reset(seed=0)
    env.step(1)
    with pytest.raises(MetricsError) as info:
        env.step(1)
    assert str(info.value).startswith("RawDictEvaluator result for 'op=pool,width=32': metrics['params'] = 0.5")
    env = NASEnv(SPACE, RawDictEvaluator({"status": "ok"}))
    env.reset(seed=0)
    env.step(0)
    with pytest.raises(MetricsError, match=r"lack the required key\(s\) \['val_accuracy'\]"):
        env.step(0)
    # a minimal valid dict passes, with extras kept as they are
    env = NASEnv(SPACE, RawDictEvaluator({"status": "ok", "val_accuracy": 0.7, "latency_ms": 3.5}))
    env.reset(seed=0)
    env.step(0)
    *_, info = env.step(0)
    assert info["metrics"] == {"status": "ok", "val_accuracy": 0.7, "latency_ms": 3.5}


def test_valid_metrics_pass_unchanged():
    m = make_metrics(0.75, test_accuracy=1.0, cost_seconds=0.0, params=0, flops=3.5)
    before = dict(m)
    check_metrics(m)
    assert m == before and m["params"] == 0 and m["test_accuracy"] == 1.0
    assert not math.isnan(m["val_accuracy"])
