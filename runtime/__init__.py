"""edgedigits runtime: the TensorFlow-free part that reads handwritten digits on a device.

It holds the single definitions the whole project shares (label set and model input spec in
`runtime.spec`, MNIST-style crop normalization in `runtime.normalize`), the batch classifier
over TFLite / ONNX models, page segmentation, grouping into numbers and lines, and the two
entry points `python -m runtime.scan` and `python -m runtime.camera`.

Nothing in this package imports TensorFlow; importing it is cheap.
"""
