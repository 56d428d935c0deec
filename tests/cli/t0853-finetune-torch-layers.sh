#!/usr/bin/env bash
# li-finetune trains convolutions, transposed convolutions, pooling, upsampling,
# BatchNormalization and Embedding as PyTorch computes them (python3-torch, not our code):
# each case is a Keras model (tests/tools/kerash5.py) whose layers after the cut are
# written again in torch.nn.functional with TensorFlow's padding rules, the same weights
# and the same full batch. After one SGD step every tuned parameter equals PyTorch's within
# 1e-5 of the array's largest magnitude, after ten Adam steps within 1e-4; the frozen head
# does not move. --bn-train against PyTorch's training-mode batch_norm for the gradients and
# numpy for the moving statistics (Keras 3: biased variance, momentum). What cannot be
# trained is refused by name before any work; an id outside an Embedding's table stops.
. "$(dirname "$0")/../lib.sh"

require_torch 'li-finetune layers against PyTorch'

cat >ref.py <<'PYEOF'
import os, sys
import h5py, numpy as np, torch
import torch.nn.functional as F
sys.path.insert(0, os.environ["LI_TOP"] + "/tests/tools")
from kerash5 import save
torch.set_default_dtype(torch.float32)

def conv(f, k, act="linear", **kw):
    return dict(filters=f, kernel_size=k, activation=act, use_bias=True, **kw)

# name: (input shape, cut, [(name, class, config)], ids) -- the first layer "f" is the
# frozen head when the cut is "f"
CASES = {
 "conv2d": ([6, 6, 2], "f", [("f", "Conv2D", conv(2, [3, 3], "relu", padding="same")),
     ("c1", "Conv2D", conv(3, [3, 3], "tanh", padding="same")),
     ("c2", "Conv2D", conv(4, [2, 3], "elu", padding="valid", strides=[2, 1])),
     ("fl", "Flatten", {}), ("out", "Dense", {"units": 3, "activation": "softmax"})]),
 "conv1d": ([9, 3], "x", [("c1", "Conv1D", conv(4, [3], "relu", padding="causal", dilation_rate=[2])),
     ("c2", "Conv1D", conv(3, [2], "sigmoid", padding="same", strides=[2])),
     ("fl", "Flatten", {}), ("out", "Dense", {"units": 3, "activation": "softmax"})]),
 "tconv": ([3, 3, 2], "x", [("t1", "Conv2DTranspose", conv(3, [3, 3], "relu", padding="same", strides=[2, 2])),
     ("t2", "Conv2DTranspose", conv(2, [2, 2], "linear", padding="valid", strides=[3, 1])),
     ("t3", "Conv2DTranspose", conv(2, [3, 2], "tanh", padding="valid", dilation_rate=[2, 1])),
     ("fl", "Flatten", {}), ("out", "Dense", {"units": 3, "activation": "softmax"})]),
 "tconv1d": ([4, 2], "x", [("t1", "Conv1DTranspose", conv(3, [3], "tanh", padding="same", strides=[2])),
     ("fl", "Flatten", {}), ("out", "Dense", {"units": 3, "activation": "softmax"})]),
 "pool2d": ([7, 6, 2], "x", [("c1", "Conv2D", conv(3, [2, 2], "linear", padding="same")),
     ("p1", "MaxPooling2D", {"pool_size": [2, 2], "padding": "same"}),
     ("p2", "AveragePooling2D", {"pool_size": [2, 2], "strides": [1, 1], "padding": "same"}),
     ("c2", "Conv2D", conv(3, [2, 2], "relu")),
     ("p3", "GlobalAveragePooling2D", {}), ("out", "Dense", {"units": 3, "activation": "softmax"})]),
 "pool1d": ([9, 3], "x", [("c1", "Conv1D", conv(4, [2], "linear", padding="same")),
     ("p1", "MaxPooling1D", {"pool_size": [3], "strides": [2], "padding": "valid"}),
     ("p2", "AveragePooling1D", {"pool_size": [2], "strides": [1], "padding": "valid"}),
     ("p3", "GlobalMaxPooling1D", {}), ("out", "Dense", {"units": 3, "activation": "softmax"})]),
 "upsample": ([3, 2, 2], "x", [("u1", "UpSampling2D", {"size": [2, 3], "interpolation": "nearest"}),
     ("c1", "Conv2D", conv(2, [3, 3], "relu", padding="same")),
     ("r", "Reshape", {"target_shape": [36, 2]}), ("u2", "UpSampling1D", {"size": 2}),
     ("c2", "Conv1D", conv(2, [3], "linear", strides=[4])),
     ("fl", "Flatten", {}), ("out", "Dense", {"units": 3, "activation": "softmax"})]),
 "bn": ([4, 4, 2], "x", [("c1", "Conv2D", conv(3, [3, 3], "linear", padding="same")),
     ("b1", "BatchNormalization", {"axis": -1, "epsilon": 0.01, "momentum": 0.9}),
     ("a", "Activation", {"activation": "relu"}),
     ("p", "GlobalAveragePooling2D", {}),
     ("d", "Dense", {"units": 5, "activation": "tanh"}),
     ("b2", "BatchNormalization", {"axis": [1], "scale": False}),
     ("out", "Dense", {"units": 3, "activation": "softmax"})]),
 "embed": ([5], "x", [("e", "Embedding", {"input_dim": 10, "output_dim": 4}),
     ("c1", "Conv1D", conv(3, [2], "relu")),
     ("fl", "Flatten", {}), ("out", "Dense", {"units": 3, "activation": "softmax"})]),
}

def shapes(case):
    """Keras weight shapes of each layer, from the shapes flowing through (numpy)."""
    shp, cut, layers = CASES[case]
    w, cur = {}, list(shp)
    for name, cls, cfg in layers:
        x = torch.zeros([1] + cur)
        if cls in ("Conv1D", "Conv2D", "Conv1DTranspose", "Conv2DTranspose"):
            cin, k = cur[-1], cfg["kernel_size"]
            w[name] = {"kernel": list(k) + ([cin, cfg["filters"]] if "Transpose" not in cls
                                            else [cfg["filters"], cin]),
                       "bias": [cfg["filters"]]}
        elif cls == "Dense":
            w[name] = {"kernel": [cur[-1], cfg["units"]], "bias": [cfg["units"]]}
        elif cls == "BatchNormalization":
            c = cur[-1]
            w[name] = dict(([("gamma", [c])] if cfg.get("scale", True) else []) +
                           [("beta", [c]), ("moving_mean", [c]), ("moving_variance", [c])])
        elif cls == "Embedding":
            w[name] = {"embeddings": [cfg["input_dim"], cfg["output_dim"]]}
        p = {k: torch.tensor(np.zeros(v, "f4")) for k, v in w.get(name, {}).items()}
        cur = list(apply(cls, cfg, p, x, False, None).shape[1:])
    return w

def make(case, path):
    shp, cut, layers = CASES[case]
    rng = np.random.default_rng(len(case) * 7 + 1)
    w = {}
    for name, ws in shapes(case).items():
        w[name] = {}
        for k, s in ws.items():
            a = rng.normal(size=s) / np.sqrt(max(np.prod(s[:-1]), 1))
            if k == "moving_variance":
                a = rng.uniform(0.5, 2, size=s)
            if k == "gamma":
                a = 1 + rng.normal(size=s) / 4
            w[name][k] = a.astype("f4")
    save(path, shp, layers, w)
    return w

def tf_pad(n, k, s, d, mode):
    keff = (k - 1) * d + 1
    if mode == "same":
        out = -(-n // s)
        t = max((out - 1) * s + keff - n, 0)
        return t // 2, t - t // 2
    if mode == "causal":
        return keff - 1, 0
    return 0, 0

def ncl(x, r):   # channels last -> channels first
    return x.permute(0, r + 1, *range(1, r + 1))

def nlc(x, r):
    return x.permute(0, *range(2, r + 2), 1)

ACT = {"linear": lambda z: z, "relu": torch.relu, "tanh": torch.tanh, "elu": F.elu,
       "sigmoid": torch.sigmoid, "softmax": lambda z: torch.softmax(z, -1)}

def padded(x, r, k, s, d, mode, value=0.0):
    pads = []
    for a in reversed(range(r)):
        pads += list(tf_pad(x.shape[2 + a], k[a], s[a], d[a], mode))
    return F.pad(x, pads, value=value)

def apply(cls, cfg, p, x, train_bn, stats):
    r = 2 if "2D" in cls else 1
    if cls in ("Conv1D", "Conv2D"):
        k, s = cfg["kernel_size"], cfg.get("strides", [1] * r)
        d = cfg.get("dilation_rate", [1] * r)
        xc = padded(ncl(x, r), r, k, s, d, cfg.get("padding", "valid"))
        W = p["kernel"].permute(r + 1, r, *range(r))
        f = F.conv2d if r == 2 else F.conv1d
        return ACT[cfg["activation"]](nlc(f(xc, W, p["bias"], stride=s, dilation=d), r))
    if cls in ("Conv1DTranspose", "Conv2DTranspose"):
        k, s = cfg["kernel_size"], cfg.get("strides", [1] * r)
        d = cfg.get("dilation_rate", [1] * r)
        W = p["kernel"].permute(r + 1, r, *range(r))     # (in, out, k...)
        f = F.conv_transpose2d if r == 2 else F.conv_transpose1d
        full = f(ncl(x, r), W, None, stride=s, dilation=d)
        for a in range(r):     # Keras' output length, TensorFlow's crop
            n, keff = x.shape[1 + a], (k[a] - 1) * d[a] + 1
            out = n * s[a] if cfg["padding"] == "same" else (n - 1) * s[a] + max(keff, s[a])
            t = (n - 1) * s[a] + keff - out
            b = t // 2 if cfg["padding"] == "same" and t > 0 else 0
            if full.shape[2 + a] < b + out:
                pad = [0, 0] * (r - 1 - a) + [0, b + out - full.shape[2 + a]]
                full = F.pad(full, pad)
            full = full.narrow(2 + a, b, out)
        y = nlc(full, r) + p["bias"]
        return ACT[cfg["activation"]](y)
    if "Global" in cls:
        xs = x.reshape(x.shape[0], -1, x.shape[-1])
        return xs.mean(1) if "Average" in cls else xs.max(1).values
    if "Pooling" in cls:
        k = cfg["pool_size"]
        s = cfg.get("strides") or k
        xc, mode = ncl(x, r), cfg.get("padding", "valid")
        if "Max" in cls:
            y = (F.max_pool2d if r == 2 else F.max_pool1d)(
                padded(xc, r, k, s, [1] * r, mode, -np.inf), k, s)
        else:
            ap = F.avg_pool2d if r == 2 else F.avg_pool1d
            y = ap(padded(xc, r, k, s, [1] * r, mode), k, s) / \
                ap(padded(torch.ones_like(xc), r, k, s, [1] * r, mode), k, s)
        return nlc(y, r)
    if cls.startswith("UpSampling"):
        size = cfg["size"] if r == 2 else [cfg["size"]]
        for a in range(r):
            x = x.repeat_interleave(size[a], dim=1 + a)
        return x
    if cls == "Dense":
        return ACT[cfg["activation"]](x @ p["kernel"] + p["bias"])
    if cls == "Activation":
        return ACT[cfg["activation"]](x)
    if cls == "Flatten":
        return x.reshape(x.shape[0], -1)
    if cls == "Reshape":
        return x.reshape([x.shape[0]] + cfg["target_shape"])
    if cls == "BatchNormalization":
        eps, c = cfg.get("epsilon", 1e-3), x.shape[-1]
        g = p.get("gamma", torch.ones(c))
        if train_bn:
            xs = x.reshape(-1, c)
            if stats is not None:
                stats.append((xs.mean(0).detach().numpy(), xs.var(0, unbiased=False).detach().numpy()))
            y = F.batch_norm(xs, None, None, g, p["beta"], training=True, eps=eps)
            return y.reshape(x.shape)
        return (x - p["moving_mean"]) / torch.sqrt(p["moving_variance"] + eps) * g + p["beta"]
    if cls == "Embedding":
        return p["embeddings"][x.long()]
    raise ValueError(cls)

def torch_train(case, w, x, y, opt, lr, steps, bn_train=False):
    shp, cut, layers = CASES[case]
    frozen = {"f"} if cut == "f" else set()
    p = {l: {n: torch.tensor(a, requires_grad=l not in frozen and n[:6] != "moving")
             for n, a in v.items()} for l, v in w.items()}
    params = [t for l, v in p.items() for t in v.values() if t.requires_grad]
    o = (torch.optim.SGD(params, lr=lr) if opt == "sgd" else torch.optim.Adam(params, lr=lr))
    for t in range(1, steps + 1):
        if opt == "adam":   # Keras' epsilon outside the bias correction (see t0850)
            o.param_groups[0]["eps"] = 1e-7 / np.sqrt(1 - 0.999 ** t)
        o.zero_grad()
        h, stats = torch.tensor(x), []
        for name, cls, cfg in layers:
            h = apply(cls, cfg, p.get(name, {}), h, bn_train, stats)
        L = F.cross_entropy(torch.log(h), torch.tensor(y))
        L.backward()
        o.step()
        it = iter(stats)
        for name, cls, cfg in layers:   # Keras 3's moving statistics, by hand
            if cls == "BatchNormalization" and bn_train:
                mu, var = next(it)
                m = cfg.get("momentum", 0.99)
                with torch.no_grad():
                    p[name]["moving_mean"].copy_(torch.tensor(p[name]["moving_mean"].numpy() * m + mu * (1 - m)))
                    p[name]["moving_variance"].copy_(torch.tensor(p[name]["moving_variance"].numpy() * m + var * (1 - m)))
    return {l: {n: t.detach().numpy() for n, t in v.items()} for l, v in p.items()}

def weights(path, like):
    f = h5py.File(path, "r")
    return {l: {n: f["model_weights/%s/%s/%s:0" % (l, l, n)][()] for n in v}
            for l, v in like.items()}

def compare(case, got, want, before, tol, bn_train=False):
    cut = CASES[case][1]
    for l in want:
        for n in want[l]:
            g, t, b = got[l][n], want[l][n], before[l][n]
            scale = np.abs(t).max()
            err = np.abs(g.astype(np.float64) - t).max() / scale
            moved = np.abs(t - b).max() / scale
            assert err <= tol, (case, l, n, err)
            frozen = (l == "f" and cut == "f") or (n[:6] == "moving" and not bn_train)
            # a bias right before a batch-normalised channel has no gradient
            still = bn_train and (l, n) == ("c1", "bias")
            assert (g == b).all() if frozen else still or moved > 1e-3, (case, l, n, moved)
PYEOF

# runs: name case optimizer lr steps --bn-train
cat >runs.txt <<'EOF'
sgd_conv2d conv2d sgd 0.5 1
sgd_conv1d conv1d sgd 0.5 1
sgd_tconv tconv sgd 0.5 1
sgd_tconv1d tconv1d sgd 0.5 1
sgd_pool2d pool2d sgd 0.5 1
sgd_pool1d pool1d sgd 0.5 1
sgd_upsample upsample sgd 0.5 1
sgd_bn bn sgd 0.5 1
sgd_embed embed sgd 0.5 1
adam_conv2d conv2d adam 0.01 10
adam_tconv tconv adam 0.01 10
adam_bn bn adam 0.01 10
bntrain_bn bn sgd 0.1 3 --bn-train
EOF

test_expect_success 'models, data and PyTorch references (one process)' '
	$PY - <<-\PYEOF
	import numpy as np, ref
	for case, (shp, cut, layers) in ref.CASES.items():
	    w = ref.make(case, case + ".h5")
	    r = np.random.default_rng(11)
	    x = (r.integers(0, 10, size=[12] + shp) if case == "embed" else
	         r.normal(size=[12] + shp)).astype("f4")
	    y = r.integers(0, 3, 12)
	    np.save(case + "_x.npy", x); np.save(case + "_y.npy", y)
	for line in open("runs.txt"):
	    run, case, opt, lr, steps, *bn = line.split()
	    x = np.load(case + "_x.npy"); y = np.load(case + "_y.npy")
	    w0 = ref.weights(case + ".h5", ref.shapes(case))
	    want = ref.torch_train(case, w0, x, y, opt, float(lr), int(steps), bool(bn))
	    np.savez("want_%s.npz" % run, **{l + "/" + n: a for l, v in want.items()
	                                   for n, a in v.items()})
	PYEOF
'

while read run case opt lr steps bn; do
	test_expect_success "li-finetune: $run" "
		li-finetune -q $case.h5 --at \$(test $case = conv2d && echo f || echo x) \
			${case}_x.npy ${case}_y.npy --optimizer $opt --lr $lr --epochs $steps \
			--batch 12 --no-shuffle $bn -o $run.h5
	"
done <runs.txt

test_expect_success 'every tuned parameter as PyTorch: SGD 1e-5, Adam 1e-4' '
	$PY - <<-\PYEOF
	import numpy as np, ref
	for line in open("runs.txt"):
	    run, case, opt, lr, steps, *bn = line.split()
	    w0 = ref.weights(case + ".h5", ref.shapes(case))
	    z = np.load("want_%s.npz" % run)
	    want = {l: {n: z[l + "/" + n] for n in v} for l, v in w0.items()}
	    ref.compare(case, ref.weights(run + ".h5", w0), want, w0,
	                1e-5 if opt == "sgd" else 1e-4, bool(bn))
	    print("ok", run)
	PYEOF
'

test_expect_success 'refused before any work: grouped, channels_first, bilinear, an Embedding after another layer; an id outside the table' '
	$PY - <<-\PYEOF &&
	import numpy as np, ref
	from kerash5 import save
	r = np.random.default_rng(1)
	out = ("out", "Dense", {"units": 3, "activation": "softmax"})
	ow = lambda n: {"kernel": r.normal(size=(n, 3)), "bias": np.zeros(3)}
	save("grp.h5", [4, 4, 2], [("c", "Conv2D", ref.conv(2, [3, 3], groups=2)),
	     ("fl", "Flatten", {}), out], {"c": {"kernel": r.normal(size=(3, 3, 1, 2)),
	     "bias": np.zeros(2)}, "out": ow(8)})
	save("cf.h5", [2, 4, 4], [("c", "Conv2D", ref.conv(2, [3, 3], data_format="channels_first")),
	     ("fl", "Flatten", {}), out], {"c": {"kernel": r.normal(size=(3, 3, 2, 2)),
	     "bias": np.zeros(2)}, "out": ow(8)})
	save("bil.h5", [2, 2, 2], [("u", "UpSampling2D", {"size": [2, 2], "interpolation": "bilinear"}),
	     ("fl", "Flatten", {}), out], {"out": ow(32)})
	save("emb2.h5", [5], [("d", "Dense", {"units": 5, "activation": "relu"}),
	     ("e", "Embedding", {"input_dim": 10, "output_dim": 2}), ("fl", "Flatten", {}), out],
	     {"d": {"kernel": r.normal(size=(5, 5)), "bias": np.zeros(5)},
	      "e": {"embeddings": r.normal(size=(10, 2))}, "out": ow(10)})
	x = np.load("embed_x.npy"); x[3, 2] = 10; np.save("ids_bad.npy", x)
	PYEOF
	expect_err "li-finetune: error: grp.h5: layer '"'c'"' (Conv2D) has groups > 1, which cannot be trained" \
		li-finetune grp.h5 --at x conv2d_x.npy conv2d_y.npy -o o.h5 &&
	expect_err "li-finetune: error: cf.h5: layer '"'c'"' (Conv2D) is channels_first, which cannot be trained" \
		li-finetune cf.h5 --at x conv2d_x.npy conv2d_y.npy -o o.h5 &&
	expect_err "li-finetune: error: bil.h5: layer '"'u'"' (UpSampling2D) has a bilinear interpolation, which cannot be trained" \
		li-finetune bil.h5 --at x conv2d_x.npy conv2d_y.npy -o o.h5 &&
	expect_err "li-finetune: error: emb2.h5: layer '"'e'"' (Embedding) is not the first layer after the cut: nothing trains through an Embedding'"'"'s ids" \
		li-finetune emb2.h5 --at x embed_x.npy embed_y.npy -o o.h5 &&
	expect_err "li-finetune: error: embed.h5: layer '"'e'"' (Embedding): id 10 is outside [0, 10)" \
		li-finetune embed.h5 --at x ids_bad.npy embed_y.npy -o o.h5 &&
	test ! -e o.h5
'

test_done
