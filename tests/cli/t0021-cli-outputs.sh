#!/usr/bin/env bash
# One output writer (cmd/common/cli.c): nothing lost, nothing destroyed. FIFOs and device
# nodes given as outputs are written through, never replaced (the nodes are made with mknod
# in this scratch folder, never real /dev nodes); li-split writes both parts or neither and
# keeps the old files; li-train-lr checks every output before writing any; li-reduce
# refuses to write two outputs to one file; a full disk (ulimit -f) ends li-embed and
# li-propagate with exit 1 and a line naming the file.
. "$(dirname "$0")/../lib.sh"

$PY -c '
import numpy as np
r = np.random.default_rng(1)
x = r.normal(size=(300, 4)).astype("f4")
np.save("x.npy", x)
np.save("y.npy", (x[:, 0] > 0).astype("i8") + (x[:, 1] > 0))
np.save("big.npy", r.normal(size=(20000, 4)).astype("f4"))
'

# fifo_read FIFO OUT: a reader copying FIFO to OUT in the background (gives up after 60 s
# when no writer comes, as when a program replaced the FIFO)
fifo_read() { timeout 60 cat "$1" >"$2" & }

test_expect_success 'setup: a probe to split and embed with' '
	li-train-lr -q x.npy y.npy -o p.h5 &&
	li-split -q p.h5 --at 0 --head h.h5 --tail t.h5
'

test_expect_success 'li-split: a FIFO and a device as parts are written through, not replaced' '
	mkfifo fh && mknod ./null c 1 3 &&
	fifo_read fh fh.out && li-split -q p.h5 --at 0 --head fh --tail null && wait &&
	test -p fh && test -c null && cmp fh.out h.h5 &&
	mkfifo ft && fifo_read ft ft.out && li-split -q p.h5 --at 0 --head null --tail ft && wait &&
	test -p ft && test -c null && cmp ft.out t.h5
'

test_expect_success 'li-split: when the tail cannot be written, the old head stays' '
	echo old-head >oh.h5 &&
	must_fail 1 li-split -q p.h5 --at 0 --head oh.h5 --tail nodir/t.h5 2>err &&
	test "$(cat oh.h5)" = old-head && test "$(wc -l <err)" = 1 &&
	grep -q "^li-split: error: nodir/t.h5: " err &&
	! ls oh.h5.tmp.* 2>/dev/null
'

test_expect_success 'li-split: the same file twice (another spelling) is refused' '
	must_fail 2 li-split -q p.h5 --at 0 --head same.h5 --tail ./same.h5 2>/dev/null &&
	echo x >same.h5 && ln same.h5 alias.h5 &&
	must_fail 2 li-split -q p.h5 --at 0 --head same.h5 --tail alias.h5 2>/dev/null &&
	test "$(cat same.h5)" = x
'

test_expect_success 'li-train-lr: -o FIFO and -o device are written through' '
	mkfifo fp && fifo_read fp fp.out && li-train-lr -q x.npy y.npy -o fp && wait &&
	test -p fp && cmp fp.out p.h5 &&
	li-train-lr -q x.npy y.npy -o null && test -c null
'

test_expect_success 'li-train-lr: an unwritable --report leaves no probe behind' '
	must_fail 1 li-train-lr -q x.npy y.npy --report nodir/r.json -o p2.h5 2>err &&
	test ! -e p2.h5 && test "$(wc -l <err)" = 1 &&
	grep -q "^li-train-lr: error: nodir/r.json: " err &&
	echo old >p3.h5 &&
	must_fail 1 li-train-lr -q x.npy y.npy --report nodir/r.json -o p3.h5 2>/dev/null &&
	test "$(cat p3.h5)" = old
'

test_expect_success 'li-reduce: --save and -o naming one file is refused, the map kept' '
	li-reduce -q x.npy --save S.h5 -o xy.npy && cp S.h5 S.orig &&
	must_fail 2 li-reduce -q x.npy --save S.h5 -o S.h5 2>err &&
	grep -q "^li-reduce: error: --save and -o name the same file .S.h5" err &&
	cmp S.h5 S.orig &&
	must_fail 2 li-reduce -q x.npy --report r.json -o r.json 2>/dev/null
'

test_expect_success 'li-reduce --save FIFO: the map is written through' '
	mkfifo fm && fifo_read fm fm.out && li-reduce -q x.npy --save fm -o xy2.npy && wait &&
	test -p fm && li-reduce -q --transform fm.out x.npy -o t1.npy &&
	li-reduce -q --transform S.h5 x.npy -o t2.npy && cmp t1.npy t2.npy
'

test_expect_success 'a full disk: li-embed and li-propagate fail with a line naming the file' '
	(
		trap "" XFSZ && ulimit -f 64 &&
		must_fail 1 li-embed -q p.h5 big.npy -o e.npy 2>err1 &&
		must_fail 1 li-propagate -q p.h5 big.npy -o e.npy 2>err2
	) &&
	test "$(cat err1)" = "li-embed: error: e.npy: write error: File too large" &&
	test "$(cat err2)" = "li-propagate: error: e.npy: write error: File too large" &&
	! ls e.npy* 2>/dev/null
'

test_done
