#!/usr/bin/env bash
# li-train-lr and li-label read LATENT / SAMPLES in any data format (lib/data.h), and
# li-train-lr reads LABELS from .json/.mat too: the same rows in another format give the
# same probe and the same data set. Files are written with numpy, Python's csv/json
# modules and scipy.io.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'setup: the same latent rows and labels in several formats' '
	$PY - <<-\PYEOF
	import csv, gzip, json
	import numpy as np, scipy.io
	rng = np.random.default_rng(3)
	y = np.arange(60) % 3
	x = (rng.integers(-40, 40, size=(60, 4)) / 8 + y[:, None] * 2).astype("f4")
	np.save("x.npy", x); np.save("y.npy", y.astype("i8"))
	with open("x.csv", "w", newline="") as f:
	    csv.writer(f).writerows(x.tolist())
	json.dump(x.tolist(), open("x.json", "w"))
	json.dump(y.tolist(), open("y.json", "w"))
	scipy.io.savemat("x.mat", {"x": x.astype("f8")})
	scipy.io.savemat("y.mat", {"y": y.reshape(-1, 1).astype("f8")})
	open("x.csv.gz", "wb").write(gzip.compress(open("x.csv", "rb").read()))
	PYEOF
'

test_expect_success 'li-train-lr: LATENT as .csv, .json, .mat, .csv.gz gives the same probe' '
	li-train-lr -q --seed 1 x.npy y.npy -o want.h5 &&
	li-propagate -q want.h5 x.npy -o want.npy &&
	for f in x.csv x.json x.mat x.csv.gz; do
		li-train-lr -q --seed 1 $f y.npy -o got.h5 &&
		li-propagate -q got.h5 x.npy -o got.npy && cmp want.npy got.npy || { echo "$f"; exit 1; }
	done
'

test_expect_success 'li-train-lr: LABELS as .json and .mat' '
	li-propagate -q want.h5 x.npy -o want.npy &&
	for f in y.json y.mat; do
		li-train-lr -q --seed 1 x.npy $f -o got.h5 &&
		li-propagate -q got.h5 x.npy -o got.npy && cmp want.npy got.npy || { echo "$f"; exit 1; }
	done
'

test_expect_success 'li-label --x in any format adds the same samples as the .npy' '
	li-label -q a --x x.npy --labels y.npy &&
	li-label -q b --x x.csv --labels y.npy &&
	li-label -q c --x x.json --labels y.npy &&
	li-label -q d --x - --labels y.npy <x.csv.gz &&
	li-label -q e --x - --labels y.npy <x.npy &&
	for d in b c d e; do
		cmp a/current/samples.npy $d/current/samples.npy &&
		cmp a/current/labels.npy $d/current/labels.npy || { echo "$d"; exit 1; }
	done &&
	li-label -q b --x x.mat --label extra &&
	$PY -c "
import numpy as np
s = np.load(\"b/current/samples.npy\"); x = np.load(\"x.npy\")
assert s.shape == (120, 4) and np.array_equal(s[60:], x)"
'

test_expect_success 'li-label --x: a shape or dtype that does not fit is still refused' '
	$PY -c "import numpy as np; np.save(\"x3.npy\", np.zeros((2, 3), \"f4\"))" &&
	li-convert x3.npy -o x3.json &&
	must_fail 1 li-label a --x x3.json --label z 2>err &&
	test $(wc -l <err) -eq 1 && grep -q "^li-label: error: a: samples have rows of shape (3,)" err
'

test_done
