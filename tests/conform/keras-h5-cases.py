"""Turns real Keras .h5 fixture cases into layer case files for test_layer_cases.

For each case folder with model.h5, input*.npy and expected.npy (written by real Keras,
see tests/fixtures/keras/README.md), reads with h5py the model config, the Keras
version and each layer's weights (found through layer_names / weight_names), and writes
one case: the layers in config order with their inbound names, the inputs and Keras'
output. Only simple files are handled here (Sequential, or Functional with single-node
layers); the engine's own tests cover the rest of the format.

    /usr/bin/python3 keras-h5-cases.py OUT.json CASE_DIR...
"""
import json
import os
import sys

import h5py
import numpy as np


def text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def arr(name, a):
    a = np.asarray(a, dtype=np.float32)
    return {"name": name, "shape": list(a.shape), "data": [float(x) for x in a.ravel()]}


def short(layer, wname):
    """The name after the layer's own, as the engine passes it: 'dense/kernel:0' ->
    'kernel'; 'bidirectional/forward_lstm/kernel:0' -> 'forward_lstm/kernel'; Keras 1
    'dense_1_W:0' -> 'W'."""
    n = wname[len(layer) + 1:] if wname.startswith(layer + "/") else wname.split("/")[-1]
    if n.endswith(":0"):
        n = n[:-2]
    if n.startswith(layer + "_"):
        n = n[len(layer) + 1:]
    return n


def one(folder):
    f = h5py.File(os.path.join(folder, "model.h5"), "r")
    cfg = json.loads(text(f.attrs["model_config"]))
    version = text(f.attrs.get("keras_version", "1"))
    mw = f["model_weights"] if "model_weights" in f else f
    weights = {}
    for ln in mw.attrs.get("layer_names", []):
        ln = text(ln)
        g = mw[ln]
        names = [text(x) for x in g.attrs.get("weight_names", [])]
        weights[ln] = [arr(short(ln, n), g[n][()]) for n in names]
    conf = cfg["config"]
    layers_cfg = conf if isinstance(conf, list) else conf["layers"]
    files = sorted(x for x in os.listdir(folder) if x.startswith("input") and x.endswith(".npy"))
    inputs = [np.load(os.path.join(folder, x)).astype(np.float32) for x in files]
    layers = []
    if cfg["class_name"] == "Sequential":
        prev = "input"
        ins = [dict(arr("input", inputs[0]))]
        for L in layers_cfg:
            name = L["config"]["name"]
            if L["class_name"] == "InputLayer":
                continue
            layers.append({"name": name, "class_name": L["class_name"], "config": L["config"],
                           "inbound": [prev], "weights": weights.get(name, [])})
            prev = name
    else:
        in_names = [x[0] for x in conf["input_layers"]]
        ins = [dict(arr(n, x)) for n, x in zip(in_names, inputs)]
        for L in layers_cfg:
            if L["class_name"] == "InputLayer":
                continue
            nodes = L["inbound_nodes"]
            if len(nodes) != 1:
                raise ValueError(f"layer {L['name']} is called {len(nodes)} times")
            layers.append({"name": L["name"], "class_name": L["class_name"],
                           "config": L["config"], "inbound": [x[0] for x in nodes[0]],
                           "weights": weights.get(L["name"], [])})
    name = os.path.relpath(folder, os.path.dirname(os.path.dirname(folder)))
    ref = os.path.join(folder, "numpy_reference_first16.npy")
    if not os.path.exists(os.path.join(folder, "expected.npy")) and os.path.exists(ref):
        # keras3-mnist-cnn: no Keras outputs; an independent numpy forward pass of the
        # first 16 images, and the labels of all 100 (argmax must match on >= 99)
        exp = np.load(ref).astype(np.float32)
        first = [dict(x, shape=[len(exp)] + x["shape"][1:],
                      data=x["data"][:len(exp) * int(np.prod(x["shape"][1:]))]) for x in ins]
        labels = np.load(os.path.join(folder, "labels.npy"))
        return [{"name": name + " (numpy reference, 16 images)", "origin": version,
                 "inputs": first, "layers": layers,
                 "expected": {"shape": list(exp.shape), "data": [float(x) for x in exp.ravel()]}},
                {"name": name + f" (argmax equals the label on >= 99 of {len(labels)})",
                 "origin": version, "inputs": ins, "layers": layers,
                 "labels": [int(v) for v in labels], "min_correct": 99}]
    exp = np.load(os.path.join(folder, "expected.npy")).astype(np.float32)
    return [{"name": name, "origin": version, "inputs": ins, "layers": layers,
             "expected": {"shape": list(exp.shape), "data": [float(x) for x in exp.ravel()]}}]


cases, failed = [], 0
for d in sys.argv[2:]:
    try:
        cases.extend(one(d.rstrip("/")))
    except Exception as e:  # reported, never silently dropped
        print(f"keras-h5-cases: {d}: {e}", file=sys.stderr)
        failed += 1
with open(sys.argv[1], "w") as f:
    json.dump({"origin": "2", "cases": cases}, f)
sys.exit(1 if failed else 0)
