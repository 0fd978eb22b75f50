"""Entry point of `python -m train` (see train.cli).

Usage: python -m train --arch edge --out models/
"""

import sys

from train.cli import main

sys.exit(main())
