#!/usr/bin/env bash
# Readers of a labeled data set during concurrent li-label writers: li-info DATASET (the
# data-set reader of lib/data_folder.c) and li-label --stats always see one whole
# generation, and numpy reading DATASET/current/... finds its files: a writer keeps the
# previous generation for one more append. Bounded: 4 writers x 15 appends, 2 readers.
. "$(dirname "$0")/../lib.sh"

$PY - <<'PY'
import numpy as np
for w in range(4):
    for b in range(15):
        np.save(f'b{w}-{b}.npy', np.full((3, 2), w * 100 + b, np.float32))
PY

test_expect_success 'li-info and li-label --stats during 4 concurrent writers never fail' '
	li-label -q ds --x b0-0.npy --label w0 &&
	for w in 0 1 2 3; do
		(for b in $(seq 1 14); do li-label -q ds --x b$w-$b.npy --label w$w || exit 1; done) &
	done &&
	{ (n=0; while [ ! -e stop ] && [ $n -lt 3000 ]; do
		n=$((n + 1))
		li-info -q ds >info.out 2>info.err || { echo "li-info #$n:"; cat info.err; exit 1; }
		grep -q "^ds: " info.out || { cat info.out; exit 1; }
	done; echo $n >reads1) & } &&
	r1=$! &&
	{ (n=0; while [ ! -e stop ] && [ $n -lt 3000 ]; do
		n=$((n + 1))
		li-label ds --stats >st.out 2>st.err || { echo "--stats #$n:"; cat st.err; exit 1; }
	done; echo $n >reads2) & } &&
	r2=$! &&
	ok=1 &&
	for j in 1 2 3 4; do wait -n || ok=0; done &&
	touch stop &&
	{ wait $r1 || ok=0; } &&
	{ wait $r2 || ok=0; } &&
	[ $ok = 1 ] && echo "reads: $(cat reads1) li-info, $(cat reads2) --stats" &&
	li-info -q ds | grep -q "shape (171, 2)" &&
	[ "$(ls ds | tr "\n" " ")" = "current gen-000056 gen-000057 " ]
'

test_expect_success 'numpy reading current/ file by file during appends finds every file' '
	rm -f stop &&
	li-label -q ds2 --x b1-0.npy --label a &&
	{ (for b in $(seq 1 14); do li-label -q ds2 --x b1-$b.npy --label a || exit 1; done; touch stop) & } &&
	w=$! &&
	$PY -c "
import numpy as np, os
n = 0
while not os.path.exists(\"stop\"):
    x = np.load(\"ds2/current/samples.npy\")
    l = np.load(\"ds2/current/labels.npy\")
    names = open(\"ds2/current/classes.txt\").read().split()
    n += 1
print(n, \"reads\")
" && wait $w
'

test_done
