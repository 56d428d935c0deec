#!/usr/bin/env bash
# MultiHeadAttention, Attention, AdditiveAttention, EinsumDense, GroupNormalization and
# UnitNormalization against oracles that are not our code (tests/conform/attention-cases.py):
# PyTorch's nn.MultiheadAttention with the Keras weights reshaped (self- and
# cross-attention, a separate key, an attention_mask input, use_causal_mask in the tf.keras
# 2 and the Keras 3 call forms, a value masked by Masking), torch.einsum from Keras'
# computation (value_dim != key_dim, output_shape, no bias, two attention axes, masks
# propagated from Embedding(mask_zero=True)), a transformer encoder block (PyTorch), and
# numpy by hand for the others. Each model is an .h5 in the form tf.keras 2.11 (or Keras 3)
# saves, run by li-embed; outputs within 1e-5 relative. A perturbed weight makes each
# case with weights fail. Each model converted to Keras 3's .keras by li-convert still
# gives the oracle's output, so the call's keyword tensors (value, key, attention_mask)
# and options (use_causal_mask) survive the zip, as does an Embedding's vocabulary; the
# encoder split as a .keras gives .keras parts whose composition is the whole model.
. "$(dirname "$0")/../lib.sh"

if ! $PY -c 'import torch' 2>/dev/null; then
	test_skip 'attention oracles' 'python3-torch is not installed'
	test_done
	exit 0
fi
C=$LI_TOP/tests/conform

test_expect_success 'PyTorch and numpy write the cases' '
	$PY $C/attention-cases.py cases && test "$(ls cases | wc -l)" -ge 32
'

for d in cases/*/; do
	n=$(basename $d)
	test_expect_success "$n: li-embed gives the oracle's output" '
		li-embed -q $d/model.h5 $(ls $d/in*.npy) -o $n.npy &&
		$PY $C/attention-check.py $n.npy $d/expected.npy
	'
	test_expect_success "$n: as .keras too" '
		li-convert $d/model.h5 -o $n.keras &&
		head -c 2 $n.keras | grep -q PK &&
		li-embed -q $n.keras $(ls $d/in*.npy) -o $n-k.npy &&
		$PY $C/attention-check.py $n-k.npy $d/expected.npy
	'
done

test_expect_success 'the encoder as .keras splits into .keras parts that compose' '
	li-convert cases/encoder/model.h5 -o enc.keras &&
	li-split -q enc.keras --at ln1 --head h.keras --tail t.keras &&
	head -c 2 h.keras | grep -q PK && head -c 2 t.keras | grep -q PK &&
	li-embed -q h.keras $(ls cases/encoder/in*.npy) -o z.npy &&
	li-propagate -q t.keras z.npy -o y.npy &&
	li-embed -q enc.keras $(ls cases/encoder/in*.npy) -o whole.npy &&
	cmp y.npy whole.npy
'

test_expect_success 'a perturbed weight makes each case with weights fail' '
	for d in cases/*/; do
		n=$(basename $d)
		layer=$($PY -c "import h5py, sys
f = h5py.File(sys.argv[1], \"r\")[\"model_weights\"]
print(next((k for k in f if len(f[k].attrs[\"weight_names\"])), \"\"))" $d/model.h5)
		[ -n "$layer" ] || continue
		$PY $C/perturb-h5.py $d/model.h5 bad.h5 $layer &&
		li-embed -q bad.h5 $(ls $d/in*.npy) -o bad.npy &&
		$PY $C/attention-check.py --mutate bad.npy $d/expected.npy >/dev/null ||
		{ echo "$n: the perturbed model still passes"; exit 1; }
	done
'

test_expect_success 'without the causal mask the causal case fails (the option is read)' '
	$PY - cases/mha_causal/model.h5 nocausal.h5 <<-\PYEOF &&
	import h5py, json, shutil, sys
	shutil.copyfile(sys.argv[1], sys.argv[2])
	f = h5py.File(sys.argv[2], "r+")
	c = json.loads(f.attrs["model_config"])
	for l in c["config"]["layers"]:
	    for node in l["inbound_nodes"]:
	        for e in node:
	            e[3].pop("use_causal_mask", None)
	f.attrs["model_config"] = json.dumps(c)
	PYEOF
	li-embed -q nocausal.h5 cases/mha_causal/in0.npy -o nc.npy &&
	$PY $C/attention-check.py --mutate nc.npy cases/mha_causal/expected.npy
'

test_done
