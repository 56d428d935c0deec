#!/usr/bin/env bash
# The examples of li-finetune's man page and doc/finetune.md run on small models (written
# with h5py: a convolution head cut at its Flatten, an MLP cut at row 2), and --latent on
# li-embed's rows at the cut trains the tail as the rows at the input do.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'models, data and a labeled folder' '
	$PY - <<-\PYEOF
	import os, sys
	import numpy as np
	sys.path.insert(0, os.environ["LI_TOP"] + "/tests/tools")
	from kerash5 import save
	r = np.random.default_rng(11)
	dense = lambda u, a: {"units": u, "activation": a, "use_bias": True}
	conv = {"filters": 2, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
	        "activation": "relu", "use_bias": True, "data_format": "channels_last",
	        "dilation_rate": [1, 1]}
	save("cnn.h5", [6, 6, 1], [("c", "Conv2D", conv), ("flatten", "Flatten", {}),
	                           ("d", "Dense", dense(3, "softmax"))],
	     {"c": {"kernel": r.normal(size=(3, 3, 1, 2)), "bias": r.normal(size=2)},
	      "d": {"kernel": r.normal(size=(72, 3)) / 8, "bias": r.normal(size=3)}})
	save("classifier.h5", [6, 6, 1], [("c", "Conv2D", conv), ("flatten", "Flatten", {}),
	                                  ("d", "Dense", dense(3, "softmax"))],
	     {"c": {"kernel": r.normal(size=(3, 3, 1, 2)), "bias": r.normal(size=2)},
	      "d": {"kernel": r.normal(size=(72, 3)) / 8, "bias": r.normal(size=3)}})
	save("mlp.h5", [5], [("d1", "Dense", dense(6, "relu")), ("d2", "Dense", dense(4, "tanh")),
	                     ("out", "Dense", dense(3, "softmax"))],
	     {"d1": {"kernel": r.normal(size=(5, 6)), "bias": r.normal(size=6)},
	      "d2": {"kernel": r.normal(size=(6, 4)), "bias": r.normal(size=4)},
	      "out": {"kernel": r.normal(size=(4, 3)), "bias": r.normal(size=3)}})
	os.makedirs("data"); os.makedirs("labeled/current")
	np.save("x.npy", r.normal(size=(30, 6, 6, 1)).astype("f4"))
	np.save("y.npy", r.integers(0, 3, 30))
	np.save("data/x.npy", np.load("x.npy")); np.save("data/y.npy", np.load("y.npy"))
	np.save("labeled/current/samples.npy", r.normal(size=(8, 6, 6, 1)).astype("f4"))
	np.save("labeled/current/labels.npy", r.integers(0, 3, 8))
	open("labeled/current/classes.txt", "w").write("a\nb\nc\n")
	np.save("other.npy", r.normal(size=(4, 6, 6, 1)).astype("f4"))
	np.save("xm.npy", r.normal(size=(20, 5)).astype("f4"))
	np.save("ym.npy", r.integers(0, 3, 20))
	PYEOF
'

test_expect_success 'man page examples' '
	li-finetune -q cnn.h5 --at flatten x.npy y.npy labeled/ --epochs 3 -o tuned.h5 &&
	li-embed -q mlp.h5 xm.npy --at 2 -o z.npy &&
	cp ym.npy y.npy &&
	li-finetune -q mlp.h5 --at 2 --latent z.npy y.npy --optimizer sgd --lr 0.1 -o t.h5 &&
	li-layers tuned.h5 >/dev/null && li-layers t.h5 >/dev/null
'

test_expect_success 'doc/finetune.md example' '
	li-finetune -q classifier.h5 --at flatten data/x.npy data/y.npy labeled/ \
		--optimizer adam --lr 0.001 --epochs 3 --batch 64 --val-split 0.1 \
		--report tune.json -o tuned.h5 &&
	li-propagate -q tuned.h5 other.npy -o p.npy &&
	$PY -c "import numpy as np; assert np.load(\"p.npy\").shape == (4, 3)"
'

test_expect_success '--latent trains the tail as rows at the input do' '
	li-finetune -q mlp.h5 --at 2 xm.npy ym.npy --optimizer sgd --lr 0.1 -o u.h5 &&
	$PY - <<-\PYEOF
	import h5py, numpy as np
	a, b = h5py.File("t.h5", "r"), h5py.File("u.h5", "r")
	for k in ("kernel", "bias"):
	    x, y = a["model_weights/out/out/%s:0" % k][()], b["model_weights/out/out/%s:0" % k][()]
	    assert np.abs(x - y).max() <= 1e-6 * np.abs(y).max(), (x, y)
	PYEOF
'

test_done
