#!/usr/bin/env bash
# projects/sensors/model.h5, the committed autoencoder: small, cut at its bottleneck,
# the li-convert output of the committed TF.js model, and the engine computes what
# TensorFlow.js computes with it (cpu backend, within 1e-5 relative, 1e-5 near zero).
. "$(dirname "$0")/../lib.sh"

P=$LI_TOP/projects/sensors

test_expect_success 'the model is committed, small, and splits at the bottleneck' '
	test -s "$P/model.h5" &&
	test $(wc -c <"$P/model.h5") -lt 1000000 &&
	li-layers "$P/model.h5" >layers &&
	grep -E "^ +4 +bottleneck +Dense +\(8,\) +[0-9]+ +yes$" layers &&
	grep -E "^ +9 +window +Reshape +\(100, 6\)" layers
'

test_expect_success 'model.h5 is li-convert of the committed TF.js model' '
	li-convert "$P/tfjs/model.json" -o again.h5 &&
	cmp "$P/model.h5" again.h5 &&
	test "$(stat -c %a again.h5)" = 644
'

test_expect_success 'head and tail compose to the model' '
	$PY "$P/gen-data.py" d --windows 1 --seed 5 &&
	li-split "$P/model.h5" --at bottleneck --head head.h5 --tail tail.h5 &&
	li-embed -q "$P/model.h5" d/val-x.npy -o whole.npy &&
	li-embed -q head.h5 d/val-x.npy | li-propagate -q tail.h5 -o parts.npy &&
	cmp whole.npy parts.npy
'

if ! "$LI_TOP/scripts/tfjs/setup" >/dev/null 2>&1; then
	test_skip 'the engine against TF.js' 'TF.js is not installed (scripts/tfjs/setup failed)'
	test_done
	exit 0
fi

test_expect_success 'the engine computes what TF.js computes (output and bottleneck)' '
	node "$P/predict.js" "$P/tfjs/model.json" d/val-x.npy tf-out.npy 2>/dev/null &&
	node "$P/predict.js" "$P/tfjs/model.json" d/val-x.npy tf-code.npy --at bottleneck 2>/dev/null &&
	li-embed -q --at bottleneck "$P/model.h5" d/val-x.npy -o code.npy &&
	$PY - <<-\PYEOF
	import numpy as np
	for ours, theirs in (("whole", "tf-out"), ("code", "tf-code")):
	    a, b = np.load(ours + ".npy"), np.load(theirs + ".npy")
	    assert a.shape == b.shape and a.shape[0] == 42, (a.shape, b.shape)
	    err = np.abs(a - b) / (1 + np.abs(b))
	    assert err.max() <= 1e-5, (ours, err.max())
	PYEOF
'

test_done
