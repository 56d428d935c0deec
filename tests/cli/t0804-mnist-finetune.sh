#!/usr/bin/env bash
# projects/mnist, the closed loop (README.md "Teaching the classifier"): decodes of map
# points far past the data, labeled "not a number", fine-tune the committed digit
# classifier (make finetune). Its properties, measured here with numpy on the models'
# outputs: on the decodes of other far points of the same regions, never labeled, the tuned
# classifier says "not a number" for at least 80%; its accuracy on the held-out digits
# stays within 0.5 percentage points of the classifier's. `make check-finetune` says so
# with li-check.
. "$(dirname "$0")/../lib.sh"

project=$LI_TOP/projects/mnist
require_tfjs 'the MNIST fine-tuning'

test_expect_success 'make finetune: the labeled far decodes, the tuned classifier, its report' '
	make -s -C "$project" LI="$LI_BIN" data &&
	{ make -s -C "$project" LI="$LI_BIN" OUT="$TRASH/out" finetune >make.log 2>&1 ||
		{ cat make.log; exit 1; }; } &&
	for f in far-label-xy.npy far-check-xy.npy far-label-decoded.npy far-check-decoded.npy \
		not-a-number/current/samples.npy classifier-tuned.h5 finetune.json far-check.png; do
		test -s out/$f || { echo "missing $f"; exit 1; }
	done &&
	make -q -C "$project" LI="$LI_BIN" OUT="$TRASH/out" finetune
'

test_expect_success 'the checked points are far, in the labeled points'"'"' regions, never labeled' '
	li-grid -q --map out/umap.h5 --n 2x2 -o extent.npy &&
	$PY - <<-\PYEOF
	import numpy as np
	lab, chk = np.load("out/far-label-xy.npy"), np.load("out/far-check-xy.npy")
	ext = np.load("extent.npy")
	lo, hi = ext.min(0), ext.max(0)
	# how far past the extent of the map, in map widths (heights), on the farther axis
	r = lambda p: np.maximum((lo - p) / (hi - lo), (p - hi) / (hi - lo)).max(1)
	assert (r(lab) >= 0.99).all() and (r(chk) >= 0.99).all(), (r(lab).min(), r(chk).min())
	# same regions: the checked rings lie between the labeled ones
	assert r(lab).min() < r(chk).min() and r(chk).max() < r(lab).max()
	# never labeled: no checked point is a labeled one
	d = np.abs(chk[:, None, :] - lab[None, :, :]).max(2).min(1)
	assert (d > 1e-3 * (hi - lo).max()).all()
	s = np.load("out/not-a-number/current/samples.npy")
	assert (s == np.load("out/far-label-decoded.npy")).all()
	assert (np.load("out/not-a-number/current/labels.npy") == 10).all()
	PYEOF
'

test_expect_success '>= 80% "not a number" on the unlabeled far decodes; held-out accuracy within 0.5 pp' '
	li-propagate -q out/classifier-tuned.h5 out/far-check-decoded.npy -o far-p.npy &&
	li-propagate -q "$project/classifier.h5" "$project/data/val-x.npy" -o before.npy &&
	li-propagate -q out/classifier-tuned.h5 "$project/data/val-x.npy" -o after.npy &&
	$PY - "$project" <<-\PYEOF
	import json, sys
	import h5py, numpy as np
	with h5py.File("out/classifier-tuned.h5", "r") as f:
	    names = f.attrs["li_class_names"]
	names = json.loads(names if isinstance(names, str) else names.decode())
	assert names == [str(d) for d in range(10)] + ["not a number"], names
	far = np.load("far-p.npy").argmax(1)
	share = (far == names.index("not a number")).mean()
	y = np.load(sys.argv[1] + "/data/val-y.npy")
	before, after = ((np.load(f).argmax(1) == y).mean() for f in ("before.npy", "after.npy"))
	print("not a number on far decodes: %.4f; held-out accuracy %.4f -> %.4f" %
	      (share, before, after))
	assert share >= 0.8, share
	assert abs(after - before) <= 0.005, (before, after)
	v = json.load(open("out/finetune.json"))["validation"]
	assert abs(v["before"]["accuracy"] - before) < 1e-12 and abs(v["after"]["accuracy"] - after) < 1e-12, v
	PYEOF
'

test_expect_success 'make check-finetune says so with li-check' '
	{ make -s -C "$project" LI="$LI_BIN" OUT="$TRASH/out" check-finetune >check.log 2>&1 ||
		{ cat check.log; exit 1; }; } &&
	grep -q "^li-check: ok: [0-9]* of 156 rows hold (.*, at least 0.8 asked)$" check.log &&
	grep -q "^li-check: ok: [0-9]* of 2000 rows hold" check.log
'

test_done
