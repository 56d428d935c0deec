#!/usr/bin/python3
"""Writes a small MNIST-shaped model and data for the sharding tests and benchmark.

usage: shard_model.py ROWS [SEED]   (in the current directory)

model.h5  Keras 2.4-layout .h5 (written with h5py): 28x28x1 input -> Conv2D 8 3x3 relu
          -> MaxPooling2D 2 -> Conv2D 16 3x3 relu -> MaxPooling2D 2 -> Flatten
          -> Dense 16 "latent" -> Dense 784 sigmoid -> Reshape 28x28x1; "latent" is a
          split point (li-split --at latent gives an encoder and a decoder)
x.npy     ROWS x 28 x 28 x 1 float32 in [0, 1]: 5 blurred blob classes plus noise
y.npy     ROWS int64 class of each row
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kerash5 import save  # noqa: E402

rows = int(sys.argv[1])
rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 0)



def conv(f):
    return {"filters": f, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
            "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
            "activation": "relu", "use_bias": True}


pool = {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid",
        "data_format": "channels_last"}
dense = lambda u, a: {"units": u, "activation": a, "use_bias": True}
he = lambda *s: rng.normal(size=s) * np.sqrt(2.0 / np.prod(s[:-1]))
save("model.h5", [28, 28, 1],
     [("c1", "Conv2D", conv(8)), ("p1", "MaxPooling2D", pool),
      ("c2", "Conv2D", conv(16)), ("p2", "MaxPooling2D", pool),
      ("flat", "Flatten", {"data_format": "channels_last"}),
      ("latent", "Dense", dense(16, "linear")), ("dec", "Dense", dense(784, "sigmoid")),
      ("img", "Reshape", {"target_shape": [28, 28, 1]})],
     {"c1": {"kernel": he(3, 3, 1, 8), "bias": np.zeros(8)},
      "c2": {"kernel": he(3, 3, 8, 16), "bias": np.zeros(16)},
      "latent": {"kernel": he(784, 16), "bias": np.zeros(16)},
      "dec": {"kernel": he(16, 784) / 4, "bias": np.zeros(784)}})

# five classes: a Gaussian blob at a class position, jittered, plus pixel noise
yy, xx = np.mgrid[0:28, 0:28]
centres = [(7, 7), (7, 20), (20, 7), (20, 20), (14, 14)]
y = rng.integers(0, 5, size=rows)
x = np.empty((rows, 28, 28, 1), dtype=np.float32)
for i in range(rows):
    cy, cx = centres[y[i]] + rng.normal(size=2)
    img = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 18.0) + 0.05 * rng.random((28, 28))
    x[i, :, :, 0] = np.clip(img, 0, 1)
np.save("x.npy", x)
np.save("y.npy", y.astype(np.int64))
