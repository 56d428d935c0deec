#!/usr/bin/env bash
# li-finetune as a program: same seed, same bytes (shuffled batches and Dropout); another
# seed, other bytes; several sources mix as one (two files = their concatenation, a labeled
# data-set folder = its DATA LABELS); the tuned model is a model li-embed runs, computing
# what numpy computes from its weights (read with h5py), and as a .keras file one that
# tests/tools/keras3_reader.py reads alike; rows stream (peak memory flat in the rows); the
# report; and bad input, each one error line and no output file.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'models and data' '
	$PY - <<-\PYEOF
	import json, os, sys
	import h5py, numpy as np
	sys.path.insert(0, os.environ["LI_TOP"] + "/tests/tools")
	from kerash5 import save
	r = np.random.default_rng(5)
	dense = lambda u, a: {"units": u, "activation": a, "use_bias": True}
	w = {"f": {"kernel": r.normal(size=(6, 7)), "bias": r.normal(size=7)},
	     "h": {"kernel": r.normal(size=(7, 3)), "bias": r.normal(size=3)}}
	save("m.h5", [6], [("f", "Dense", dense(7, "relu")), ("dr", "Dropout", {"rate": 0.5}),
	                   ("h", "Dense", dense(3, "softmax"))], w)
	save("noise.h5", [6], [("f", "Dense", dense(7, "relu")),
	                       ("n", "GaussianNoise", {"stddev": 0.1}),
	                       ("h", "Dense", dense(3, "softmax"))], w)
	# a branch: f feeds both g and the Add, so a cut at g is not a split point
	save("br.h5", [6], [("f", "Dense", dense(7, "relu")), ("g", "Dense", dense(7, "tanh")),
	                    ("h", "Dense", dense(3, "softmax"))],
	     dict(w, g={"kernel": r.normal(size=(7, 7)), "bias": r.normal(size=7)}))
	f = h5py.File("br.h5", "r+")
	c = json.loads(f.attrs["model_config"])
	ls = c["config"]["layers"]
	ls.insert(3, {"name": "s", "class_name": "Add", "config": {"name": "s"},
	              "inbound_nodes": [[["f", 0, 0, {}], ["g", 0, 0, {}]]]})
	ls[4]["inbound_nodes"] = [[["s", 0, 0, {}]]]
	f.attrs["model_config"] = np.bytes_(json.dumps(c).encode())
	g = f["model_weights"].create_group("s")
	g.attrs["weight_names"] = np.zeros((0,))
	f["model_weights"].attrs["layer_names"] = np.array([b"x", b"f", b"g", b"s", b"h"])
	f.close()
	x = r.normal(size=(60, 6)).astype("f4")
	y = r.integers(0, 3, 60)
	np.save("x.npy", x); np.save("y.npy", y)
	np.save("xa.npy", x[:25]); np.save("ya.npy", y[:25])
	np.save("xb.npy", x[25:]); np.save("yb.npy", y[25:])
	np.save("y59.npy", y[:59])
	y7 = y.copy(); y7[4] = 7; np.save("y7.npy", y7)
	np.save("yw.npy", (y + 1) % 3)  # validation labels that training makes worse
	os.makedirs("set/current")
	np.save("set/current/samples.npy", x); np.save("set/current/labels.npy", y)
	open("set/current/classes.txt", "w").write("a\nb\nc\n")
	PYEOF
'

test_expect_success 'same seed, same bytes; another seed, other bytes' '
	li-finetune -q m.h5 --at f x.npy y.npy --batch 8 --epochs 2 --seed 3 -o a.h5 &&
	li-finetune -q m.h5 --at f x.npy y.npy --batch 8 --epochs 2 --seed 3 -o b.h5 &&
	li-finetune -q m.h5 --at f x.npy y.npy --batch 8 --epochs 2 --seed 4 -o c.h5 &&
	cmp a.h5 b.h5 &&
	! cmp -s a.h5 c.h5
'

test_expect_success 'two sources train as their concatenation; a labeled folder as its files' '
	li-finetune -q m.h5 --at f xa.npy ya.npy xb.npy yb.npy --no-shuffle --batch 7 -o two.h5 &&
	li-finetune -q m.h5 --at f x.npy y.npy --no-shuffle --batch 7 -o one.h5 &&
	li-finetune -q m.h5 --at f set --no-shuffle --batch 7 -o set.h5 &&
	cmp one.h5 two.h5 &&
	cmp one.h5 set.h5
'

test_expect_success 'li-embed runs the tuned model as numpy computes it from its weights' '
	li-embed -q a.h5 x.npy -o p.npy &&
	$PY - <<-\PYEOF
	import h5py, numpy as np
	f = h5py.File("a.h5", "r")
	w = lambda l, n: f["model_weights/%s/%s/%s:0" % (l, l, n)][()].astype(np.float64)
	x = np.load("x.npy").astype(np.float64)
	a = np.maximum(x @ w("f", "kernel") + w("f", "bias"), 0)
	z = a @ w("h", "kernel") + w("h", "bias")
	e = np.exp(z - z.max(1, keepdims=True)); p = e / e.sum(1, keepdims=True)
	got = np.load("p.npy")
	assert np.abs(got - p).max() <= 1e-5, np.abs(got - p).max()
	# the head is the original one; the tail changed
	g = h5py.File("m.h5", "r")["model_weights"]
	assert (f["model_weights/f/f/kernel:0"][()] == g["f/f/kernel:0"][()]).all()
	assert not (f["model_weights/h/h/kernel:0"][()] == g["h/h/kernel:0"][()]).all()
	PYEOF
'

test_expect_success '-o TUNED.keras: the same weights as a Keras 3 file, read back by an independent reader and li-embed' '
	li-finetune -q m.h5 --at f x.npy y.npy --batch 8 --epochs 2 --seed 3 -o a.keras &&
	$PY "$LI_TOP/tests/tools/keras3_reader.py" a.keras x.npy pk.npy &&
	li-embed -q a.keras x.npy -o pe.npy &&
	npy_close pk.npy p.npy &&
	cmp pe.npy p.npy
'

test_expect_success 'rows stream: peak memory at 2000 and at 40000 rows of 300 values differs by less than 12 MB' '
	$PY - <<-\PYEOF &&
	import os, sys
	import numpy as np
	sys.path.insert(0, os.environ["LI_TOP"] + "/tests/tools")
	from kerash5 import save
	r = np.random.default_rng(8)
	dense = lambda u, a: {"units": u, "activation": a, "use_bias": True}
	save("wide.h5", [300], [("f", "Dense", dense(8, "relu")), ("h", "Dense", dense(3, "softmax"))],
	     {"f": {"kernel": r.normal(size=(300, 8)) / 17, "bias": np.zeros(8)},
	      "h": {"kernel": r.normal(size=(8, 3)), "bias": np.zeros(3)}})
	x = r.random((40000, 300), dtype=np.float32)   # 48 MB of rows
	np.save("xl.npy", x); np.save("yl.npy", r.integers(0, 3, 40000))
	np.save("xs.npy", x[:2000]); np.save("ys.npy", r.integers(0, 3, 2000))
	PYEOF
	/usr/bin/time -f "%M" -o rss_s li-finetune -q wide.h5 --at f xs.npy ys.npy --batch 256 -o ws.h5 &&
	/usr/bin/time -f "%M" -o rss_l li-finetune -q wide.h5 --at f xl.npy yl.npy --batch 256 -o wl.h5 &&
	# (ASan keeps freed memory in quarantine: its peaks say nothing about streaming)
	if [ -z "${LI_SANITIZED:-}" ]; then
		test $(( $(tail -1 rss_l) - $(tail -1 rss_s) )) -lt 12000
	fi
'

test_expect_success 'report: loss and accuracy per epoch; --patience stops' '
	li-finetune -q m.h5 --at f x.npy y.npy --epochs 3 --val-split 0.25 --report r.json -o r.h5 &&
	li-finetune -q m.h5 --at f x.npy y.npy --epochs 50 --lr 0.5 --optimizer sgd \
		--val x.npy yw.npy --patience 1 --report s.json -o s.h5 &&
	$PY - <<-\PYEOF
	import json
	r = json.load(open("r.json"))
	assert r["loss"] == "sparse_categorical_crossentropy" and r["steps"] == 3 * 2, r
	assert [e["epoch"] for e in r["epochs"]] == [1, 2, 3], r
	assert all(0 <= e["val_accuracy"] <= 1 and e["val_loss"] > 0 for e in r["epochs"]), r
	s = json.load(open("s.json"))
	assert 2 <= len(s["epochs"]) < 50, len(s["epochs"])
	PYEOF
'

test_expect_success 'bad input: one error line, no output' '
	expect_err "li-finetune: error: br.h5: cannot cut after '"'g'"': '"'f'"' also cross the cut" \
		li-finetune br.h5 --at g x.npy y.npy -o o.h5 &&
	expect_err "li-finetune: error: y59.npy: 59 labels for 60 rows" \
		li-finetune m.h5 --at f x.npy y59.npy -o o.h5 &&
	expect_err "li-finetune: error: m.h5: a label is out of range for the output'"'"'s classes" \
		li-finetune m.h5 --at f x.npy y7.npy -o o.h5 &&
	expect_err "li-finetune: error: noise.h5: layer '"'n'"' (GaussianNoise) cannot be trained: li-finetune trains Dense, Conv1D/2D, Conv1D/2DTranspose, pooling, UpSampling1D/2D, BatchNormalization, Embedding, Activation, Dropout, Flatten and Reshape after the cut" \
		li-finetune noise.h5 --at f x.npy y.npy -o o.h5 &&
	must_fail 1 li-finetune m.h5 --at f x.npy y.npy --optimizer sgd --lr 1e38 --batch 60 \
		--epochs 20 -o o.h5 2>err &&
	test $(wc -l <err) -eq 1 &&
	grep -q "^li-finetune: error: m.h5: training diverged at step [0-9]*: the loss or the weights are no longer finite (try a smaller --lr)$" err &&
	must_fail 1 li-finetune m.h5 --at f x.npy y.npy -o nodir/o.h5 2>err &&
	test $(wc -l <err) -eq 1 &&
	must_fail 2 li-finetune m.h5 x.npy y.npy -o o.h5 2>/dev/null &&
	must_fail 2 li-finetune m.h5 --at f x.npy -o o.h5 2>/dev/null &&
	must_fail 2 li-finetune m.h5 --at f x.npy y.npy --optimizer rmsprop -o o.h5 2>/dev/null &&
	test ! -e o.h5 && test ! -e nodir
'

# Dropout by hand: masks from xoshiro256** seeded by splitmix64 (lib/rng.h's published
# algorithms, written here in Python), stream (seed + 0x9e3779b97f4a7c15 (k + 1),
# step << 32 ^ row) for the k-th layer after the cut, keep where u >= rate, scale
# 1 / (1 - rate); the gradient of one SGD step in numpy.
test_expect_success 'Dropout: one SGD step as numpy computes it with the documented masks' '
	li-finetune -q m.h5 --at f x.npy y.npy --optimizer sgd --lr 0.5 --batch 60 \
		--no-shuffle --seed 9 -o d.h5 &&
	$PY - <<-\PYEOF
	import h5py, numpy as np
	M = (1 << 64) - 1
	def splitmix(x):
	    x = (x + 0x9e3779b97f4a7c15) & M
	    z = x
	    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
	    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
	    return x, z ^ (z >> 31)
	def stream(seed, st):
	    x, a = splitmix(seed & M)
	    _, b = splitmix(a ^ ((st * 0xd1b54a32d192ed03) & M))
	    s, x = [], b
	    for _ in range(4):
	        x, v = splitmix(x)
	        s.append(v)
	    return s
	rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
	def uniform(s):
	    r = (rotl((s[1] * 5) & M, 7) * 9) & M
	    t = (s[1] << 17) & M
	    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
	    s[3] = rotl(s[3], 45)
	    return (r >> 11) * 2.0 ** -53
	rate, seed = 0.5, 9
	x = np.load("x.npy").astype(np.float64); y = np.load("y.npy")
	mask = np.zeros((60, 7))
	for r in range(60):
	    s = stream(seed + 0x9e3779b97f4a7c15 * 1, (0 << 32) ^ r)
	    mask[r] = [1 / (1 - rate) if uniform(s) >= rate else 0 for _ in range(7)]
	g = h5py.File("m.h5", "r")["model_weights"]
	w = lambda l, n: g["%s/%s/%s:0" % (l, l, n)][()].astype(np.float64)
	a = np.maximum(x @ w("f", "kernel") + w("f", "bias"), 0) * mask
	z = a @ w("h", "kernel") + w("h", "bias")
	p = np.exp(z - z.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
	dz = (p - np.eye(3)[y]) / 60
	k1 = w("h", "kernel") - 0.5 * a.T @ dz
	b1 = w("h", "bias") - 0.5 * dz.sum(0)
	d = h5py.File("d.h5", "r")["model_weights"]
	gk, gb = d["h/h/kernel:0"][()], d["h/h/bias:0"][()]
	assert np.abs(gk - k1).max() <= 1e-5 * np.abs(k1).max(), np.abs(gk - k1).max()
	assert np.abs(gb - b1).max() <= 1e-5 * np.abs(b1).max(), np.abs(gb - b1).max()
	assert 0.3 < (mask == 0).mean() < 0.7
	PYEOF
'

test_expect_success '--help' '
	li-finetune --help >help && grep -q "usage: li-finetune" help
'

test_done
