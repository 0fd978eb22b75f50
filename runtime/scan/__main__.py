"""`python -m runtime.scan`: see `runtime.scan.cli`."""

import sys

from runtime.scan.cli import main

if __name__ == "__main__":
    sys.exit(main())
