#!/usr/bin/env bash
# Models nested deeply inside each other: up to 63 levels load and run (relu at the
# bottom, checked against numpy); deeper ones get one line naming the limit, in every
# program that reads models (they used to write past a 64-slot path: a double free at
# 67 levels, a segfault at 68).
. "$(dirname "$0")/../lib.sh"

# nest DEPTH FILE: x(3) -> m1 -> m2 -> ... -> mDEPTH, each a Functional model of one
# InputLayer and the next, the innermost holding a ReLU (tests/tools/kerash5.py)
nest() {
	$PY - "$1" "$2" "$LI_TOP/tests/tools" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[3])
import kerash5
depth, path = int(sys.argv[1]), sys.argv[2]
def model(d):
    inp = {"name": "in%d" % d, "class_name": "InputLayer", "inbound_nodes": [],
           "config": {"name": "in%d" % d, "batch_input_shape": [None, 3], "dtype": "float32"}}
    if d == depth:
        child = {"name": "relu", "class_name": "ReLU", "config": {"name": "relu"}}
    else:
        child = {"name": "m%d" % (d + 1), "class_name": "Functional", "config": model(d + 1)}
    child["inbound_nodes"] = [[["in%d" % d, 0, 0, {}]]]
    return {"name": "m%d" % d, "layers": [inp, child], "input_layers": [["in%d" % d, 0, 0]],
            "output_layers": [[child["name"], 0, 0]]}
kerash5.save(path, [3], [("m1", "Functional", model(1))], {})
PYEOF
}

test_expect_success 'a model nested 63 levels deep loads and runs' '
	nest 63 deep63.h5 &&
	$PY -c "import numpy as np; np.save(\"x.npy\", np.array([[-1, 0.5, 2], [3, -4, 0]], \"f4\"))" &&
	li-layers deep63.h5 >layers.txt &&
	grep -q "m1/m2/.*/m63/relu" layers.txt &&
	li-embed deep63.h5 x.npy -o y.npy &&
	$PY -c "
import numpy as np
x = np.load(\"x.npy\"); y = np.load(\"y.npy\")
assert y.shape == x.shape and (y == np.maximum(x, 0)).all(), y
"
'

line="error: deep.h5: nested model 'm64': models nest more than 63 levels deep (the limit)"
for d in 64 67 68 80; do
	depth=$d
	test_expect_success "nested $d levels: one line naming the limit, in every model reader" '
		nest $depth deep.h5 &&
		expect_err "li-layers: $line" li-layers deep.h5 &&
		expect_err "li-embed: $line" li-embed deep.h5 x.npy -o z.npy &&
		test ! -e z.npy &&
		expect_err "li-convert: $line" li-convert deep.h5 -o c.h5 &&
		test ! -e c.h5 &&
		mkdir -p proj && cp deep.h5 x.npy proj/ &&
		echo "{\"model\": \"deep.h5\", \"data\": \"x.npy\"}" >proj/project.json &&
		must_fail 1 li-inspect proj --no-window 2>err.txt </dev/null &&
		test $(wc -l <err.txt) -eq 1 &&
		{ grep -q "^li-inspect: error: .*deep.h5: nested model .*models nest more than 63 levels deep" err.txt ||
		  { cat err.txt; false; }; }
	'
done

test_done
