"""A worker process that dies while it starts (issue 22, defect 7): a replacement worker killed before it reports
ready is started again like any machine failure, a bounded number of times, then the search stops with one line."""

from __future__ import annotations

import pytest

from nas_env.executors import ExecutorError, ProcessExecutor, Request
from tests.nas_env.executors.sabotage import DiesWhileStarting


def test_a_replacement_that_dies_while_starting_is_started_again(tmp_path):
    with ProcessExecutor(DiesWhileStarting(tmp_path), num_workers=1, max_retries=1) as pool:
        # the worker dies on the child; its first two replacements die while starting; the third trains it again
        out = pool.evaluate([Request("kill:2", None, 0), Request("b", None, 0)])
        assert [m["status"] for m in out] == ["ok", "ok"] and out[0]["attempts"] == 2
        assert not list(tmp_path.glob("ticket-*"))  # both failed starts happened
        assert pool.restarts == 1
        assert pool.evaluate([Request("c", None, 0)])[0]["val_accuracy"] == 0.5


def test_a_worker_that_never_starts_stops_the_search_with_one_line(tmp_path):
    with ProcessExecutor(DiesWhileStarting(tmp_path), num_workers=1, max_retries=1) as pool:
        with pytest.raises(ExecutorError) as info:
            pool.evaluate([Request("kill:20", None, 0)])
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("could not start a worker process: 3 starts in a row failed (the last: worker pid ")
    assert message.endswith("died while starting (exit code 3)); the search stopped: rerun the same command to "
                            "continue")
    assert len(list(tmp_path.glob("ticket-*"))) == 20 - 3
