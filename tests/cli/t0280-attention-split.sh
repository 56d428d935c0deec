#!/usr/bin/env bash
# Split points in attention models (the models of tests/conform/attention-cases.py): a
# transformer encoder block's residuals make the attention sub-block and the feed-forward
# sub-block one unit each, as ResNet blocks are (li-layers' split column; li-split and
# --at refuse cuts inside them); at every split point tail(head(x)) is the whole model
# bit for bit; the written parts keep MultiHeadAttention's call (value and key as tf.keras
# 2 saves them, use_causal_mask); a cut that would lose the mask an attention layer uses
# is refused by li-split and li-propagate.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/split-lib.sh"

if ! $PY -c 'import torch' 2>/dev/null; then
	test_skip 'attention split points' 'python3-torch (which writes the models) is not installed'
	test_done
	exit 0
fi

test_expect_success 'the attention models are written' '
	$PY "$LI_TOP/tests/conform/attention-cases.py" c && test -s c/encoder/model.h5
'

test_expect_success 'li-layers: each residual sub-block of the encoder is one unit' '
	li-layers --json c/encoder/model.h5 | $PY -c "
import json, sys
got = [(l[\"name\"], l[\"split\"]) for l in json.load(sys.stdin)[\"layers\"]]
want = [(\"x\", True), (\"mha\", False), (\"add1\", True), (\"ln1\", True),
        (\"ffn1\", False), (\"ffn2\", False), (\"add2\", True), (\"ln2\", True)]
assert got == want, got" &&
	li-layers c/encoder/model.h5 >layers.txt &&
	grep -q "^ *1  mha .* no (x)\$" layers.txt &&
	grep -q "^ *4  ffn1 .* no (ln1)\$" layers.txt
'

test_expect_success 'li-split and --at refuse a cut inside a block' '
	expect_err "li-split: error: c/encoder/model.h5: cannot cut after '"'"'mha'"'"': '"'"'x'"'"' also cross the cut (not a split point; li-layers lists the split points)" \
		li-split c/encoder/model.h5 --at mha --head h.h5 --tail t.h5 &&
	test ! -e h.h5 && test ! -e t.h5 &&
	expect_err "li-split: error: c/encoder/model.h5: cannot cut after '"'"'ffn2'"'"': '"'"'ln1'"'"' also cross the cut (not a split point; li-layers lists the split points)" \
		li-split c/encoder/model.h5 --at ffn2 --head h.h5 --tail t.h5 &&
	li-embed -q c/encoder/model.h5 c/encoder/in0.npy --at ffn1 -o f.npy &&
	expect_err "li-propagate: error: c/encoder/model.h5: cannot cut after '"'"'ffn1'"'"': '"'"'ln1'"'"' also crosses the cut" \
		li-propagate c/encoder/model.h5 --at ffn1 f.npy -o refused.npy &&
	test ! -e refused.npy
'

# split_multi MODEL IN...: split_all for a model of several inputs (li-embed gives the
# whole model's output, as li-propagate takes one input)
split_multi() {
	sm_model=$1
	shift
	li-embed -q "$sm_model" "$@" -o ref.npy || return 1
	sm_n=0
	for sm_r in $(li-layers --json "$sm_model" | $PY -c '
import json, sys
print(" ".join(str(i) for i, l in enumerate(json.load(sys.stdin)["layers"])
               if l["split"] and l["class"] != "InputLayer"))'); do
		rm -f y.npy z.npy hd.h5 tl.h5
		li-split -q "$sm_model" --at "$sm_r" --head hd.h5 --tail tl.h5 &&
		li-embed -q hd.h5 "$@" -o z.npy &&
		li-propagate -q tl.h5 z.npy -o y.npy && cmp -s y.npy ref.npy ||
		{ echo "$sm_model: cut at row $sm_r differs"; return 1; }
		sm_n=$((sm_n + 1))
	done
	echo "$sm_model $sm_n" >>cuts.txt
}

test_expect_success 'every split point: tail(head(x)) is the model, bit for bit' '
	for m in encoder mha_self mha_causal mha_causal_k3 mha_general mha_2d einsum_mha_proj \
		 group_norm rms_norm; do
		split_all c/$m/model.h5 c/$m/in0.npy || exit 1
	done &&
	for m in mha_cross mha_key mha_attention_mask mha_value_masking attention_concat \
		 additive_attention; do
		split_multi c/$m/model.h5 $(ls c/$m/in*.npy) || exit 1
	done &&
	cat cuts.txt &&
	test "$(wc -l <cuts.txt)" = 15 && test "$(grep -c " 0\$" cuts.txt)" = 0
'

test_expect_success 'the parts keep the call: value, key and use_causal_mask as tf.keras 2 saves them' '
	li-split -q c/encoder/model.h5 --at add1 --head h.h5 --tail t.h5 &&
	li-split -q c/mha_causal_k3/model.h5 --at mha --head k.h5 --tail kt.h5 &&
	li-split -q c/mha_attention_mask/model.h5 --at mha --head a.h5 --tail at.h5 &&
	$PY - <<-\PYEOF
	import h5py, json
	def call(path, layer):
	    c = json.loads(h5py.File(path, "r").attrs["model_config"])
	    return [l["inbound_nodes"] for l in c["config"]["layers"] if l["name"] == layer][0]
	assert call("h.h5", "mha") == [[["x", 0, 0, {"value": ["x", 0, 0], "key": ["x", 0, 0]}]]]
	assert call("k.h5", "mha") == [[["x", 0, 0, {"use_causal_mask": True,
	                                            "value": ["x", 0, 0], "key": ["x", 0, 0]}]]]
	assert call("a.h5", "mha") == [[["q", 0, 0, {"value": ["v", 0, 0], "key": ["v", 0, 0],
	                                            "attention_mask": ["m", 0, 0]}]]]
	PYEOF
'

test_expect_success 'the parts run: a part with the causal attention gives the model output' '
	li-embed -q k.h5 c/mha_causal_k3/in0.npy -o k.npy &&
	li-embed -q c/mha_causal_k3/model.h5 c/mha_causal_k3/in0.npy -o w.npy && cmp k.npy w.npy
'

test_expect_success 'a cut that would lose the mask attention uses is refused' '
	expect_err "li-split: error: t.h5: the cut loses the mask that '"'"'emb'"'"' makes and '"'"'mha'"'"' uses" \
		li-split c/mha_embed_mask/model.h5 --at emb --head h2.h5 --tail t.h5 &&
	test ! -e h2.h5 &&
	li-embed -q c/encoder_masked/model.h5 c/encoder_masked/in0.npy --at ln1 -o l.npy &&
	expect_err "li-propagate: error: c/encoder_masked/model.h5: the cut loses the mask that '"'"'emb'"'"' makes and '"'"'mha2'"'"' uses" \
		li-propagate c/encoder_masked/model.h5 --at ln1 l.npy -o refused.npy &&
	test ! -e refused.npy
'

test_done
