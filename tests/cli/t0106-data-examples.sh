#!/usr/bin/env bash
# The examples of doc/data.md's "Data formats" section run as written, on small files
# made here (iris.csv, data.mat) and the distribution's Fashion-MNIST when installed.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'make the files the examples name' '
	$PY - <<-\PYEOF
	import csv, numpy as np, scipy.io as sio
	with open("iris.csv", "w", newline="") as f:
	    w = csv.writer(f)
	    w.writerow(["sepal", "petal", "species"])
	    w.writerows([[5.1, 1.4, "setosa"], [7.0, 4.7, "versicolor"], [6.3, 6.0, "virginica"]])
	sio.savemat("data.mat", {"X": np.arange(12.0).reshape(3, 4)})   # 4 samples as columns
	PYEOF
'

awk '/^## Data formats/{f=1} /^## Fuzzing/{f=0} f && /^    /' "$LI_TOP/doc/data.md" |
	sed 's/^    //; s/ *#.*//' | awk '/\\$/{sub(/\\$/, ""); printf "%s", $0; next} {print}' >examples

while read -r cmd; do
	case $cmd in *fashion-mnist*)
		[ -d /usr/share/datasets/fashion-mnist ] || { test_skip "$cmd" "no Fashion-MNIST"; continue; }
	esac
	test_expect_success "doc/data.md: $cmd" "$cmd"' >out 2>err && ! test -s err'
done <examples

test_expect_success 'the examples produced what they say' '
	test "$(wc -l <examples)" -eq 5 &&
	li-convert --var X data.mat --sample-axis 1 -o x.npy &&
	$PY -c "
import numpy as np
assert np.array_equal(np.load(\"x.npy\"), np.arange(12.0).reshape(3, 4).T)
assert np.array_equal(np.loadtxt(\"x.csv\", delimiter=\",\"), np.arange(12.0).reshape(3, 4).T)
" &&
	li-convert iris.csv --label-col species --labels-out y.npy --classes-out classes.txt -o x.npy &&
	printf "setosa\nversicolor\nvirginica\n" >expect && cmp expect classes.txt
'

test_done
