#!/usr/bin/env bash
# New classes from a labeled set: a labeled data-set folder whose classes.txt names more
# classes than the model's output has units grows the output Dense layer. The old
# columns keep their values, the new kernel columns are drawn as Keras' glorot_uniform
# (uniform in +-sqrt(6 / (fan_in + units))), seeded, new biases 0; the config's units, the
# class names (li_class_names) and the output shape follow, in .h5 and .keras. Trained,
# the model learns the new class. Names that disagree with the model's are refused.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'a model with classes a, b, c and a labeled set that adds "not a number"' '
	$PY - <<-\PYEOF
	import json, os, sys
	import h5py, numpy as np
	sys.path.insert(0, os.environ["LI_TOP"] + "/tests/tools")
	from kerash5 import save_dense
	r = np.random.default_rng(2)
	save_dense("m.h5", 6, [("f", 60, "relu", 3), ("h", 3, "softmax", 8)], r)
	with h5py.File("m.h5", "r+") as f:
	    f.attrs["li_class_names"] = np.bytes_(json.dumps(["a", "b", "c"]).encode())
	x = r.normal(size=(80, 6)).astype("f4")
	y = r.integers(0, 4, 80)
	x[y == 3] += 4          # the new class sits apart
	os.makedirs("set/current")
	np.save("set/current/samples.npy", x); np.save("set/current/labels.npy", y)
	open("set/current/classes.txt", "w").write("a\nb\nc\nnot a number\n")
	os.makedirs("bad/current")
	np.save("bad/current/samples.npy", x); np.save("bad/current/labels.npy", y)
	open("bad/current/classes.txt", "w").write("a\nzz\nc\nnot a number\n")
	PYEOF
'

test_expect_success 'with --lr 0 the grown layer is the old one plus a glorot_uniform column' '
	li-finetune -q m.h5 --at f set --optimizer sgd --lr 0 --seed 4 -o g.h5 &&
	li-finetune -q m.h5 --at f set --optimizer sgd --lr 0 --seed 4 -o g2.h5 &&
	li-finetune -q m.h5 --at f set --optimizer sgd --lr 0 --seed 5 -o g3.h5 &&
	cmp g.h5 g2.h5 &&
	$PY - <<-\PYEOF
	import json
	import h5py, numpy as np
	old, new, other = (h5py.File(p, "r") for p in ("m.h5", "g.h5", "g3.h5"))
	k = lambda f, n: f["model_weights/h/h/%s:0" % n][()]
	assert k(new, "kernel").shape == (60, 4) and k(new, "bias").shape == (4,)
	assert (k(new, "kernel")[:, :3] == k(old, "kernel")).all()
	assert (k(new, "bias")[:3] == k(old, "bias")).all() and k(new, "bias")[3] == 0
	col, limit = k(new, "kernel")[:, 3], np.sqrt(6 / (60 + 4))
	assert np.abs(col).max() <= limit and np.abs(col).max() > 0.8 * limit, col
	assert 0.3 * limit < np.abs(col).mean() < 0.7 * limit, col
	assert not (col == k(other, "kernel")[:, 3]).all()
	names = new.attrs["li_class_names"]
	assert json.loads(names if isinstance(names, str) else names.decode()) == \
	    ["a", "b", "c", "not a number"]
	cfg = json.loads(new.attrs["model_config"])
	assert [l["config"]["units"] for l in cfg["config"]["layers"] if l["config"]["name"] == "h"] == [4]
	PYEOF
'

test_expect_success 'trained, the grown model tells the new class (li-embed on .h5 and .keras)' '
	li-finetune -q m.h5 --at f set --lr 0.02 --epochs 40 --batch 16 -o t.h5 &&
	li-finetune -q m.h5 --at f set --lr 0.02 --epochs 40 --batch 16 -o t.keras &&
	li-embed -q t.h5 set/current/samples.npy -o p.npy &&
	li-embed -q t.keras set/current/samples.npy -o pk.npy &&
	cmp p.npy pk.npy &&
	$PY -c "
import numpy as np
p = np.load(\"p.npy\"); y = np.load(\"set/current/labels.npy\")
assert p.shape == (80, 4)
assert (p.argmax(1)[y == 3] == 3).mean() >= 0.9, p[y == 3]
"
'

test_expect_success 'the report: validation accuracy per class before and after, as numpy finds it' '
	$PY -c "
import numpy as np
r = np.random.default_rng(8)
y = np.array([0, 1, 3] * 20)         # no class c (2): its accuracy is null
x = r.normal(size=(60, 6)).astype(\"f4\"); x[y == 3] += 4
np.save(\"vx.npy\", x); np.save(\"vy.npy\", y)
" &&
	li-finetune -q m.h5 --at f set --lr 0.02 --epochs 5 --batch 16 --val vx.npy vy.npy \
		--report r.json -o v.h5 &&
	$PY - <<-\PYEOF
	import json
	import h5py, numpy as np
	x, y = np.load("vx.npy").astype("f8"), np.load("vy.npy")
	def classes(path):
	    with h5py.File(path, "r") as f:
	        w = lambda l, n: f["model_weights/%s/%s/%s:0" % (l, l, n)][()].astype("f8")
	        h = np.maximum(x @ w("f", "kernel") + w("f", "bias"), 0)
	        return (h @ w("h", "kernel") + w("h", "bias")).argmax(1)
	def tally(pred):
	    per = [float((pred[y == c] == c).mean()) if (y == c).any() else None for c in range(4)]
	    return float((pred == y).mean()), per
	v = json.load(open("r.json"))["validation"]
	assert v["classes"] == ["a", "b", "c", "not a number"], v
	assert v["rows"] == [20, 20, 0, 20], v
	for key, path in (("before", "m.h5"), ("after", "v.h5")):
	    acc, per = tally(classes(path))
	    assert abs(v[key]["accuracy"] - acc) < 1e-12, (key, v[key], acc)
	    assert v[key]["per_class"][2] is None and per[2] is None
	    for got, want in zip(v[key]["per_class"], per):
	        assert (got is None) == (want is None) and (got is None or abs(got - want) < 1e-12), \
	            (key, v[key], per)
	# the model as loaded never says "not a number"; the tuned one learned it
	assert v["before"]["per_class"][3] == 0 and v["after"]["per_class"][3] > 0.5, v
	PYEOF
'

test_expect_success 'a report that cannot be written: one line, status 1, no model either' '
	must_fail 1 li-finetune -q m.h5 --at f set --val vx.npy vy.npy --report no/such/r.json \
		-o w.h5 2>err &&
	test "$(wc -l <err)" = 1 && grep -q "^li-finetune: error: no/such/r.json: " err &&
	test ! -e w.h5
'

test_expect_success 'class names that disagree with the model are refused' '
	expect_err "li-finetune: error: m.h5: class 1 is '"'b'"' in the model and '"'zz'"' in the labeled set" \
		li-finetune m.h5 --at f bad -o o.h5 &&
	test ! -e o.h5
'

test_done
