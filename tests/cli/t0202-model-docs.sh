#!/usr/bin/env bash
# The examples of doc/models.md's first section run as written, on small models made here
# with h5py (tf.keras 2.4 layout); the OpenBLAS note; --threads.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'models for the examples' '
	$PY - <<-\PYEOF
	import json, h5py, numpy as np
	rng = np.random.default_rng(5)
	def save(path, dims, names, classes=None):
	    layers = [{"name": "x", "class_name": "InputLayer", "inbound_nodes": [],
	               "config": {"name": "x", "batch_input_shape": [None, dims[0]]}}]
	    prev = "x"
	    for n, u in zip(names, dims[1:]):
	        layers.append({"name": n, "class_name": "Dense", "inbound_nodes": [[[prev, 0, 0, {}]]],
	                       "config": {"name": n, "units": u, "activation": "relu",
	                                  "use_bias": True}})
	        prev = n
	    cfg = {"class_name": "Functional", "config": {"name": "m", "layers": layers,
	           "input_layers": [["x", 0, 0]], "output_layers": [[prev, 0, 0]]}}
	    with h5py.File(path, "w") as f:
	        f.attrs["keras_version"] = "2.4.0"; f.attrs["backend"] = "tensorflow"
	        f.attrs["model_config"] = np.bytes_(json.dumps(cfg).encode())
	        if classes:
	            f.attrs["li_class_names"] = json.dumps(classes)
	        g = f.create_group("model_weights")
	        g.attrs["layer_names"] = np.array([b"x"] + [n.encode() for n in names])
	        g.create_group("x").attrs["weight_names"] = np.zeros((0,))
	        for n, a, b in zip(names, dims, dims[1:]):
	            lg = g.create_group(n)
	            lg.attrs["weight_names"] = np.array([(n + "/kernel:0").encode(),
	                                                 (n + "/bias:0").encode()])
	            lg.create_dataset(n + "/kernel:0", data=rng.normal(size=(a, b)).astype("f4"))
	            lg.create_dataset(n + "/bias:0", data=rng.normal(size=b).astype("f4"))
	save("model.h5", [6, 5, 4, 3], ["dense", "dense_1", "dense_2"])
	save("probe.h5", [4, 3], ["probe"], ["cat", "dog", "not a number"])
	np.save("x.npy", rng.normal(size=(9, 6)).astype("f4"))
	PYEOF
'

test_expect_success 'the doc/models.md examples run as written' '
	sed -n "/^# Models/,/^Rows stream/p" "$LI_TOP/doc/models.md" |
		sed -n "s/^    \(li-.*\)/\1/p" | sed "s/ *#.*//" >examples.sh &&
	test $(wc -l <examples.sh) -eq 4 &&
	bash -e examples.sh >stdout.txt 2>stderr.txt &&
	test -s latent.npy && test -s y.npy &&
	li-embed -q model.h5 x.npy -o whole.npy && cmp whole.npy y.npy &&
	test "$(grep -c "^    [0-3]  " stdout.txt)" = 4 &&
	$PY -c "
import numpy as np
z = np.load(\"latent.npy\"); assert z.shape == (9, 4), z.shape
names = open(\"stdout.txt\").read().split(\"\\n\")
assert [n for n in names if n in (\"cat\", \"dog\", \"not a number\")] == [n for n in names[-10:] if n], names"
'

test_expect_success '--at takes an index or a name' '
	li-layers -q --json model.h5 >m.json &&
	li-embed -q model.h5 x.npy --at 2 -o a.npy && li-embed -q model.h5 x.npy --at dense_1 -o b.npy &&
	cmp a.npy b.npy
'

# Which kernel the note suggests (from the CPU's flags) is test_blasinfo's; here: a kernel
# chosen in the environment is the user's choice, so no note, even for a generic one.
# Prescott's sums against the default kernel's (whole.npy): within float32 rounding.
test_expect_success 'no note when OPENBLAS_CORETYPE is set, even to a generic kernel; --threads' '
	OPENBLAS_CORETYPE=Prescott li-embed model.h5 x.npy -o a.npy 2>err && test ! -s err &&
	OPENBLAS_CORETYPE=Prescott li-propagate model.h5 x.npy -o b.npy 2>err && test ! -s err &&
	cmp a.npy b.npy && npy_close a.npy whole.npy &&
	li-embed -q --threads 1 model.h5 x.npy -o c.npy && li-embed -q model.h5 x.npy -o d.npy &&
	cmp c.npy d.npy &&
	must_fail 2 li-embed --threads 0 model.h5 x.npy 2>/dev/null
'

test_done
