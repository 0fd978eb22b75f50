"""`python -m runtime.camera`: see `runtime.camera.cli`."""

import sys

from runtime.camera.cli import main

if __name__ == "__main__":
    sys.exit(main())
