"""Recurrent layer cases TF.js cannot serve, computed with numpy from the Keras equations.

Writes the case file that tests/unit/test_layer_cases.c reads (the format of
scripts/tfjs/layer-oracle.js). Covers: GRU reset_after=true (tf.keras 2 / Keras 3, bias
[2, 3u]); the version defaults when a config omits recurrent_activation (hard_sigmoid up
to Keras 2.2, sigmoid from 2.3) or GRU reset_after (false in standalone Keras 2, true in
tf.keras and Keras 3); Keras 3's hard_sigmoid inside a cell; CuDNNLSTM/CuDNNGRU weights
converted as Keras converts them; the Keras 1 dialect (output_dim,
inner_activation, LSTM as 12 arrays in gate order i, c, f, o, GRU as 9, SimpleRNN W/U/b);
weight names with a cell scope; Bidirectional as tf.keras saves it (cell scopes, masked
steps zeroed with return_sequences); Embedding's Keras 1 table name; and bad input that
must be refused with a message (weight shapes against units and input width, unsupported
options).

    /usr/bin/python3 rnn-numpy.py OUT.json
"""
import json
import sys

import numpy as np

BATCH = 3
rng = np.random.default_rng(20240612)
cases = []


def f32(shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def arr(name, a):
    a = np.asarray(a, dtype=np.float32)
    return {"name": name, "shape": list(a.shape), "data": [float(v) for v in a.ravel()]}


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


ACT = {
    "tanh": np.tanh, "sigmoid": sigmoid, "relu": lambda x: np.maximum(x, 0),
    "linear": lambda x: x,
    "hard_sigmoid2": lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    "hard_sigmoid3": lambda x: np.clip(x + 3, 0, 6) / 6,
}


def layer(cls, config, weights, inbound=("in0",), name="layer"):
    return {"name": name, "class_name": cls, "config": config, "inbound": list(inbound),
            "weights": [arr(n, w) for n, w in weights]}


def case(name, origin, x, layers, expected=None, error=None):
    c = {"name": name, "origin": origin, "inputs": [arr("in0", x)], "layers": layers}
    if error is not None:
        c["error"] = error
    else:
        exp = np.asarray(expected, dtype=np.float64).astype(np.float32)
        flat = exp.ravel()
        assert np.all(np.isfinite(flat)), name
        assert len(set(flat.tolist())) >= max(2, len(flat) // 4), f"{name}: degenerate"
        c["expected"] = {"shape": list(exp.shape), "data": [float(v) for v in flat]}
    cases.append(c)


def run_rnn(kind, x, W, U, b, act, ract, seq=False, back=False, reset_after=False, rb=None,
            mask=None, zero_masked=False):
    """Keras' recurrence in float64. W [F, G*u], U [u, G*u], b [G*u] (input bias),
    rb [G*u] recurrent bias (GRU reset_after). mask [n, T] of bools or None."""
    x, W, U = (np.asarray(v, np.float64) for v in (x, W, U))
    n, T, _ = x.shape
    u = U.shape[0]
    b = np.zeros(W.shape[1]) if b is None else np.asarray(b, np.float64)
    rb = np.zeros(W.shape[1]) if rb is None else np.asarray(rb, np.float64)
    h = np.zeros((n, u))
    c = np.zeros((n, u))
    y = np.zeros((n, u))
    outs = []
    steps = range(T - 1, -1, -1) if back else range(T)
    for t in steps:
        xt = x[:, t] @ W + b
        if kind == "simple":
            hn, cn = act(xt + h @ U), c
        elif kind == "lstm":
            z = xt + h @ U
            i, f, g, o = (z[:, k * u:(k + 1) * u] for k in range(4))
            cn = ract(f) * c + ract(i) * act(g)
            hn = ract(o) * act(cn)
        else:
            if reset_after:
                inner = h @ U + rb
                z = ract(xt[:, :u] + inner[:, :u])
                r = ract(xt[:, u:2 * u] + inner[:, u:2 * u])
                hh = act(xt[:, 2 * u:] + r * inner[:, 2 * u:])
            else:
                z = ract(xt[:, :u] + h @ U[:, :u])
                r = ract(xt[:, u:2 * u] + h @ U[:, u:2 * u])
                hh = act(xt[:, 2 * u:] + (r * h) @ U[:, 2 * u:])
            hn, cn = z * h + (1 - z) * hh, c
        if mask is not None:
            m = mask[:, t][:, None]
            h = np.where(m, hn, h)
            c = np.where(m, cn, c)
            y = np.where(m, hn, 0 if zero_masked else y)
        else:
            h, c, y = hn, cn, hn
        outs.append(y)
    return np.stack(outs, 1) if seq else y


def rnn_cfg(cls, units, **kw):
    c = {"name": "layer", "units": units, "return_sequences": False, "go_backwards": False}
    if cls != "SimpleRNN":
        c["recurrent_activation"] = "hard_sigmoid"
    c.update(kw)
    return c


def weights(F, u, G, two_bias=False):
    W, U = f32((F, G * u)), f32((u, G * u))
    b = f32((2, G * u)) if two_bias else f32((G * u,))
    return W, U, b


K2, TFK, K3, K1, K22, K23 = "2.4.0", "2.11.0", "3.3.3", "1.2.2", "2.2.4", "2.3.1"
T, F, u = 5, 3, 4
x = f32((BATCH, T, F), -2, 2)
hs2, hs3 = ACT["hard_sigmoid2"], ACT["hard_sigmoid3"]

# ---- GRU reset_after = true (explicit) ----
W, U, b = weights(F, u, 3, two_bias=True)
for seq in (False, True):
    for back in (False, True):
        for ra_name, ra in (("sigmoid", sigmoid), ("hard_sigmoid", hs2)):
            case(f"gru reset_after{' sequences' if seq else ''}{' go_backwards' if back else ''}"
                 f" {ra_name}", K2, x,
                 [layer("GRU", rnn_cfg("GRU", u, reset_after=True, recurrent_activation=ra_name,
                                       return_sequences=seq, go_backwards=back),
                        [("kernel", W), ("recurrent_kernel", U), ("bias", b)])],
                 run_rnn("gru", x, W, U, b[0], np.tanh, ra, seq, back, True, b[1]))
case("gru reset_after no bias", K2, x,
     [layer("GRU", rnn_cfg("GRU", u, reset_after=True, use_bias=False),
            [("kernel", W), ("recurrent_kernel", U)])],
     run_rnn("gru", x, W, U, None, np.tanh, hs2, reset_after=True))
case("gru reset_after cell-scoped names", TFK, x,
     [layer("GRU", rnn_cfg("GRU", u, reset_after=True, recurrent_activation="sigmoid"),
            [("gru_cell/kernel", W), ("gru_cell/recurrent_kernel", U), ("gru_cell/bias", b)])],
     run_rnn("gru", x, W, U, b[0], np.tanh, sigmoid, reset_after=True, rb=b[1]))

# ---- version defaults when the config omits them ----
cfg = rnn_cfg("GRU", u)
del cfg["recurrent_activation"]
for origin, ra_def, ra in ((K22, "hard_sigmoid", hs2), (K23, "sigmoid", sigmoid)):
    Wl, Ul, bl = weights(F, u, 4)
    c = rnn_cfg("LSTM", u)
    del c["recurrent_activation"]
    case(f"lstm recurrent_activation default in {origin} is {ra_def}", origin, x,
         [layer("LSTM", c, [("kernel", Wl), ("recurrent_kernel", Ul), ("bias", bl)])],
         run_rnn("lstm", x, Wl, Ul, bl, np.tanh, ra))
for origin, two in ((K22, False), (K23, False), ("2.2.4-tf", True), (TFK, True), (K3, True)):
    Wg, Ug, bg = weights(F, u, 3, two_bias=two)
    c = rnn_cfg("GRU", u, recurrent_activation="sigmoid")
    case(f"gru reset_after default in {origin} is {str(two).lower()}", origin, x,
         [layer("GRU", c, [("kernel", Wg), ("recurrent_kernel", Ug), ("bias", bg)])],
         run_rnn("gru", x, Wg, Ug, bg[0] if two else bg, np.tanh, sigmoid, reset_after=two,
                 rb=bg[1] if two else None))
Wl, Ul, bl = weights(F, u, 4)
case("keras3 lstm hard_sigmoid is relu6(x+3)/6", K3, x,
     [layer("LSTM", rnn_cfg("LSTM", u, return_sequences=True),
            [("kernel", Wl), ("recurrent_kernel", Ul), ("bias", bl)])],
     run_rnn("lstm", x, Wl, Ul, bl, np.tanh, hs3, seq=True))
case("lstm cell-scoped names, relu", TFK, x,
     [layer("LSTM", rnn_cfg("LSTM", u, activation="relu", recurrent_activation="sigmoid"),
            [("lstm_cell/kernel", Wl), ("lstm_cell/recurrent_kernel", Ul), ("lstm_cell/bias", bl)])],
     run_rnn("lstm", x, Wl, Ul, bl, ACT["relu"], sigmoid))

# ---- CuDNNLSTM / CuDNNGRU: the weights as Keras converts them when it loads such a file
# into LSTM / GRU(reset_after=True) (saving.py, preprocess_weights_for_loading) ----
def from_cudnn(Wc, Rc, G):
    K = np.hstack([k.T.reshape(k.shape, order="F") for k in np.hsplit(Wc, G)])
    R = np.hstack([k.T for k in np.hsplit(Rc, G)])
    return K, R


for seq in (False, True):
    Wc, Rc, bc = f32((F, 4 * u)), f32((u, 4 * u)), f32((8 * u,))
    K, R = from_cudnn(Wc, Rc, 4)
    case(f"cudnn lstm{' sequences' if seq else ''}", "2.1.6", x,
         [layer("CuDNNLSTM", {"name": "layer", "units": u, "return_sequences": seq},
                [("kernel", Wc), ("recurrent_kernel", Rc), ("bias", bc)])],
         run_rnn("lstm", x, K, R, bc[:4 * u] + bc[4 * u:], np.tanh, sigmoid, seq))
    Wc, Rc, bc = f32((F, 3 * u)), f32((u, 3 * u)), f32((6 * u,))
    K, R = from_cudnn(Wc, Rc, 3)
    b2 = bc.reshape(2, -1)
    case(f"cudnn gru go_backwards{' sequences' if seq else ''}", "2.1.6", x,
         [layer("CuDNNGRU", {"name": "layer", "units": u, "return_sequences": seq,
                             "go_backwards": True},
                [("kernel", Wc), ("recurrent_kernel", Rc), ("bias", bc)])],
         run_rnn("gru", x, K, R, b2[0], np.tanh, sigmoid, seq, True, True, b2[1]))

# ---- Keras 1 dialect ----
def k1cfg(units, **kw):
    c = {"name": "layer", "output_dim": units, "return_sequences": False, "go_backwards": False,
         "consume_less": "cpu", "dropout_W": 0.0, "dropout_U": 0.0, "stateful": False,
         "unroll": False, "activation": "tanh"}
    c.update(kw)
    return c


gates = {g: (f32((F, u)), f32((u, u)), f32((u,))) for g in "icfo"}
named = [(f"{k}_{g}", gates[g][j]) for g in "icfo" for j, k in enumerate("WUb")]
Wf = np.concatenate([gates[g][0] for g in "ifco"], 1)
Uf = np.concatenate([gates[g][1] for g in "ifco"], 1)
bf = np.concatenate([gates[g][2] for g in "ifco"])
for seq in (False, True):
    case(f"keras1 lstm 12 arrays i c f o{' sequences' if seq else ''}", K1, x,
         [layer("LSTM", k1cfg(u, inner_activation="hard_sigmoid", return_sequences=seq), named)],
         run_rnn("lstm", x, Wf, Uf, bf, np.tanh, hs2, seq))
case("keras1 lstm 12 unnamed arrays in saving order", K1, x,
     [layer("LSTM", k1cfg(u, inner_activation="sigmoid", go_backwards=True),
            [(f"param_{i}", w) for i, (_, w) in enumerate(named)])],
     run_rnn("lstm", x, Wf, Uf, bf, np.tanh, sigmoid, back=True))
case("keras1 lstm inner_activation default hard_sigmoid", K1, x,
     [layer("LSTM", k1cfg(u), named)], run_rnn("lstm", x, Wf, Uf, bf, np.tanh, hs2))
gg = {g: (f32((F, u)), f32((u, u)), f32((u,))) for g in "zrh"}
named_g = [(f"{k}_{g}", gg[g][j]) for g in "zrh" for j, k in enumerate("WUb")]
case("keras1 gru 9 arrays z r h", K1, x,
     [layer("GRU", k1cfg(u, inner_activation="hard_sigmoid", return_sequences=True), named_g)],
     run_rnn("gru", x, np.concatenate([gg[g][0] for g in "zrh"], 1),
             np.concatenate([gg[g][1] for g in "zrh"], 1),
             np.concatenate([gg[g][2] for g in "zrh"]), np.tanh, hs2, seq=True))
Ws, Us, bs = weights(F, u, 1)
case("keras1 simple_rnn W U b", K1, x,
     [layer("SimpleRNN", k1cfg(u, activation="relu"), [("W", Ws), ("U", Us), ("b", bs)])],
     run_rnn("simple", x, Ws, Us, bs, ACT["relu"], None))

bk = {g: (f32((F, u)), f32((u, u)), f32((u,))) for g in "icfo"}
named_b = [(f"{k}_{g}", bk[g][j]) for g in "icfo" for j, k in enumerate("WUb")]
k1fwd = run_rnn("lstm", x, Wf, Uf, bf, np.tanh, hs2, seq=True)
Wk = np.concatenate([bk[g][0] for g in "ifco"], 1)
Uk = np.concatenate([bk[g][1] for g in "ifco"], 1)
bk_ = np.concatenate([bk[g][2] for g in "ifco"])
k1bwd = run_rnn("lstm", x, Wk, Uk, bk_, np.tanh, hs2, seq=True, back=True)[:, ::-1]
case("keras1 bidirectional lstm forward_lstm_1_W_i names", K1, x,
     [layer("Bidirectional", {"name": "layer", "merge_mode": "concat", "layer": {
         "class_name": "LSTM", "config": k1cfg(u, name="lstm_1", return_sequences=True,
                                              inner_activation="hard_sigmoid")}},
            [("forward_lstm_1_" + n, w) for n, w in named] +
            [("backward_lstm_1_" + n, w) for n, w in named_b])],
     np.concatenate([k1fwd, k1bwd], -1))

# ---- Bidirectional as tf.keras saves it; masks ----
Wa, Ua, ba = weights(F, u, 3, two_bias=True)
Wb, Ub, bb = weights(F, u, 3, two_bias=True)
inner = {"class_name": "GRU", "config": rnn_cfg("GRU", u, reset_after=True, return_sequences=True,
                                               recurrent_activation="sigmoid")}
bw = [("forward_gru/gru_cell/kernel", Wa), ("forward_gru/gru_cell/recurrent_kernel", Ua),
      ("forward_gru/gru_cell/bias", ba), ("backward_gru/gru_cell/kernel", Wb),
      ("backward_gru/gru_cell/recurrent_kernel", Ub), ("backward_gru/gru_cell/bias", bb)]
fwd = run_rnn("gru", x, Wa, Ua, ba[0], np.tanh, sigmoid, True, False, True, ba[1])
bwd = run_rnn("gru", x, Wb, Ub, bb[0], np.tanh, sigmoid, True, True, True, bb[1])[:, ::-1]
case("bidirectional gru reset_after concat, cell scopes", TFK, x,
     [layer("Bidirectional", {"name": "layer", "layer": inner, "merge_mode": "concat"}, bw)],
     np.concatenate([fwd, bwd], -1))
case("bidirectional gru reset_after ave", TFK, x,
     [layer("Bidirectional", {"name": "layer", "layer": inner, "merge_mode": "ave"}, bw)],
     (fwd + bwd) / 2)
# Masking -> Bidirectional: tf.keras zeroes masked steps; Keras 2.1 repeats the last output
xm = x.copy()
mask = np.ones((BATCH, T), bool)
for bi, steps in enumerate(([1, 4], [0], [2, 3])):
    xm[bi, steps] = 0
    mask[bi, steps] = False
for origin, zero in ((TFK, True), ("2.1.6", False)):
    f_ = run_rnn("gru", xm, Wa, Ua, ba[0], np.tanh, sigmoid, True, False, True, ba[1], mask, zero)
    b_ = run_rnn("gru", xm, Wb, Ub, bb[0], np.tanh, sigmoid, True, True, True, bb[1], mask,
                 zero)[:, ::-1]
    case(f"masking bidirectional sequences in {origin}: masked steps "
         f"{'zero' if zero else 'repeat'}", origin, xm,
         [layer("Masking", {"name": "mask", "mask_value": 0.0}, [], name="mask"),
          layer("Bidirectional", {"name": "layer", "layer": inner, "merge_mode": "sum"}, bw,
                inbound=("mask",))],
         f_ + b_)
case("masking lstm keeps state at masked steps", K2, xm,
     [layer("Masking", {"name": "mask"}, [], name="mask"),
      layer("LSTM", rnn_cfg("LSTM", u, return_sequences=True),
            [("kernel", Wl), ("recurrent_kernel", Ul), ("bias", bl)], inbound=("mask",))],
     run_rnn("lstm", xm, Wl, Ul, bl, np.tanh, hs2, seq=True, mask=mask))

# ---- TimeDistributed, Embedding ----
Wd, bd = f32((F, 2)), f32((2,))
case("time_distributed dense, inner-scoped names", TFK, x,
     [layer("TimeDistributed", {"name": "layer", "layer": {"class_name": "Dense", "config": {
         "name": "dense", "units": 2, "activation": "tanh"}}},
            [("dense/kernel", Wd), ("dense/bias", bd)])],
     np.tanh(x.astype(np.float64) @ Wd + bd))
ids = rng.integers(0, 6, size=(BATCH, 7)).astype(np.float32)
ids[0, 0] = 5.7  # a float id truncates, as Keras' cast to int32
tab = f32((6, 3))
case("keras1 embedding W, float ids truncate", K1, ids,
     [layer("Embedding", {"name": "layer", "input_dim": 6, "output_dim": 3, "input_length": 7},
            [("W", tab)])],
     tab[ids.astype(np.int64)])

# ---- bad input: refused with a message naming the layer and what is wrong ----
Wl, Ul, bl = weights(F, u, 4)
lw = [("kernel", Wl), ("recurrent_kernel", Ul), ("bias", bl)]
bad = [
    ("lstm units disagree with the kernel", "LSTM", rnn_cfg("LSTM", u + 1), lw,
     "weight 'kernel' has shape (3, 16), the config needs (3, 20)"),
    ("lstm recurrent kernel of the wrong width", "LSTM", rnn_cfg("LSTM", u),
     [("kernel", Wl), ("recurrent_kernel", f32((u, 3 * u))), ("bias", bl)],
     "weight 'recurrent_kernel' has shape (4, 12), the config needs (4, 16)"),
    ("gru reset_after with a one-row bias", "GRU", rnn_cfg("GRU", u, reset_after=True),
     [("kernel", f32((F, 3 * u))), ("recurrent_kernel", f32((u, 3 * u))), ("bias", f32((3 * u,)))],
     "weight 'bias' has shape (12,), the config needs (2, 12)"),
    ("lstm input width differs from the kernel", "LSTM", rnn_cfg("LSTM", u),
     [("kernel", f32((F + 1, 4 * u))), ("recurrent_kernel", Ul), ("bias", bl)],
     "does not fit the kernel's 4 inputs"),
    ("lstm return_state", "LSTM", rnn_cfg("LSTM", u, return_state=True), lw,
     "option 'return_state' = true is not supported"),
    ("lstm time_major", "LSTM", rnn_cfg("LSTM", u, time_major=True), lw,
     "option 'time_major' = true is not supported"),
    ("lstm softmax activation", "LSTM", rnn_cfg("LSTM", u, activation="softmax"), lw,
     "activation 'softmax' is not supported in a recurrent cell"),
    ("lstm missing bias", "LSTM", rnn_cfg("LSTM", u), lw[:2], "weight 'bias' is missing"),
    ("lstm zero units", "LSTM", rnn_cfg("LSTM", 0), lw, "option 'units' must be a positive"),
    ("keras1 lstm with 11 arrays", "LSTM", k1cfg(u), named[:11], "weight 'b_o' is missing"),
    ("bidirectional merge_mode None", "Bidirectional",
     {"name": "layer", "layer": {"class_name": "LSTM", "config": rnn_cfg("LSTM", u)},
      "merge_mode": None}, lw + lw, "merge_mode None gives two outputs"),
    ("bidirectional merge_mode unknown", "Bidirectional",
     {"name": "layer", "layer": {"class_name": "LSTM", "config": rnn_cfg("LSTM", u)},
      "merge_mode": "max"}, lw + lw, "merge_mode 'max' is not supported"),
    ("bidirectional around dense", "Bidirectional",
     {"name": "layer", "layer": {"class_name": "Dense", "config": {"units": 2}}},
     [("forward_dense/kernel", f32((F, 2))), ("forward_dense/bias", f32((2,))),
      ("backward_dense/kernel", f32((F, 2))), ("backward_dense/bias", f32((2,)))],
     "which is not a recurrent layer"),
    ("bidirectional without a layer", "Bidirectional", {"name": "layer"}, [],
     "option 'layer' does not describe a layer"),
    ("bidirectional backward weight of the wrong shape", "Bidirectional",
     {"name": "layer", "layer": {"class_name": "LSTM", "config": rnn_cfg("LSTM", u)}},
     [("forward_lstm/" + n, w) for n, w in lw] +
     [("backward_lstm/kernel", f32((F, 8))), ("backward_lstm/recurrent_kernel", Ul),
      ("backward_lstm/bias", bl)],
     "layer 'backward_layer' (LSTM): weight 'kernel' has shape (3, 8)"),
    ("cudnn lstm bias of the plain layout", "CuDNNLSTM", {"name": "layer", "units": u}, lw,
     "weight 'bias' has shape (16,), the config needs (32,)"),
    ("rnn with stacked cells", "RNN",
     {"name": "layer", "cell": [{"class_name": "LSTMCell", "config": {"units": u}}]}, lw,
     "stacked cells are not supported"),
    ("rnn with a custom cell", "RNN",
     {"name": "layer", "cell": {"class_name": "MinimalRNNCell", "config": {"units": u}}}, lw,
     "cell class 'MinimalRNNCell' is not supported"),
    ("time_distributed around lambda", "TimeDistributed",
     {"name": "layer", "layer": {"class_name": "Lambda", "config": {"name": "lam"}}}, [],
     "cannot be run"),
]
for name, cls, cfg_, ws, msg in bad:
    case(name, K2, x, [layer(cls, cfg_, ws)], error=msg)
case("time_distributed on a rank-1 input", K2, x[:, 0],
     [layer("TimeDistributed", {"name": "layer", "layer": {"class_name": "Dense", "config": {
         "name": "dense", "units": 2}}}, [("kernel", Wd), ("bias", bd)])],
     error="has no time axis")
case("embedding id out of range", K2, ids + 1,
     [layer("Embedding", {"name": "layer", "input_dim": 6, "output_dim": 3}, [("embeddings", tab)])],
     error="is outside [0, 6)")
case("embedding table of the wrong shape", K2, ids,
     [layer("Embedding", {"name": "layer", "input_dim": 7, "output_dim": 3}, [("embeddings", tab)])],
     error="weight 'embeddings' has shape (6, 3), the config needs (7, 3)")
case("masking with a weight", K2, x, [layer("Masking", {"name": "layer"}, [("w", tab)])],
     error="expected no weights")
case("rnn on a rank-1 input", K2, x[:, 0], [layer("LSTM", rnn_cfg("LSTM", u), lw)],
     error="is not (batch, steps, features)")

with open(sys.argv[1], "w") as f:
    json.dump({"origin": K2, "cases": cases}, f)
