"""Copies a Keras .h5 model with one weight changed (the first element of the first
weight of layer LAYER, + 0.25), for tests that must fail on a wrong model.

    /usr/bin/python3 perturb-h5.py IN.h5 OUT.h5 LAYER
"""
import shutil
import sys

import h5py
import numpy as np

shutil.copyfile(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    g = f["model_weights"][sys.argv[3]]
    name = g.attrs["weight_names"][0]
    d = g[name.decode() if isinstance(name, bytes) else name]
    a = np.array(d[()])
    flat = a.reshape(-1)
    flat[0] += 0.25
    d[...] = flat.reshape(a.shape)
