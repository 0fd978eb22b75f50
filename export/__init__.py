"""Turn a trained Keras digit model into the files the device runs, and prove they agree.

`python -m export MODEL.keras --out DIR` writes every format in `export.formats.FORMATS`
(int8/float16/float32 TFLite, float and int8 ONNX, and their ONNX Runtime Mobile `.ort`
versions), checks each one on the MNIST test set through `runtime.classifier.Classifier`
against the Keras model, and records files, checksums, input specs and parity figures in
`DIR/manifest.json`, which the runtime reads.

Usage: python -m export models/edge.keras --out models/edge/
"""
