#!/usr/bin/env bash
# The committed model of projects/fashion: a small convolutional autoencoder whose
# model.h5 is exactly li-convert's conversion of the committed TF.js model (tfjs/), and
# whose outputs and bottleneck activations in our engine equal TensorFlow.js's (cpu
# backend) within 1e-5 (relative; absolute where |value| < 1, as SPEC allows near zero)
# on validation images and on noise. The manifest names files the setup makes and a
# layer the model has.
. "$(dirname "$0")/../lib.sh"

P=$LI_TOP/projects/fashion
FASHION=/usr/share/datasets/fashion-mnist
TFJS=$LI_TOP/scripts/tfjs/node_modules/@tensorflow/tfjs

test_expect_success 'model.h5 is the conversion of tfjs/model.json, byte for byte, under 1 MB' '
	li-convert -q "$P/tfjs/model.json" -o m.h5 &&
	cmp m.h5 "$P/model.h5" &&
	[ "$(wc -c <"$P/model.h5")" -lt 1000000 ]
'

test_expect_success 'a convolutional autoencoder with an 8-unit Dense bottleneck, a split point' '
	li-layers "$P/model.h5" >layers &&
	grep -q " bottleneck  *Dense  *(8,) .* yes$" layers &&
	grep -q " Conv2D " layers && grep -q " MaxPooling2D " layers &&
	grep -q " UpSampling2D " layers && grep -q " Reshape " layers &&
	grep -q " decoded .* (28, 28, 1) " layers
'

test_expect_success 'project.json: the keys of li-project(5), a layer the model has' '
	$PY -c "
import json, sys
p = json.load(open(sys.argv[1] + \"/project.json\"))
assert p[\"model\"] == \"model.h5\" and p[\"data\"] == \"data/x.npy\"
assert p[\"validation\"] == {\"data\": \"data/xval.npy\", \"labels\": \"data/yval.npy\"}
assert p[\"labels\"] == \"data/y.npy\" and p[\"classes\"] == \"data/classes.txt\"
assert p[\"render\"] == {\"kind\": \"image\", \"shape\": [28, 28]}
assert p[\"at\"] == \"bottleneck\" and p[\"method\"] in (\"umap\", \"pca\", \"tsne\")
" "$P" &&
	grep -q "^data/x.npy:" "$P/Makefile" && grep -q "^data/xval.npy:" "$P/Makefile" &&
	grep -q "^data/classes.txt:" "$P/Makefile"
'

if [ ! -d "$TFJS" ]; then
	test_skip 'engine equals TF.js on the trained model' 'scripts/tfjs/node_modules is missing (scripts/tfjs/setup)'
	test_done
	exit 0
fi

test_expect_success 'rows: 12 validation images (or noise without the data set) and 4 noise images' '
	if [ -f $FASHION/t10k-images-idx3-ubyte.gz ]; then
		li-convert -q $FASHION/t10k-images-idx3-ubyte.gz --rows 100:112 --dtype float32 \
			--scale 0.00392156862745098 --reshape 28,28,1 -o img.npy
	else
		$PY -c "import numpy as np; np.save(\"img.npy\", np.random.RandomState(2).rand(12, 28, 28, 1).astype(np.float32))"
	fi &&
	$PY -c "
import numpy as np
x = np.concatenate([np.load(\"img.npy\"), np.random.RandomState(1).rand(4, 28, 28, 1).astype(np.float32)])
np.save(\"x.npy\", x)
"
'

test_expect_success 'engine output and bottleneck equal TF.js (cpu) within 1e-5 (relative; absolute below 1)' '
	node "$P/train.js" predict "$P/tfjs/model.json" x.npy want-out.npy &&
	node "$P/train.js" predict "$P/tfjs/model.json" x.npy want-z.npy bottleneck &&
	li-embed -q "$P/model.h5" x.npy -o got-out.npy &&
	li-embed -q "$P/model.h5" --at bottleneck x.npy -o got-z.npy &&
	$PY -c "
import numpy as np
for n in (\"out\", \"z\"):
    g, w = np.load(\"got-%s.npy\" % n), np.load(\"want-%s.npy\" % n)
    assert g.shape == w.shape and g.dtype == np.float32, (g.shape, w.shape)
    # relative where |w| >= 1, absolute below (SPEC: absolute 1e-5 near zero)
    err = np.abs(g.astype(np.float64) - w) / np.maximum(np.abs(w), 1)
    print(n, g.shape, \"max error\", err.max(), \"max |w|\", np.abs(w).max())
    assert err.max() <= 1e-5, err.max()
"
'

test_done
