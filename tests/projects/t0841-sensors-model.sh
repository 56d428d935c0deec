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

# train.js adds the convolution gradients the wasm backend lacks; they must be the cpu
# backend's (strides 1, 2, 3, 5; padding same and valid; kernels 3 to 7), within 1e-5 of
# each gradient's largest magnitude (float32 sums in another order).
test_expect_success 'the wasm convolution gradients of train.js equal the cpu backend ones' '
	cat >grads.js <<-\JSEOF &&
	const path = require("path");
	const tf = require(path.join(process.env.TFJS, "node_modules", "@tensorflow", "tfjs"));
	const {registerConvGrads} = require(process.env.TRAIN);
	async function grads(backend, s, pad, k) {
	  await tf.setBackend(backend);
	  const x = tf.tensor(Array.from({length: 3 * 40 * 6}, (_, i) => Math.sin(i * 0.37)), [3, 40, 6]);
	  const w = tf.tensor(Array.from({length: k * 6 * 5}, (_, i) => Math.cos(i * 0.11)), [k, 6, 5]);
	  const g = tf.grads((x, w) => tf.conv1d(x, w, s, pad).square().sum())([x, w]);
	  return [g[0].dataSync(), g[1].dataSync()];
	}
	(async () => {
	  registerConvGrads();
	  let worst = 0;
	  for (const [s, pad, k] of [[2, "same", 7], [5, "same", 5], [1, "valid", 3], [3, "valid", 4]]) {
	    const a = await grads("cpu", s, pad, k), b = await grads("wasm", s, pad, k);
	    for (let j = 0; j < 2; j++) {
	      const scale = Math.max(...a[j].map(Math.abs));
	      for (let i = 0; i < a[j].length; i++)
	        worst = Math.max(worst, Math.abs(a[j][i] - b[j][i]) / scale);
	    }
	  }
	  console.log("worst", worst);
	  process.exit(worst <= 1e-5 ? 0 : 1);
	})();
	JSEOF
	TFJS="$LI_TOP/scripts/tfjs" TRAIN="$P/train.js" node grads.js 2>/dev/null
'

test_done
