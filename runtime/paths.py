"""Where the checkout and the shared data folder are: computed here once, imported everywhere.

`runtime` imports nothing else of ours, so this module lives in it: training, export, the
benchmarks and the tests can all import it, and so can the runtime itself.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
"""The checkout this package lives in: `models/`, `samples/` and `benchmarks/results/` sit at
its top. Only meaningful in a checkout (an editable install is one)."""

SHARED_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
"""The data folder beside a checkout (CI and the lab machines put `../shared` next to the
clone): `mnist/`, `real/` (photos with labels.csv) and `usps/`. Never copied into the
repository; each user of it also takes an explicit path or environment variable."""
