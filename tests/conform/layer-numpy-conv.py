"""Convolution-family layer cases that TF.js cannot serve, computed with numpy from the
definitions (never from our code). Same case format as layer-numpy.py.

Covers: Conv1D causal padding (left zeros, dilation), Conv1D/Conv2D channels_first, Conv2D
groups, Keras 1 Convolution2D names (tf and th orderings: a Theano kernel is a true
convolution, so the expected output flips it), Conv1DTranspose and Conv2DTranspose with
output_padding (the adjoint of the forward convolution, built as an explicit matrix),
DepthwiseConv1D, SeparableConv1D, pooling and global pooling with channels_first and
keepdims, UpSampling2D bilinear under the TF2 half-pixel rule (Keras 3 / tf.keras) and the
TF1 rule (Keras 2.2), UpSampling3D and ZeroPadding3D channels_first.

    /usr/bin/python3 layer-numpy-conv.py OUT.json
"""
import itertools
import json
import math
import sys

import numpy as np

BATCH = 2
cases = []
rng = np.random.default_rng(5)
K3 = "3.11.3"
K2 = "2.4.0"


def f32(shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def arr(name, a):
    a = np.asarray(a, dtype=np.float32)
    return {"name": name, "shape": list(a.shape), "data": [float(v) for v in a.ravel()]}


def case(name, origin, cls, config, x, expected, weights=()):
    exp = np.asarray(expected, dtype=np.float64).astype(np.float32)
    flat = exp.ravel()
    assert np.all(np.isfinite(flat)), name
    assert np.any(flat != 0) and len(set(flat.tolist())) >= max(2, len(flat) // 4), \
        f"{name}: degenerate output"
    cases.append({
        "name": name, "origin": origin, "inputs": [arr("x", x)],
        "layers": [{"name": "layer", "class_name": cls, "config": config, "inbound": ["x"],
                    "weights": [arr(n, w) for n, w in weights]}],
        "expected": {"shape": list(exp.shape), "data": [float(v) for v in flat]},
    })


def same_pad(n, k, s, d):
    """TensorFlow 'same': out = ceil(n/s), the odd padding cell goes after."""
    keff = (k - 1) * d + 1
    out = -(-n // s)
    total = max(0, (out - 1) * s + keff - n)
    return total // 2, total - total // 2


def correlate(x, w, b, strides, dil, pads, groups=1):
    """Cross-correlation of channels-last x (batch, *sp, cin) with w (*k, cin/g, cout):
    y[o] = sum_k x[o*s + k*d - pad_before] w[k], zero outside the input."""
    sp = x.shape[1:-1]
    xp = np.pad(d64(x), [(0, 0)] + [tuple(p) for p in pads] + [(0, 0)])
    ks = w.shape[:-2]
    cin_g, cout = w.shape[-2], w.shape[-1]
    cout_g = cout // groups
    outs = [(sp[i] + sum(pads[i]) - ((ks[i] - 1) * dil[i] + 1)) // strides[i] + 1
            for i in range(len(sp))]
    y = np.zeros((x.shape[0], *outs, cout))
    for o in itertools.product(*[range(n) for n in outs]):
        for k in itertools.product(*[range(n) for n in ks]):
            idx = tuple(o[i] * strides[i] + k[i] * dil[i] for i in range(len(sp)))
            v = xp[(slice(None),) + idx]            # (batch, cin)
            for g in range(groups):
                y[(slice(None),) + o + (slice(g * cout_g, (g + 1) * cout_g),)] += \
                    v[:, g * cin_g:(g + 1) * cin_g] @ d64(w[k])[:, g * cout_g:(g + 1) * cout_g]
    return y + (0 if b is None else d64(b))


def d64(a):
    return np.asarray(a, dtype=np.float64)


def cf(x):
    """channels_last -> channels_first."""
    return np.moveaxis(x, -1, 1)


def cl(x):
    return np.moveaxis(x, 1, -1)


# ---- Conv1D causal: left-pad dilation*(k-1) zeros, then 'valid' ----
x = f32((BATCH, 9, 3)); w = f32((3, 3, 4)); b = f32((4,))
case("conv1d causal dilation 2", K3, "Conv1D",
     {"filters": 4, "kernel_size": [3], "padding": "causal", "dilation_rate": [2],
      "activation": "linear"}, x, correlate(x, w, b, [1], [2], [(4, 0)]),
     [("kernel", w), ("bias", b)])
x = f32((BATCH, 8, 2)); w = f32((2, 2, 3)); b = f32((3,))
case("conv1d causal stride 2 (tf.keras)", K2, "Conv1D",
     {"filters": 3, "kernel_size": [2], "strides": [2], "padding": "causal",
      "activation": "tanh"}, x, np.tanh(correlate(x, w, b, [2], [1], [(1, 0)])),
     [("kernel", w), ("bias", b)])

# ---- channels_first ----
x = f32((BATCH, 7, 3)); w = f32((3, 3, 2)); b = f32((2,))
case("conv1d channels_first same", K3, "Conv1D",
     {"filters": 2, "kernel_size": 3, "padding": "same", "data_format": "channels_first"},
     cf(x), cf(correlate(x, w, b, [1], [1], [same_pad(7, 3, 1, 1)])),
     [("kernel", w), ("bias", b)])
x = f32((BATCH, 6, 7, 2)); w = f32((3, 3, 2, 3)); b = f32((3,))
case("conv2d channels_first stride 2 same", K2, "Conv2D",
     {"filters": 3, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same",
      "data_format": "channels_first", "activation": "relu"},
     cf(x), cf(np.maximum(correlate(x, w, b, [2, 2], [1, 1],
                                    [same_pad(6, 3, 2, 1), same_pad(7, 3, 2, 1)]), 0)),
     [("kernel", w), ("bias", b)])

# ---- groups ----
x = f32((BATCH, 5, 5, 4)); w = f32((3, 3, 2, 6)); b = f32((6,))
case("conv2d groups 2", K3, "Conv2D",
     {"filters": 6, "kernel_size": [3, 3], "groups": 2, "padding": "valid"},
     x, correlate(x, w, b, [1, 1], [1, 1], [(0, 0), (0, 0)], groups=2),
     [("kernel", w), ("bias", b)])

# ---- Keras 1 names ----
x = f32((BATCH, 6, 6, 2)); w = f32((3, 2, 2, 3)); b = f32((3,))
case("keras1 Convolution2D tf", "1.2.2", "Convolution2D",
     {"nb_filter": 3, "nb_row": 3, "nb_col": 2, "subsample": [1, 2], "border_mode": "same",
      "dim_ordering": "tf", "activation": "linear", "bias": True},
     x, correlate(x, w, b, [1, 2], [1, 1], [same_pad(6, 3, 1, 1), same_pad(6, 2, 2, 1)]),
     [("W", w), ("b", b)])
# Theano: W is (filters, in, rows, cols) and convolves: y = sum x[o + k] * W[f, c, K-1-k]
x = f32((BATCH, 5, 6, 2)); wt = f32((3, 2, 3, 3)); b = f32((3,))
wcorr = np.transpose(wt[:, :, ::-1, ::-1], (2, 3, 1, 0))
case("keras1 Convolution2D th (flipped kernel)", "1.2.2", "Convolution2D",
     {"nb_filter": 3, "nb_row": 3, "nb_col": 3, "border_mode": "valid",
      "dim_ordering": "th", "activation": "linear"},
     cf(x), cf(correlate(x, wcorr, b, [1, 1], [1, 1], [(0, 0), (0, 0)])),
     [("W", wt), ("b", b)])
x = f32((BATCH, 8, 3)); w = f32((3, 1, 3, 2)); b = f32((2,))
case("keras1 Convolution1D", "1.2.2", "Convolution1D",
     {"nb_filter": 2, "filter_length": 3, "subsample_length": 2, "border_mode": "valid",
      "activation": "linear"},
     x, correlate(x, w[:, 0], b, [2], [1], [(0, 0)]), [("W", w), ("b", b)])


# ---- transposed convolution: the adjoint of the forward convolution ----
def conv_matrix_1d(n_out, n_in, k, s, d, before):
    """A[i, j, t]: 1 when forward conv output i reads input cell j through tap t."""
    A = np.zeros((n_in, n_out, k))
    for i in range(n_in):
        for t in range(k):
            j = i * s + t * d - before
            if 0 <= j < n_out:
                A[i, j, t] = 1
    return A


def tconv1d(x, w, b, s, d, n_out, same):
    """x (batch, n_in, cin), w (k, cout, cin): y = adjoint of the conv from n_out cells."""
    k = w.shape[0]
    keff = (k - 1) * d + 1
    before = max(0, (x.shape[1] - 1) * s + keff - n_out) // 2 if same else 0
    A = conv_matrix_1d(n_out, x.shape[1], k, s, d, before)
    y = np.einsum("ijt,bic,toc->bjo", A, d64(x), d64(w))
    return y + d64(b)


x = f32((BATCH, 4, 3)); w = f32((3, 2, 3)); b = f32((2,))
case("conv1d_transpose same stride 2 output_padding 0", K3, "Conv1DTranspose",
     {"filters": 2, "kernel_size": [3], "strides": [2], "padding": "same",
      "output_padding": [0]}, x, tconv1d(x, w, b, 2, 1, (4 - 1) * 2 + 1 + 0, True),
     [("kernel", w), ("bias", b)])
x = f32((BATCH, 4, 2)); w = f32((3, 3, 2)); b = f32((3,))
case("conv1d_transpose valid stride 3 output_padding 2", K3, "Conv1DTranspose",
     {"filters": 3, "kernel_size": 3, "strides": 3, "padding": "valid", "output_padding": 2},
     x, tconv1d(x, w, b, 3, 1, (4 - 1) * 3 + 3 + 2, False), [("kernel", w), ("bias", b)])
x = f32((BATCH, 5, 2)); w = f32((3, 2, 2)); b = f32((2,))
case("conv1d_transpose dilation 2 same", K3, "Conv1DTranspose",
     {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same"},
     x, tconv1d(x, w, b, 1, 2, 5, True), [("kernel", w), ("bias", b)])


def tconv2d(x, w, b, s, n_out, same):
    """Separable in the two axes: apply the 1-D adjoint matrices along rows and columns."""
    kh, kw = w.shape[:2]
    mats = []
    for ax, k in ((0, kh), (1, kw)):
        before = max(0, (x.shape[1 + ax] - 1) * s[ax] + k - n_out[ax]) // 2 if same else 0
        mats.append(conv_matrix_1d(n_out[ax], x.shape[1 + ax], k, s[ax], 1, before))
    y = np.einsum("ipt,jqu,bijc,tuoc->bpqo", mats[0], mats[1], d64(x), d64(w))
    return y + d64(b)


x = f32((BATCH, 3, 4, 2)); w = f32((3, 3, 2, 2)); b = f32((2,))
case("conv2d_transpose same stride 2 output_padding 1", K2, "Conv2DTranspose",
     {"filters": 2, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same",
      "output_padding": [1, 1], "activation": "linear"},
     x, tconv2d(x, w, b, (2, 2), ((3 - 1) * 2 + 1 + 1, (4 - 1) * 2 + 1 + 1), True),
     [("kernel", w), ("bias", b)])
case("conv2d_transpose channels_first valid stride 2", K3, "Conv2DTranspose",
     {"filters": 2, "kernel_size": [3, 3], "strides": [2, 2], "padding": "valid",
      "data_format": "channels_first"},
     cf(x), cf(tconv2d(x, w, b, (2, 2), ((3 - 1) * 2 + 3, (4 - 1) * 2 + 3), False)),
     [("kernel", w), ("bias", b)])

# Keras 1 Deconvolution2D: W (rows, cols, filters, in), the output shape stated in config
x = f32((BATCH, 3, 3, 2)); w = f32((3, 3, 2, 2)); b = f32((2,))
case("keras1 Deconvolution2D output_shape", "1.2.2", "Deconvolution2D",
     {"nb_filter": 2, "nb_row": 3, "nb_col": 3, "output_shape": [None, 6, 6, 2],
      "subsample": [2, 2], "border_mode": "same", "dim_ordering": "tf"},
     x, tconv2d(x, w, b, (2, 2), (6, 6), True), [("W", w), ("b", b)])
# Keras 1 AtrousConvolution2D: dilation under its Keras 1 name
x = f32((BATCH, 7, 7, 2)); w = f32((3, 3, 2, 3)); b = f32((3,))
case("keras1 AtrousConvolution2D atrous_rate", "1.2.2", "AtrousConvolution2D",
     {"nb_filter": 3, "nb_row": 3, "nb_col": 3, "atrous_rate": [2, 2], "border_mode": "valid",
      "dim_ordering": "tf"}, x, correlate(x, w, b, [1, 1], [2, 2], [(0, 0), (0, 0)]),
     [("W", w), ("b", b)])

# ---- depthwise / separable 1D ----
x = f32((BATCH, 7, 3)); dw = f32((3, 3, 2)); b = f32((6,))
dwg = dw.reshape(3, 1, 6)  # depthwise = groups of one input channel: out ci*m + j
case("depthwise_conv1d multiplier 2", K3, "DepthwiseConv1D",
     {"kernel_size": 3, "depth_multiplier": 2, "padding": "valid"},
     x, correlate(x, dwg, b, [1], [1], [(0, 0)], groups=3),
     [("depthwise_kernel", dw), ("bias", b)])
# (TF.js 4.22 on cpu gets DepthwiseConv2D with dilation wrong: covered here instead)
x = f32((BATCH, 7, 7, 2)); dw = f32((3, 3, 2, 2)); b = f32((4,))
case("depthwise_conv2d dilation 2 same multiplier 2", K3, "DepthwiseConv2D",
     {"kernel_size": [3, 3], "depth_multiplier": 2, "dilation_rate": [2, 2], "padding": "same"},
     x, correlate(x, dw.reshape(3, 3, 1, 4), b, [1, 1], [2, 2],
                  [same_pad(7, 3, 1, 2), same_pad(7, 3, 1, 2)], groups=2),
     [("depthwise_kernel", dw), ("bias", b)])
x = f32((BATCH, 8, 2)); dw = f32((3, 2, 1)); pw = f32((1, 2, 3)); b = f32((3,))
mid = correlate(x, dw.reshape(3, 1, 2), None, [2], [1], [same_pad(8, 3, 2, 1)], groups=2)
case("separable_conv1d same stride 2", K3, "SeparableConv1D",
     {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 1},
     x, mid @ d64(pw[0]) + d64(b),
     [("depthwise_kernel", dw), ("pointwise_kernel", pw), ("bias", b)])


# ---- pooling ----
def pool2d(x, k, s, pad, kind):
    """TF pooling: window clipped to the input (max ignores padding, avg divides by the
    cells inside)."""
    n, H, W, C = x.shape
    if pad == "same":
        oh, ow = -(-H // s[0]), -(-W // s[1])
        ph = max(0, (oh - 1) * s[0] + k[0] - H) // 2
        pw_ = max(0, (ow - 1) * s[1] + k[1] - W) // 2
    else:
        oh, ow = (H - k[0]) // s[0] + 1, (W - k[1]) // s[1] + 1
        ph = pw_ = 0
    y = np.zeros((n, oh, ow, C))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * s[0] - ph, j * s[1] - pw_
            win = d64(x)[:, max(r0, 0):r0 + k[0], max(c0, 0):c0 + k[1], :]
            y[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return y


x = f32((BATCH, 7, 6, 3))
case("max_pooling2d channels_first same", K2, "MaxPooling2D",
     {"pool_size": [3, 3], "strides": [2, 2], "padding": "same",
      "data_format": "channels_first"}, cf(x), cf(pool2d(x, (3, 3), (2, 2), "same", "max")))
case("average_pooling2d channels_first same", K3, "AveragePooling2D",
     {"pool_size": [2, 3], "strides": [2, 2], "padding": "same",
      "data_format": "channels_first"}, cf(x), cf(pool2d(x, (2, 3), (2, 2), "same", "avg")))
case("keras1 MaxPooling2D border_mode same", "1.2.2", "MaxPooling2D",
     {"pool_size": [2, 2], "strides": [2, 2], "border_mode": "same", "dim_ordering": "tf"},
     x, pool2d(x, (2, 2), (2, 2), "same", "max"))
x1 = f32((BATCH, 9, 3))
case("keras1 AveragePooling1D pool_length stride", "1.2.2", "AveragePooling1D",
     {"pool_length": 3, "stride": 2, "border_mode": "valid"},
     x1, pool2d(x1[:, None], (1, 3), (1, 2), "valid", "avg")[:, 0])
x = f32((BATCH, 4, 5, 3))
case("global_average_pooling2d keepdims", K3, "GlobalAveragePooling2D",
     {"keepdims": True}, x, d64(x).mean(axis=(1, 2), keepdims=True))
case("global_max_pooling2d channels_first", K3, "GlobalMaxPooling2D",
     {"data_format": "channels_first"}, cf(x), d64(x).max(axis=(1, 2)))
case("global_average_pooling1d channels_first keepdims", K3, "GlobalAveragePooling1D",
     {"data_format": "channels_first", "keepdims": True}, cf(x[:, 0]),
     d64(cf(x[:, 0])).mean(axis=2, keepdims=True))


# ---- bilinear upsampling by the saving framework's rule ----
def bilinear(x, fh, fw, half):
    """TF resize_bilinear: src = dst*in/out (TF1) or (dst+0.5)*in/out-0.5 (TF2); lower =
    max(floor, 0), upper = min(ceil, in-1), lerp = src - floor."""
    n, H, W, C = x.shape

    def axis(n_in, f):
        out = []
        for o in range(n_in * f):
            s = (o + 0.5) / f - 0.5 if half else o / f
            fl = math.floor(s)
            out.append((max(fl, 0), min(math.ceil(s), n_in - 1), s - fl))
        return out
    y = np.zeros((n, H * fh, W * fw, C))
    xd = d64(x)
    for i, (r0, r1, wr) in enumerate(axis(H, fh)):
        for j, (c0, c1, wc) in enumerate(axis(W, fw)):
            top = xd[:, r0, c0] + (xd[:, r0, c1] - xd[:, r0, c0]) * wc
            bot = xd[:, r1, c0] + (xd[:, r1, c1] - xd[:, r1, c0]) * wc
            y[:, i, j] = top + (bot - top) * wr
    return y


x = f32((BATCH, 3, 4, 2))
case("up_sampling2d bilinear half-pixel (Keras 3)", K3, "UpSampling2D",
     {"size": [2, 2], "interpolation": "bilinear"}, x, bilinear(x, 2, 2, True))
case("up_sampling2d bilinear half-pixel (tf.keras 2.4)", K2, "UpSampling2D",
     {"size": [3, 2], "interpolation": "bilinear"}, x, bilinear(x, 3, 2, True))
case("up_sampling2d bilinear TF1 rule (Keras 2.2.4)", "2.2.4", "UpSampling2D",
     {"size": [2, 3], "interpolation": "bilinear"}, x, bilinear(x, 2, 3, False))
case("up_sampling2d bilinear channels_first (Keras 3)", K3, "UpSampling2D",
     {"size": [2, 2], "interpolation": "bilinear", "data_format": "channels_first"},
     cf(x), cf(bilinear(x, 2, 2, True)))
x = f32((BATCH, 2, 3, 2, 2))
case("up_sampling3d channels_first", K3, "UpSampling3D",
     {"size": [2, 1, 2], "data_format": "channels_first"},
     cf(x), cf(d64(x).repeat(2, axis=1).repeat(2, axis=3)))
case("zero_padding3d channels_first", K3, "ZeroPadding3D",
     {"padding": [[1, 0], [0, 1], [0, 0]], "data_format": "channels_first"},
     cf(x), cf(np.pad(d64(x), [(0, 0), (1, 0), (0, 1), (0, 0), (0, 0)])))
case("cropping3d", K3, "Cropping3D", {"cropping": [[0, 1], [1, 1], [0, 1]]},
     x, d64(x)[:, 0:1, 1:2, 0:1])


# ---- bad input: each refused with one message naming the layer ----
def bad(name, cls, config, x, weights, error):
    cases.append({
        "name": "refuses " + name, "origin": K3, "inputs": [arr("x", x)],
        "layers": [{"name": "bad", "class_name": cls, "config": config, "inbound": ["x"],
                    "weights": [arr(n, w) for n, w in weights]}],
        "error": error})


x = f32((1, 5, 5, 3))
bad("a kernel that disagrees with filters", "Conv2D",
    {"filters": 4, "kernel_size": [3, 3]}, x, [("kernel", f32((3, 3, 3, 2))), ("bias", f32((4,)))],
    "layer 'bad' (Conv2D): weight 'kernel' has shape (3, 3, 3, 2), the config needs "
    "(3, 3, -1, 4) (kernel size, input channels, filters)")
bad("a kernel that disagrees with the input channels", "Conv2D",
    {"filters": 2, "kernel_size": [3, 3]}, x, [("kernel", f32((3, 3, 2, 2))), ("bias", f32((2,)))],
    "layer 'bad' (Conv2D): input shape (None, 5, 5, 3) has 3 channels, the kernel takes 2")
bad("a bias that disagrees with filters", "Conv2D",
    {"filters": 2, "kernel_size": [3, 3]}, x, [("kernel", f32((3, 3, 3, 2))), ("bias", f32((3,)))],
    "layer 'bad' (Conv2D): weight 'bias' has shape (3,), the config needs (2,)")
bad("strides and dilation both above 1", "Conv2D",
    {"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, x,
    [("kernel", f32((3, 3, 3, 2))), ("bias", f32((2,)))],
    "layer 'bad' (Conv2D): strides > 1 together with dilation_rate > 1 is not allowed "
    "(Keras refuses it)")
bad("a kernel larger than the input", "Conv2D", {"filters": 2, "kernel_size": 6}, x,
    [("kernel", f32((6, 6, 3, 2))), ("bias", f32((2,)))],
    "layer 'bad' (Conv2D): input shape (None, 5, 5, 3) is smaller than the kernel")
bad("pooling larger than the input", "MaxPooling2D", {"pool_size": [6, 2]}, x, [],
    "layer 'bad' (MaxPooling2D): pool size 6 is larger than the input (None, 5, 5, 3) "
    "(padding 'valid')")
bad("groups that do not divide filters", "Conv2D", {"filters": 5, "kernel_size": 3, "groups": 3},
    x, [("kernel", f32((3, 3, 1, 5))), ("bias", f32((5,)))],
    "layer 'bad' (Conv2D): option 'groups' = 3 must divide filters = 5")
bad("output_padding not below the stride", "Conv2DTranspose",
    {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 2}, x,
    [("kernel", f32((3, 3, 2, 3))), ("bias", f32((2,)))],
    "layer 'bad' (Conv2DTranspose): output_padding 2 must be smaller than the stride 2")
bad("a rank-3 input to Conv2D", "Conv2D", {"filters": 2, "kernel_size": 3}, f32((1, 5, 3)),
    [("kernel", f32((3, 3, 3, 2))), ("bias", f32((2,)))],
    "layer 'bad' (Conv2D): input shape (None, 5, 3) is not a known 2D channels_last input")
bad("causal padding on Conv2D", "Conv2D", {"filters": 2, "kernel_size": 3, "padding": "causal"},
    x, [("kernel", f32((3, 3, 3, 2))), ("bias", f32((2,)))],
    "layer 'bad' (Conv2D): option 'padding' = 'causal' is not supported")

with open(sys.argv[1], "w") as f:
    json.dump({"origin": K2, "cases": cases}, f)
print(f"layer-numpy-conv: {len(cases)} cases", file=sys.stderr)
