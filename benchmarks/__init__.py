"""edgedigits benchmarks: test data and measurements of the whole toolkit.

- `benchmarks.worksheets` makes synthetic worksheet pages from MNIST *test* digits, with
  ground truth in the scanner's JSON shape (helpers: `handwriting`, `paper`, `layout`,
  `degrade`); `benchmarks.sample` writes the small demo page bundled in `samples/`.
- `benchmarks.accuracy` reads such pages (or the real photos with their `labels.csv`) with the
  runtime's page reader and reports digit precision / recall / F1 (`benchmarks.metrics`).
- `benchmarks.latency` and `benchmarks.pipeline` time the classifier and the reader.

Nothing in the project imports this package; it may import `runtime` and `train.data`.
"""
