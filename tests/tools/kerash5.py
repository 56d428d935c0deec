"""A Keras .h5 writer for test models (tf.keras 2.4 layout, written with h5py).

save(path, in_shape, layers, weights, vlen=False): a Functional model of one chain,
input "x" of shape [None] + in_shape, then each (name, class_name, config) of layers fed
by the one before; weights maps a layer name to {weight name: array}, stored as float32
in the order given. Strings are fixed-length as tf.keras 2.4 writes them, or with
vlen=True variable-length ones in the global heap, as tf.keras 2.5+ and Keras 3 do.
Used by tests that need a model no fixture or TF.js script provides.
"""
import json

import h5py
import numpy as np


def save(path, in_shape, layers, weights, vlen=False):
    ls = [{"name": "x", "class_name": "InputLayer", "inbound_nodes": [],
           "config": {"name": "x", "batch_input_shape": [None] + in_shape, "dtype": "float32"}}]
    prev = "x"
    for name, cls, cfg in layers:
        ls.append({"name": name, "class_name": cls, "config": dict(cfg, name=name),
                   "inbound_nodes": [[[prev, 0, 0, {}]]]})
        prev = name
    top = {"class_name": "Functional", "config": {"name": "m", "layers": ls,
           "input_layers": [["x", 0, 0]], "output_layers": [[prev, 0, 0]]}}
    with h5py.File(path, "w", track_order=True) as f:
        text = (lambda t: t) if vlen else (lambda t: np.bytes_(t.encode()))
        texts = (lambda ts: list(ts)) if vlen else (lambda ts: np.array([t.encode() for t in ts]))
        f.attrs["keras_version"] = "2.11.0" if vlen else "2.4.0"
        f.attrs["backend"] = text("tensorflow")
        f.attrs["model_config"] = text(json.dumps(top))
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = texts(l["name"] for l in ls)
        for l in ls:
            n = l["name"]
            lg = g.create_group(n)
            ws = weights.get(n, {})
            lg.attrs["weight_names"] = (texts("%s/%s:0" % (n, k) for k in ws)
                                        if ws else np.zeros((0,)))
            for k, v in ws.items():
                lg.create_dataset("%s/%s:0" % (n, k), data=np.asarray(v).astype("f4"))
