#!/usr/bin/env bash
# li-train-lr: the saved probe computes scikit-learn's LogisticRegression probabilities
# (StandardScaler + LogisticRegression, same C), reports what scikit-learn's metrics say,
# is deterministic, and refuses bad input.
. "$(dirname "$0")/../lib.sh"

# softmax(x @ kernel + bias) straight from the .h5 with h5py: independent of our engine
cat >probe.py <<'PYEOF'
import h5py, json, numpy as np
def probe_proba(path, x):
    f = h5py.File(path, "r")
    w = f["model_weights/probe/probe"]
    k, b = w["kernel:0"][()].astype(np.float64), w["bias:0"][()].astype(np.float64)
    z = x.reshape(len(x), -1).astype(np.float64) @ k + b
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
def names(path):
    return json.loads(h5py.File(path, "r").attrs["li_class_names"])
PYEOF

test_expect_success 'setup: blobs with 4 and 2 classes, validation data' '
	$PY -c "
import numpy as np
from sklearn.datasets import make_blobs
X, y = make_blobs(700, n_features=8, centers=4, cluster_std=3.0, random_state=0)
np.save(\"X.npy\", X[:500].astype(np.float32)); np.save(\"y.npy\", y[:500])
np.save(\"Xv.npy\", X[500:].astype(np.float32)); np.save(\"yv.npy\", y[500:])
X2, y2 = make_blobs(300, n_features=5, centers=2, cluster_std=4.0, random_state=3)
np.save(\"X2.npy\", X2.astype(np.float32)); np.savetxt(\"y2.txt\", y2, fmt=\"%d\")
open(\"cls.txt\", \"w\").write(\"alpha\nbeta\ngamma\ndelta\n\")
open(\"y2names.txt\", \"w\").write(\"\n\".join(\"cat\" if v else \"dog\" for v in y2) + \"\n\")
"
'

test_expect_success 'multinomial probe = scikit-learn probabilities and predictions' '
	li-train-lr -q X.npy y.npy --val-split 0 --C 0.5 --classes cls.txt -o p4.h5 &&
	$PY - <<-\PYEOF
	import numpy as np
	from sklearn.pipeline import make_pipeline
	from sklearn.preprocessing import StandardScaler
	from sklearn.linear_model import LogisticRegression
	from probe import probe_proba, names
	X, y = np.load("X.npy").astype(np.float64), np.load("y.npy")
	sk = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, tol=1e-12, max_iter=10000)).fit(X, y)
	want, got = sk.predict_proba(X), probe_proba("p4.h5", X)
	assert np.abs(got - want).max() < 2e-4, np.abs(got - want).max()
	assert (got.argmax(1) == sk.predict(X)).all()
	assert names("p4.h5") == ["alpha", "beta", "gamma", "delta"]
	PYEOF
'

test_expect_success 'binary probe (sigmoid) saved as two softmax columns = scikit-learn' '
	li-train-lr -q X2.npy y2.txt --val-split 0 -o p2.h5 &&
	$PY - <<-\PYEOF
	import numpy as np
	from sklearn.pipeline import make_pipeline
	from sklearn.preprocessing import StandardScaler
	from sklearn.linear_model import LogisticRegression
	from probe import probe_proba, names
	X, y = np.load("X2.npy").astype(np.float64), np.loadtxt("y2.txt").astype(int)
	sk = make_pipeline(StandardScaler(), LogisticRegression(tol=1e-12, max_iter=10000)).fit(X, y)
	want, got = sk.predict_proba(X), probe_proba("p2.h5", X)
	assert got.shape == (300, 2) and np.abs(got - want).max() < 2e-4, np.abs(got - want).max()
	assert names("p2.h5") == ["0", "1"]
	PYEOF
'

test_expect_success 'class names from the labels: order of first appearance' '
	li-train-lr -q X2.npy y2names.txt --val-split 0 -o pn.h5 &&
	$PY -c "
import numpy as np
from probe import names
first = open(\"y2names.txt\").read().split()[0]
assert names(\"pn.h5\")[0] == first and sorted(names(\"pn.h5\")) == [\"cat\", \"dog\"]
"
'

test_expect_success 'validation on separate data: accuracy, precision/recall/F1 and confusion as scikit-learn' '
	li-train-lr X.npy y.npy --val Xv.npy yv.npy --classes cls.txt --report r.json -o pv.h5 2>err &&
	grep -q "^validation accuracy: " err && grep -q "^  confusion (rows: true class, columns: predicted)" err &&
	$PY - <<-\PYEOF
	import json, numpy as np
	from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, accuracy_score
	from probe import probe_proba
	r = json.load(open("r.json"))
	Xv, yv = np.load("Xv.npy"), np.load("yv.npy")
	pred = probe_proba("pv.h5", Xv).argmax(1)
	v = r["validation"]
	assert v["rows"] == 200 and abs(v["accuracy"] - accuracy_score(yv, pred)) < 1e-12
	assert v["confusion"] == confusion_matrix(yv, pred).tolist()
	p, rc, f, s = precision_recall_fscore_support(yv, pred, zero_division=0)
	for i, c in enumerate(v["classes"]):
	    assert abs(c["precision"] - p[i]) < 1e-12 and abs(c["recall"] - rc[i]) < 1e-12
	    assert abs(c["f1"] - f[i]) < 1e-12 and c["support"] == s[i]
	assert [c["class"] for c in v["classes"]] == ["alpha", "beta", "gamma", "delta"]
	assert r["converged"] and r["train"]["rows"] == 500
	PYEOF
'

test_expect_success 'stratified split: round(0.2 * count) validation rows of each class' '
	li-train-lr X.npy y.npy --seed 5 --report s5.json -o s5.h5 2>/dev/null &&
	$PY -c "
import json, numpy as np
y = np.load(\"y.npy\"); r = json.load(open(\"s5.json\"))
want = sum(int(np.floor(0.2 * c + 0.5)) for c in np.bincount(y))
assert r[\"validation\"][\"rows\"] == want and r[\"train\"][\"rows\"] == len(y) - want
assert [c[\"support\"] for c in r[\"validation\"][\"classes\"]] == [int(np.floor(0.2 * c + 0.5)) for c in np.bincount(y)]
"
'

test_expect_success 'same seed, same bytes; another seed, another split' '
	li-train-lr -q X.npy y.npy --seed 5 -o s5b.h5 && cmp s5.h5 s5b.h5 &&
	li-train-lr -q X.npy y.npy --seed 6 -o s6.h5 && ! cmp -s s5.h5 s6.h5
'

test_expect_success 'rank-3 latents get a Flatten layer and flatten C-order' '
	$PY -c "
import numpy as np
X = np.load(\"X.npy\"); np.save(\"X3.npy\", X.reshape(500, 2, 4))
" &&
	li-train-lr -q X3.npy y.npy --val-split 0 -o p3.h5 &&
	li-train-lr -q X.npy y.npy --val-split 0 -o pflat.h5 &&
	$PY -c "
import h5py, json, numpy as np
f = h5py.File(\"p3.h5\", \"r\")
cfg = json.loads(f.attrs[\"model_config\"])
assert [l[\"class_name\"] for l in cfg[\"config\"][\"layers\"]] == [\"InputLayer\", \"Flatten\", \"Dense\"]
assert cfg[\"config\"][\"layers\"][0][\"config\"][\"batch_input_shape\"] == [None, 2, 4]
assert list(f[\"model_weights\"].attrs[\"layer_names\"]) == [b\"probe_flatten\", b\"probe\"]
g = h5py.File(\"pflat.h5\", \"r\")
assert np.array_equal(f[\"model_weights/probe/probe/kernel:0\"][()], g[\"model_weights/probe/probe/kernel:0\"][()])
"
'

test_expect_success 'a labeled data-set folder trains with its own labels and class names' '
	li-label ds --x X2.npy --labels y2names.txt >/dev/null 2>&1 &&
	li-train-lr -q ds --val-split 0 -o pds.h5 &&
	li-train-lr -q X2.npy y2names.txt --val-split 0 -o pfiles.h5 &&
	cmp pds.h5 pfiles.h5
'

test_expect_success 'bad input: one line, exit 1, no probe file' '
	$PY -c "
import numpy as np
np.save(\"y_short.npy\", np.zeros(10, dtype=np.int64))
np.save(\"y_one.npy\", np.zeros(500, dtype=np.int64))
X = np.load(\"X.npy\"); X[3, 2] = np.nan; np.save(\"Xnan.npy\", X)
np.save(\"y9.npy\", np.where(np.load(\"y.npy\") == 3, 9, np.load(\"y.npy\")))
" &&
	expect_err "li-train-lr: error: y_short.npy: 10 labels for 500 rows" li-train-lr X.npy y_short.npy -o bad.h5 &&
	expect_err "li-train-lr: error: y9.npy: label 9 has no class name (4 names given)" \
		li-train-lr X.npy y9.npy --classes cls.txt -o bad.h5 &&
	must_fail 1 li-train-lr X.npy y_one.npy --val-split 0 -o bad.h5 2>err && test $(wc -l <err) -eq 1 &&
	must_fail 1 li-train-lr Xnan.npy y.npy -o bad.h5 2>err && test $(wc -l <err) -eq 1 &&
	grep -q "^li-train-lr: error: Xnan.npy: " err &&
	expect_err "li-train-lr: error: nosuch.npy: No such file or directory" li-train-lr nosuch.npy y.npy -o bad.h5 &&
	! ls bad.h5* 2>/dev/null
'

test_expect_success 'usage errors exit 2' '
	must_fail 2 li-train-lr X.npy y.npy 2>err && grep -q "\-o PROBE.h5 is required" err &&
	must_fail 2 li-train-lr X.npy -o x.h5 2>/dev/null &&
	must_fail 2 li-train-lr X.npy y.npy --C -1 -o x.h5 2>/dev/null &&
	must_fail 2 li-train-lr X.npy y.npy --val-split 1 -o x.h5 2>/dev/null &&
	must_fail 2 li-train-lr ds y.npy -o x.h5 2>/dev/null &&
	! ls x.h5* 2>/dev/null
'

test_done
