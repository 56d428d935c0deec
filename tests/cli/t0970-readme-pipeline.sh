#!/usr/bin/env bash
# The README's "pipeline in 30 seconds" runs as written (all but its interactive last
# line), on a small dense autoencoder with a layer named "code" made here, and each step
# leaves what the README says it does.
. "$(dirname "$0")/../lib.sh"

$PY - <<'PYEOF'
import os, sys
import numpy as np
sys.path.insert(0, os.environ["LI_TOP"] + "/tests/tools")
import kerash5
rng = np.random.default_rng(3)
def dense(n_in, n_out):
    return {"kernel": rng.normal(0, 1 / np.sqrt(n_in), (n_in, n_out)), "bias": np.zeros(n_out)}
layers = [("enc", "Dense", {"units": 32, "activation": "relu", "use_bias": True}),
          ("code", "Dense", {"units": 8, "activation": "linear", "use_bias": True}),
          ("dec", "Dense", {"units": 32, "activation": "relu", "use_bias": True}),
          ("out", "Dense", {"units": 784, "activation": "sigmoid", "use_bias": True})]
kerash5.save("model.h5", [784], layers,
             {"enc": dense(784, 32), "code": dense(32, 8), "dec": dense(8, 32), "out": dense(32, 784)})
x = rng.random((300, 784)).astype("f4")
x[:100, :392] += 1; x[100:200, 392:] += 1
np.save("x.npy", x)
np.save("y.npy", np.repeat(np.arange(3), 100))
PYEOF

# the sh block under "## A pipeline in 30 seconds", continuation lines joined
sed -n '/^## A pipeline in 30 seconds/,/^## /p' "$LI_TOP/README.md" |
	sed -n '/^```sh$/,/^```$/p' | grep -v '^```' | sed 's/  *# .*//' |
	awk '/(\||\\)[[:space:]]*$/ { sub(/\\[[:space:]]*$/, ""); cur = cur $0 " "; next }
	     { print cur $0; cur = "" }' >pipeline.sh

test_expect_success 'the README has the pipeline, ending with li-inspect' '
	test "$(wc -l <pipeline.sh)" -eq 8 &&
	tail -1 pipeline.sh | grep -q "^li-inspect projects/mnist"
'

test_expect_success 'it runs as written (the interactive last line left out)' '
	head -n -1 pipeline.sh >run.sh &&
	bash -e -o pipefail run.sh >stdout.txt 2>stderr.txt
'

test_expect_success 'each step left what the README says' '
	test -s head.h5 && test -s tail.h5 && test -s map.h5 && test -s probe.h5 &&
	$PY -c "
import numpy as np
assert np.load(\"latent.npy\").shape == (300, 8)
assert np.load(\"xy.npy\").shape == (300, 2)
far = np.load(\"far.npy\")
assert far.shape == (6, 8) and np.isfinite(far).all(), far.shape
" &&
	file decoded.png | grep -q "PNG image" &&
	grep -q "^    2  code  Dense" stdout.txt && tail -6 stdout.txt >names.txt &&
	test "$(grep -cx "[012]" names.txt)" -eq 6
'

test_done
