"""edgedigits training: MNIST loading, augmentation, the model architectures and `python -m train`.

Importing this package is cheap: TensorFlow / Keras are imported only inside the functions that
build or fit a model, so `python -m train --help` and `train.data` answer at once.
"""
