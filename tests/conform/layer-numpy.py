"""Layer cases that TF.js cannot serve, computed with numpy from the Keras equations.

Writes the case file that tests/unit/test_layer_cases.c reads (same format as
scripts/tfjs/layer-oracle.js): per case the origin (keras_version), the layer's Keras
config in the dialect of that version, weights, inputs and the expected output.
Covers: ELU alpha != 1, Softmax without an axis and along a middle axis, hard_sigmoid by
version (Keras 2 clip(0.2x+0.5) vs Keras 3 relu6(x+3)/6), gelu both forms in Keras 3's
serialized-object dialect, ReLU with negative_slope/threshold/max_value, Keras 3
LeakyReLU negative_slope, the string activations TF.js lacks, Keras 1 Dense/BatchNorm/PReLU
names, BatchNormalization on a middle axis, LayerNormalization rms_scaling, Normalization,
Subtract, the identity layers TF.js lacks, Flatten channels_first on rank 4, Concatenate
on a middle axis, Dot with normalize.

    /usr/bin/python3 layer-numpy.py OUT.json
"""
import json
import math
import sys

import numpy as np

BATCH = 3
cases = []
rng = np.random.default_rng(20240611)


def f32(shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def arr(name, a):
    a = np.asarray(a, dtype=np.float32)
    return {"name": name, "shape": list(a.shape), "data": [float(v) for v in a.ravel()]}


def case(name, origin, cls, config, inputs, expected, weights=()):
    """inputs: list of float32 arrays (batch first); expected: float64 array."""
    exp = np.asarray(expected, dtype=np.float64).astype(np.float32)
    flat = exp.ravel()
    assert np.all(np.isfinite(flat)), name
    assert np.any(flat != 0) and len(set(flat.tolist())) >= max(2, len(flat) // 4), \
        f"{name}: degenerate output"
    ins = [dict(arr(f"in{k}", x)) for k, x in enumerate(inputs)]
    cases.append({
        "name": name, "origin": origin, "inputs": ins,
        "layers": [{"name": "layer", "class_name": cls, "config": config,
                    "inbound": [i["name"] for i in ins],
                    "weights": [arr(n, w) for n, w in weights]}],
        "expected": {"shape": list(exp.shape), "data": [float(v) for v in flat]},
    })


def d(x):
    return np.asarray(x, dtype=np.float64)


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softplus(x):
    return np.logaddexp(0, x)


erf = np.vectorize(math.erf)
K2, K3, K1 = "2.4.0", "3.11.3", "1.2.2"

# ---- activations (the Keras equations) ----
x = f32((BATCH, 3, 5), -5, 5)
X = d(x)
case("keras3 hard_sigmoid is relu6(x+3)/6", K3, "Activation", {"activation": "hard_sigmoid"},
     [x], np.clip(X + 3, 0, 6) / 6)
case("keras2 hard_sigmoid is clip(0.2x+0.5)", K2, "Activation", {"activation": "hard_sigmoid"},
     [x], np.clip(0.2 * X + 0.5, 0, 1))
case("keras3 hard_silu", K3, "Activation", {"activation": "hard_silu"},
     [x], X * np.clip(X + 3, 0, 6) / 6)
gelu_obj = {"module": "keras.activations", "class_name": "function", "config": "gelu",
            "registered_name": "gelu"}
case("keras3 gelu object (erf form)", K3, "Activation", {"activation": gelu_obj},
     [x], 0.5 * X * (1 + erf(X / math.sqrt(2))))
case("gelu_new (tanh form)", K2, "Activation", {"activation": "gelu_new"},
     [x], 0.5 * X * (1 + np.tanh(math.sqrt(2 / math.pi) * (X + 0.044715 * X ** 3))))
x2 = f32((BATCH, 3, 5), -2, 2)
X2 = d(x2)
case("exponential", K3, "Activation", {"activation": "exponential"}, [x2], np.exp(X2))
case("silu", K3, "Activation", {"activation": "silu"}, [x], X * sigmoid(X))
case("leaky_relu string (slope 0.2)", K3, "Activation", {"activation": "leaky_relu"},
     [x], np.where(X >= 0, X, 0.2 * X))
case("log_softmax", K3, "Activation", {"activation": "log_softmax"},
     [x], np.log(softmax(X, -1)))
case("mish", K3, "Activation", {"activation": "mish"}, [x], X * np.tanh(softplus(X)))
case("softplus wide range", K3, "Activation", {"activation": "softplus"},
     [x * 8], softplus(d(x * 8)))

# ---- activation layers ----
case("ELU layer alpha 0.7", K2, "ELU", {"name": "elu", "alpha": 0.7},
     [x], np.where(X > 0, X, 0.7 * (np.exp(X) - 1)))
case("Softmax layer without axis (-1)", K2, "Softmax", {"name": "softmax"},
     [x], softmax(X, -1))
case("Softmax layer axis 1", K2, "Softmax", {"name": "softmax", "axis": 1}, [x], softmax(X, 1))
case("Softmax layer axis list [-1] (keras3)", K3, "Softmax", {"name": "softmax", "axis": [-1]},
     [x], softmax(X, -1))


def keras_relu(X, slope, maxv, thr):
    # keras backend relu: keep x > thr, clip to [0, maxv], subtract slope * relu(thr - x)
    y = np.where(X > thr, X, 0)
    if maxv is not None:
        y = np.clip(y, 0, maxv)
    return y - slope * np.maximum(thr - X, 0)


for slope, maxv, thr in [(0.1, 2.0, 0.5), (0.0, None, 0.5), (0.2, None, 0.0),
                         (0.0, 1.5, 0.0), (0.3, 3.0, -0.5)]:
    case(f"ReLU layer slope {slope} max {maxv} threshold {thr}", K2, "ReLU",
         {"name": "re_lu", "max_value": maxv, "negative_slope": slope, "threshold": thr},
         [x2], keras_relu(X2, slope, maxv, thr))
case("LeakyReLU keras3 negative_slope", K3, "LeakyReLU",
     {"name": "leaky_re_lu", "negative_slope": 0.15}, [x], np.where(X >= 0, X, 0.15 * X))
case("LeakyReLU keras1 alpha", K1, "LeakyReLU", {"name": "leakyrelu_1", "alpha": 0.25},
     [x], np.where(X >= 0, X, 0.25 * X))
case("ThresholdedReLU theta", K2, "ThresholdedReLU", {"theta": 1.5}, [x], np.where(X > 1.5, X, 0))
al = f32((3, 5), 0, 0.5)
case("PReLU keras1 alphas", K1, "PReLU", {"name": "prelu_1"}, [x],
     np.where(X >= 0, X, d(al) * X), [("alphas", al)])

# ---- Dense ----
xi = f32((BATCH, 4))
W, b = f32((4, 5), -1, 1), f32((5,), -1, 1)
case("Dense keras1 output_dim W b", K1, "Dense",
     {"name": "dense_1", "output_dim": 5, "activation": "tanh", "bias": True, "input_dim": 4},
     [xi], np.tanh(d(xi) @ d(W) + d(b)), [("W", W), ("b", b)])
case("Dense keras1 no bias", K1, "Dense",
     {"name": "dense_2", "output_dim": 5, "activation": "linear", "bias": False},
     [xi], d(xi) @ d(W), [("W", W)])
policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
          "registered_name": None}
relu_obj = {"module": "keras.activations", "class_name": "function", "config": "selu",
            "registered_name": "selu"}
SA, SS = 1.6732632423543772, 1.0507009873554805
Z = d(xi) @ d(W) + d(b)
case("Dense keras3 dialect (policy, activation object)", K3, "Dense",
     {"name": "dense", "trainable": True, "dtype": policy, "units": 5, "activation": relu_obj,
      "use_bias": True, "lora_rank": None},
     [xi], SS * np.where(Z > 0, Z, SA * (np.exp(Z) - 1)), [("kernel", W), ("bias", b)])
case("Dense weights by position (vars/0, vars/1)", K3, "Dense",
     {"name": "dense", "units": 5, "activation": "softsign"},
     [xi], Z / (1 + np.abs(Z)), [("0", W), ("1", b)])

# ---- normalisation ----
xb = f32((BATCH, 3, 4))
g, be, mm, mv = f32(3, -1, 1), f32(3, -1, 1), f32(3, -1, 1), f32(3, 0.5, 2)
bc = lambda v: d(v)[:, None]
case("BatchNormalization axis 1 (middle)", K2, "BatchNormalization",
     {"name": "bn", "axis": 1, "epsilon": 0.01, "center": True, "scale": True}, [xb],
     (d(xb) - bc(mm)) / np.sqrt(bc(mv) + 0.01) * bc(g) + bc(be),
     [("gamma", g), ("beta", be), ("moving_mean", mm), ("moving_variance", mv)])
g4, be4, mm4, mv4 = f32(4, -1, 1), f32(4, -1, 1), f32(4, -1, 1), f32(4, 0.5, 2)
case("BatchNormalization keras1 running_std holds the variance", K1, "BatchNormalization",
     {"name": "batchnormalization_1", "epsilon": 0.001, "mode": 0, "axis": -1,
      "momentum": 0.99}, [xb],
     (d(xb) - d(mm4)) / np.sqrt(d(mv4) + 0.001) * d(g4) + d(be4),
     [("gamma", g4), ("beta", be4), ("running_mean", mm4), ("running_std", mv4)])
case("BatchNormalization axis as list [2] (tf.keras)", K2, "BatchNormalization",
     {"name": "bn", "axis": [2], "epsilon": 0.001, "center": False, "scale": True}, [xb],
     (d(xb) - d(mm4)) / np.sqrt(d(mv4) + 0.001) * d(g4),
     [("gamma", g4), ("moving_mean", mm4), ("moving_variance", mv4)])
xl = f32((BATCH, 3, 4))
gl = f32(4, -1, 1)
XL = d(xl)
var = XL.var(axis=-1, keepdims=True)
case("LayerNormalization keras3 rms_scaling", K3, "LayerNormalization",
     {"name": "ln", "axis": -1, "epsilon": 0.001, "center": True, "scale": True,
      "rms_scaling": True}, [xl], XL / np.sqrt(var + 0.001) * d(gl), [("gamma", gl)])
gl2, bl2 = f32((3, 4), -1, 1), f32((3, 4), -1, 1)
mu2 = XL.mean(axis=(1, 2), keepdims=True)
var2 = XL.var(axis=(1, 2), keepdims=True)
case("LayerNormalization keras3 axis [-2, -1]", K3, "LayerNormalization",
     {"name": "ln", "axis": [-2, -1], "epsilon": 0.01, "center": True, "scale": True,
      "rms_scaling": False}, [xl], (XL - mu2) / np.sqrt(var2 + 0.01) * d(gl2) + d(bl2),
     [("gamma", gl2), ("beta", bl2)])
nm, nv = f32(4, -1, 1), f32(4, 0.5, 2)
case("Normalization weights mean variance count", K2, "Normalization",
     {"name": "normalization", "axis": [-1]}, [xl],
     (XL - d(nm)) / np.maximum(np.sqrt(d(nv)), 1e-7),
     [("mean", nm), ("variance", nv), ("count", np.array(10, np.float32))])
nm2, nv2 = f32((3, 4), -1, 1), f32((3, 4), 0.5, 2)
case("Normalization axis [1, 2]", K3, "Normalization",
     {"name": "normalization", "axis": [1, 2], "invert": False}, [xl],
     (XL - d(nm2)) / np.sqrt(d(nv2)), [("mean", nm2), ("variance", nv2)])
case("Normalization keras3 config mean/variance scalars, axis null", K3, "Normalization",
     {"name": "normalization", "axis": None, "mean": 0.5, "variance": 4.0, "invert": False},
     [xl], (XL - 0.5) / 2.0)
case("Normalization keras3 invert", K3, "Normalization",
     {"name": "normalization", "axis": -1, "invert": True}, [xl],
     d(nm) + XL * np.sqrt(d(nv)), [("mean", nm), ("variance", nv)])
case("Rescaling keras3 (policy)", K3, "Rescaling",
     {"name": "rescaling", "dtype": policy, "scale": 0.00392156862745098, "offset": 0.25},
     [xl * 100], d(xl * 100) * np.float32(0.00392156862745098) + np.float32(0.25))

# ---- identity layers TF.js lacks, Flatten, merges ----
x4 = f32((BATCH, 2, 3, 4, 5))
for cls in ["SpatialDropout2D", "SpatialDropout3D", "ActivityRegularization", "Identity"]:
    case(f"{cls} is identity", K2, cls, {"name": "id", "rate": 0.5}, [x4], d(x4))
case("Flatten channels_first rank 4", K2, "Flatten",
     {"name": "flatten", "data_format": "channels_first"}, [x4],
     np.transpose(d(x4), (0, 2, 3, 4, 1)).reshape(BATCH, -1))
case("Flatten keras1 (no data_format)", K1, "Flatten", {"name": "flatten_1"}, [x4],
     d(x4).reshape(BATCH, -1))
a, c = f32((BATCH, 3, 4)), f32((BATCH, 3, 4))
case("Subtract", K2, "Subtract", {"name": "subtract"}, [a, c], d(a) - d(c))
c1 = f32((BATCH, 1, 4))
case("Subtract broadcast", K3, "Subtract", {"name": "subtract"}, [a, c1], d(a) - d(c1))
c2 = f32((BATCH, 2, 4))
case("Concatenate axis -2", K2, "Concatenate", {"name": "concatenate", "axis": -2}, [a, c2],
     np.concatenate([d(a), d(c2)], axis=1))
case("Concatenate axis 1 of 3", K2, "Concatenate", {"name": "concatenate", "axis": 1},
     [a, c2, a], np.concatenate([d(a), d(c2), d(a)], axis=1))
p, q = f32((BATCH, 4, 3)), f32((BATCH, 4, 5))
pn = d(p) / np.sqrt(np.maximum((d(p) ** 2).sum(axis=1, keepdims=True), 1e-12))
qn = d(q) / np.sqrt(np.maximum((d(q) ** 2).sum(axis=1, keepdims=True), 1e-12))
case("Dot axes 1 normalize", K2, "Dot", {"name": "dot", "axes": 1, "normalize": True}, [p, q],
     np.einsum("bkm,bkn->bmn", pn, qn))
u, v = f32((BATCH, 6)), f32((BATCH, 6))
case("Dot of vectors gives (batch, 1)", K3, "Dot", {"name": "dot", "axes": [1, 1]}, [u, v],
     (d(u) * d(v)).sum(axis=1, keepdims=True))
case("Maximum broadcast keras3", K3, "Maximum", {"name": "maximum"}, [a, c1],
     np.maximum(d(a), d(c1)))

# ---- Keras 1 Merge(mode=...) ----
m1 = {"name": "merge_1", "concat_axis": -1, "dot_axes": -1, "output_shape": None,
      "output_mask": None, "mode_type": "raw", "arguments": {}}
for mode, fn in [("sum", lambda a, b: a + b), ("mul", lambda a, b: a * b),
                 ("ave", lambda a, b: (a + b) / 2), ("max", np.maximum)]:
    case(f"Merge keras1 mode {mode}", K1, "Merge", dict(m1, mode=mode), [a, c], fn(d(a), d(c)))
case("Merge keras1 mode concat axis 1", K1, "Merge", dict(m1, mode="concat", concat_axis=1),
     [a, c2], np.concatenate([d(a), d(c2)], axis=1))
case("Merge keras1 mode dot", K1, "Merge", dict(m1, mode="dot", dot_axes=[1, 1]), [u, v],
     (d(u) * d(v)).sum(axis=1, keepdims=True))

with open(sys.argv[1], "w") as f:
    json.dump({"origin": K2, "cases": cases}, f)
print(f"layer-numpy: {len(cases)} cases", file=sys.stderr)
