"""``python -m nas_env.benchmarks.measure.lm_throughput``: the fused recurrent cells' throughput script, run as a
user runs it (the kernel it times is checked against the eager loop in ``tests/nas_env/models/test_rnn_fused.py``)."""

from __future__ import annotations

import subprocess
import sys


def _throughput_script(*args: str) -> subprocess.CompletedProcess:
    """``python -m nas_env.benchmarks.measure.lm_throughput ARGS`` (the script as a user runs it)."""
    return subprocess.run([sys.executable, "-m", "nas_env.benchmarks.measure.lm_throughput", *args],
                          capture_output=True, text=True, timeout=300)


def test_throughput_script_prints_both_tables():
    done = _throughput_script("--batch", "4", "--seq-len", "4", "--hidden", "8", "--random-cells", "1",
                              "--repeats", "2", "--vocab", "11")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "[layer] forward + backward of one recurrent layer" in text
    assert "[LM train step]" in text
    # one row per cell and table: CPU ms best/median of nn.LSTM, fused, eager, then three ratios
    rows = {line.split()[0]: line.split() for line in text.splitlines()
            if line.split() and line.split()[0] in ("lstm_like", "random_0", "lm_lstm_like", "lm_random_0")}
    assert sorted(rows) == ["lm_lstm_like", "lm_random_0", "lstm_like", "random_0"]
    for fields in rows.values():
        assert all(float(x) > 0 for f in fields[1:4] for x in f.split("/"))
        assert all(f.endswith("x") and float(f[:-1]) > 0 for f in fields[4:7])
    assert "worst fused ratio, layer:" in text and "worst fused ratio, LM train step:" in text


def test_throughput_script_rejects_bad_arguments():
    done = _throughput_script("--batch", "0")
    assert done.returncode == 2
    assert "argument --batch: must be an int >= 1, got 0" in done.stderr
