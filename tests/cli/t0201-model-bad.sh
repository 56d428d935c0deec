#!/usr/bin/env bash
# Bad models and bad data for li-layers / li-embed / li-propagate: one clear line, the
# right exit status, no crash, no output file. Models are written here with h5py in
# tf.keras 2.4 layout (tests/fixtures/keras/README.md).
. "$(dirname "$0")/../lib.sh"

# mk FILE [kind]: a Functional model x(4) -> dense(2) with a Keras-2 layout, broken as asked
mk() {
	$PY - "$@" <<'PYEOF'
import json, sys
import h5py, numpy as np
path = sys.argv[1]; kind = sys.argv[2] if len(sys.argv) > 2 else "good"
layers = [
    {"name": "x", "class_name": "InputLayer",
     "config": {"batch_input_shape": [None, 4], "dtype": "float32", "name": "x"},
     "inbound_nodes": []},
    {"name": "dense", "class_name": "Dense",
     "config": {"name": "dense", "units": 2, "activation": "linear", "use_bias": True},
     "inbound_nodes": [[["x", 0, 0, {}]]]},
]
if kind == "lambda":
    layers.append({"name": "lam", "class_name": "Lambda", "config": {"name": "lam"},
                   "inbound_nodes": [[["dense", 0, 0, {}]]]})
if kind == "custom":
    layers.append({"name": "foo", "class_name": "MyCustom", "config": {"name": "foo"},
                   "inbound_nodes": [[["dense", 0, 0, {}]]]})
if kind == "dangling":
    layers[1]["inbound_nodes"] = [[["nope", 0, 0, {}]]]
out = layers[-1]["name"]
cfg = {"class_name": "Functional", "config": {"name": "m", "layers": layers,
       "input_layers": [["x", 0, 0]], "output_layers": [[out, 0, 0]]}}
with h5py.File(path, "w") as f:
    f.attrs["keras_version"] = "2.4.0"
    f.attrs["backend"] = "tensorflow"
    text = json.dumps(cfg)
    if kind == "badjson":
        text = text[:40]
    if kind != "noconfig":
        f.attrs["model_config"] = np.bytes_(text.encode())
    g = f.create_group("model_weights")
    names = [l["name"] for l in layers]
    g.attrs["layer_names"] = np.array([n.encode() for n in names], "S8")
    for n in names:
        lg = g.create_group(n)
        if n != "dense":
            lg.attrs["weight_names"] = np.zeros((0,), "float64")
            continue
        lg.attrs["weight_names"] = np.array([b"dense/kernel:0", b"dense/bias:0"], "S16")
        k = np.arange(8, dtype="float32").reshape(4, 2) / 10
        if kind == "shape":
            k = np.zeros((4, 3), "float32")
        if kind != "missing":
            lg.create_dataset("dense/kernel:0", data=k)
        lg.create_dataset("dense/bias:0", data=np.array([0.5, -0.5], "float32"))
PYEOF
}

test_expect_success 'a good model runs (the reference for the broken ones)' '
	mk good.h5 &&
	$PY -c "import numpy as np; np.save(\"x.npy\", np.ones((3, 4), \"float32\"))" &&
	li-embed good.h5 x.npy -o y.npy &&
	$PY -c "
import numpy as np
y = np.load(\"y.npy\"); k = np.arange(8).reshape(4, 2) / 10
assert np.allclose(y, np.ones((3, 4)) @ k + [0.5, -0.5]), y"
'

test_expect_success 'not HDF5 and not JSON' '
	echo hello >bad.txt &&
	expect_err "li-layers: error: bad.txt: neither an HDF5 file nor a TF.js model.json" li-layers bad.txt
'

test_expect_success 'a truncated HDF5 file' '
	head -c 1000 good.h5 >trunc.h5 &&
	expect_err "li-embed: error: trunc.h5: cannot open as HDF5 (damaged file?)" \
		li-embed trunc.h5 x.npy -o out.npy && test ! -e out.npy
'

test_expect_success 'HDF5 without model_config' '
	mk noconfig.h5 noconfig &&
	expect_err "li-layers: error: noconfig.h5: no '"'"'model_config'"'"' attribute (a weights-only file? give its architecture with --config)" \
		li-layers noconfig.h5
'

test_expect_success 'malformed JSON config' '
	mk badjson.h5 badjson &&
	must_fail 1 li-layers badjson.h5 2>err && test $(wc -l <err) -eq 1 &&
	grep -q "^li-layers: error: badjson.h5: '"'"'model_config'"'"' is malformed JSON at line 1: " err
'

test_expect_success 'a weight the file names but does not hold' '
	mk missing.h5 missing &&
	expect_err "li-embed: error: missing.h5: layer '"'"'dense'"'"': weight '"'"'dense/kernel:0'"'"' is missing" \
		li-embed missing.h5 x.npy -o out.npy && test ! -e out.npy
'

test_expect_success 'a weight whose shape disagrees with the config' '
	mk shape.h5 shape &&
	must_fail 1 li-layers shape.h5 2>err && test $(wc -l <err) -eq 1 &&
	grep -q "^li-layers: error: shape.h5: .*dense" err
'

test_expect_success 'a layer that cannot run and an unknown class are named' '
	mk lambda.h5 lambda && mk custom.h5 custom &&
	expect_err "li-embed: error: lambda.h5: layer '"'"'lam'"'"' (Lambda) cannot be run: it holds Python code" \
		li-embed lambda.h5 x.npy -o out.npy && test ! -e out.npy &&
	must_fail 1 li-embed custom.h5 x.npy 2>err && test $(wc -l <err) -eq 1 &&
	grep -q "^li-embed: error: custom.h5: layer '"'"'foo'"'"' (MyCustom)" err
'

test_expect_success 'li-layers lists such layers with a note; the parts before them run' '
	li-layers lambda.h5 >t.txt 2>err &&
	grep -q "^    2  lam    Lambda      unknown" t.txt &&
	test "$(cat err)" = "li-layers: note: layer '"'"'lam'"'"' (Lambda) cannot be run: it holds Python code" &&
	li-layers -q lambda.h5 >/dev/null 2>err && test ! -s err &&
	li-embed lambda.h5 x.npy --at dense -o a.npy && li-embed good.h5 x.npy -o b.npy &&
	cmp a.npy b.npy
'

test_expect_success 'a config reading a layer that does not exist' '
	mk dangling.h5 dangling &&
	expect_err "li-layers: error: dangling.h5: layer '"'"'dense'"'"' reads '"'"'nope'"'"', which is not in the model" \
		li-layers dangling.h5
'

test_expect_success 'data whose shape does not fit the model' '
	$PY -c "import numpy as np; np.save(\"x3.npy\", np.ones((7, 3), \"float32\"))" &&
	expect_err "li-embed: error: x3.npy: '"'"'x'"'"' takes rows of shape (4,), the data has (3,)" \
		li-embed good.h5 x3.npy -o out.npy && test ! -e out.npy &&
	expect_err "li-propagate: error: x3.npy: '"'"'dense'"'"' takes rows of shape (2,), the data has (3,)" \
		li-propagate good.h5 --at dense x3.npy -o out.npy && test ! -e out.npy
'

test_expect_success 'truncated data' '
	head -c 150 x.npy >xt.npy &&
	must_fail 1 li-embed good.h5 xt.npy -o out.npy 2>err && test ! -e out.npy &&
	test $(wc -l <err) -eq 1 && grep -q "^li-embed: error: xt.npy: " err
'

test_expect_success 'TF.js model.json: missing shard, short shard, stray weight' '
	$PY - <<-\PYEOF &&
	import json, numpy as np
	topo = {"class_name": "Sequential", "config": {"name": "s", "layers": [
	    {"class_name": "Dense", "config": {"name": "d", "units": 2, "use_bias": True,
	     "activation": "linear", "batch_input_shape": [None, 3]}}]},
	    "keras_version": "tfjs-layers 4.22.0", "backend": "tensor_flow.js"}
	ws = [{"name": "d/kernel", "shape": [3, 2], "dtype": "float32"},
	      {"name": "d/bias", "shape": [2], "dtype": "float32"}]
	def model(name, weights, shard):
	    json.dump({"format": "layers-model", "modelTopology": topo, "weightsManifest":
	               [{"paths": [shard], "weights": weights}]}, open(name, "w"))
	np.arange(8, dtype="<f4").tofile("w.bin")
	np.arange(7, dtype="<f4").tofile("short.bin")
	model("ok.json", ws, "w.bin")
	model("noshard.json", ws, "absent.bin")
	model("short.json", ws, "short.bin")
	model("stray.json", ws[:1] + [{"name": "e/bias", "shape": [2], "dtype": "float32"}], "w.bin")
	PYEOF
	li-layers ok.json >/dev/null &&
	expect_err "li-layers: error: noshard.json: weight file '"'"'absent.bin'"'"' is missing" li-layers noshard.json &&
	expect_err "li-layers: error: short.json: weight '"'"'d/bias'"'"': the weight files hold too few bytes" li-layers short.json &&
	must_fail 1 li-layers stray.json 2>err && test $(wc -l <err) -eq 1
'

test_expect_success 'TF.js shards split across files, quantized and float16 weights' '
	$PY - <<-\PYEOF &&
	import json, numpy as np
	m = json.load(open("ok.json"))
	w = np.fromfile("w.bin", "<f4")
	w[:4].tofile("s1.bin"); w[4:].tofile("s2.bin")
	m["weightsManifest"][0]["paths"] = ["s1.bin", "s2.bin"]
	json.dump(m, open("split.json", "w"))
	# kernel as uint8 with scale/min, bias as float16
	q = np.array([0, 10, 20, 30, 40, 255], "u1")
	b = np.array([0.5, -2.25], "<f2")
	open("q.bin", "wb").write(q.tobytes() + b.tobytes())
	ws = m["weightsManifest"][0]["weights"]
	ws[0]["quantization"] = {"dtype": "uint8", "scale": 0.01, "min": -0.5}
	ws[1]["quantization"] = {"dtype": "float16"}
	m["weightsManifest"][0]["paths"] = ["q.bin"]
	json.dump(m, open("quant.json", "w"))
	x = np.array([[1, 2, 3]], "float32"); np.save("x1.npy", x)
	k = (q.astype("float64") * 0.01 - 0.5).reshape(3, 2)
	np.save("want_q.npy", (x @ k + b.astype("float64")).astype("float32"))
	np.save("want_f.npy", x @ w[:6].reshape(3, 2) + w[6:])
	PYEOF
	li-embed split.json x1.npy -o a.npy && li-embed ok.json x1.npy -o b.npy && cmp a.npy b.npy &&
	li-embed quant.json x1.npy -o q.npy && $PY -c "
import numpy as np
assert np.allclose(np.load(\"b.npy\"), np.load(\"want_f.npy\"), atol=1e-6)
assert np.allclose(np.load(\"q.npy\"), np.load(\"want_q.npy\"), atol=1e-5), np.load(\"q.npy\")"
'

# Some 330 mutants, one li-layers run each (the fuzzers of `make fuzz` send thousands a
# second through the same parser): `make check` runs every third, check-long all.
if is_long; then every=1; else every=3; fi
test_expect_success "mutated configs (one in $every): an error line or success, never a crash" '
	$PY - $every <<-\PYEOF &&
	import copy, json, sys
	base = json.load(open("ok.json"))
	out = []
	text = json.dumps(base)
	for cut in range(1, len(text), max(1, len(text) // 25)):
	    out.append(text[:cut])
	def walk(v, path=()):
	    yield path
	    if isinstance(v, dict):
	        for k in v:
	            yield from walk(v[k], path + (k,))
	    elif isinstance(v, list):
	        for i, x in enumerate(v):
	            yield from walk(x, path + (i,))
	for p in list(walk(base)):
	    for bad in (None, 7, -1, 1e30, "x", [], {}, [[["d", 99, 0]]], [2**40, 2**40]):
	        m = copy.deepcopy(base)
	        if not p:
	            continue
	        t = m
	        for k in p[:-1]:
	            t = t[k]
	        t[p[-1]] = bad
	        out.append(json.dumps(m))
	for i, t in enumerate(out[::int(sys.argv[1])]):
	    open("mut%04d.json" % i, "w").write(t)
	PYEOF
	for f in mut*.json; do
		li-layers $f >/dev/null 2>err; rc=$?
		if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then echo "$f: exit $rc"; cat err; exit 1; fi
		if [ $rc -eq 1 ] && [ $(wc -l <err) -ne 1 ]; then echo "$f:"; cat err; exit 1; fi
	done
'

test_expect_success 'usage errors exit 2' '
	must_fail 2 li-embed good.h5 x.npy --at nosuchlayer 2>/dev/null &&
	must_fail 2 li-embed good.h5 x.npy x.npy 2>/dev/null &&
	must_fail 2 li-embed --batch 0 good.h5 x.npy 2>/dev/null &&
	must_fail 2 li-propagate --argmax --names good.h5 x.npy 2>/dev/null &&
	must_fail 2 li-layers 2>/dev/null &&
	must_fail 2 li-layers --bogus good.h5 2>/dev/null
'

test_expect_success '--help goes to standard output' '
	for p in li-layers li-embed li-propagate; do
		$p --help >help.txt && grep -q "^usage: $p" help.txt || exit 1
	done
'

test_done
