"""``python -m nas_env.benchmarks.cli ...`` runs the ``nas-env`` command line."""

import sys

from nas_env.benchmarks.cli import main

sys.exit(main())
