"""A Keras .h5 writer for test models (tf.keras 2.4 layout, written with h5py).

save(path, in_shape, layers, weights): a Functional model of one chain, input "x" of
shape [None] + in_shape, then each (name, class_name, config) of layers fed by the one
before; weights maps a layer name to {weight name: array}, stored as float32 in the
order given. Used by tests that need a model no fixture or TF.js script provides.
"""
import json

import h5py
import numpy as np


def save(path, in_shape, layers, weights):
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
        f.attrs["keras_version"] = "2.4.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = np.bytes_(json.dumps(top).encode())
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([l["name"].encode() for l in ls])
        for l in ls:
            n = l["name"]
            lg = g.create_group(n)
            ws = weights.get(n, {})
            lg.attrs["weight_names"] = (np.array([("%s/%s:0" % (n, k)).encode() for k in ws])
                                        if ws else np.zeros((0,)))
            for k, v in ws.items():
                lg.create_dataset("%s/%s:0" % (n, k), data=np.asarray(v).astype("f4"))
