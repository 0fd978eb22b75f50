"""`python -m runtime.camera`: see `runtime.camera.loop`."""

import sys

from runtime.camera.loop import main

if __name__ == "__main__":
    sys.exit(main())
