"""`python -m runtime.camera` and `edgedigits-camera`: see `runtime.camera.cli`."""

import sys

from runtime.extras import run_command


def main() -> int:
    return run_command("runtime", "runtime.camera.cli")


if __name__ == "__main__":
    sys.exit(main())
