#!/usr/bin/env bash
# What we write as .keras is what Keras 3's loader reads: Keras cannot run here, so an
# independent reader written from saving_lib.py's rules (tests/tools/keras3_reader.py:
# zipfile + h5py + numpy, none of our code) loads each file we write and runs it; its
# outputs must meet ours within 1e-5. Cases: the real Keras 3 MNIST CNN split into .keras
# parts, and models built as tf.keras 2.4 .h5 files (tests/tools/keras3_cases.py: a
# residual CNN with BatchNormalization, Add and Concatenate; Bidirectional(LSTM), GRU and
# TimeDistributed(Dense)) converted to .keras, split, and converted back.
. "$(dirname "$0")/../lib.sh"
FX=$LI_TOP/tests/fixtures/keras3
MN=$FX/mnist-cnn-keras3.1.1-moonflower
READER=$LI_TOP/tests/tools/keras3_reader.py

cat >close.py <<'PYEOF'
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
assert a.shape == b.shape, (a.shape, b.shape)
d = np.abs(a.astype(np.float64) - b).max()
assert d <= 1e-5, "max |diff| %g" % d
PYEOF

test_expect_success 'setup: the test models' '
	$PY "$LI_TOP/tests/tools/keras3_cases.py" . &&
	cp "$MN/model.keras" mnist.keras && cp "$MN/input.npy" mnist.x.npy
'

test_expect_success 'MNIST .keras split at flatten: .keras parts the reader runs' '
	li-split mnist.keras --at flatten &&
	test -f mnist.head.keras && test -f mnist.tail.keras &&
	li-embed -q mnist.head.keras mnist.x.npy -o h.npy &&
	$PY "$READER" mnist.head.keras mnist.x.npy rh.npy && $PY close.py rh.npy h.npy &&
	li-propagate -q mnist.tail.keras h.npy -o t.npy &&
	$PY "$READER" mnist.tail.keras h.npy rt.npy && $PY close.py rt.npy t.npy &&
	$PY close.py t.npy "$MN/expected.npy"
'

for c in resnet seq; do
	test_expect_success "$c: .h5 -> .keras, the reader meets our outputs" "
		li-convert $c.h5 -o $c.keras &&
		li-embed -q $c.h5 $c.x.npy -o $c.h5.npy &&
		li-embed -q $c.keras $c.x.npy -o $c.keras.npy &&
		cmp $c.h5.npy $c.keras.npy &&
		\$PY \"\$READER\" $c.keras $c.x.npy $c.ref.npy && \$PY close.py $c.ref.npy $c.keras.npy
	"
	test_expect_success "$c: .keras -> .h5 -> .keras round trip, same outputs and bytes" "
		li-convert $c.keras -o $c.back.h5 &&
		li-embed -q $c.back.h5 $c.x.npy -o $c.back.npy && cmp $c.back.npy $c.h5.npy &&
		li-convert $c.back.h5 -o $c.again.keras &&
		unzip -p $c.keras model.weights.h5 >w1 && unzip -p $c.again.keras model.weights.h5 >w2 &&
		cmp w1 w2
	"
done

test_expect_success 'resnet: a cut inside the residual unit is refused, after it works' '
	must_fail 1 li-split resnet.keras --at c2 2>err.txt &&
	grep -q "cannot cut after .c2." err.txt && test ! -e resnet.head.keras &&
	li-split resnet.keras --at flat &&
	li-embed -q resnet.head.keras resnet.x.npy -o rh.npy &&
	li-propagate -q resnet.tail.keras rh.npy -o rt.npy && $PY close.py rt.npy resnet.keras.npy &&
	$PY "$READER" resnet.head.keras resnet.x.npy rrh.npy && $PY close.py rrh.npy rh.npy &&
	$PY "$READER" resnet.tail.keras rh.npy rrt.npy && $PY close.py rrt.npy rt.npy
'

test_expect_success 'seq: split after the Bidirectional layer, both parts read back' '
	li-split seq.keras --at bi &&
	li-embed -q seq.head.keras seq.x.npy -o sh.npy &&
	li-propagate -q seq.tail.keras sh.npy -o st.npy && $PY close.py st.npy seq.keras.npy &&
	$PY "$READER" seq.head.keras seq.x.npy rsh.npy && $PY close.py rsh.npy sh.npy &&
	$PY "$READER" seq.tail.keras sh.npy rst.npy && $PY close.py rst.npy st.npy
'

test_expect_success 'a probe saved as .keras: the reader gives its probabilities' '
	$PY -c "
import numpy as np
r = np.random.default_rng(1); x = r.normal(size=(80, 6)).astype(np.float32)
np.save(\"lx.npy\", x); np.save(\"ly.npy\", (x[:, 0] + x[:, 1] > 0).astype(np.int64))" &&
	li-train-lr -q lx.npy ly.npy -o probe.keras &&
	li-propagate -q probe.keras lx.npy -o p.npy &&
	$PY "$READER" probe.keras lx.npy rp.npy && $PY close.py rp.npy p.npy
'
test_done
