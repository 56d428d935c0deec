#!/usr/bin/env bash
# `make demo` (scripts/demo): the paper's MNIST use case end to end, from this checkout,
# with its outputs in the scratch folder. The two quality bars were fixed before the
# model was trained: the digit probe on the bottleneck reaches a validation
# accuracy of at least 0.85, and the autoencoder reconstructs the validation digits with
# a mean squared error of at most 0.03 (pixels in [0, 1]).
. "$(dirname "$0")/../lib.sh"

project=$LI_TOP/projects/mnist
require_tfjs 'the MNIST demo'

test_expect_success 'the demo runs to the end' '
	{ DEMO_OUT=$TRASH/demo DEMO_LABELED=$TRASH/labeled LI_BIN=$LI_BIN \
		"$LI_TOP/scripts/demo" >demo.log 2>&1 ||
		{ tail -30 demo.log; exit 1; }; } &&
	tail -1 demo.log | grep -q "^demo done in [0-9]* s$"
'

test_expect_success 'it prints each step of the use case before running it' '
	for cmd in "li-layers model.h5" "li-split model.h5 --at code" "li-embed" \
		"li-reduce --method umap" "li-reduce --method pca" "li-plot map" "li-train-lr" \
		"li-grid --map" "li-invert" "li-plot mosaic" "li-label" ".* | li-check"; do
		grep -q "^\$ $cmd" demo.log || { echo "not printed: $cmd"; exit 1; }
	done &&
	grep -q "^li-reduce: pca .*explained variance" demo.log &&
	grep -q "^probe validation accuracy: 0\.[0-9]*$" demo.log &&
	grep -q "^li-check: ok: 1 row" demo.log
'

# readme-cmds.py TUTORIAL LOG SCRATCH: every command in the sh blocks of doc/tutorial.md (the MNIST walk-through)
# (continuation lines joined, comments dropped) was printed by the demo as "$ COMMAND"
cat >readme-cmds.py <<'PYEOF'
import re, sys
readme = open(sys.argv[1]).read()
sec = readme[readme.index("# The MNIST use case"):]
cmds = []
for block in re.findall(r"```sh\n(.*?)```", sec, re.S):
    cur = ""
    for line in block.splitlines():
        line = re.sub(r"  +# .*", "", line).strip()
        cur += line.rstrip("\\") + " "
        if not line.endswith(("\\", "|")):
            cmds.append(" ".join(cur.split()))
            cur = ""
# the demo ran with its outputs in the scratch folder (argv[3]): drop that prefix
ran = {" ".join(l[2:].replace(sys.argv[3] + "/", "").split())
       for l in open(sys.argv[2]) if l.startswith("$ ")}
assert len(cmds) >= 15, cmds
missing = [c for c in cmds if c not in ran]
assert not missing, missing
PYEOF

test_expect_success 'every command of the walk-through in doc/tutorial.md is one the demo ran' '
	$PY readme-cmds.py "$LI_TOP/doc/tutorial.md" demo.log "$TRASH"
'

test_expect_success 'the probe reaches a validation accuracy of at least 0.85' '
	$PY -c "
import json
acc = json.load(open(\"demo/probe.json\"))[\"validation\"][\"accuracy\"]
print(\"validation accuracy\", acc)
assert acc >= 0.85, acc
"
'

test_expect_success 'the autoencoder reconstructs validation digits with MSE at most 0.03' '
	li-propagate -q demo/tail.h5 demo/val-latent.npy -o rec.npy &&
	li-propagate -q "$project/model.h5" "$project/data/val-x.npy" -o whole.npy &&
	$PY -c "
import sys, numpy as np
x = np.load(sys.argv[1]); rec = np.load(\"rec.npy\"); whole = np.load(\"whole.npy\")
assert rec.shape == x.shape == (2000, 784), (rec.shape, x.shape)
assert np.array_equal(rec, whole), \"head + tail differ from the whole model\"
mse = float(((rec.astype(np.float64) - x) ** 2).mean())
print(\"validation mse\", mse)
assert mse <= 0.03, mse
" "$project/data/val-x.npy"
'

test_expect_success 'the pictures are PNGs with something drawn' '
	for p in map pca-map mosaic outside map-outside; do
		test -s demo/$p.png || { echo "missing $p.png"; exit 1; }
	done &&
	$PY -c "
from PIL import Image
for p in (\"map\", \"pca-map\", \"mosaic\", \"outside\", \"map-outside\"):
    im = Image.open(\"demo/%s.png\" % p).convert(\"RGB\")
    colors = im.getcolors(maxcolors=1 << 20)
    assert colors and len(colors) > 2, p
"
'

test_expect_success 'the decodes far outside the data went into the labeled data set' '
	li-label -q "$TRASH/labeled" --stats >/dev/null &&
	$PY -c "
import numpy as np
d = \"labeled/current/\"
x = np.load(d + \"samples.npy\"); y = np.load(d + \"labels.npy\"); o = np.load(d + \"origin.npy\")
names = open(d + \"classes.txt\").read().split(\"\n\")[:-1]
prob = np.load(\"demo/outside-prob.npy\"); dec = np.load(\"demo/outside-decoded.npy\")
pts = np.load(\"demo/outside.npy\")
assert names == [str(i) for i in range(10)] + [\"not a number\"], names
assert x.shape == (6, 784) and np.array_equal(x, dec)
want = prob.argmax(1); want[0] = 10
assert list(y) == list(want), (y, prob.argmax(1))
assert np.array_equal(o, pts)
"
'

test_expect_success 'the six points lie outside the map, the grid reaches past it' '
	$PY -c "
import h5py, numpy as np
lo, hi = h5py.File(\"demo/umap.h5\", \"r\").attrs[\"extent\"]
p = np.load(\"demo/outside.npy\"); g = np.load(\"demo/grid.npy\")
assert p.shape == (6, 2) and g.shape == (225, 2)
assert all(((q < lo) | (q > hi)).any() for q in p), p
assert (g.min(0) < lo).all() and (g.max(0) > hi).all()
"
'

test_done
