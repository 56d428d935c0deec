#!/usr/bin/env bash
# projects/mnist: the manifest names files that exist, the committed model is what the
# project says (a small autoencoder with a 16-unit bottleneck, under 1 MB; the digit
# classifier of the fine-tuning walk-through, under 300 KB), and the
# Makefile is a reproducible experiment: every step a file, a second `make` does nothing,
# a changed input redoes only what depends on it, and redone steps give the same bytes.
. "$(dirname "$0")/../lib.sh"

project=$LI_TOP/projects/mnist
require_tfjs 'the MNIST project'

test_expect_success 'the committed model: 784 -> ... -> code (16) -> ... -> 784, under 1 MB' '
	test "$(stat -c %s "$project/model.h5")" -lt 1000000 &&
	li-layers "$project/model.h5" >layers.txt &&
	grep -q "^ *0  .*InputLayer  (784,) " layers.txt &&
	grep -q "^ *[0-9]*  code  *Dense  *(16,) .* yes$" layers.txt &&
	grep -q "^ *[0-9]*  pixels  *Dense  *(784,) " layers.txt
'

test_expect_success 'the committed classifier: 784 -> h1 (64) -> h2 (32) -> classes (10), small' '
	test "$(stat -c %s "$project/classifier.h5")" -lt 300000 &&
	li-layers "$project/classifier.h5" | head -n 5 | cut -c1-40 | tr -s " " | sed "s/ *$//" >c.txt &&
	printf "%s\n" "index name class output shape" " 0 digit InputLayer (784,)" \
		" 1 h1 Dense (64,)" " 2 h2 Dense (32,)" " 3 classes Dense (10,)" | cmp - c.txt
'

test_expect_success 'make data prepares the digits: 8,000 + 2,000, every class in both' '
	make -s -C "$project" LI="$LI_BIN" data &&
	$PY -c "
import sys, json, os, numpy as np
p = sys.argv[1]
j = json.load(open(os.path.join(p, \"project.json\")))
for f in (j[\"model\"], j[\"data\"], j[\"labels\"], j[\"classes\"], j[\"validation\"][\"data\"], j[\"validation\"][\"labels\"]):
    assert os.path.exists(os.path.join(p, f)), f
x = np.load(os.path.join(p, j[\"data\"])); y = np.load(os.path.join(p, j[\"labels\"]))
xv = np.load(os.path.join(p, j[\"validation\"][\"data\"])); yv = np.load(os.path.join(p, j[\"validation\"][\"labels\"]))
assert x.shape == (8000, 784) and xv.shape == (2000, 784) and x.dtype == np.float32
assert 0 <= x.min() and x.max() <= 1
assert sorted(set(y)) == sorted(set(yv)) == list(range(10))
assert j[\"at\"] == \"code\" and j[\"render\"] == {\"kind\": \"image\", \"shape\": [28, 28]}
" "$project"
'

test_expect_success 'make builds every step of the pipeline' '
	{ make -s -C "$project" LI="$LI_BIN" OUT="$TRASH/out" >make.log 2>&1 ||
		{ cat make.log; exit 1; }; } &&
	for f in head.h5 tail.h5 latent.npy val-latent.npy umap.h5 umap-xy.npy pca.h5 pca-xy.npy \
		probe.h5 grid.npy grid-decoded.npy outside.npy outside-decoded.npy outside-names.txt \
		map.png pca-map.png mosaic.png outside.png reconstructions.png; do
		test -s out/$f || { echo "missing $f"; exit 1; }
	done
'

test_expect_success 'a second make has nothing to do' '
	make -q -C "$project" LI="$LI_BIN" OUT="$TRASH/out"
'

test_expect_success 'a new probe redoes only the probe and what uses it, with the same bytes' '
	cp out/probe.h5 out/outside-names.txt out/outside.png . &&
	rm out/probe.h5 &&
	make -n -C "$project" LI="$LI_BIN" OUT="$TRASH/out" >plan.txt &&
	grep -q li-train-lr plan.txt && ! grep -q "li-reduce\|li-embed\|li-split" plan.txt &&
	make -s -C "$project" LI="$LI_BIN" OUT="$TRASH/out" >/dev/null 2>&1 &&
	cmp probe.h5 out/probe.h5 && cmp outside-names.txt out/outside-names.txt &&
	cmp outside.png out/outside.png
'

test_expect_success 'the UMAP map is made again byte for byte' '
	cp out/umap.h5 out/umap-xy.npy out/grid-decoded.npy . &&
	touch out/latent.npy &&
	make -s -C "$project" LI="$LI_BIN" OUT="$TRASH/out" >/dev/null 2>&1 &&
	cmp umap.h5 out/umap.h5 && cmp umap-xy.npy out/umap-xy.npy &&
	cmp grid-decoded.npy out/grid-decoded.npy
'

test_done
