"""Attention and the Keras 3 core layers: test models and their outputs from oracles that
are not the code under test.

Each case is a folder OUT/NAME with model.h5 (written by tests/tools/kerash5.py in the
form tf.keras 2.11 saves, or Keras 3's legacy .h5 form for the *_k3 cases), in0.npy,
in1.npy ... (the model's inputs in order) and expected.npy (the output). Oracles:
  - PyTorch 1.13 (the distribution's python3-torch): nn.MultiheadAttention with the Keras
    weights reshaped into its layout (in_proj / q,k,v_proj_weight = kernel (d, heads,
    dim) flattened to (d, heads*dim) and transposed; out_proj = (heads, dim, out)
    flattened and transposed), its attn_mask / key_padding_mask from the Keras masks
    (True = not attended), nn.LayerNorm, nn.Linear.
  - torch.einsum written from Keras' documented computation where nn.MultiheadAttention
    cannot express the layer (value_dim != key_dim, output_shape, no bias, two attention
    axes, query masks, which make whole rows masked: Keras adds -1e9 in float32, which
    leaves every key the same weight).
  - numpy by hand for Attention, AdditiveAttention, EinsumDense (np.einsum),
    GroupNormalization, UnitNormalization and RMSNormalization.

    /usr/bin/python3 attention-cases.py OUT
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import kerash5  # noqa: E402

torch.set_num_threads(1)
rng = np.random.default_rng(20261206)
OUT = sys.argv[1]
B = 4


def f32(*shape, s=1.0):
    return (rng.uniform(-1, 1, size=shape) * s).astype(np.float32)


def case(name, inputs, layers, outputs, weights, data, expected, version="2.11.0"):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    kerash5.save_graph(os.path.join(d, "model.h5"), inputs, layers, outputs, weights, version)
    for i, x in enumerate(data):
        np.save(os.path.join(d, "in%d.npy" % i), x)
    np.save(os.path.join(d, "expected.npy"), np.asarray(expected, np.float32))


def mha_config(heads, key_dim, value_dim=None, use_bias=True, output_shape=None, axes=(1,),
               qs=None, vs=None, ks=None):
    """MultiHeadAttention.get_config() of tf.keras 2.11 after build."""
    init = {"class_name": "GlorotUniform", "config": {"seed": None}}
    return {"trainable": True, "dtype": "float32", "num_heads": heads, "key_dim": key_dim,
            "value_dim": value_dim or key_dim, "dropout": 0.0, "use_bias": use_bias,
            "output_shape": output_shape, "attention_axes": list(axes),
            "kernel_initializer": init,
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None,
            "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
            "query_shape": qs, "key_shape": ks or vs, "value_shape": vs,
            "_argnames": ["value", "key", "attention_mask"]}


def mha_weights(dq, dk, dv, heads, key_dim, value_dim, out, use_bias=True):
    out = list(out)
    w = {"query/kernel": f32(dq, heads, key_dim), "query/bias": f32(heads, key_dim),
         "key/kernel": f32(dk, heads, key_dim), "key/bias": f32(heads, key_dim),
         "value/kernel": f32(dv, heads, value_dim), "value/bias": f32(heads, value_dim),
         "attention_output/kernel": f32(heads, value_dim, *out),
         "attention_output/bias": f32(*out)}
    if not use_bias:
        w = {k: v for k, v in w.items() if k.endswith("kernel")}
    return w


def torch_mha(w, q, v, k, heads, attn_mask=None, key_padding=None):
    """nn.MultiheadAttention with the Keras weights; masks: True = not attended."""
    dq, n, hd = w["query/kernel"].shape
    e = n * hd
    m = torch.nn.MultiheadAttention(e, heads, kdim=k.shape[-1], vdim=v.shape[-1],
                                    batch_first=True).double()
    flat = lambda a: torch.from_numpy(a.reshape(a.shape[0], -1).T.astype(np.float64))
    with torch.no_grad():
        if m._qkv_same_embed_dim:
            m.in_proj_weight.copy_(torch.cat([flat(w["query/kernel"]), flat(w["key/kernel"]),
                                              flat(w["value/kernel"])]))
        else:
            m.q_proj_weight.copy_(flat(w["query/kernel"]))
            m.k_proj_weight.copy_(flat(w["key/kernel"]))
            m.v_proj_weight.copy_(flat(w["value/kernel"]))
        m.in_proj_bias.copy_(torch.from_numpy(np.concatenate(
            [w[n + "/bias"].ravel() for n in ("query", "key", "value")]).astype(np.float64)))
        m.out_proj.weight.copy_(flat(w["attention_output/kernel"].reshape(e, -1)))
        m.out_proj.bias.copy_(torch.from_numpy(w["attention_output/bias"].astype(np.float64)))
    t = lambda a: torch.from_numpy(a.astype(np.float64))
    am = None if attn_mask is None else torch.from_numpy(attn_mask)
    kp = None if key_padding is None else torch.from_numpy(key_padding)
    y, _ = m(t(q), t(k), t(v), attn_mask=am, key_padding_mask=kp, need_weights=False)
    return y.detach().numpy()


def keras_softmax(scores, keep):
    """Keras' Softmax layer with a mask: float32 scores + (1 - mask) * -1e9, softmax."""
    s = scores.to(torch.float32)
    if keep is not None:
        s = s + (1.0 - keep.to(torch.float32)) * torch.tensor(-1e9, dtype=torch.float32)
    return torch.softmax(s.double(), dim=-1)


def einsum_mha(w, q, v, k, keep=None):
    """Keras' MultiHeadAttention by torch.einsum over one or two attention axes (query
    (B, *T, d), key/value (B, *S, d)); keep (B, T, S) over flattened steps or None."""
    t = lambda a: torch.from_numpy(np.asarray(a, np.float64))
    n, hd = w["query/kernel"].shape[1:]
    bias = lambda nm, x: x + t(w[nm + "/bias"]) if nm + "/bias" in w else x
    Q = bias("query", torch.einsum("...d,dnh->...nh", t(q), t(w["query/kernel"])))
    K = bias("key", torch.einsum("...d,dnh->...nh", t(k), t(w["key/kernel"])))
    V = bias("value", torch.einsum("...d,dnh->...nh", t(v), t(w["value/kernel"])))
    b = q.shape[0]
    Tn, Sn = int(np.prod(q.shape[1:-1])), int(np.prod(v.shape[1:-1]))
    Qf, Kf, Vf = Q.reshape(b, Tn, n, hd), K.reshape(b, Sn, n, hd), V.reshape(b, Sn, n, -1)
    sc = torch.einsum("btnh,bsnh->bnts", Qf / np.sqrt(hd), Kf)
    p = keras_softmax(sc, None if keep is None else t(keep)[:, None])
    ctx = torch.einsum("bnts,bsnh->btnh", p, Vf)
    o = w["attention_output/kernel"]
    y = torch.einsum("btnh,nho->bto", ctx, t(o.reshape(o.shape[0], o.shape[1], -1)))
    if "attention_output/bias" in w:
        y = y + t(w["attention_output/bias"].ravel())
    return y.reshape(q.shape[:-1] + o.shape[2:]).numpy()


def call(*args, **kwargs):
    return (list(args), kwargs)


# ---- MultiHeadAttention ----

T, S, E = 6, 7, 8
x = f32(B, T, E)
w = mha_weights(E, E, E, 2, 4, 4, [E])
case("mha_self", [("x", [T, E], "float32")],
     [("mha", "MultiHeadAttention", mha_config(2, 4, qs=[None, T, E], vs=[None, T, E]),
       call("x", "x"))], ["mha"], {"mha": w}, [x], torch_mha(w, x, x, x, 2))

q, v, k = f32(B, T, E), f32(B, S, 6), f32(B, S, 5)
w = mha_weights(E, 6, 6, 2, 4, 4, [E])
case("mha_cross", [("q", [T, E], "float32"), ("v", [S, 6], "float32")],
     [("mha", "MultiHeadAttention", mha_config(2, 4, qs=[None, T, E], vs=[None, S, 6]),
       call("q", "v"))], ["mha"], {"mha": w}, [q, v], torch_mha(w, q, v, v, 2))

w = mha_weights(E, 5, 6, 2, 4, 4, [E])
case("mha_key", [("q", [T, E], "float32"), ("v", [S, 6], "float32"), ("k", [S, 5], "float32")],
     [("mha", "MultiHeadAttention",
       mha_config(2, 4, qs=[None, T, E], vs=[None, S, 6], ks=[None, S, 5]),
       call("q", "v", key="k"))], ["mha"], {"mha": w}, [q, v, k], torch_mha(w, q, v, k, 2))

am = (rng.uniform(size=(B, T, S)) > 0.4).astype(np.float32)
am[:, :, 0] = 1  # no query row without a key (PyTorch gives NaN there)
w = mha_weights(E, 6, 6, 2, 4, 4, [E])
case("mha_attention_mask",
     [("q", [T, E], "float32"), ("v", [S, 6], "float32"), ("m", [T, S], "float32")],
     [("mha", "MultiHeadAttention", mha_config(2, 4, qs=[None, T, E], vs=[None, S, 6]),
       call("q", "v", attention_mask="m"))], ["mha"], {"mha": w}, [q, v, am],
     torch_mha(w, q, v, v, 2, attn_mask=np.repeat(am == 0, 2, axis=0)))

causal = np.triu(np.ones((T, T), bool), 1)
w = mha_weights(E, E, E, 2, 4, 4, [E])
case("mha_causal", [("x", [T, E], "float32")],
     [("mha", "MultiHeadAttention", mha_config(2, 4, qs=[None, T, E], vs=[None, T, E]),
       call("x", "x", use_causal_mask=True))], ["mha"], {"mha": w}, [x],
     torch_mha(w, x, x, x, 2, attn_mask=causal))

# Keras 3 form: args [query, value], kwargs with null masks and use_causal_mask
k3cfg = {k: v for k, v in mha_config(2, 4).items()
         if k not in ("query_shape", "key_shape", "value_shape", "_argnames")}
case("mha_causal_k3", [("x", [T, E], "float32")],
     [("mha", "MultiHeadAttention", dict(k3cfg, seed=None),
       call("x", "x", query_mask=None, value_mask=None, use_causal_mask=True))], ["mha"],
     {"mha": w}, [x], torch_mha(w, x, x, x, 2, attn_mask=causal), version="3.3.3")

# value_dim != key_dim, output_shape, no bias: by einsum
q3 = f32(B, T, 6)
w = mha_weights(6, 6, 6, 3, 4, 3, [2, 5], use_bias=False)
case("mha_general", [("q", [T, 6], "float32")],
     [("mha", "MultiHeadAttention",
       mha_config(3, 4, value_dim=3, use_bias=False, output_shape=[2, 5],
                  qs=[None, T, 6], vs=[None, T, 6]), call("q", "q"))], ["mha"], {"mha": w},
     [q3], einsum_mha(w, q3, q3, q3))

# attention over two axes (an image's rows and columns: Keras' default for rank 4)
img = f32(B, 3, 4, 6)
w = mha_weights(6, 6, 6, 2, 3, 3, [6])
case("mha_2d", [("x", [3, 4, 6], "float32")],
     [("mha", "MultiHeadAttention", mha_config(2, 3, axes=(1, 2), qs=[None, 3, 4, 6],
                                               vs=[None, 3, 4, 6]), call("x", "x"))],
     ["mha"], {"mha": w}, [img], einsum_mha(w, img, img, img))

# masks propagated from Embedding(mask_zero=True): padded query rows attend to no key
V_, Tt = 10, 7
tok = rng.integers(1, V_, size=(B, Tt)).astype(np.float32)
for b, n in enumerate([7, 5, 3, 1]):
    tok[b, n:] = 0
emb = f32(V_, E)
w = mha_weights(E, E, E, 2, 4, 4, [E])
ex = emb[tok.astype(int)]
keep = (tok != 0)[:, :, None] & (tok != 0)[:, None, :]
case("mha_embed_mask", [("t", [Tt], "float32")],
     [("emb", "Embedding", {"input_dim": V_, "output_dim": E, "mask_zero": True,
                            "input_length": Tt}, call("t")),
      ("mha", "MultiHeadAttention", mha_config(2, 4, qs=[None, Tt, E], vs=[None, Tt, E]),
       call("emb", "emb"))], ["mha"], {"emb": {"embeddings": emb}, "mha": w}, [tok],
     einsum_mha(w, ex, ex, ex, keep))

# cross-attention whose value is masked (Masking): the key's mask is the value's
vm = f32(B, S, 6)
vm[1, 4:] = 0
vm[2, 1:] = 0
w = mha_weights(E, 6, 6, 2, 4, 4, [E])
mask_v = np.any(vm != 0, -1)
case("mha_value_masking", [("q", [T, E], "float32"), ("v", [S, 6], "float32")],
     [("mv", "Masking", {"mask_value": 0.0}, call("v")),
      ("mha", "MultiHeadAttention", mha_config(2, 4, qs=[None, T, E], vs=[None, S, 6]),
       call("q", "mv"))], ["mha"], {"mha": w}, [q, vm],
     torch_mha(w, q, vm, vm, 2, key_padding=~mask_v))

# a transformer encoder block: x + MHA(x, x) -> LayerNorm -> Dense(relu) -> Dense -> + -> LN
w = mha_weights(E, E, E, 2, 4, 4, [E])
d1, b1, d2, b2 = f32(E, 16), f32(16), f32(16, E), f32(E)
g1, be1, g2, be2 = f32(E) + 1, f32(E), f32(E) + 1, f32(E)
ln = lambda a, g, b: torch.nn.functional.layer_norm(a, (E,), torch.from_numpy(g).double(),
                                                     torch.from_numpy(b).double(), eps=1e-3)
xt = torch.from_numpy(x.astype(np.float64))
h1 = ln(xt + torch.from_numpy(torch_mha(w, x, x, x, 2)), g1, be1)
ff = torch.relu(h1 @ torch.from_numpy(d1).double() + torch.from_numpy(b1).double())
ff = ff @ torch.from_numpy(d2).double() + torch.from_numpy(b2).double()
enc = ln(h1 + ff, g2, be2).numpy()
lncfg = {"axis": [2], "epsilon": 0.001, "center": True, "scale": True}
case("encoder", [("x", [T, E], "float32")],
     [("mha", "MultiHeadAttention", mha_config(2, 4, qs=[None, T, E], vs=[None, T, E]),
       call("x", "x")),
      ("add1", "Add", {}, call(["x", "mha"])),
      ("ln1", "LayerNormalization", lncfg, call("add1")),
      ("ffn1", "Dense", {"units": 16, "activation": "relu", "use_bias": True}, call("ln1")),
      ("ffn2", "Dense", {"units": E, "activation": "linear", "use_bias": True}, call("ffn1")),
      ("add2", "Add", {}, call(["ln1", "ffn2"])),
      ("ln2", "LayerNormalization", lncfg, call("add2"))], ["ln2"],
     {"mha": w, "ln1": {"gamma": g1, "beta": be1}, "ffn1": {"kernel": d1, "bias": b1},
      "ffn2": {"kernel": d2, "bias": b2}, "ln2": {"gamma": g2, "beta": be2}}, [x], enc)

# the same block on Embedding(mask_zero=True): the mask passes MHA (the query's), Add,
# LayerNormalization and Dense, and the padded steps' rows attend to every key alike
w = mha_weights(E, E, E, 2, 4, 4, [E])
et = torch.from_numpy(ex.astype(np.float64))
h1 = ln(et + torch.from_numpy(einsum_mha(w, ex, ex, ex, keep)), g1, be1)
ff = torch.relu(h1 @ torch.from_numpy(d1).double() + torch.from_numpy(b1).double())
ff = ff @ torch.from_numpy(d2).double() + torch.from_numpy(b2).double()
enc = ln(h1 + ff, g2, be2).numpy()
case("encoder_masked", [("t", [Tt], "float32")],
     [("emb", "Embedding", {"input_dim": V_, "output_dim": E, "mask_zero": True,
                            "input_length": Tt}, call("t")),
      ("mha", "MultiHeadAttention", mha_config(2, 4, qs=[None, Tt, E], vs=[None, Tt, E]),
       call("emb", "emb")),
      ("add1", "Add", {}, call(["emb", "mha"])),
      ("ln1", "LayerNormalization", lncfg, call("add1")),
      ("ffn1", "Dense", {"units": 16, "activation": "relu", "use_bias": True}, call("ln1")),
      ("ffn2", "Dense", {"units": E, "activation": "linear", "use_bias": True}, call("ffn1")),
      ("add2", "Add", {}, call(["ln1", "ffn2"])),
      ("ln2", "LayerNormalization", lncfg, call("add2")),
      ("mha2", "MultiHeadAttention", mha_config(2, 4, qs=[None, Tt, E], vs=[None, Tt, E]),
       call("ln2", "ln2"))], ["mha2"],
     {"emb": {"embeddings": emb}, "mha": w, "ln1": {"gamma": g1, "beta": be1},
      "ffn1": {"kernel": d1, "bias": b1}, "ffn2": {"kernel": d2, "bias": b2},
      "ln2": {"gamma": g2, "beta": be2}, "mha2": w}, [tok],
     einsum_mha(w, enc, enc, enc, keep))

# two masks meeting in Add: the merged mask is their AND
a1, a2 = f32(B, T, E), f32(B, T, E)
a1[0, 4:] = 0
a1[2, 2:] = 0
a2[0, 1] = 0
a2[1, 3:] = 0
mk = np.any(a1 != 0, -1) & np.any(a2 != 0, -1)
w = mha_weights(E, E, E, 2, 4, 4, [E])
sm = a1 + a2
case("mha_merged_masks", [("a", [T, E], "float32"), ("b", [T, E], "float32")],
     [("ma", "Masking", {"mask_value": 0.0}, call("a")),
      ("mb", "Masking", {"mask_value": 0.0}, call("b")),
      ("s", "Add", {}, call(["ma", "mb"])),
      ("mha", "MultiHeadAttention", mha_config(2, 4, qs=[None, T, E], vs=[None, T, E]),
       call("s", "s"))], ["mha"], {"mha": w}, [a1, a2],
     einsum_mha(w, sm, sm, sm, mk[:, :, None] & mk[:, None, :]))

# ---- Attention, AdditiveAttention (numpy by hand) ----


def np_attention(q, v, k, mode, scale=1.0, cw=1.0, scale_v=None, causal=False, vmask=None,
                 qmask=None):
    q, v, k = (a.astype(np.float64) for a in (q, v, k))
    if mode == "dot":
        sc = scale * np.einsum("btd,bsd->bts", q, k)
    elif mode == "concat":
        sc = cw * np.tanh(scale * (q[:, :, None, :] + k[:, None, :, :])).sum(-1)
    else:
        sv = np.ones(q.shape[-1]) if scale_v is None else scale_v
        sc = (sv * np.tanh(q[:, :, None, :] + k[:, None, :, :])).sum(-1)
    keep = np.ones(sc.shape, bool)
    if vmask is not None:
        keep &= vmask[:, None, :]
    if causal:
        keep &= np.tril(np.ones(sc.shape[1:], bool))[None]
    sc = sc.astype(np.float32) - np.float32(1e9) * (~keep).astype(np.float32)
    sc = sc.astype(np.float64)
    p = np.exp(sc - sc.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    y = p @ v
    if qmask is not None:
        y *= qmask[:, :, None]
    return y


qa, va, ka = f32(B, T, 5), f32(B, S, 3), f32(B, S, 5)
acfg = lambda **kw: dict({"use_scale": False, "score_mode": "dot", "dropout": 0.0}, **kw)
va5 = f32(B, S, 5)
case("attention_dot", [("q", [T, 5], "float32"), ("v", [S, 5], "float32")],
     [("att", "Attention", acfg(), call(["q", "v"]))], ["att"], {}, [qa, va5],
     np_attention(qa, va5, va5, "dot"))
case("attention_dot_scale_key_causal",
     [("q", [T, 5], "float32"), ("v", [T, 3], "float32"), ("k", [T, 5], "float32")],
     [("att", "Attention", acfg(use_scale=True), call(["q", "v", "k"], use_causal_mask=True))],
     ["att"], {"att": {"scale": np.float32(1.7)}}, [qa, va[:, :T], ka[:, :T]],
     np_attention(qa, va[:, :T], ka[:, :T], "dot", scale=1.7, causal=True))
case("attention_concat", [("q", [T, 5], "float32"), ("v", [S, 3], "float32"),
                          ("k", [S, 5], "float32")],
     [("att", "Attention", acfg(use_scale=True, score_mode="concat"),
       call(["q", "v", "k"]))], ["att"],
     {"att": {"scale": np.float32(0.8), "concat_score_weight": np.float32(-1.3)}},
     [qa, va, ka], np_attention(qa, va, ka, "concat", scale=0.8, cw=-1.3))
sv = f32(5)
case("additive_attention", [("q", [T, 5], "float32"), ("v", [S, 3], "float32"),
                            ("k", [S, 5], "float32")],
     [("att", "AdditiveAttention", acfg(use_scale=True), call(["q", "v", "k"]))], ["att"],
     {"att": {"scale": sv}}, [qa, va, ka], np_attention(qa, va, ka, "add", scale_v=sv))
qm_, vm_ = qa.copy(), va5.copy()
qm_[0, 3:] = 0
qm_[3, 1:] = 0
vm_[1, 2:] = 0
vm_[2, 5:] = 0
case("additive_attention_masks", [("q", [T, 5], "float32"), ("v", [S, 5], "float32")],
     [("mq", "Masking", {"mask_value": 0.0}, call("q")),
      ("mv", "Masking", {"mask_value": 0.0}, call("v")),
      ("att", "AdditiveAttention", acfg(use_scale=False), call(["mq", "mv"]))], ["att"], {},
     [qm_, vm_], np_attention(qm_, vm_, vm_, "add", vmask=np.any(vm_ != 0, -1),
                              qmask=np.any(qm_ != 0, -1)))

# ---- EinsumDense (np.einsum) ----
for name, eq, ishape, kshape, oshape, bias, act in [
        ("ab", "ab,bc->ac", [6], [6, 4], [4], "c", "linear"),
        ("abc", "abc,cd->abd", [5, 6], [6, 4], [5, 4], "d", "relu"),
        ("mha_proj", "abc,cde->abde", [5, 6], [6, 2, 3], [5, 2, 3], "de", "linear"),
        ("two_contracted", "abcd,cde->abe", [3, 4, 5], [4, 5, 2], [3, 2], "e", "linear"),
        ("reorder", "abc,bd->adc", [5, 6], [5, 3], [3, 6], None, "tanh"),
        ("elided", "...b,bc->...c", [3, 4, 6], [6, 5], [5], "c", "linear"),
        ("bias_not_last", "abc,cd->abd", [5, 6], [6, 4], [5, 4], "b", "linear")]:
    xi = f32(B, *ishape)
    ker = f32(*kshape)
    y = np.einsum(eq, xi.astype(np.float64), ker.astype(np.float64))
    ws = {"kernel": ker}
    if bias:
        out = eq.split("->")[1].replace("...", "")
        first = min(out.index(c) for c in bias)
        bshape = [y.shape[y.ndim - len(out) + i] if c in bias else 1
                  for i, c in enumerate(out) if i >= first]
        bb = f32(*bshape)
        ws["bias"] = bb
        y = y + bb
    y = {"linear": y, "relu": np.maximum(y, 0), "tanh": np.tanh(y)}[act]
    case("einsum_" + name, [("x", ishape, "float32")],
         [("ed", "EinsumDense", {"equation": eq, "output_shape": oshape, "activation": act,
                                 "bias_axes": bias}, call("x"))], ["ed"], {"ed": ws}, [xi], y)

# ---- GroupNormalization, UnitNormalization (numpy) ----


def np_group_norm(x, groups, axis, gamma, beta, eps):
    x = np.moveaxis(x.astype(np.float64), axis, -1)
    sh = x.shape
    g = x.reshape(sh[0], -1, groups, sh[-1] // groups)
    mu = g.mean(axis=(1, 3), keepdims=True)
    var = g.var(axis=(1, 3), keepdims=True)
    y = ((g - mu) / np.sqrt(var + eps)).reshape(sh) * gamma + beta
    return np.moveaxis(y, -1, axis)


xg = f32(B, 4, 5, 6, s=3) + 1
gg, gb = f32(6) + 1, f32(6)
case("group_norm", [("x", [4, 5, 6], "float32")],
     [("gn", "GroupNormalization", {"groups": 3, "axis": -1, "epsilon": 0.001, "center": True,
                                    "scale": True}, call("x"))], ["gn"],
     {"gn": {"gamma": gg, "beta": gb}}, [xg], np_group_norm(xg, 3, -1, gg, gb, 1e-3))
xg1 = f32(B, 4, 5, s=2)
g4, b4 = f32(4) + 1, f32(4)
case("group_norm_axis1_instance", [("x", [4, 5], "float32")],
     [("gn", "GroupNormalization", {"groups": -1, "axis": 1, "epsilon": 0.01, "center": True,
                                    "scale": True}, call("x"))], ["gn"],
     {"gn": {"gamma": g4, "beta": b4}}, [xg1], np_group_norm(xg1, 4, 1, g4, b4, 1e-2))
case("group_norm_noaffine", [("x", [4, 5, 6], "float32")],
     [("gn", "GroupNormalization", {"groups": 2, "axis": -1, "epsilon": 0.001,
                                    "center": False, "scale": False}, call("x"))], ["gn"], {},
     [xg], np_group_norm(xg, 2, -1, 1.0, 0.0, 1e-3))
xu = f32(B, 3, 5)
xu[1, 2] = 0  # a zero row: Keras 3 leaves it zero
nrm = lambda a, ax: a / np.maximum(np.sqrt((a.astype(np.float64) ** 2).sum(ax, keepdims=True)),
                                   1e-30)
case("unit_norm", [("x", [3, 5], "float32")],
     [("un", "UnitNormalization", {"axis": -1}, call("x"))], ["un"], {}, [xu], nrm(xu, -1),
     version="3.3.3")
case("unit_norm_axes", [("x", [3, 5], "float32")],
     [("un", "UnitNormalization", {"axis": [1, 2]}, call("x"))], ["un"], {}, [xu],
     nrm(xu, (1, 2)))
sc1, sc2 = f32(5) + 1, f32(3, 5) + 1
rms = lambda a, ax, sc, eps: (a.astype(np.float64) /
                              np.sqrt((a.astype(np.float64) ** 2).mean(ax, keepdims=True) + eps)
                              * sc)
case("rms_norm", [("x", [3, 5], "float32")],
     [("rn", "RMSNormalization", {"axis": -1, "epsilon": 1e-6}, call("x"))], ["rn"],
     {"rn": {"scale": sc1}}, [xu], rms(xu, -1, sc1, 1e-6), version="3.9.0")
case("rms_norm_axes", [("x", [3, 5], "float32")],
     [("rn", "RMSNormalization", {"axis": [1, 2], "epsilon": 0.01}, call("x"))], ["rn"],
     {"rn": {"scale": sc2}}, [xu], rms(xu, (1, 2), sc2, 0.01), version="3.9.0")
