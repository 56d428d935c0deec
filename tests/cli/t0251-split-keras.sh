#!/usr/bin/env bash
# li-split and model conversion on real Keras files (tests/fixtures/keras: keras2c's 2.2
# and Keras 3 files, a Keras 3 MNIST CNN; and dl4j's Keras 1.1/1.2 (TensorFlow and
# Theano), 2.1 and 2.3 files from ../shared/fixtures when it is there: no licence stated,
# so not in the repository). At every split point the tail run on the head's output
# equals the whole model bit for bit (the same batches through the same layers), and the
# files have the layout of tf.keras 2.4.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/split-lib.sh"

K=$FIXTURES/keras
DL=
if require_shared 2>/dev/null && [ -d "$SHARED/fixtures/keras/dl4j" ]; then
	DL=$SHARED/fixtures/keras
else
	test_skip 'dl4j model files (KonduitAI/dl4j-test-resources)' "$UNLICENSED_WHY"
fi
REF=$(ls $K/kerasjs/core.Dense.*/synth_model.h5 | head -1)

models() { # every real model file with its input
	for h in $(cd $K && find keras2c keras3-mnist-cnn -name "*.h5" | sort | sed "s|^|$K/|") \
		$([ -n "$DL" ] && cd $DL && find dl4j -name "*.h5" | sort | sed "s|^|$DL/|"); do
		d=$(dirname $h)
		if [ -f $d/input.npy ]; then echo "$h:$d/input.npy"; else echo "$h:$d/input_0.npy"; fi
	done
}

test_expect_success 'every split point of every real model: tail(head(x)) is the model, bit for bit' '
	for c in $(models); do
		split_all ${c%%:*} ${c#*:} || exit 1
	done &&
	cat cuts.txt &&
	test "$(wc -l <cuts.txt)" -ge $([ -n "$DL" ] && echo 19 || echo 3) &&
	test "$(grep -c " 0\$" cuts.txt)" = 0
'

test_expect_success 'conversion to tf.keras 2.4 .h5 keeps the outputs; the parts split again' '
	for c in $(models); do
		m=${c%%:*} x=${c#*:}
		li-convert $m -o c.h5 &&
		li-propagate -q $m $x -o a.npy && li-propagate -q c.h5 $x -o b.npy && cmp a.npy b.npy &&
		layout_check c.h5 "$REF" || { echo $m; exit 1; }
		case $m in *keras_1*|*keras3*) split_all c.h5 $x || exit 1;; esac
	done
'

test_expect_success 'the parts have the tf.keras 2.4 layout; keras_version and backend are kept' '
	for c in $(models); do
		m=${c%%:*}
		li-split -q $m --at 1 --head h.h5 --tail t.h5 &&
		layout_check h.h5 "$REF" && layout_check t.h5 "$REF" &&
		$PY - $m h.h5 t.h5 <<-\PYEOF || { echo $m; exit 1; }
		import h5py, sys
		src = h5py.File(sys.argv[1], "r")
		def attr(f, n):
		    v = f.attrs.get(n)
		    if v is None and "model_weights" in f:
		        v = f["model_weights"].attrs.get(n)
		    return v.decode() if isinstance(v, bytes) else v
		for p in sys.argv[2:]:
		    f = h5py.File(p, "r")
		    assert attr(f, "keras_version") == (attr(src, "keras_version") or "1"), p
		    assert attr(f, "backend") == (attr(src, "backend") or "tensorflow"), p
		PYEOF
	done
'

[ -n "$DL" ] && test_expect_success 'Keras 1 files are written in the Keras 2 dialect' '
	li-convert $DL/dl4j/keras1/cnn_tf_keras_1_1_2/model.h5 -o k1.h5 &&
	li-convert $DL/dl4j/simple_lstm/simple_lstm_th_keras_1/model.h5 -o th.h5 &&
	$PY - <<-\PYEOF
	import h5py, json
	for p in ("k1.h5", "th.h5"):
	    c = json.loads(h5py.File(p, "r").attrs["model_config"])
	    for l in c["config"]["layers"]:
	        k = l["config"]
	        assert l["class_name"] not in ("Convolution2D", "Merge"), l["class_name"]
	        for old in ("nb_filter", "nb_row", "border_mode", "subsample", "dim_ordering",
	                    "output_dim", "inner_activation", "init", "W_regularizer", "p"):
	            assert old not in k, (p, l["class_name"], old)
	        if l["class_name"] == "Conv2D":
	            assert len(k["kernel_size"]) == 2 and k["padding"] == "valid", k
	            r = k["kernel_regularizer"]
	            assert r is None or r["class_name"] == "L1L2", r
	            assert k["data_format"] == "channels_last", k
	        if l["class_name"] == "LSTM":
	            assert k["units"] == 50 and k["recurrent_activation"] == "hard_sigmoid", k
	    assert h5py.File(p, "r").attrs["keras_version"].startswith("1.")
	PYEOF
'

test_expect_success 'the same input gives the same bytes' '
	m=$K/keras3-mnist-cnn/model.h5 &&
	li-split -q $m --at 3 --head h1.h5 --tail t1.h5 &&
	li-split -q $m --at 3 --head h2.h5 --tail t2.h5 &&
	cmp h1.h5 h2.h5 && cmp t1.h5 t2.h5 &&
	li-convert $m -o c1.h5 && li-convert $m -o c2.h5 && cmp c1.h5 c2.h5
'

test_done
