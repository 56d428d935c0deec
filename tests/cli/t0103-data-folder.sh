#!/usr/bin/env bash
# Labeled data-set folders (li-dataset(5): DATASET/current -> gen-NNNNNN/ with samples.npy,
# labels.npy, classes.txt, origin.npy, meta.json), made here by numpy the way li-label
# lays them out: read as samples + labels + class names.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'make two generations of a data set' '
	$PY - <<-\PYEOF
	import numpy as np, os, json
	os.makedirs("ds/gen-000001"); os.makedirs("ds/gen-000002")
	rng = np.random.default_rng(5)
	for g, n in ((1, 3), (2, 5)):
	    d = "ds/gen-%06d" % g
	    x = rng.standard_normal((n, 2, 2)).astype(np.float32)
	    y = np.arange(n, dtype=np.int64) % 3
	    np.save(d + "/samples.npy", x); np.save(d + "/labels.npy", y)
	    np.save(d + "/origin.npy", np.full((n, 2), np.nan, dtype=np.float32))
	    open(d + "/classes.txt", "w").write("zero\none\nnot a number\n")
	    json.dump({"count": n}, open(d + "/meta.json", "w"))
	os.symlink("gen-000002", "ds/current")
	PYEOF
'

test_expect_success 'the current generation is read with its labels and class names' '
	li-convert ds --labels-out y.npy --classes-out names.txt -o x.npy &&
	cmp ds/gen-000002/samples.npy x.npy &&
	$PY -c "
import numpy as np
assert np.array_equal(np.load(\"y.npy\"), np.load(\"ds/gen-000002/labels.npy\"))
" &&
	cmp ds/gen-000002/classes.txt names.txt
'

test_expect_success 'li-info describes a folder' '
	li-info ds >out &&
	grep -q "^ds: folder, float32, shape (5, 2, 2)$" out &&
	grep -q "^  labels 5, 3 classes: zero 2, one 2, not a number 1$" out
'

test_expect_success 'a generation folder may be named directly' '
	li-info -q ds/gen-000001 >out && grep -q "shape (3, 2, 2)$" out
'

test_expect_success 'csv output of a folder carries class names' '
	li-convert ds -o out.csv && head -1 out.csv >h && echo "c0,c1,c2,c3,label" >expect &&
	cmp expect h && tail -1 out.csv | grep -q ",one$"
'

test_expect_success 'labels and samples that disagree, or a label past the class list' '
	mkdir -p bad1 bad2 &&
	cp ds/gen-000001/samples.npy bad1/ && cp ds/gen-000002/labels.npy bad1/ &&
	expect_err "li-info: error: bad1: 3 samples but 5 labels" li-info bad1 &&
	cp ds/gen-000001/samples.npy ds/gen-000001/labels.npy bad2/ &&
	printf "zero\n" >bad2/classes.txt &&
	expect_err "li-info: error: bad2: labels.npy: label 1 of sample 1 is not a class index (1 classes)" \
		li-info bad2
'

test_expect_success 'a missing labels.npy is an error' '
	mkdir -p bad3 && cp ds/gen-000001/samples.npy bad3/ &&
	expect_err "li-convert: error: bad3: labels.npy: No such file or directory" li-convert bad3 -o out.npy &&
	! ls out.npy* 2>/dev/null
'

test_done
