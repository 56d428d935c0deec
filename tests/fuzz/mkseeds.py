#!/usr/bin/python3
"""Writes the seeds of the model fuzz targets (tests/fuzz/seeds/{kerascfg,tfjs,h5img}/):
small Keras configs in each dialect, the projects' TF.js model.json files cut down (no
initializer settings; weights read from the fuzzer's own w.bin), and small .h5 models
written with tests/tools/kerash5.py (fixed-length strings, as tf.keras 2.4 writes them)
and with variable-length strings (as tf.keras 2.5+ and Keras 3 write them).
Run from the repository root: /usr/bin/python3 tests/fuzz/mkseeds.py
"""
import json
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, "tests/tools")
import kerash5  # noqa: E402

S = "tests/fuzz/seeds/"
DROP = ("initializer", "regularizer", "constraint", "trainable", "dtype")


def strip(x):
    """The config without settings no reader uses (initializers and such)."""
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if not any(d in k for d in DROP)}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


def put(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))


def inp(name, shape):
    return {"name": name, "class_name": "InputLayer", "inbound_nodes": [],
            "config": {"name": name, "batch_input_shape": [None] + shape}}


def lay(name, cls, cfg, *ins):
    return {"name": name, "class_name": cls, "config": dict(cfg, name=name),
            "inbound_nodes": [[[i, 0, 0, {}] for i in ins]]}


def functional(name, layers, ins, outs):
    return {"class_name": "Functional", "config": {
        "name": name, "layers": layers, "input_layers": [[i, 0, 0] for i in ins],
        "output_layers": [[o, 0, 0] for o in outs]}}


# ---- kerascfg: model configs, with made-up weight shapes ----
h5 = h5py.File("projects/sensors/model.h5", "r")
cfg = strip(json.loads(h5.attrs["model_config"]))
ws = {}
for l in h5["model_weights"].attrs["layer_names"]:
    g = h5["model_weights"][l]
    for w in g.attrs["weight_names"]:
        ws.setdefault(l.decode(), {})[w.decode().split("/")[-1].split(":")[0]] = \
            list(g[w].shape)
put(S + "kerascfg/sensors-seq", {"model_config": cfg, "keras_version": "2.4.0",
                                 "li_weights": ws})

convnet = functional("cnn", [
    inp("img", [6, 6, 2]),
    lay("conv", "Conv2D", {"filters": 3, "kernel_size": [3, 3], "padding": "same",
                           "activation": "relu", "use_bias": True}, "img"),
    lay("pool", "MaxPooling2D", {"pool_size": [2, 2], "strides": [2, 2]}, "conv"),
    lay("bn", "BatchNormalization", {"axis": -1, "epsilon": 0.001, "center": True,
                                     "scale": True}, "pool"),
    lay("flat", "Flatten", {}, "bn"),
    lay("gap", "GlobalAveragePooling2D", {}, "conv"),
    lay("cat", "Concatenate", {"axis": -1}, "flat", "gap"),
    lay("out", "Dense", {"units": 2, "activation": "softmax", "use_bias": True}, "cat"),
], ["img"], ["out"])
put(S + "kerascfg/convnet", {"model_config": convnet, "li_weights": {
    "conv": {"kernel": [3, 3, 2, 3], "bias": [3]},
    "bn": {"gamma": [3], "beta": [3], "moving_mean": [3], "moving_variance": [3]},
    "out": {"kernel": [30, 2], "bias": [2]}}})

inner = functional("enc", [inp("ein", [4]),
                           lay("d1", "Dense", {"units": 3, "activation": "tanh"}, "ein"),
                           lay("act", "Activation", {"activation": "relu"}, "d1")],
                   ["ein"], ["act"])
outer = functional("outer", [
    inp("a", [4]), inp("b", [4]),
    dict(inner, name="enc", inbound_nodes=[[["a", 0, 0, {}]], [["b", 0, 0, {}]]]),
    {"name": "add", "class_name": "Add", "config": {"name": "add"},
     "inbound_nodes": [[["enc", 1, 0, {}], ["enc", 2, 0, {}]]]},
    lay("rs", "Reshape", {"target_shape": [3, 1]}, "add"),
    lay("gru", "GRU", {"units": 2, "reset_after": True, "return_sequences": False}, "rs"),
], ["a", "b"], ["gru"])
put(S + "kerascfg/nested-shared", {"model_config": outer, "li_weights": {
    "d1": {"kernel": [4, 3], "bias": [3]},
    "gru": {"kernel": [1, 6], "recurrent_kernel": [2, 6], "bias": [2, 6]}}})

keras1 = [{"class_name": "Convolution2D", "config": {
              "name": "c1", "nb_filter": 2, "nb_row": 3, "nb_col": 3, "border_mode": "same",
              "activation": "relu", "dim_ordering": "th",
              "batch_input_shape": [None, 1, 5, 5]}},
          {"class_name": "Flatten", "config": {"name": "f"}},
          {"class_name": "Dense", "config": {"name": "d", "output_dim": 3,
                                             "activation": "sigmoid"}}]
put(S + "kerascfg/keras1-seq", {"model_config": keras1, "keras_version": "1.2.2",
                                "li_weights": {"c1": {"c1_W": [2, 1, 3, 3], "c1_b": [2]},
                                               "d": {"d_W": [50, 3], "d_b": [3]}}})

keras3 = {"module": "keras", "class_name": "Sequential", "config": {"name": "k3", "layers": [
    {"module": "keras.layers", "class_name": "InputLayer",
     "config": {"batch_shape": [None, 8, 3], "name": "in"}},
    {"module": "keras.layers", "class_name": "Conv1D",
     "config": {"name": "c", "filters": 4, "kernel_size": [3], "padding": "causal",
                "dilation_rate": [2], "activation": "gelu"}},
    {"module": "keras.layers", "class_name": "LayerNormalization",
     "config": {"name": "ln", "axis": [-1], "epsilon": 1e-3}},
    {"module": "keras.layers", "class_name": "SimpleRNN",
     "config": {"name": "rnn", "units": 2, "return_sequences": True}}]}}
put(S + "kerascfg/keras3-seq", {"model_config": keras3, "keras_version": "3.6.0",
                                "li_weights": {"c": {"kernel": [3, 3, 4], "bias": [4]},
                                               "ln": {"gamma": [4], "beta": [4]},
                                               "rnn": {"kernel": [4, 2], "bias": [2],
                                                       "recurrent_kernel": [2, 2]}}})

# ---- tfjs: the projects' model.json, cut down; weights from the fuzzer's w.bin ----
for p in ("sensors", "fashion"):
    j = json.load(open("projects/%s/tfjs/model.json" % p))
    j["modelTopology"] = strip(j["modelTopology"])
    for g in j["weightsManifest"]:
        g["paths"] = ["w.bin"]
    j.pop("generatedBy", None)
    j.pop("convertedBy", None)
    put(S + "tfjs/%s" % p, j)
j = {"format": "layers-model", "modelTopology": {"keras_version": "tfjs-layers 4.22.0",
     "model_config": convnet}, "weightsManifest": [{"paths": ["w.bin"], "weights": [
         {"name": "conv/kernel", "shape": [3, 3, 2, 3], "dtype": "float32"},
         {"name": "conv/bias", "shape": [3], "dtype": "float32",
          "quantization": {"dtype": "uint8", "scale": 0.01, "min": -1}},
         {"name": "bn/gamma", "shape": [3], "dtype": "float32",
          "quantization": {"dtype": "float16"}},
         {"name": "bn/beta", "shape": [3], "dtype": "float32"},
         {"name": "bn/moving_mean", "shape": [3], "dtype": "float32"},
         {"name": "bn/moving_variance", "shape": [3], "dtype": "float32",
          "quantization": {"dtype": "uint16", "scale": 0.001, "min": 0.5}},
         {"name": "out/kernel", "shape": [30, 2], "dtype": "float32"},
         {"name": "out/bias", "shape": [2], "dtype": "float32"}]}]}
put(S + "tfjs/convnet-quantized", j)

# ---- h5img: small .h5 models ----
rng = np.random.default_rng(0)
kerash5.save(S + "h5img/dense-fixedstr", [4],
             [("d", "Dense", {"units": 2, "activation": "relu", "use_bias": True})],
             {"d": {"kernel": rng.normal(size=(4, 2)), "bias": np.zeros(2)}})
kerash5.save(S + "h5img/conv-fixedstr", [5, 5, 1],
             [("c", "Conv2D", {"filters": 2, "kernel_size": [3, 3], "padding": "valid",
                               "activation": "linear", "use_bias": False}),
              ("f", "Flatten", {})],
             {"c": {"kernel": rng.normal(size=(3, 3, 1, 2))}})
# tf.keras 2.5+ / Keras 3: variable-length strings, layer groups nested by weight path
with h5py.File(S + "h5img/dense-vlenstr", "w") as f:
    f.attrs["keras_version"] = "2.11.0"
    f.attrs["backend"] = "tensorflow"
    top = functional("m", [inp("x", [3]), lay("d", "Dense", {"units": 2, "use_bias": True},
                                                "x")], ["x"], ["d"])
    f.attrs["model_config"] = json.dumps(top)
    f.attrs["li_class_names"] = json.dumps(["a", "b"])
    g = f.create_group("model_weights")
    g.attrs["layer_names"] = ["x", "d"]
    g.create_group("x").attrs["weight_names"] = np.zeros((0,))
    d = g.create_group("d")
    d.attrs["weight_names"] = ["d/kernel:0", "d/bias:0"]
    d.create_dataset("d/kernel:0", data=rng.normal(size=(3, 2)).astype("f4"))
    d.create_dataset("d/bias:0", data=np.arange(2, dtype="f4"))
for n in sorted(os.listdir(S + "h5img")):
    print(n, os.path.getsize(S + "h5img/" + n))
