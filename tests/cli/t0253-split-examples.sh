#!/usr/bin/env bash
# The README's and man page's li-split examples, on a small Functional model made here with
# h5py in tf.keras 2.4 layout (no TF.js or fixtures needed); the edge cuts (after the
# input: the head is the input alone; after the output: the tail is its input alone);
# class names go with the tail.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/split-lib.sh"

test_expect_success 'a model for the examples' '
	$PY - <<-\PYEOF
	import json, h5py, numpy as np
	rng = np.random.default_rng(7)
	dims, names = [6, 5, 4, 3], ["dense", "dense_1", "dense_2"]
	layers = [{"name": "x", "class_name": "InputLayer", "inbound_nodes": [],
	           "config": {"name": "x", "batch_input_shape": [None, 6]}}]
	prev = "x"
	for n, u in zip(names, dims[1:]):
	    layers.append({"name": n, "class_name": "Dense", "inbound_nodes": [[[prev, 0, 0, {}]]],
	                   "config": {"name": n, "units": u, "activation": "tanh", "use_bias": True}})
	    prev = n
	cfg = {"class_name": "Functional", "config": {"name": "m", "layers": layers,
	       "input_layers": [["x", 0, 0]], "output_layers": [[prev, 0, 0]]}}
	with h5py.File("model.h5", "w") as f:
	    f.attrs["keras_version"] = "2.4.0"; f.attrs["backend"] = "tensorflow"
	    f.attrs["model_config"] = np.bytes_(json.dumps(cfg).encode())
	    f.attrs["li_class_names"] = json.dumps(["a", "b", "c"])
	    g = f.create_group("model_weights")
	    g.attrs["layer_names"] = np.array([b"x"] + [n.encode() for n in names])
	    g.create_group("x").attrs["weight_names"] = np.zeros((0,))
	    W = {}
	    for n, a, b in zip(names, dims, dims[1:]):
	        lg = g.create_group(n)
	        lg.attrs["weight_names"] = np.array([(n + "/kernel:0").encode(), (n + "/bias:0").encode()])
	        W[n] = (rng.normal(size=(a, b)).astype("f4"), rng.normal(size=b).astype("f4"))
	        lg.create_dataset(n + "/kernel:0", data=W[n][0])
	        lg.create_dataset(n + "/bias:0", data=W[n][1])
	x = rng.normal(size=(9, 6)).astype("f4")
	np.save("x.npy", x)
	h = x.astype("f8")
	for n in names:
	    h = np.tanh(h @ W[n][0] + W[n][1])
	np.save("ref.npy", h)
	PYEOF
'

test_expect_success 'li-split model.h5 --at dense_1, then head | tail is the model' '
	li-split model.h5 --at dense_1 &&
	test -f model.head.h5 && test -f model.tail.h5 &&
	li-embed -q model.head.h5 x.npy | li-propagate -q model.tail.h5 -o y.npy &&
	$PY -c "
import numpy as np
y, r = np.load(\"y.npy\"), np.load(\"ref.npy\")
assert np.allclose(y, r, rtol=1e-5, atol=1e-6), np.abs(y - r).max()" &&
	li-propagate -q model.h5 x.npy -o whole.npy && cmp y.npy whole.npy &&
	layout_check model.head.h5 "" && layout_check model.tail.h5 ""
'

test_expect_success 'the parts are Sequential; the tail keeps the class names' '
	$PY - <<-\PYEOF
	import h5py, json
	h, t = h5py.File("model.head.h5", "r"), h5py.File("model.tail.h5", "r")
	ch, ct = json.loads(h.attrs["model_config"]), json.loads(t.attrs["model_config"])
	assert ch["class_name"] == ct["class_name"] == "Sequential"
	assert [l["config"]["name"] for l in ch["config"]["layers"]] == ["x", "dense", "dense_1"]
	assert [l["config"]["name"] for l in ct["config"]["layers"]] == ["dense_1_input", "dense_2"]
	assert ct["config"]["layers"][0]["config"]["batch_input_shape"] == [None, 4]
	assert "li_class_names" not in h.attrs
	assert json.loads(t.attrs["li_class_names"]) == ["a", "b", "c"]
	PYEOF
'

test_expect_success 'every cut, the edges included: after the input and after the output' '
	split_all model.h5 x.npy && grep -q "model.h5 4" cuts.txt &&
	li-split -q model.h5 --at x --head h0.h5 --tail t0.h5 &&
	li-split -q model.h5 --at dense_2 --head h3.h5 --tail t3.h5 &&
	li-propagate -q model.h5 x.npy -o whole.npy &&
	li-propagate -q t0.h5 x.npy -o a.npy && cmp a.npy whole.npy &&
	li-embed -q h3.h5 x.npy -o b.npy && cmp b.npy whole.npy &&
	li-propagate -q t3.h5 whole.npy -o c.npy && cmp c.npy whole.npy &&
	test "$(li-layers h0.h5 | grep -c InputLayer)" = 1 &&
	test "$(li-layers t3.h5 | grep -c "^ ")" = 1
'

test_expect_success 'same input, same bytes' '
	li-split model.h5 --at 2 --head a1.h5 --tail b1.h5 &&
	li-split model.h5 --at 2 --head a2.h5 --tail b2.h5 &&
	cmp a1.h5 a2.h5 && cmp b1.h5 b2.h5 && cmp a1.h5 model.head.h5
'

test_done
