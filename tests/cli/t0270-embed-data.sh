#!/usr/bin/env bash
# li-embed / li-propagate read data sets in every loader format (lib/data.h): the same
# rows as .csv, .json, .mat, IDX (.gz), a labeled data-set folder give byte for byte what
# the .npy gives; IDX images reshape to the model's 28x28x1 by themselves; --scale and
# --offset compute in float32 as Keras' Rescaling does; --rows/--shard outputs
# concatenated with li-cat equal the whole run. Models are written here with h5py in
# tf.keras 2.4 layout; data files with numpy, Python's csv/json modules, scipy.io and
# gzip.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'models and data' '
	$PY - <<-\PYEOF
	import csv, gzip, json, os, struct
	import h5py, numpy as np, scipy.io
	rng = np.random.default_rng(7)
	import os, sys; sys.path.insert(0, os.environ["LI_TOP"] + "/tests/tools")
	from kerash5 import save
	dense = lambda u, a: {"units": u, "activation": a, "use_bias": True}
	save("m4.h5", [4], [("d1", "Dense", dense(5, "tanh")), ("d2", "Dense", dense(3, "linear"))],
	     {"d1": {"kernel": rng.normal(size=(4, 5)), "bias": rng.normal(size=5)},
	      "d2": {"kernel": rng.normal(size=(5, 3)), "bias": rng.normal(size=3)}})
	kd, bd = rng.normal(size=(784, 4)) / 30, rng.normal(size=4)
	save("img.h5", [28, 28, 1], [("flat", "Flatten", {}), ("d", "Dense", dense(4, "linear"))],
	     {"d": {"kernel": kd, "bias": bd}})
	save("resc.h5", [28, 28, 1], [("r", "Rescaling", {"scale": 1 / 255, "offset": -0.5}),
	                              ("flat", "Flatten", {}), ("d", "Dense", dense(4, "linear"))],
	     {"d": {"kernel": kd, "bias": bd}})
	# rows of a 4-feature data set: exact binary fractions, so every text format is exact
	x = (rng.integers(-64, 64, size=(11, 4)) / 8).astype("f4")
	np.save("x.npy", x)
	with open("x.csv", "w", newline="") as f:
	    w = csv.writer(f); w.writerow(["a", "b", "c", "d"]); w.writerows(x.tolist())
	with open("x.tsv", "w", newline="") as f:
	    csv.writer(f, delimiter="\t").writerows(x.tolist())
	json.dump(x.tolist(), open("x.json", "w"))
	json.dump({"meta": 1, "samples": x.tolist()}, open("xv.json", "w"))
	scipy.io.savemat("x.mat", {"x": x.astype("f8")})
	scipy.io.savemat("xt.mat", {"xt": x.T.astype("f8")})
	scipy.io.savemat("x4.mat", {"x": x.astype("f8")}, format="4")
	# a labeled data-set folder (li-dataset(5)) holding the same rows
	os.makedirs("ds/gen-000001")
	np.save("ds/gen-000001/samples.npy", x)
	np.save("ds/gen-000001/labels.npy", np.arange(11, dtype=np.int64) % 2)
	np.save("ds/gen-000001/origin.npy", np.full((11, 2), np.nan, "f4"))
	open("ds/gen-000001/classes.txt", "w").write("a\nb\n")
	json.dump({"count": 11}, open("ds/gen-000001/meta.json", "w"))
	os.symlink("gen-000001", "ds/current")
	# IDX images (MNIST layout), plain and gzip-compressed
	im = rng.integers(0, 256, size=(9, 28, 28)).astype("u1")
	raw = struct.pack(">BBBB", 0, 0, 8, 3) + struct.pack(">III", 9, 28, 28) + im.tobytes()
	open("im-idx3-ubyte", "wb").write(raw)
	gzip.open("im-idx3-ubyte.gz", "wb").write(raw)
	np.save("im.npy", im.astype("f4").reshape(9, 28, 28, 1))
	np.save("im784.npy", im.astype("f4").reshape(9, 784))
	s, o = np.float32(1 / 255), np.float32(-0.5)
	np.save("im_scaled.npy", (im.astype("f4") * s + o).reshape(9, 28, 28, 1))
	PYEOF
'

test_expect_success 'li-embed on .csv, .tsv, .json, .mat (v5, v4, columns), a folder equals .npy' '
	li-embed -q m4.h5 x.npy -o want.npy &&
	for f in x.csv x.tsv x.json x.mat x4.mat ds; do
		li-embed -q m4.h5 $f -o got.npy && cmp want.npy got.npy || { echo "$f"; exit 1; }
	done &&
	li-embed -q m4.h5 --var samples xv.json -o got.npy && cmp want.npy got.npy &&
	li-embed -q m4.h5 --sample-axis 1 xt.mat -o got.npy && cmp want.npy got.npy &&
	li-embed -q m4.h5 --cols a,b,c,d x.csv -o got.npy && cmp want.npy got.npy &&
	li-embed -q m4.h5 --format csv - <x.csv >got.npy && cmp want.npy got.npy &&
	li-embed -q m4.h5 --at d1 x.csv -o h.npy && li-embed -q m4.h5 --at d1 x.npy -o h2.npy &&
	cmp h.npy h2.npy
'

test_expect_success 'li-propagate reads latents in any format too' '
	li-embed -q m4.h5 --at d1 x.npy -o h.npy &&
	li-convert h.npy -o h.json && li-convert h.npy -o h.csv &&
	li-propagate -q m4.h5 --at d1 h.npy -o want.npy &&
	li-propagate -q m4.h5 --at d1 h.json -o got.npy && cmp want.npy got.npy &&
	li-propagate -q m4.h5 --at d1 h.csv -o got.npy && cmp want.npy got.npy
'

test_expect_success 'IDX (plain and .gz) images reshape to 28x28x1 by themselves' '
	li-embed -q img.h5 im.npy -o want.npy &&
	li-embed -q img.h5 im-idx3-ubyte -o got.npy && cmp want.npy got.npy &&
	li-embed -q img.h5 im-idx3-ubyte.gz -o got.npy && cmp want.npy got.npy &&
	li-embed -q img.h5 im784.npy -o got.npy && cmp want.npy got.npy &&
	li-embed -q img.h5 --reshape 28,-1,1 im-idx3-ubyte.gz -o got.npy && cmp want.npy got.npy
'

test_expect_success '--scale/--offset compute as Keras Rescaling (float32 x * s + o)' '
	li-embed -q img.h5 im_scaled.npy -o want.npy &&
	li-embed -q img.h5 --scale 0.00392156862745098 --offset -0.5 im-idx3-ubyte.gz -o got.npy &&
	cmp want.npy got.npy &&
	li-embed -q resc.h5 im-idx3-ubyte.gz -o got2.npy && cmp want.npy got2.npy
'

# Shards are computed in the batches of the whole run (--batch 2 on both sides), so the
# same GEMMs run on the same shapes and the bytes are equal.
test_expect_success '--rows and --shard: li-cat of the shards is the whole output, byte for byte' '
	li-embed -q --batch 2 m4.h5 x.npy -o all2.npy &&
	li-embed -q m4.h5 x.npy -o all.npy &&
	for n in 1 2 3 4 11 13; do
		parts=
		for i in $(seq 0 $((n - 1))); do
			li-embed -q --batch 2 --shard $i/$n m4.h5 x.npy -o p$i.npy || exit 1
			parts="$parts p$i.npy"
		done
		li-cat $parts -o cat.npy && cmp all2.npy cat.npy || { echo "n=$n"; exit 1; }
	done &&
	li-embed -q --rows 3:7 m4.h5 x.csv -o r.npy &&
	li-embed -q --rows :3 m4.h5 x.csv -o r0.npy && li-embed -q --rows 7: m4.h5 x.npy -o r2.npy &&
	li-cat r0.npy r.npy r2.npy -o cat.npy && cmp all.npy cat.npy &&
	li-embed -q m4.h5 --at d1 x.npy -o h.npy && li-propagate -q m4.h5 --at d1 h.npy -o pall.npy &&
	li-propagate -q --shard 0/3 m4.h5 --at d1 h.npy -o q0.npy &&
	li-propagate -q --shard 1/3 m4.h5 --at d1 h.npy -o q1.npy &&
	li-propagate -q --shard 2/3 m4.h5 --at d1 h.npy -o q2.npy &&
	li-cat q0.npy q1.npy q2.npy -o cat.npy && cmp pall.npy cat.npy &&
	li-propagate -q --argmax --shard 1/2 m4.h5 --at d1 h.npy -o a1.npy &&
	li-propagate -q --argmax --rows 5: m4.h5 --at d1 h.npy -o a2.npy && cmp a1.npy a2.npy
'

test_expect_success 'bad data and options: one line, the right status, no output' '
	must_fail 2 li-embed m4.h5 --shard 0/2 x.csv -o out.npy 2>err && test ! -e out.npy &&
	grep -q "^li-embed: error: --shard and negative --rows need a known row count; convert the input to .npy first\$" err &&
	printf "1,2,3,4\n5,6,x,8\n" >bad.csv &&
	must_fail 1 li-embed m4.h5 bad.csv -o out.npy 2>err && test ! -e out.npy &&
	test $(wc -l <err) -eq 1 && grep -q "^li-embed: error: bad.csv: " err &&
	expect_err "li-embed: error: x.mat: '"'"'x'"'"' takes rows of shape (4,), the data has (11,)" \
		li-embed m4.h5 --sample-axis 1 x.mat -o out.npy && test ! -e out.npy &&
	must_fail 2 li-embed m4.h5 --format nosuch x.npy 2>/dev/null &&
	must_fail 2 li-embed m4.h5 --shard 2/2 x.npy 2>/dev/null &&
	printf "" >empty.npy &&
	must_fail 1 li-embed m4.h5 empty.npy -o out.npy 2>err && test ! -e out.npy &&
	test $(wc -l <err) -eq 1
'

# the last 11 rows came in a batch of 432, x.npy in one of 11: GEMMs of other shapes
test_expect_success 'a 110,000-row csv streams through in batches under a memory limit' '
	limit=400000 &&
	if [ -n "${LI_SANITIZED:-}" ]; then limit=unlimited; fi &&
	$PY -c "
import numpy as np
np.savetxt(\"big.csv\", np.tile(np.load(\"x.npy\"), (10000, 1)), delimiter=\",\", fmt=\"%g\")
" &&
	( ulimit -v $limit; OPENBLAS_NUM_THREADS=1 li-embed -q --threads 1 --batch 512 m4.h5 big.csv -o big.npy ) &&
	li-convert --rows -11: big.npy -o tail.npy &&
	li-embed -q m4.h5 x.npy -o all.npy && npy_close tail.npy all.npy
'

test_done
