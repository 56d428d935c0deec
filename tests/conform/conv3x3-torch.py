"""3x3 stride-1 convolutions, the shapes the engine's Winograd F(2x2, 3x3) path takes (at
least 16 input and output channels) and the ones around it, with PyTorch as the oracle
(the distribution's python3-torch), computed in float64 and rounded once to float32, so
the expected values are the exact convolution of the float32 inputs and weights.

Covers 'same' and 'valid' padding on odd and even heights and widths (tiles on the edge
half outside the output), channel counts below, at and above the threshold, batches of 1
and of a number of tiles no block size divides, a 'valid' output one row high (too small
for a tile), channels_first, a Conv3D with a 1x3x3 kernel, relu and bias, inputs of one
and of both signs. Data stay at unit scale: the comparison's floor (1e-5 absolute below
magnitude 1) assumes it, and at inputs of 100 an output that cancels to about 1 misses it
by the float32 rounding of its terms under im2col + sgemm as under Winograd. Keras' 'same' with a 3x3 kernel at stride 1 pads one cell on
each side, as padding=1 does in PyTorch; Keras' kernel (3, 3, cin, cout) is PyTorch's
weight (cout, cin, 3, 3) permuted.

    /usr/bin/python3 conv3x3-torch.py OUT.json [MODEL.h5 X.npy Y.npy]

With the three extra paths, also writes a model of two 64 -> 64 convolutions (tf.keras
2.4 layout, through tests/tools/kerash5.py), a batch for it and PyTorch's float64 output.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
rng = np.random.default_rng(20261206)
K3 = "3.11.3"
cases = []


def arr(name, a):
    a = np.asarray(a, dtype=np.float32)
    return {"name": name, "shape": list(a.shape), "data": [float(v) for v in a.ravel()]}


def glorot(cin, cout, k=3):
    lim = np.sqrt(6.0 / (k * k * (cin + cout)))
    return rng.uniform(-lim, lim, size=(k, k, cin, cout)).astype(np.float32)


def conv(x, kernel, bias, pad, act):
    """x channels-last (n, h, w, c) float32, kernel (3, 3, cin, cout): float64 result."""
    xt = torch.from_numpy(x.astype(np.float64)).permute(0, 3, 1, 2)
    wt = torch.from_numpy(kernel.astype(np.float64)).permute(3, 2, 0, 1)
    bt = torch.from_numpy(bias.astype(np.float64)) if bias is not None else None
    y = F.conv2d(xt, wt, bt, padding=1 if pad == "same" else 0)
    if act == "relu":
        y = torch.relu(y)
    return y.permute(0, 2, 3, 1).numpy()


def add(name, n, h, w, cin, cout, pad, act="linear", bias=True, lo=-1.0, cfirst=False):
    x = rng.uniform(lo, 1.0, size=(n, h, w, cin)).astype(np.float32)
    k = glorot(cin, cout)
    b = rng.uniform(-0.5, 0.5, size=cout).astype(np.float32) if bias else None
    y = conv(x, k, b, pad, act).astype(np.float32)
    cfg = {"filters": cout, "kernel_size": [3, 3], "strides": [1, 1], "padding": pad,
           "dilation_rate": [1, 1], "activation": act, "use_bias": bias,
           "data_format": "channels_first" if cfirst else "channels_last"}
    weights = [arr("kernel", k)] + ([arr("bias", b)] if bias else [])
    if cfirst:
        x, y = x.transpose(0, 3, 1, 2), y.transpose(0, 3, 1, 2)
    flat = y.ravel()
    assert np.all(np.isfinite(flat)) and len(set(flat.tolist())) >= len(flat) // 4, name
    cases.append({
        "name": name, "origin": K3, "inputs": [arr("x", x)],
        "layers": [{"name": "conv", "class_name": "Conv2D", "config": cfg, "inbound": ["x"],
                    "weights": weights}],
        "expected": {"shape": list(y.shape), "data": [float(v) for v in flat]},
    })


# name, batch, height, width, in, out, padding, extra
add("same 14x14 64->64, batch 1", 1, 14, 14, 64, 64, "same", act="relu", lo=0.0)
add("same 7x7 64->64, batch 37 (592 tiles: 9 blocks of 64 and 16)", 37, 7, 7, 64, 64, "same")
add("same 13x11 16->24, batch 5", 5, 13, 11, 16, 24, "same", act="relu")
add("same 2x2 16->16 (one tile)", 3, 2, 2, 16, 16, "same")
add("same 5x8 128->128 (K = 128)", 2, 5, 8, 128, 128, "same")
add("same 6x9 48->16, no bias", 4, 6, 9, 48, 16, "same", bias=False)
add("valid 9x12 32->16 (7x10 out)", 3, 9, 12, 32, 16, "valid")
add("valid 10x7 24->40 (8x5 out)", 2, 10, 7, 24, 40, "valid", act="relu")
add("valid 4x4 20->20 (one tile)", 1, 4, 4, 20, 20, "valid")
add("valid 3x6 16->16 (one output row)", 2, 3, 6, 16, 16, "valid")
add("valid 17x15 17->19, odd channels", 2, 17, 15, 17, 19, "valid")
add("same 9x9 8->8 (below the threshold)", 3, 9, 9, 8, 8, "same")
add("same 8x7 15->64 (below the threshold)", 3, 8, 7, 15, 64, "same")
add("same 8x7 64->15 (below the threshold)", 3, 8, 7, 64, 15, "same")
add("same 6x5 16->16 channels_first", 2, 6, 5, 16, 16, "same", cfirst=True)

# Conv3D with a 1x3x3 kernel: each depth slice is a 2-D convolution
x = rng.uniform(-1, 1, size=(2, 3, 6, 5, 16)).astype(np.float32)
k = glorot(16, 20)
b = rng.uniform(-0.5, 0.5, size=20).astype(np.float32)
y = np.stack([conv(x[:, d], k, b, "same", "linear") for d in range(3)], 1).astype(np.float32)
cases.append({
    "name": "Conv3D 1x3x3 same 3x6x5 16->20", "origin": K3, "inputs": [arr("x", x)],
    "layers": [{"name": "conv", "class_name": "Conv3D", "inbound": ["x"],
                "config": {"filters": 20, "kernel_size": [1, 3, 3], "strides": [1, 1, 1],
                           "padding": "same", "dilation_rate": [1, 1, 1], "use_bias": True,
                           "activation": "linear", "data_format": "channels_last"},
                "weights": [arr("kernel", k[None]), arr("bias", b)]}],
    "expected": {"shape": list(y.shape), "data": [float(v) for v in y.ravel()]},
})

with open(sys.argv[1], "w") as f:
    json.dump({"origin": f"pytorch {torch.__version__} (float64)", "cases": cases}, f)

if len(sys.argv) > 4:
    sys.path.insert(0, os.environ["LI_TOP"] + "/tests/tools")
    from kerash5 import save
    k1, k2 = glorot(64, 64), glorot(64, 64)
    b1, b2 = (rng.uniform(-0.1, 0.1, size=64).astype(np.float32) for _ in range(2))
    cfg = {"filters": 64, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
           "dilation_rate": [1, 1], "activation": "relu", "use_bias": True}
    save(sys.argv[2], [14, 14, 64], [("c1", "Conv2D", cfg), ("c2", "Conv2D", cfg)],
         {"c1": {"kernel": k1, "bias": b1}, "c2": {"kernel": k2, "bias": b2}})
    x = rng.uniform(0, 1, size=(70, 14, 14, 64)).astype(np.float32)
    y = conv(conv(x, k1, b1, "same", "relu"), k2, b2, "same", "relu")
    np.save(sys.argv[3], x)
    np.save(sys.argv[4], y.astype(np.float32))
