"""`python -m runtime.scan` and `edgedigits-scan`: see `runtime.scan.cli`."""

import sys

from runtime.extras import run_command


def main() -> int:
    return run_command("runtime", "runtime.scan.cli")


if __name__ == "__main__":
    sys.exit(main())
