#!/usr/bin/env bash
# CSV details: header detection, --cols by name, index and range, --label-col with
# integer and string labels, a class-name file, quoted fields, CRLF line ends, tabs.
# Expected arrays come from Python's csv module (or are written out by hand).
. "$(dirname "$0")/../lib.sh"

test_expect_success 'make the files' '
	$PY - <<-\PYEOF &&
	import csv
	rows = [[1.5, "setosa", 2, -3], [2.5, "versicolor", 4, 0.25], [3.5, "setosa", 6, 1e-3],
	        [4.5, "the \"odd\", one", 8, 7]]
	with open("iris.csv", "w", newline="") as f:
	    w = csv.writer(f, lineterminator="\r\n")
	    w.writerow(["len", "species", "width", "z"])
	    w.writerows(rows)
	with open("mnist.csv", "w", newline="") as f:
	    w = csv.writer(f)
	    w.writerow(["label"] + ["p%d" % i for i in range(6)])
	    for r in range(5):
	        w.writerow([(3 * r) % 10] + [r * 10 + i for i in range(6)])
	PYEOF
	printf "1,2\n3,4\n" >plain.csv &&
	printf "x\ty\n1\t2\n3\t4\n" >tabs.txt &&
	printf "versicolor\nsetosa\nthe \"odd\", one\nvirginica\n" >classes.txt
'

npy_is() { # file python-expression
	$PY -c "
import numpy as np, sys
a = np.load(sys.argv[1]); b = np.array($2)
assert a.shape == b.shape and np.allclose(a, b, rtol=0, atol=0), (a, b)
" "$1"
}

test_expect_success 'a header row is detected and skipped; CRLF and quotes are read' '
	li-convert iris.csv --cols len,width,z -o x.npy &&
	npy_is x.npy "[[1.5, 2, -3], [2.5, 4, 0.25], [3.5, 6, 1e-3], [4.5, 8, 7]]"
'

test_expect_success 'no header when every field of the first row is a number' '
	li-convert plain.csv -o x.npy && npy_is x.npy "[[1, 2], [3, 4]]"
'

test_expect_success '--no-header and --header override the detection' '
	must_fail 1 li-convert --no-header iris.csv --cols 0 -o x.npy 2>err &&
	grep -q "line 1, column 0: .len. is not a number" err &&
	li-convert --header plain.csv -o x.npy && npy_is x.npy "[[3, 4]]"
'

test_expect_success '--cols by index and by range' '
	li-convert mnist.csv --cols 2-4,1 -o x.npy &&
	npy_is x.npy "[[r * 10 + i for i in (1, 2, 3, 0)] for r in range(5)]"
'

test_expect_success 'string labels map to indices in order of first appearance' '
	li-convert iris.csv --label-col species --labels-out y.npy --classes-out names.txt -o x.npy &&
	npy_is x.npy "[[1.5, 2, -3], [2.5, 4, 0.25], [3.5, 6, 1e-3], [4.5, 8, 7]]" &&
	npy_is y.npy "[0, 1, 0, 2]" &&
	printf "setosa\nversicolor\nthe \"odd\", one\n" >expect &&
	cmp expect names.txt
'

test_expect_success 'a class-name file fixes the indices' '
	li-convert iris.csv --label-col 1 --classes classes.txt --labels-out y.npy -o x.npy &&
	npy_is y.npy "[1, 0, 1, 2]"
'

test_expect_success 'a label missing from the class-name file is an error' '
	printf "setosa\n" >few.txt &&
	expect_err "li-convert: error: iris.csv: line 3: label '"'"'versicolor'"'"' is not in the class-name file" \
		li-convert iris.csv --label-col species --classes few.txt -o bad.npy &&
	! ls bad.npy* 2>/dev/null
'

test_expect_success 'integer labels stay integers (MNIST as CSV)' '
	li-convert mnist.csv --label-col label --labels-out y.npy -o x.npy &&
	npy_is y.npy "[0, 3, 6, 9, 2]" &&
	npy_is x.npy "[[r * 10 + i for i in range(6)] for r in range(5)]"
'

test_expect_success 'labeled CSV output has a header and a label column that reads back' '
	li-convert iris.csv --label-col species -o out.csv &&
	li-convert out.csv --label-col label --labels-out y2.npy --classes-out n2.txt -o x2.npy &&
	npy_is y2.npy "[0, 1, 0, 2]" &&
	printf "setosa\nversicolor\nthe \"odd\", one\n" >expect && cmp expect n2.txt &&
	$PY -c "
import csv
rows = list(csv.reader(open(\"out.csv\")))
assert rows[0] == [\"c0\", \"c1\", \"c2\", \"label\"], rows[0]
assert rows[4][3] == \"the \\\"odd\\\", one\", rows[4]
"
'

test_expect_success 'tab-separated text is told apart by its first line' '
	li-convert tabs.txt -o x.npy && npy_is x.npy "[[1, 2], [3, 4]]" &&
	cat tabs.txt | li-convert -o x.npy && npy_is x.npy "[[1, 2], [3, 4]]" &&
	li-convert --format tsv tabs.txt -o x.npy && npy_is x.npy "[[1, 2], [3, 4]]"
'

test_expect_success 'li-info lists labels and class counts' '
	li-info iris.csv --label-col species >out &&
	grep -q "^  labels 4, 3 classes: setosa 2, versicolor 1, the \"odd\", one 1$" out
'

test_expect_success '--rows on a csv (count unknown up front); --shard needs a count' '
	li-convert plain.csv --rows 1: -o x.npy && npy_is x.npy "[[3, 4]]" &&
	li-convert mnist.csv --label-col 0 --rows 1:3 --labels-out y.npy -o x.npy &&
	npy_is y.npy "[3, 6]" &&
	must_fail 2 li-convert plain.csv --shard 0/2 -o bad.npy 2>err &&
	grep -q "need a known row count" err && ! ls bad.npy* 2>/dev/null
'

test_expect_success 'a long CSV streams through in batches' '
	$PY -c "
import numpy as np
np.savetxt(\"long.csv\", np.arange(300000, dtype=float).reshape(100000, 3), delimiter=\",\", fmt=\"%.1f\")
" &&
	cat long.csv | li-convert --dtype float32 -o long.npy &&
	$PY -c "
import numpy as np
a = np.load(\"long.npy\")
assert a.shape == (100000, 3) and np.array_equal(a, np.arange(300000, dtype=np.float32).reshape(100000, 3))
"
'

test_done
