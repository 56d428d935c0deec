"""A Keras .h5 writer for test models (tf.keras 2.4 layout, written with h5py).

save_dense(path, n_in, layers, rng): a chain of Dense layers, its weights drawn.

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
    _write(path, "2.11.0" if vlen else "2.4.0", top, ls, weights, vlen)


def save_dense(path, n_in, layers, rng):
    """A chain of Dense layers (name, units, activation, kernel scale) on n_in inputs:
    each kernel rng.normal / its scale, each bias rng.normal / 4, drawn in layer order."""
    weights, fan_in = {}, n_in
    for name, units, _, scale in layers:
        weights[name] = {"kernel": rng.normal(size=(fan_in, units)) / scale,
                         "bias": rng.normal(size=units) / 4}
        fan_in = units
    save(path, [n_in], [(name, "Dense", {"units": units, "activation": act, "use_bias": True})
                        for name, units, act, _ in layers], weights)


def _write(path, keras_version, top, ls, weights, vlen=False):
    """The .h5 file: model_config, then model_weights by layer_names / weight_names."""
    with h5py.File(path, "w", track_order=True) as f:
        text = (lambda t: t) if vlen else (lambda t: np.bytes_(t.encode()))
        texts = (lambda ts: list(ts)) if vlen else (lambda ts: np.array([t.encode() for t in ts]))
        f.attrs["keras_version"] = keras_version
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


def save_graph(path, inputs, layers, outputs, weights, keras_version="2.11.0"):
    """A Functional model of any graph, as tf.keras 2.x saves it (keras_version 2.x) or as
    Keras 3 saves a legacy .h5 (keras_version 3.x: every object as {"module", "class_name",
    "config", "registered_name"}, InputLayer's batch_shape, inbound nodes as {"args",
    "kwargs"} holding __keras_tensor__ objects).

    inputs: [(name, shape without the batch, dtype)]; layers: [(name, class_name, config,
    call)] where call is (args, kwargs): args a list of tensors and lists of tensors, a
    tensor written as a layer name (its call 0, output 0), kwargs a dict whose values are
    tensors or plain values. tf.keras 2 form (Node.serialize): the first argument's
    tensors are the entries, the other positional arguments go into the kwargs by
    argname (argnames: config key "_argnames", dropped before saving). outputs: names.
    weights: {layer: {weight name: array}} in saving order."""
    k3 = keras_version.startswith("3")

    def tensor(n):
        if k3:
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": None, "dtype": "float32", "keras_history": [n, 0, 0]}}
        return [n, 0, 0]

    def conv(v, names):
        if isinstance(v, str) and v in names:
            return tensor(v)
        if isinstance(v, list):
            return [conv(e, names) for e in v]
        return v

    def obj(cls, cfg, name, extra):
        d = {"class_name": cls, "config": cfg, "name": name}
        if k3:
            d = dict({"module": "keras.layers", "registered_name": None}, **d)
        d.update(extra)
        return d

    names = {n for n, *_ in inputs} | {l[0] for l in layers}
    ls = []
    for n, shape, dt in inputs:
        key = "batch_shape" if k3 else "batch_input_shape"
        ls.append(obj("InputLayer", {"name": n, key: [None] + list(shape), "dtype": dt,
                                     "sparse": False}, n, {"inbound_nodes": []}))
    for n, cls, cfg, (args, kwargs) in layers:
        cfg = dict(cfg, name=n)
        argnames = cfg.pop("_argnames", [])
        if k3:
            node = {"args": conv(args, names), "kwargs": conv(kwargs, names)}
        else:
            kw = {argnames[i - 1]: conv(a, names) for i, a in enumerate(args) if i > 0}
            kw.update({k: conv(v, names) for k, v in kwargs.items()})
            first = args[0] if isinstance(args[0], list) else [args[0]]
            node = [[e, 0, 0, kw] for e in first]
        ls.append(obj(cls, cfg, n, {"inbound_nodes": [node]}))
    io = lambda ns: [[n, 0, 0] for n in ns]
    top = {"class_name": "Functional", "config": {"name": "m", "layers": ls,
           "input_layers": io([i[0] for i in inputs]), "output_layers": io(outputs)}}
    _write(path, keras_version, top, ls, weights)
