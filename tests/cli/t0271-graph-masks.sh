#!/usr/bin/env bash
# Keras masks along the graph and rank-3 latents, against TensorFlow.js (cpu backend) on
# models made by scripts/tfjs/make-models.js: embmask (Embedding mask_zero -> Dropout ->
# Dense -> LSTM returning sequences -> Bidirectional GRU), maskgru (Masking ->
# TimeDistributed(Dense) -> GRU), seqrnn (a cut after an LSTM returning sequences).
. "$(dirname "$0")/../lib.sh"

. "$LI_TOP/tests/tools/tfjs_models.sh"
if ! tfjs_models; then
	test_skip 'masks and rank-3 latents' 'TensorFlow.js is not installed (scripts/tfjs/setup)'
	test_done
	exit 0
fi

close() { # a b: same shape, within 1e-5 relative / 1e-5 absolute
	$PY - "$1" "$2" <<'PYEOF'
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
if a.shape != b.shape:
    sys.exit("%s: shape %s, expected %s" % (sys.argv[1], a.shape, b.shape))
if not np.allclose(a, b, rtol=1e-5, atol=1e-5):
    sys.exit("%s: max difference %g" % (sys.argv[1], np.abs(a - b).max()))
PYEOF
}

test_expect_success 'masked models match TF.js, and the masks matter' '
	for m in embmask maskgru; do
		li-embed -q mm/$m/model.json mm/$m/input_0.npy -o out.npy &&
		close out.npy mm/$m/expected_0.npy || { echo "$m"; exit 1; }
	done &&
	mkdir nomask && cp mm/embmask/weights.bin nomask/ &&
	sed "s/\"mask_zero\": *true/\"mask_zero\": false/" mm/embmask/model.json >nomask/model.json &&
	! cmp -s mm/embmask/model.json nomask/model.json &&
	li-embed -q nomask/model.json mm/embmask/input_0.npy -o un.npy &&
	! close un.npy mm/embmask/expected_0.npy 2>/dev/null
'

test_expect_success 'activations up to each layer (masks carried to the cut) match TF.js' '
	for c in embmask:proj embmask:lstm embmask:bidi maskgru:td maskgru:gru seqrnn:lstm; do
		m=${c%%:*} l=${c#*:}
		li-embed -q mm/$m/model.json mm/$m/input_0.npy --at $l -o at.npy &&
		close at.npy mm/$m/at_$l.npy || { echo "$c"; exit 1; }
	done
'

test_expect_success 'a cut after which Keras would still use a mask is refused' '
	expect_err "li-propagate: error: mm/embmask/model.json: the cut loses the mask that '"'"'emb'"'"' makes and '"'"'lstm'"'"' uses" \
		li-propagate mm/embmask/model.json --at proj mm/embmask/at_proj.npy -o refused.npy &&
	test ! -e refused.npy &&
	expect_err "li-propagate: error: mm/maskgru/model.json: the cut loses the mask that '"'"'mask'"'"' makes and '"'"'gru'"'"' uses" \
		li-propagate mm/maskgru/model.json --at td mm/maskgru/at_td.npy -o refused.npy &&
	test ! -e refused.npy &&
	li-propagate -q mm/embmask/model.json --at bidi mm/embmask/at_bidi.npy -o out.npy &&
	close out.npy mm/embmask/expected_0.npy
'

# The tail run in batches of 3 (piped) is compared within float32 rounding: its GEMMs have
# other shapes than the whole run's batch of 7. The other runs use the same batches: cmp.
test_expect_success 'rank-3 latents: a cut after an LSTM returning sequences, head + tail = whole' '
	li-embed -q mm/seqrnn/model.json mm/seqrnn/input_0.npy --at lstm -o head.npy &&
	$PY -c "import numpy as np; assert np.load(\"head.npy\").shape == (7, 5, 4)" &&
	li-propagate -q mm/seqrnn/model.json --at lstm head.npy -o tail.npy &&
	li-embed -q mm/seqrnn/model.json mm/seqrnn/input_0.npy -o whole.npy &&
	cmp tail.npy whole.npy && close whole.npy mm/seqrnn/expected_0.npy &&
	li-propagate -q mm/seqrnn/model.json --at lstm mm/seqrnn/at_lstm.npy -o t2.npy &&
	close t2.npy mm/seqrnn/expected_0.npy &&
	li-embed -q mm/seqrnn/model.json mm/seqrnn/input_0.npy --at lstm |
		li-propagate -q mm/seqrnn/model.json --at lstm --batch 3 >piped.npy &&
	npy_close piped.npy whole.npy &&
	li-convert head.npy -o head.json &&
	li-propagate -q mm/seqrnn/model.json --at lstm head.json -o tj.npy && cmp tj.npy whole.npy &&
	li-propagate -q --shard 0/2 mm/seqrnn/model.json --at lstm head.npy -o s0.npy &&
	li-propagate -q --shard 1/2 mm/seqrnn/model.json --at lstm head.npy -o s1.npy &&
	li-cat s0.npy s1.npy -o s.npy && cmp s.npy whole.npy
'

test_expect_success '--carry-state on a model without state changes nothing' '
	li-embed -q --carry-state mm/seq/model.json mm/seq/input_0.npy -o a.npy &&
	li-embed -q mm/seq/model.json mm/seq/input_0.npy -o b.npy && cmp a.npy b.npy
'

test_expect_success '--carry-state: the second batch continues the first (state kept per row)' '
	li-cat mm/seqrnn/input_0.npy mm/seqrnn/input_0.npy -o twice.npy &&
	li-embed -q --batch 7 mm/seqrnn/model.json twice.npy -o plain.npy &&
	li-embed -q --batch 7 --carry-state mm/seqrnn/model.json twice.npy -o carried.npy &&
	$PY -c "
import numpy as np
p, c = np.load(\"plain.npy\"), np.load(\"carried.npy\")
assert np.array_equal(p[:7], c[:7]) and np.array_equal(p[7:], p[:7])
assert not np.allclose(c[7:], p[7:])"
'

test_done
