"""Entry point of `python -m export`; see export.cli.

Usage: python -m export models/edge.keras --out models/edge/
"""

import sys

from export.cli import main

sys.exit(main())
