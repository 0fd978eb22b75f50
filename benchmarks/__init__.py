"""edgedigits benchmarks: test data and measurements of the whole toolkit.

- `benchmarks.worksheets` makes synthetic worksheet pages from MNIST *test* digits, with
  ground truth in the scanner's JSON shape (helpers: `handwriting` for the pen strokes,
  `paper` for the printed form, `layout` for where numbers go, `degrade` for scanner and
  camera effects); `benchmarks.sample` writes the small demo page bundled in `samples/`.
- `benchmarks.accuracy` reads such pages (or the real photos with their `labels.csv`, via
  `benchmarks.datasets`) with the runtime's page reader and reports digit precision / recall /
  F1 (`benchmarks.metrics`); `benchmarks.mistakes` draws what it got wrong.
- `benchmarks.latency` and `benchmarks.pipeline` time the classifier and the reader.

Nothing in the project imports this package; it may import `runtime`, `train.data` and `train.usps`.
"""
