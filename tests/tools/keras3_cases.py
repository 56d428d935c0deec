"""Test models for the .keras writer, saved as tf.keras 2.4 .h5 files with h5py (the
layout of ../shared/fixtures/keras/README.md), with seeded random weights and inputs.

usage: keras3_cases.py OUTDIR
Writes OUTDIR/NAME.h5 and OUTDIR/NAME.x.npy for each case:
  resnet   Functional: Conv2D, BatchNormalization, a residual Add, MaxPooling2D, Flatten,
           two Dense branches joined by Concatenate, Dense softmax (the key rule: conv2d,
           conv2d_1, dense .. dense_3; merges as one list argument)
  seq      Functional: Bidirectional(LSTM, return_sequences), GRU (reset_after),
           TimeDistributed(Dense) before them, Dense (sub-layers at attribute paths)
  hsig     Dense with Keras 2's hard_sigmoid (a .keras cannot state it)
"""
import json
import os
import sys

import h5py
import numpy as np

rng = np.random.default_rng(20261206)


def w(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype("f4")


def save(path, layers, inputs, outputs, weights):
    """layers: (name, class, config, [[ (src, node), ... ] per call]) in config order."""
    ls = []
    for name, cls, cfg, calls in layers:
        nodes = [[[s, n, 0, {}] for s, n in call] for call in calls]
        ls.append({"name": name, "class_name": cls, "config": dict(cfg, name=name),
                   "inbound_nodes": nodes})
    top = {"class_name": "Functional", "config": {
        "name": "m", "layers": ls, "input_layers": [[i, 0, 0] for i in inputs],
        "output_layers": [[o, 0, 0] for o in outputs]}}
    with h5py.File(path, "w", track_order=True) as f:
        f.attrs["keras_version"] = "2.4.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = np.bytes_(json.dumps(top).encode())
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([l["name"].encode() for l in ls])
        for l in ls:
            n = l["name"]
            lg = g.create_group(n)
            ws = weights.get(n, [])
            lg.attrs["weight_names"] = (np.array([("%s/%s:0" % (n, k)).encode() for k, _ in ws])
                                        if ws else np.zeros((0,)))
            for k, v in ws:
                lg.create_dataset("%s/%s:0" % (n, k), data=np.asarray(v).astype("f4"))


def inp(name, shape):
    return (name, "InputLayer", {"batch_input_shape": [None] + shape, "dtype": "float32"}, [])


def resnet(out):
    L = [inp("x", [8, 8, 3]),
         ("c1", "Conv2D", {"filters": 4, "kernel_size": [3, 3], "padding": "same",
                           "activation": "relu", "use_bias": True}, [[("x", 0)]]),
         ("bn", "BatchNormalization", {"axis": -1, "epsilon": 0.001, "center": True,
                                       "scale": True}, [[("c1", 0)]]),
         ("c2", "Conv2D", {"filters": 4, "kernel_size": [3, 3], "padding": "same",
                           "activation": "linear", "use_bias": True}, [[("bn", 0)]]),
         ("add", "Add", {}, [[("bn", 0), ("c2", 0)]]),
         ("pool", "MaxPooling2D", {"pool_size": [2, 2], "strides": [2, 2],
                                   "padding": "valid"}, [[("add", 0)]]),
         ("flat", "Flatten", {}, [[("pool", 0)]]),
         ("d1", "Dense", {"units": 6, "activation": "tanh", "use_bias": True}, [[("flat", 0)]]),
         ("d2", "Dense", {"units": 5, "activation": "relu", "use_bias": True}, [[("flat", 0)]]),
         ("cat", "Concatenate", {"axis": -1}, [[("d1", 0), ("d2", 0)]]),
         ("drop", "Dropout", {"rate": 0.3}, [[("cat", 0)]]),
         ("out", "Dense", {"units": 3, "activation": "softmax", "use_bias": True},
          [[("drop", 0)]])]
    W = {"c1": [("kernel", w(3, 3, 3, 4)), ("bias", w(4))],
         "bn": [("gamma", 1 + w(4, scale=0.1)), ("beta", w(4, scale=0.1)),
                ("moving_mean", w(4, scale=0.1)), ("moving_variance", 1 + np.abs(w(4)))],
         "c2": [("kernel", w(3, 3, 4, 4)), ("bias", w(4))],
         "d1": [("kernel", w(64, 6, scale=0.2)), ("bias", w(6))],
         "d2": [("kernel", w(64, 5, scale=0.2)), ("bias", w(5))],
         "out": [("kernel", w(11, 3)), ("bias", w(3))]}
    save(out + "/resnet.h5", L, ["x"], ["out"], W)
    np.save(out + "/resnet.x.npy", rng.uniform(-1, 1, (7, 8, 8, 3)).astype("f4"))


def rnn_cfg(units, seq, **kw):
    c = {"units": units, "activation": "tanh", "recurrent_activation": "sigmoid",
         "use_bias": True, "return_sequences": seq, "return_state": False,
         "go_backwards": False, "stateful": False, "unroll": False, "time_major": False}
    c.update(kw)
    return c


def seq(out):
    td = {"class_name": "Dense", "config": {"name": "inner", "units": 4,
                                            "activation": "relu", "use_bias": True}}
    lstm = {"class_name": "LSTM", "config": dict(rnn_cfg(3, True), name="lstm")}
    L = [inp("x", [6, 2]),
         ("td", "TimeDistributed", {"layer": td}, [[("x", 0)]]),
         ("bi", "Bidirectional", {"layer": lstm, "merge_mode": "concat"}, [[("td", 0)]]),
         ("gru", "GRU", rnn_cfg(5, False, reset_after=True, implementation=2), [[("bi", 0)]]),
         ("out", "Dense", {"units": 2, "activation": "linear", "use_bias": True},
          [[("gru", 0)]])]
    W = {"td": [("kernel", w(2, 4)), ("bias", w(4))],
         "bi": [("forward_lstm/lstm_cell/kernel", w(4, 12)),
                ("forward_lstm/lstm_cell/recurrent_kernel", w(3, 12)),
                ("forward_lstm/lstm_cell/bias", w(12)),
                ("backward_lstm/lstm_cell/kernel", w(4, 12)),
                ("backward_lstm/lstm_cell/recurrent_kernel", w(3, 12)),
                ("backward_lstm/lstm_cell/bias", w(12))],
         "gru": [("gru_cell/kernel", w(6, 15)), ("gru_cell/recurrent_kernel", w(5, 15)),
                 ("gru_cell/bias", w(2, 15))],
         "out": [("kernel", w(5, 2)), ("bias", w(2))]}
    save(out + "/seq.h5", L, ["x"], ["out"], W)
    np.save(out + "/seq.x.npy", rng.uniform(-1, 1, (5, 6, 2)).astype("f4"))


def hsig(out):
    L = [inp("x", [3]),
         ("d", "Dense", {"units": 2, "activation": "hard_sigmoid", "use_bias": True},
          [[("x", 0)]])]
    save(out + "/hsig.h5", L, ["x"], ["d"], {"d": [("kernel", w(3, 2)), ("bias", w(2))]})
    np.save(out + "/hsig.x.npy", rng.uniform(-3, 3, (4, 3)).astype("f4"))


if __name__ == "__main__":
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    resnet(d)
    seq(d)
    hsig(d)
