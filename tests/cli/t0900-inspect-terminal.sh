#!/usr/bin/env bash
# li-inspect without a window: commands piped in; what it prints for a point equals
# li-invert | li-propagate at the same coordinates; "save" grows the labeled data set by
# exactly the saved points, with their labels and coordinates; the preparation is cached
# (the second start loads it) and keyed by the method; errors inside the loop are shown
# and the loop goes on.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/inspect-lib.sh"
unset DISPLAY

test_expect_success 'setup: a project folder' '
	make_project proj && cp -r proj nums &&
	$PY -c "
import json; m = json.load(open(\"nums/project.json\")); m[\"render\"] = {\"kind\": \"numbers\"}
json.dump(m, open(\"nums/project.json\", \"w\"))"
'

test_expect_success 'first start prepares: the cut with the smallest latent, the map, the probe' '
	echo quit | li-inspect nums 2>err >out &&
	grep -q "^li-inspect: no DISPLAY: commands from standard input" err &&
	grep -q "^li-inspect: cut at .code. (the split point with the smallest latent, 3 numbers" err &&
	grep -q "^li-inspect: probe: 3 classes" err &&
	grep -q "^li-inspect: prepared and cached in nums/.li-inspect/" err &&
	grep -q "^li-inspect: pca (eig) of 180 x 3 to 2-D" err &&
	test -s $(cache_map nums) && ! test -s out
'

test_expect_success 'second start loads the cache' '
	echo quit | li-inspect nums 2>err &&
	grep -q "^li-inspect: using the preparation cached in nums/.li-inspect/" err &&
	! grep -q "prepared" err && test $(ls nums/.li-inspect | wc -l) = 1
'

# li-inspect runs one point at a time, li-invert | li-propagate a batch of four: GEMMs of
# other shapes, which OpenBLAS may sum in another order (on some CPUs the outputs differ
# in the last bit, 6e-8). So the outputs agree within float32 rounding, not bit for bit.
test_expect_success 'printed outputs equal li-invert | li-propagate at the same points' '
	printf "0 0\n1.5, -2\n  -3 2.25  \n40 -40\n" >pts.txt &&
	li-inspect -q nums <pts.txt >out &&
	# one point at a time, as li-inspect runs them: BLAS may round a batch of 4 differently
	for i in 1 2 3 4; do
		sed -n ${i}p pts.txt | li-invert $(cache_map nums) |
			li-propagate -q nums/model.h5 --at code -o want$i.npy || exit 1
	done &&
	$PY -c "import numpy as np; np.save(\"want.npy\", np.concatenate([np.load(\"want%d.npy\" % i) for i in (1, 2, 3, 4)]))" &&
	li-invert $(cache_map nums) pts.txt |
		li-propagate -q $(dirname $(cache_map nums))/probe.h5 -o prob.npy &&
	$PY -c "
import re, numpy as np
want = np.load(\"want.npy\"); prob = np.load(\"prob.npy\")
lines = open(\"out\").read().splitlines()
names = [\"ring\", \"bar\", \"dot\"]
heads = [i for i, l in enumerate(lines) if l.startswith(\"point \")]
assert len(heads) == 4, lines
for k, i in enumerate(heads):
    rows = [list(map(float, l.split()[1:])) for l in lines[i + 1:i + 9]]
    assert all(l.startswith(\"output: \") for l in lines[i + 1:i + 9])
    got = np.array(rows, dtype=np.float32)
    tol = 1e-5 * np.abs(want[k]) + 1e-6 * max(1.0, np.abs(want[k]).max())
    assert (np.abs(got - want[k]) <= tol).all(), (k, np.abs(got - want[k]).max())
    c = int(prob[k].argmax())
    m = re.fullmatch(r\"label: (\\w+) \\(probe: p = ([0-9.]+)\\)\", lines[i + 9])
    assert m and m.group(1) == names[c], lines[i + 9]
    assert abs(float(m.group(2)) - prob[k][c]) <= 0.5e-4 + 1e-6, (lines[i + 9], prob[k][c])
assert lines[heads[1]] == \"point 2: 1.5 -2\"
"
'

test_expect_success 'image outputs print as a text picture of 8 lines' '
	echo "0 0" | li-inspect -q proj >out &&
	test $(wc -l <out) = 10 && sed -n 2,9p out | grep -vq "^output" &&
	test $(sed -n 2p out | wc -c) = 9
'

test_expect_success 'save: the labeled data set grows by exactly the saved points' '
	printf "0 0\nlabel not a number\nsave\n1 1\n2 -1\nsave\nundo\nsave\nquit\n3 3\nsave\n" |
		li-inspect -q proj >out &&
	$PY -c "
import numpy as np
d = \"proj/labeled/code/current/\"
s = np.load(d + \"samples.npy\"); y = np.load(d + \"labels.npy\"); o = np.load(d + \"origin.npy\")
cls = open(d + \"classes.txt\").read().split(chr(10))[:-1]
assert s.shape == (3, 8, 8) and s.dtype == np.float32, s.shape
assert cls[:3] == [\"ring\", \"bar\", \"dot\"] and cls[y[0]] == \"not a number\", (cls, y)
assert o.tolist() == [[0, 0], [2, -1], [1, 1]], o
" &&
	for p in "2 -1" "1 1"; do
		echo "$p" | li-invert $(cache_map proj) | li-propagate -q proj/model.h5 --at code -o "w$p.npy" || exit 1
	done &&
	$PY -c "import numpy as np; np.save(\"w.npy\", np.concatenate([np.load(\"w2 -1.npy\"), np.load(\"w1 1.npy\")]))" &&
	$PY -c "
import numpy as np
s = np.load(\"proj/labeled/code/current/samples.npy\"); w = np.load(\"w.npy\")
# one point at a time against a batch of two: within float32 rounding (see above)
assert s[1:].shape == w.shape and np.allclose(s[1:], w, rtol=1e-5, atol=1e-6 * max(1, abs(w).max()))
"
'

test_expect_success 'errors in the loop are shown, the loop goes on, nothing saved is lost' '
	printf "save\nlabel x\nnan 0\nbogus\n0 0\nsave\n" >cmds &&
	must_fail 1 li-inspect -q proj <cmds >out 2>err &&
	cat >expect <<-\EOF &&
	li-inspect: error: no point to save yet
	li-inspect: error: no point to label yet
	li-inspect: error: point nan 0: row 0: not a finite number (NaN or infinity)
	li-inspect: error: '"'"'bogus'"'"' is not a point or a command (try '"'"'help'"'"')
	EOF
	cmp expect err && grep -q "^point 1: 0 0" out &&
	test "$($PY -c "import numpy as np; print(len(np.load(\"proj/labeled/code/current/labels.npy\")))")" = 4
'

test_expect_success 'a project without labels: no probe, labels typed' '
	make_project bare && rm bare/y.npy &&
	printf "{\"model\": \"model.h5\", \"data\": \"x.npy\", \"labeled\": \"set\"}" >bare/project.json &&
	printf "0 0\nsave\nlabel first\nsave\n" | must_fail 1 li-inspect -q bare >out 2>err &&
	grep -q "^label: none (no probe" out &&
	grep -q "^li-inspect: error: point 1 has no label: type one first" err &&
	test "$(cat bare/set/code/current/classes.txt)" = first
'

test_expect_success '--at and --method make their own caches; t-SNE says it inverts approximately' '
	echo "0 0" | li-inspect nums --at enc 2>err >out &&
	! grep -q "smallest latent" err && grep -q "of 180 x 16 to 2-D" err &&
	echo "0 0" | li-inspect nums --method tsne 2>err >out &&
	grep -q "^li-inspect: t-SNE has no inverse: points are inverted approximately" err &&
	grep -q "^point 1: 0 0" out && test $(ls nums/.li-inspect | wc -l) = 3
'

test_expect_success 'validation data: the probe'"'"'s accuracy on it is reported' '
	make_project val &&
	$PY -c "
import json, numpy as np
x = np.load(\"val/x.npy\"); y = np.load(\"val/y.npy\")
np.save(\"val/vx.npy\", x[::3]); np.save(\"val/vy.npy\", (y[::3] + np.arange(60) % 2) % 3)
m = json.load(open(\"val/project.json\"))
m[\"validation\"] = {\"data\": \"vx.npy\", \"labels\": \"vy.npy\"}
json.dump(m, open(\"val/project.json\", \"w\"))" &&
	echo quit | li-inspect val 2>err &&
	grep -q "^li-inspect: probe: validation accuracy 0.5000 (60 rows)" err
'

test_expect_success 'preprocess.run: the project turns its raw data into the model input' '
	make_project raw && rm raw/x.npy &&
	$PY -c "
import numpy as np
x = np.load(\"proj/x.npy\").reshape(180, 64)
np.savetxt(\"raw/x.txt\", x * 10)" &&
	cat >raw/prep.sh <<-EOF &&
	#!/bin/sh
	exec $PY -c "import sys, numpy as np; np.save(sys.argv[2], (np.loadtxt(sys.argv[1]) / 10).astype(\"f4\"))" "\$1" "\$2"
	EOF
	chmod +x raw/prep.sh &&
	$PY -c "
import json; m = json.load(open(\"raw/project.json\"))
m[\"data\"] = \"x.txt\"; m[\"preprocess\"] = {\"run\": \"prep.sh\"}; m[\"render\"] = {\"kind\": \"numbers\"}
json.dump(m, open(\"raw/project.json\", \"w\"))" &&
	echo "1 1" | li-inspect -q raw >out &&
	echo "1 1" | li-invert $(cache_map raw) | li-propagate -q raw/model.h5 --at code -o want.npy &&
	$PY -c "
import numpy as np
got = np.array([list(map(float, l.split()[1:])) for l in open(\"out\") if l.startswith(\"output:\")], \"f4\")
want = np.load(\"want.npy\")[0]
assert np.abs(got - want).max() <= 1e-6 * np.abs(want).max(), np.abs(got - want).max()
" &&
	printf "#!/bin/sh\nexit 3\n" >raw/prep.sh && rm -rf raw/.li-inspect &&
	expect_err "li-inspect: error: raw/x.txt: '"'"'raw/prep.sh'"'"' failed (exit status 3)" li-inspect -q raw </dev/null
'

test_expect_success 'the walk-through of doc/inspect.md runs as shown' '
	make_project readme && mv readme proj2 &&
	sed -n "/^    \$ printf .0 0.*li-inspect/,/^\$/p" "$LI_TOP/doc/inspect.md" >block &&
	cmd=$(head -1 block | sed "s/^    \$ //; s/ proj / proj2 /") &&
	eval "$cmd" >out &&
	sed -n "2,\$p" block | sed "s/^    //" | grep -v "^\.\.\.\$" | grep -v "^\$" >lines &&
	test $(wc -l <lines) = 5 &&
	while IFS= read -r l; do grep -qxF -- "$l" out || { echo "missing: $l"; exit 1; }; done <lines &&
	test $(ls proj2/labeled/code/current/labels.npy) &&
	test "$($PY -c "import numpy as np; print(len(np.load(\"proj2/labeled/code/current/labels.npy\")))")" = 2
'

test_done
