#!/usr/bin/env bash
# The paper's loop in a browser on the three example projects (projects/mnist, fashion,
# sensors), in headless Chromium (tests/browser/loop.js records; the checks are here):
# the page loads and draws the map, a hover shows a data row, a click far outside the
# data gets the output, the probe's top classes and the k nearest rows, label + Save
# appends to labeled/CUT/, Train probe reports, a traversal strip, then another layer and
# another method prepared in the background with progress shown. The numbers the page
# received are checked against li-invert | li-propagate (1e-5), li-embed + numpy and the
# labeled data set's files.
# Each project runs where its data can be had as its own tests get it: mnist's digits
# from `make -C projects/mnist data` (as t0801), fashion's from the dataset-fashion-mnist
# package through its Makefile (as t0820), sensors' from gen-data.py (as t0840/t0842);
# skipped with the reason otherwise. Each runs on a copy with ROWS training rows
# (LI_LOOP_ROWS [1000]): PCA at the start and for the layer switch, UMAP for the method.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/inspect-lib.sh"
serving
export OPENBLAS_NUM_THREADS=1

browser_or_skip 'the paper'"'"'s loop on the example projects in a browser'

ROWS=${LI_LOOP_ROWS:-1000}
P=$LI_TOP/projects

# first_rows N IN OUT: the first N rows of an .npy file
first_rows() {
	$PY -c "import numpy as np, sys; np.save(sys.argv[3], np.load(sys.argv[2])[:int(sys.argv[1])])" "$@"
}

# copy_of NAME: projects/NAME's manifest and model in NAME/ (the data comes next)
copy_of() {
	mkdir -p "$1/data" && cp "$P/$1/project.json" "$P/$1/model.h5" "$1/"
}

# data_mnist, data_fashion, data_sensors: the project's copy with its data, or a line
# saying why there is none (then 1)
data_mnist() {
	if [ ! -f "$P/mnist/data/x.npy" ] &&
		! make -s -C "$P/mnist" LI="$LI_BIN" data >make-mnist.log 2>&1; then
		echo "no digits: make -C projects/mnist data failed ($(tail -1 make-mnist.log))"
		return 1
	fi
	copy_of mnist && cp "$P/mnist/data/classes.txt" mnist/data/ &&
	for f in x y; do first_rows "$ROWS" "$P/mnist/data/$f.npy" mnist/data/$f.npy || return 1; done &&
	for f in val-x val-y; do first_rows 200 "$P/mnist/data/$f.npy" mnist/data/$f.npy || return 1; done
}
data_fashion() {
	if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
		echo "the package dataset-fashion-mnist is not installed"
		return 1
	fi
	copy_of fashion && cp "$P/fashion/Makefile" fashion/ &&
	make -s -C fashion LI="$LI_BIN" NTRAIN="$ROWS" NVAL=200 setup >make-fashion.log 2>&1 ||
		{ echo "make setup failed: $(tail -1 make-fashion.log)"; return 1; }
}
data_sensors() {
	# 16 training subjects x 7 activities x W windows
	copy_of sensors && $PY "$P/sensors/gen-data.py" sensors/data --windows $(((ROWS + 111) / 112)) >/dev/null
}

# plan NAME LAYER METHOD: plan.json for loop.js from the prepared map (the page's rule:
# a 720 x 560 canvas over the data's extent plus 5%)
plan() {
	cp "$(cache_map "$1")" "$1-map.h5" && cp "$(dirname "$(cache_map "$1")")/xy.npy" "$1-xy.npy" &&
	$PY - "$1" "$2" "$3" <<-\PYEOF
	import json, sys, h5py, numpy as np
	name, layer, method = sys.argv[1:4]
	e = h5py.File(name + "-map.h5")["/"].attrs["extent"]
	xy = np.load(name + "-xy.npy"); W, H = 720, 560
	x0, x1 = e[0][0] - 0.05 * (e[1][0] - e[0][0]), e[1][0] + 0.05 * (e[1][0] - e[0][0])
	y0, y1 = e[0][1] - 0.05 * (e[1][1] - e[0][1]), e[1][1] + 0.05 * (e[1][1] - e[0][1])
	pix = lambda x, y: [int(round((x - x0) * W / (x1 - x0))), int(round((y1 - y) * H / (y1 - y0)))]
	plan = {"hover": pix(*xy[7]), "zoom": 5, "far": [5, 5], "label": "seen far out",
	        "traverse": [[300, 300], [420, 250]], "layer": layer, "method": method,
	        "click": [360, 280], "view": [x0, x1, y0, y1]}
	json.dump(plan, open(name + "-plan.json", "w"))
	PYEOF
}

# The checks of one project's run (NAME-got.json) are in this script; its arguments:
# NAME CUT LAYER METHOD RENDER (image:H:W or curves:T:C); the files it reads are made
# by li-invert, li-propagate and li-embed first.
cat >check.py <<'PYEOF'
import json, sys, h5py, numpy as np
name, cut, layer, method, render = sys.argv[1:6]
g = json.load(open(name + "-got.json")); p = json.load(open(name + "-plan.json"))
rows = int(sys.argv[6]); step = sys.argv[7]
classes = open(name + "/data/classes.txt").read().split("\n")[:-1]
y = np.load(name + "/data/y.npy")
# float32 within 1e-5 relative, near-zero entries relative to the row's scale (an LSTM's
# sums differ in the last bits between one row and a batch of them)
def close(a, b):
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-5, atol=1e-5 * max(np.abs(b).max(), 0.1))
f = g["first"]
if step == "page":
    assert g["errors"] == [], g["errors"]
    assert f["meta"]["cut"] == cut and f["meta"]["method"] == "pca" and f["rows"] == rows, (f["meta"], f["rows"])
    assert "trustworthiness" in f["quality"], f["quality"]
    assert f["nonwhite"] > rows, f["nonwhite"]
    assert [l["name"] for l in f["layers"] if l["current"]] == [cut], f["layers"]
    names = [l["name"] for l in json.load(open(name + "-layers.json"))["layers"]]
    assert [l["name"] for l in f["layers"]] == names, (f["layers"], names)
    # hover: the nearest data point to the hovered pixel, its class, its row drawn
    xy = np.load(name + "-xy.npy"); x0, x1, y0, y1 = p["view"]
    idx, cname = g["hover"]["text"].split(" ", 1); j = int(idx[1:])
    hp = np.array([(xy[j][0] - x0) * 720 / (x1 - x0), (y1 - xy[j][1]) * 560 / (y1 - y0)])
    assert np.hypot(*(hp - p["hover"])) <= 6.5 and cname == classes[y[j]], (g["hover"], hp)
    assert g["hover"]["inked"] > 0, g["hover"]
elif step == "far":
    a = g["far"]; e = h5py.File(name + "-map.h5")["/"].attrs["extent"]
    w, h = e[1][0] - e[0][0], e[1][1] - e[0][1]
    assert a["x"] < e[0][0] - w and a["y"] > e[1][1] + h, (a["x"], a["y"], e)   # far outside
    want = np.load(name + "-far-out.npy")[0]; prob = np.load(name + "-far-prob.npy")[0]
    assert close(a["output"]["values"], want), np.abs(np.array(a["output"]["values"]) - want.ravel()).max()
    assert close(a["latent"], np.load(name + "-far-lat.npy")[0])
    # the top classes: each probability the probe's, in order (ties far out: any order)
    ps = [q["p"] for q in a["probe"]]
    assert len(ps) >= 3 and ps == sorted(ps, reverse=True), a["probe"]
    assert close(ps, prob[[q["class"] for q in a["probe"]]]) and close(ps, np.sort(prob)[::-1][:len(ps)]), (a["probe"], prob)
    assert a["probeShown"][0].startswith(classes[a["probe"][0]["class"]]), a["probeShown"]
    kind, d1, d2 = render.split(":"); d = a["drawn"]
    if kind == "image":
        assert d["kind"] == "image" and (d["h"], d["w"]) == (int(d1), int(d2)), d
    else:
        assert d["kind"] == "curves" and (d["t"], d["ch"]) == (int(d1), int(d2)), d
    # the k nearest rows: nearest to the point's latent row among li-embed's rows
    emb = np.load(name + "-emb.npy").reshape(rows, -1)
    dist = np.sqrt(((emb.astype(np.float64) - np.load(name + "-far-lat.npy")[0]) ** 2).sum(1))
    order = np.argsort(dist, kind="stable")[:5]
    got = [n["index"] for n in a["neighbors"]]
    assert got == order.tolist() or np.allclose(sorted(dist[got]), dist[order], rtol=1e-5), (got, order)
    assert [n["label"] for n in a["neighbors"]] == [int(y[i]) for i in got]
    assert a["neighborsShown"] == ["#%d %s" % (i, classes[y[i]]) for i in got], a["neighborsShown"]
elif step == "save":
    dset = name + "/labeled/" + cut + "/current/"
    o = np.load(dset + "origin.npy"); lab = np.load(dset + "labels.npy")
    cl = open(dset + "classes.txt").read().split("\n")[:-1]
    assert o.shape == (1, 2) and close(o[0], [np.float32(g["far"]["x"]), np.float32(g["far"]["y"])]), o
    assert cl[lab[0]] == p["label"], (cl, lab)
    assert close(np.load(dset + "latent.npy")[0], np.load(name + "-far-lat.npy")[0])
    assert close(np.load(dset + "samples.npy")[0], np.load(name + "-far-out.npy")[0])
    assert g["save"]["r"]["count"] == 1 and g["save"]["text"].endswith("labeled/" + cut), g["save"]
    r = g["train"]["report"]
    assert r["rows"] == rows + 1 and r["labeled"] == 1, r
    assert [c["name"] for c in r["classes"]] == classes + [p["label"]], r["classes"]
    assert g["train"]["rows"] == len(classes) + 2, g["train"]["rows"]
elif step == "traversal":
    t = g["traversal"]; w = np.load(name + "-tw.npy")
    assert t["figures"] == 12 and len(t["points"]) == 12, t["figures"]
    for i, q in enumerate(t["points"]):
        assert close(q["output"]["values"], w[i]), i
elif step == "views":
    l, m = g["layer"], g["method"]
    assert l["meta"]["cut"] == layer and l["meta"]["method"] == "pca", l["meta"]
    assert [x["name"] for x in l["layers"] if x["current"]] == [layer]
    assert m["meta"]["cut"] == layer and m["meta"]["method"] == method, m["meta"]
    assert m["meta"]["view"] > l["meta"]["view"] > f["meta"]["view"]
    assert any(("with " + method) in s for s in m["progress"][len(l["progress"]):]), m["progress"]
    for k in ("layer", "method"):
        a = g[k + "Click"]; v = g[k + "View"]
        assert abs(a["x"] - (v["x0"] + 360 * (v["x1"] - v["x0"]) / 720)) < 1e-8 * (1 + abs(a["x"])), (a, v)
        assert close(a["output"]["values"], np.load(name + "-" + k + "-out.npy")[0]), k
        assert close(a["latent"], np.load(name + "-" + k + "-lat.npy")[0]), k
    dset = name + "/labeled/" + layer + "/current/"
    assert close(np.load(dset + "latent.npy")[0], np.load(name + "-method-lat.npy")[0])
    assert g["methodSave"]["text"].endswith("labeled/" + layer), g["methodSave"]
PYEOF

# loop NAME LAYER METHOD RENDER: the loop on project NAME (prepared), then its checks
loop() {
	local name=$1 layer=$2 method=$3 render=$4 cut rows
	cut=$($PY -c "import json; print(json.load(open(\"$name/project.json\"))[\"at\"])")
	rows=$($PY -c "import numpy; print(len(numpy.load(\"$name/data/y.npy\")))")
	li-layers --json $name/model.h5 >$name-layers.json &&
	plan $name $layer $method && start_server $name --method pca || {
		server_failed "$name"
		return
	}
	test_expect_success "$name: the page loads, draws the map, shows a hovered row" '
		page loop.js $name-plan.json $name-got.json 400 &&
		$PY check.py $name $cut $layer $method $render $rows page
	'
	test_expect_success "$name: a click far outside the data: li-invert | li-propagate, probe, nearest rows" '
		$PY -c "import json; a = json.load(open(\"$name-got.json\"))[\"far\"]; print(repr(a[\"x\"]), repr(a[\"y\"]))" >$name-far.txt &&
		li-invert $name-map.h5 $name-far.txt -o $name-far-lat.npy &&
		li-propagate -q $name/model.h5 --at $cut $name-far-lat.npy -o $name-far-out.npy &&
		li-propagate -q $(dirname $(cache_of $name $cut pca))/probe.h5 $name-far-lat.npy -o $name-far-prob.npy &&
		li-embed -q $name/model.h5 --at $cut $name/data/x.npy -o $name-emb.npy &&
		$PY check.py $name $cut $layer $method $render $rows far
	'
	test_expect_success "$name: label + Save: labeled/$cut/ holds the point; Train probe reports" '
		$PY check.py $name $cut $layer $method $render $rows save
	'
	test_expect_success "$name: the traversal strip equals li-invert | li-propagate" '
		$PY -c "
import json
for q in json.load(open(\"$name-got.json\"))[\"traversal\"][\"points\"]: print(repr(q[\"x\"]), repr(q[\"y\"]))
" | li-invert $name-map.h5 | li-propagate -q $name/model.h5 --at $cut -o $name-tw.npy &&
		$PY check.py $name $cut $layer $method $render $rows traversal
	'
	test_expect_success "$name: layer $layer, then $method: prepared with progress, clicks and a save there" '
		for k in layer method; do
			m=pca && test $k = method && m=$method
			$PY -c "import json; a = json.load(open(\"$name-got.json\"))[\"${k}Click\"]; print(repr(a[\"x\"]), repr(a[\"y\"]))" |
				li-invert $(cache_of $name $layer $m) -o $name-$k-lat.npy &&
			li-propagate -q $name/model.h5 --at $layer $name-$k-lat.npy -o $name-$k-out.npy || exit 1
		done &&
		$PY check.py $name $cut $layer $method $render $rows views
	'
	stop_servers
}

for name in mnist fashion sensors; do
	if ! why=$(data_$name); then
		test_skip "$name: the loop in a browser" "$why"
		continue
	fi
	if ! echo quit | li-inspect -q $name --no-window --method pca >prepare-$name.log 2>&1; then
		test_expect_success "$name: li-inspect prepares it" 'cat prepare-$name.log; false'
		continue
	fi
	case $name in
	mnist) loop mnist enc2 umap image:28:28 ;;
	fashion) loop fashion flatten umap image:28:28 ;;
	sensors) loop sensors lstm_enc umap curves:100:6 ;;
	esac
done
test_done
