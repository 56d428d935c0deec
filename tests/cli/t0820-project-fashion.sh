#!/usr/bin/env bash
# projects/fashion end to end through its Makefile, on a copy of the project folder and a
# subset of the data (4,000 training and 1,000 held-out test images): every pipeline file
# is made; a second make does nothing; a change rebuilds only what depends on it, and a
# rebuild writes the same bytes. Fixed before the results were seen: the probe's
# validation accuracy on the bottleneck is at least 0.70 and the autoencoder's
# reconstruction MSE on the validation images at most 0.03.
. "$(dirname "$0")/../lib.sh"

P=$LI_TOP/projects/fashion
FASHION=/usr/share/datasets/fashion-mnist
MK="make --no-print-directory -C fashion LI=$LI_BIN NTRAIN=4000 NVAL=1000"
OUTS="head.h5 tail.h5 latent.npy latent-val.npy umap.h5 xy.npy pca.h5 pca-xy.npy probe.h5
grid.npy grid-latent.npy decoded.npy mosaic.png map.png pca-map.png recon-val.npy"

# name size sha of every made file, in a fixed order
sums() {
	(cd fashion && for f in data/*.npy data/classes.txt; do echo "$f"; done &&
		for f in $OUTS; do echo "out/$f"; done) |
		while read -r f; do echo "$f $(sha256sum <"fashion/$f")"; done
}

if [ ! -f $FASHION/train-images-idx3-ubyte.gz ]; then
	test_skip 'projects/fashion pipeline' 'the package dataset-fashion-mnist is not installed'
	test_done
	exit 0
fi

test_expect_success 'make runs the whole pipeline from the committed model' '
	mkdir fashion &&
	cp "$P/Makefile" "$P/project.json" "$P/model.h5" fashion/ &&
	{ $MK >make.log 2>&1 || { cat make.log; exit 1; }; } &&
	for f in $OUTS; do [ -s "fashion/out/$f" ] || { echo "missing out/$f"; exit 1; }; done &&
	for f in x y xval yval; do [ -s "fashion/data/$f.npy" ] || exit 1; done &&
	grep -q "^validation accuracy: " make.log &&
	grep -q "explained variance" make.log
'

test_expect_success 'the files have the shapes the pipeline promises' '
	cd fashion && $PY -c "
import numpy as np
s = lambda f: np.load(f).shape
assert s(\"data/x.npy\") == (4000, 28, 28, 1) and s(\"data/y.npy\") == (4000,)
assert s(\"data/xval.npy\") == (1000, 28, 28, 1) and s(\"data/yval.npy\") == (1000,)
assert s(\"out/latent.npy\") == (4000, 8) and s(\"out/latent-val.npy\") == (1000, 8)
assert s(\"out/xy.npy\") == (4000, 2) and s(\"out/pca-xy.npy\") == (4000, 2)
assert s(\"out/grid.npy\") == (144, 2) and s(\"out/grid-latent.npy\") == (144, 8)
assert s(\"out/decoded.npy\") == (144, 28, 28, 1)
assert s(\"out/recon-val.npy\") == (1000, 28, 28, 1)
y = np.load(\"data/y.npy\"); assert y.dtype == np.int64 and set(y) == set(range(10))
x = np.load(\"data/x.npy\"); assert x.dtype == np.float32 and x.min() == 0 and x.max() == 1
" &&
	[ "$(wc -l <data/classes.txt)" -eq 10 ] &&
	for f in mosaic map pca-map; do
		[ "$(head -c 4 out/$f.png | od -An -c | tr -d " ")" = "211PNG" ] || exit 1
	done
'

test_expect_success 'the probe reaches validation accuracy >= 0.70 on the bottleneck' '
	$PY -c "
import json
a = json.load(open(\"fashion/out/probe.json\"))[\"validation\"][\"accuracy\"]
print(\"validation accuracy\", a)
assert a >= 0.70, a
"
'

test_expect_success 'the reconstruction MSE on the validation images is <= 0.03' '
	$PY -c "
import numpy as np
x = np.load(\"fashion/data/xval.npy\").astype(np.float64)
r = np.load(\"fashion/out/recon-val.npy\").astype(np.float64)
mse = ((x - r) ** 2).mean()
print(\"validation MSE\", mse)
assert mse <= 0.03, mse
"
'

test_expect_success 'a second make does nothing' '
	sums >before &&
	ls -l --time-style=full-iso fashion/out fashion/data >times-before &&
	$MK -q &&
	$MK >again.log 2>&1 &&
	grep -q "Nothing to be done" again.log &&
	! grep -q "/li-[a-z-]* " again.log &&
	ls -l --time-style=full-iso fashion/out fashion/data >times-after &&
	cmp times-before times-after
'

test_expect_success 'new validation images rebuild only what depends on them' '
	touch fashion/data/xval.npy &&
	$MK -n >plan &&
	grep -c "/li-[a-z-]* " plan >n && [ "$(cat n)" -eq 3 ] &&
	grep -q "li-embed.*head.h5 data/xval.npy" plan &&
	grep -q "li-train-lr" plan &&
	grep -q "li-embed.*model.h5 data/xval.npy" plan
'

test_expect_success 'a rebuild after the latent changes writes the same bytes' '
	sleep 1 && touch fashion/out/latent.npy fashion/data/xval.npy &&
	$MK >rebuild.log 2>&1 &&
	grep -q "li-reduce --method umap" rebuild.log &&
	grep -q "li-plot mosaic" rebuild.log &&
	sums >after &&
	cmp before after
'

test_done
