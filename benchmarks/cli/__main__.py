"""``python -m benchmarks.cli ...`` runs the ``nas-env`` command line."""

import sys

from benchmarks.cli import main

sys.exit(main())
