"""``python -m benchmarks.weight_sharing``: issue #13's name for :mod:`benchmarks.measure.weight_sharing`."""

from benchmarks.measure.weight_sharing import main

if __name__ == "__main__":
    raise SystemExit(main())
