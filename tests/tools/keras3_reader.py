"""An independent reader of Keras 3 .keras files, for the tests: zipfile + h5py + numpy.

Written from Keras' own rules (keras/src/saving/saving_lib.py: _save_state,
_save_container_state, H5IOStore/H5Entry; keras/src/utils/naming.py: to_snake_case;
keras/src/models/functional.py for the graph), never from the toolkit's C code. Keras
cannot run on the test machine, so this is how the tests check that what li-split,
li-convert and li-train-lr write is what Keras 3's loader reads: the config is rebuilt
into a graph, every layer's variables are looked up at layers/<snake_case(class)>[_N]/
vars/<i> (sub-layers at their attribute paths), and the model runs in numpy.

usage: keras3_reader.py MODEL.keras INPUT.npy OUT.npy [--upto LAYER]
       keras3_reader.py MODEL.keras --check      (load only: config + every variable)
Exit status 1 with one line on standard error when the file breaks a rule.
"""
import io
import json
import re
import sys
import zipfile

import h5py
import numpy as np

READ = set()  # the datasets the layers took


class Bad(Exception):
    pass


def snake(name):
    # keras/src/utils/naming.py to_snake_case
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


# Attributes under which Keras 3 layers keep the sub-layers that own variables
# (LSTM.cell, Bidirectional.forward_layer/backward_layer, TimeDistributed.layer).
SUBS = {
    "LSTM": ["cell"], "GRU": ["cell"], "SimpleRNN": ["cell"],
    "Bidirectional": ["forward_layer", "backward_layer"],
    "TimeDistributed": ["layer"],
}


def own_vars(h5, path):
    """Variables of one saveable: <path>/vars/0, 1, ... sorted numerically."""
    if path not in h5 or "vars" not in h5[path]:
        return []
    g = h5[path]["vars"]
    keys = sorted(g.keys(), key=int)
    if keys != [str(i) for i in range(len(keys))]:
        raise Bad("%s/vars holds %s, not 0..n-1" % (path, keys))
    out = []
    for k in keys:
        d = g[k]
        if d.dtype != np.float32:
            raise Bad("%s/vars/%s is %s, not float32" % (path, k, d.dtype))
        out.append(np.array(d))
        READ.add("%s/vars/%s" % (path, k))
    return out


class Layer:
    def __init__(self, entry, h5, path):
        self.cls = entry["class_name"]
        for k in ("module", "class_name", "config", "registered_name"):
            if k not in entry:
                raise Bad("layer entry of %s lacks %r" % (self.cls, k))
        self.cfg = entry["config"]
        self.name = entry.get("name", self.cfg.get("name"))
        # user code (a custom class) cannot run here: such a layer is kept, not run
        self.custom = entry["module"] is None or not str(entry["module"]).startswith("keras")
        if self.custom:
            self.vars, self.sub = [], {}
            return
        self.vars = own_vars(h5, path)
        self.sub = {}
        for attr in SUBS.get(self.cls, []):
            inner = None
            if self.cls == "Bidirectional":
                inner = self.cfg.get("backward_layer") if attr == "backward_layer" else None
                inner = inner or self.cfg["layer"]
            elif self.cls == "TimeDistributed":
                inner = self.cfg["layer"]
            if inner is not None:
                self.sub[attr] = Layer(inner, h5, path + "/" + attr)
            else:
                self.sub[attr] = own_vars(h5, path + "/" + attr)


def act(name, x):
    if isinstance(name, dict):
        name = name["config"]
    if name in (None, "linear"):
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "tanh":
        return np.tanh(x)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "softmax":
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    if name == "leaky_relu":  # keras.activations.leaky_relu: negative_slope 0.2
        return np.where(x >= 0, x, 0.2 * x)
    if name == "elu":
        return np.where(x > 0, x, np.exp(x) - 1)
    raise Bad("activation %r not in this reader" % name)


def conv2d(x, k, b, cfg):
    s = cfg.get("strides", [1, 1])
    if cfg.get("padding", "valid") == "same":
        kh, kw = k.shape[:2]
        H, W = x.shape[1:3]
        oh, ow = -(-H // s[0]), -(-W // s[1])
        ph = max((oh - 1) * s[0] + kh - H, 0)
        pw = max((ow - 1) * s[1] + kw - W, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    kh, kw, _, co = k.shape
    H, W = x.shape[1:3]
    oh, ow = (H - kh) // s[0] + 1, (W - kw) // s[1] + 1
    y = np.zeros((x.shape[0], oh, ow, co), np.float64)
    for i in range(kh):
        for j in range(kw):
            y += np.einsum("nhwc,cd->nhwd", x[:, i:i + s[0] * oh:s[0], j:j + s[1] * ow:s[1], :], k[i, j])
    return y + (b if b is not None else 0)


def pool2d(x, cfg, op):
    p = cfg.get("pool_size", [2, 2])
    s = cfg.get("strides") or p
    if cfg.get("padding", "valid") != "valid":
        raise Bad("pooling padding %r not in this reader" % cfg.get("padding"))
    H, W = x.shape[1:3]
    oh, ow = (H - p[0]) // s[0] + 1, (W - p[1]) // s[1] + 1
    win = [x[:, i:i + s[0] * oh:s[0], j:j + s[1] * ow:s[1], :] for i in range(p[0]) for j in range(p[1])]
    return op(np.stack(win), axis=0)


def rnn(cls, cfg, v, x, backwards=False):
    k, rk = v[0], v[1]
    b = v[2] if len(v) > 2 else None
    u = rk.shape[0]
    n, T = x.shape[:2]
    h = np.zeros((n, u))
    c = np.zeros((n, u))
    steps = range(T - 1, -1, -1) if backwards else range(T)
    outs = []
    fa = cfg.get("activation", "tanh")
    ra = cfg.get("recurrent_activation", "sigmoid")
    for t in steps:
        xt = x[:, t]
        if cls == "LSTM":  # gates i, f, c, o
            z = xt @ k + h @ rk + (b if b is not None else 0)
            i, f, g, o = np.split(z, 4, axis=-1)
            c = act(ra, f) * c + act(ra, i) * act(fa, g)
            h = act(ra, o) * act(fa, c)
        elif cls == "GRU":  # gates z, r, h
            if cfg.get("reset_after", True):
                bi, br = (b[0], b[1]) if b is not None else (0, 0)
                xz = xt @ k + bi
                hz = h @ rk + br
                z = act(ra, xz[:, :u] + hz[:, :u])
                r = act(ra, xz[:, u:2 * u] + hz[:, u:2 * u])
                hh = act(fa, xz[:, 2 * u:] + r * hz[:, 2 * u:])
            else:
                bb = b if b is not None else np.zeros(3 * u)
                xz = xt @ k + bb
                z = act(ra, xz[:, :u] + h @ rk[:, :u])
                r = act(ra, xz[:, u:2 * u] + h @ rk[:, u:2 * u])
                hh = act(fa, xz[:, 2 * u:] + (r * h) @ rk[:, 2 * u:])
            h = z * h + (1 - z) * hh
        else:
            h = act(fa, xt @ k + h @ rk + (b if b is not None else 0))
        outs.append(h)
    if cfg.get("return_sequences", False):
        return np.stack(outs, 1)
    return h


def run_layer(L, ins):
    c, cfg, v = L.cls, L.cfg, L.vars
    if L.custom:
        raise Bad("layer %s is of the custom class %s" % (L.name, c))
    x = ins[0]
    if c == "Dense":
        y = x @ v[0] + (v[1] if cfg.get("use_bias", True) else 0)
        return act(cfg.get("activation"), y)
    if c == "Conv2D":
        return act(cfg.get("activation"), conv2d(x, v[0], v[1] if cfg.get("use_bias", True) else None, cfg))
    if c == "MaxPooling2D":
        return pool2d(x, cfg, np.max)
    if c == "AveragePooling2D":
        return pool2d(x, cfg, np.mean)
    if c == "Flatten":
        return x.reshape(len(x), -1)
    if c in ("Dropout", "GaussianNoise", "SpatialDropout1D", "SpatialDropout2D"):
        return x
    if c == "Activation":
        return act(cfg["activation"], x)
    if c == "BatchNormalization":
        vs = list(v)
        gamma = vs.pop(0) if cfg.get("scale", True) else 1
        beta = vs.pop(0) if cfg.get("center", True) else 0
        mean, var = vs
        return (x - mean) / np.sqrt(var + cfg.get("epsilon", 1e-3)) * gamma + beta
    if c == "Add":
        return sum(ins)
    if c == "Multiply":
        y = ins[0]
        for t in ins[1:]:
            y = y * t
        return y
    if c == "Concatenate":
        return np.concatenate(ins, axis=cfg.get("axis", -1))
    if c == "Reshape":
        return x.reshape((len(x),) + tuple(cfg["target_shape"]))
    if c in ("LSTM", "GRU", "SimpleRNN"):
        return rnn(c, cfg, L.sub["cell"], x, cfg.get("go_backwards", False))
    if c == "Bidirectional":
        f, b = L.sub["forward_layer"], L.sub["backward_layer"]
        yf = rnn(f.cls, f.cfg, f.sub["cell"], x, f.cfg.get("go_backwards", False))
        yb = rnn(b.cls, b.cfg, b.sub["cell"], x, not f.cfg.get("go_backwards", False))
        if f.cfg.get("return_sequences", False):
            yb = yb[:, ::-1]  # the backward output is flipped back in time
        mode = cfg.get("merge_mode", "concat")
        if mode == "concat":
            return np.concatenate([yf, yb], -1)
        if mode == "sum":
            return yf + yb
        if mode == "mul":
            return yf * yb
        if mode == "ave":
            return (yf + yb) / 2
        raise Bad("merge_mode %r" % mode)
    if c == "TimeDistributed":
        inner = L.sub["layer"]
        n, T = x.shape[:2]
        y = run_layer(inner, [x.reshape((n * T,) + x.shape[2:])])
        return y.reshape((n, T) + y.shape[1:])
    raise Bad("layer class %s not in this reader" % c)


def tensors(args):
    """The __keras_tensor__ entries of a call's args, in order (lists flattened)."""
    out = []
    for a in args:
        if isinstance(a, list):
            out += tensors(a)
        elif isinstance(a, dict) and a.get("class_name") == "__keras_tensor__":
            out.append(tuple(a["config"]["keras_history"]))
    return out


def load(path):
    z = zipfile.ZipFile(path)
    names = z.namelist()
    for m in ("config.json", "model.weights.h5"):
        if m not in names:
            raise Bad("no %s" % m)
    meta = json.loads(z.read("metadata.json")) if "metadata.json" in names else {}
    if "keras_version" not in meta or "date_saved" not in meta:
        raise Bad("metadata.json lacks keras_version / date_saved")
    top = json.loads(z.read("config.json"))
    h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    cls = top["class_name"]
    if cls not in ("Sequential", "Functional"):
        raise Bad("top class %s" % cls)
    cfg = top["config"]
    layers = cfg["layers"]
    # model.layers: Sequential leaves its InputLayer out; Functional keeps it
    tracked = layers[1:] if cls == "Sequential" and layers[0]["class_name"] == "InputLayer" else layers
    used = {}
    objs = {}
    for e in tracked:
        key = snake(e["class_name"])
        if key in used:
            used[key] += 1
            key = "%s_%d" % (key, used[key])
        else:
            used[key] = 0
        L = Layer(e, h5, "layers/" + key)
        objs[L.name] = L
    # every variable under layers/ must belong to a layer of the config
    stray = []
    h5["layers"].visititems(lambda n, o: stray.append("layers/" + n)
                            if isinstance(o, h5py.Dataset) and "layers/" + n not in READ else None)
    if stray:
        raise Bad("variables that no layer reads: %s" % stray[:4])
    return top, layers, objs, h5


def forward(top, layers, objs, x, upto=None):
    cls = top["class_name"]
    if cls == "Sequential":
        for e in layers:
            if e["class_name"] == "InputLayer":
                continue
            L = objs[e["config"]["name"]]
            x = run_layer(L, [x])
            if L.name == upto:
                break
        return x
    cfg = top["config"]
    vals = {}
    ins = cfg["input_layers"]
    if isinstance(ins[0], str):
        ins = [ins]
    vals[(ins[0][0], 0, 0)] = x
    pending = [e for e in layers if e["class_name"] != "InputLayer"]
    while pending:
        progress = False
        for e in list(pending):
            L = objs[e["name"]]
            done = True
            for ni, node in enumerate(e["inbound_nodes"]):
                if (e["name"], ni, 0) in vals:
                    continue
                refs = tensors(node["args"])
                if not all(r in vals for r in refs):
                    done = False
                    break
                vals[(e["name"], ni, 0)] = run_layer(L, [vals[r] for r in refs])
                progress = True
                if e["name"] == upto:
                    return vals[(e["name"], ni, 0)]
            if done:
                pending.remove(e)
        if not progress and pending:
            raise Bad("graph cannot be resolved")
    outs = cfg["output_layers"]
    if isinstance(outs[0], str):
        outs = [outs]
    return vals[tuple(outs[0])]


def main():
    a = sys.argv[1:]
    try:
        top, layers, objs, h5 = load(a[0])
        if a[1] == "--check":
            return 0
        x = np.load(a[1]).astype(np.float64)
        upto = a[a.index("--upto") + 1] if "--upto" in a else None
        y = forward(top, layers, objs, x, upto)
        np.save(a[2], y.astype(np.float32))
    except (Bad, KeyError, IndexError, ValueError, OSError, zipfile.BadZipFile) as e:
        print("keras3_reader: %s: %s" % (a[0], e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
