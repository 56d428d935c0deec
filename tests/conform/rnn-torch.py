"""Recurrent layer cases with PyTorch as the oracle (the distribution's python3-torch).

PyTorch's GRU has the reset-after form of Keras' GRU(reset_after=True), its LSTM the
Keras LSTM with sigmoid gates, its RNN the tanh SimpleRNN. The Keras weights are drawn at
random and mapped explicitly into PyTorch's layout:
  - Keras kernel [in, G*u] with gate column blocks (GRU z, r, h; LSTM i, f, c, o);
    PyTorch weight_ih [G*u, in] with gate row blocks (GRU r, z, n; LSTM i, f, g, o).
  - Keras GRU bias [2, 3u] = (input bias, recurrent bias) -> bias_ih, bias_hh (reordered);
    Keras LSTM bias [4u] -> bias_ih, with bias_hh zero; SimpleRNN likewise.
  - PyTorch's GRU output h' = (1 - z) n + z h is Keras' z h + (1 - z) hh.
go_backwards runs PyTorch on the time-reversed input (Keras does not reverse the outputs
back), bidirectional=True gives Keras' Bidirectional concat with the backward outputs
reversed back. Writes the case file test_layer_cases reads.

    /usr/bin/python3 rnn-torch.py OUT.json
"""
import json
import sys

import numpy as np
import torch

torch.set_num_threads(1)
rng = np.random.default_rng(20240613)
BATCH, T, F, U = 3, 6, 4, 5
cases = []


def arr(name, a):
    a = np.asarray(a, dtype=np.float32)
    return {"name": name, "shape": list(a.shape), "data": [float(v) for v in a.ravel()]}


def f32(*shape):
    return rng.uniform(-1, 1, size=shape).astype(np.float32)


def blocks(m, order, u):
    """Column blocks of m [.., G*u] in the given order, as row blocks [G*u, ..]."""
    return np.concatenate([m[..., k * u:(k + 1) * u].T for k in order], 0)


def vec_blocks(v, order, u):
    return np.concatenate([v[k * u:(k + 1) * u] for k in order])


def keras_weights(kind):
    G = {"gru": 3, "lstm": 4, "rnn": 1}[kind]
    W, R = f32(F, G * U), f32(U, G * U)
    b = f32(2, G * U) if kind == "gru" else f32(G * U)
    return W, R, b


def load(mod, kind, W, R, b, suffix=""):
    """Keras weights into a torch module's parameters (one direction)."""
    order = {"gru": [1, 0, 2], "lstm": [0, 1, 2, 3], "rnn": [0]}[kind]  # torch gate k <- keras
    with torch.no_grad():
        getattr(mod, "weight_ih_l0" + suffix).copy_(torch.from_numpy(blocks(W, order, U)))
        getattr(mod, "weight_hh_l0" + suffix).copy_(torch.from_numpy(blocks(R, order, U)))
        if kind == "gru":
            bi, bh = vec_blocks(b[0], order, U), vec_blocks(b[1], order, U)
        else:
            bi, bh = vec_blocks(b, order, U), np.zeros(b.shape, np.float32)
        getattr(mod, "bias_ih_l0" + suffix).copy_(torch.from_numpy(bi))
        getattr(mod, "bias_hh_l0" + suffix).copy_(torch.from_numpy(bh))


def module(kind, bidir=False):
    cls = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}[kind]
    return cls(F, U, batch_first=True, bidirectional=bidir).double()


CLASS = {"gru": "GRU", "lstm": "LSTM", "rnn": "SimpleRNN"}


def config(kind, seq, back):
    c = {"name": "layer", "units": U, "return_sequences": seq, "go_backwards": back,
         "activation": "tanh"}
    if kind != "rnn":
        c["recurrent_activation"] = "sigmoid"
    if kind == "gru":
        c["reset_after"] = True
    return c


def add(name, x, cls, cfg, weights, expected):
    exp = np.asarray(expected, np.float32)
    cases.append({"name": name, "inputs": [arr("in0", x)],
                  "layers": [{"name": "layer", "class_name": cls, "config": cfg,
                              "inbound": ["in0"], "weights": [arr(n, w) for n, w in weights]}],
                  "expected": {"shape": list(exp.shape), "data": [float(v) for v in exp.ravel()]}})


x = rng.uniform(-2, 2, size=(BATCH, T, F)).astype(np.float32)
xt = torch.from_numpy(x).double()
for kind in ("gru", "lstm", "rnn"):
    for seq in (False, True):
        for back in (False, True):
            W, R, b = keras_weights(kind)
            m = module(kind)
            load(m, kind, W, R, b)
            with torch.no_grad():
                y, _ = m(torch.flip(xt, [1]) if back else xt)
            y = y.numpy()
            add(f"torch {kind}{' sequences' if seq else ''}{' go_backwards' if back else ''}",
                x, CLASS[kind], config(kind, seq, back),
                [("kernel", W), ("recurrent_kernel", R), ("bias", b)],
                y if seq else y[:, -1])
    # Bidirectional, concat, sequences: torch's backward outputs are already in input order
    Wf, Rf, bf = keras_weights(kind)
    Wb, Rb, bb = keras_weights(kind)
    m = module(kind, bidir=True)
    load(m, kind, Wf, Rf, bf)
    load(m, kind, Wb, Rb, bb, "_reverse")
    with torch.no_grad():
        y, _ = m(xt)
    inner = CLASS[kind].lower()
    add(f"torch bidirectional {kind} sequences", x, "Bidirectional",
        {"name": "layer", "merge_mode": "concat",
         "layer": {"class_name": CLASS[kind], "config": config(kind, True, False)}},
        [(f"forward_{inner}/kernel", Wf), (f"forward_{inner}/recurrent_kernel", Rf),
         (f"forward_{inner}/bias", bf), (f"backward_{inner}/kernel", Wb),
         (f"backward_{inner}/recurrent_kernel", Rb), (f"backward_{inner}/bias", bb)],
        y.numpy())

with open(sys.argv[1], "w") as f:
    json.dump({"origin": "2.11.0", "cases": cases}, f)
