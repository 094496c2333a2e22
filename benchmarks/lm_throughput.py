"""``python -m benchmarks.lm_throughput``: issue #13's name for :mod:`benchmarks.measure.lm_throughput`."""

from benchmarks.measure.lm_throughput import main

if __name__ == "__main__":
    main()
