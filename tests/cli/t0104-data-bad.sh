#!/usr/bin/env bash
# Bad data of every kind, in every format: one line naming the file and what is wrong,
# exit status 1, no crash, no output file. The same through a pipe where the format
# can stream (then sizes cannot be checked up front: memory grows only with the data).
. "$(dirname "$0")/../lib.sh"

test_expect_success 'make the bad files' '
	printf "1,2\n3\n" >ragged.csv &&
	printf "a,b\n1,2\n3,abc\n" >text.csv &&
	: >empty.csv &&
	printf "a,b,c\n" >header.csv &&
	printf "1,\"2\n" >quote.csv &&
	printf "[[1,2],[3]]" >ragged.json &&
	printf "{\"x\": [[1, \"a\"]]}" >text.json &&
	printf "[[1,2],[3" >trunc.json &&
	printf "{\"x\": [[1]], \"y\": [2]}" >two.json &&
	printf "{\"name\": \"none\"}" >nonum.json &&
	printf "[[1,2],3]" >mixed.json &&
	printf "[true]" >bool.json &&
	$PY - <<-\PYEOF
	import gzip, scipy.io as sio, numpy as np
	def hdr(code, dims, magic=b"\0\0"):
	    return magic + bytes([code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)
	open("magic.idx", "wb").write(hdr(8, [2, 2], b"\1\0") + b"abcd")
	open("type.idx", "wb").write(hdr(7, [2, 2]) + b"abcd")
	open("short-idx1-ubyte", "wb").write(hdr(8, [10]) + b"abcde")
	open("lies-idx3-ubyte", "wb").write(hdr(8, [60000, 100000, 100000]) + b"abcde")
	open("overflow.idx", "wb").write(hdr(0x0E, [4294967295] * 4) + b"abcde")
	open("extra.idx", "wb").write(hdr(8, [2]) + b"abc")
	open("trunchdr.idx", "wb").write(hdr(8, [2, 2])[:7])
	good = gzip.compress(hdr(8, [100, 10]) + bytes(range(256)) * 3 + bytes(232))
	b = bytearray(good); b[len(b) // 2] ^= 0xff; b[len(b) // 2 + 1] ^= 0x55
	open("corrupt-idx2-ubyte.gz", "wb").write(bytes(b))
	open("trunc-idx2-ubyte.gz", "wb").write(good[:len(good) // 2])
	open("tail.csv.gz", "wb").write(gzip.compress(b"1,2\n3,4\n") + b"garbage")
	sio.savemat("text.mat", {"note": "only text"})
	sio.savemat("two.mat", {"a": np.ones((2, 2)), "b": np.zeros(3)})
	open("junk.mat", "wb").write(b"MATLAB 5.0 MAT-file" + b"\0" * 200)
	sio.savemat("full.mat", {"x": np.arange(60.0).reshape(6, 10)})
	sio.savemat("fullz.mat", {"x": np.arange(60.0).reshape(6, 10)}, do_compression=True)
	sio.savemat("full4.mat", {"x": np.arange(60.0).reshape(6, 10)}, format="4")
	open("cut.mat", "wb").write(open("full.mat", "rb").read()[:400])   # of 664 bytes
	open("cutz.mat", "wb").write(open("fullz.mat", "rb").read()[:-40])
	open("cut4.mat", "wb").write(open("full4.mat", "rb").read()[:300])
	PYEOF
'

while IFS='|' read -r file msg; do
	test_expect_success "li-convert refuses $file" '
		expect_err "li-convert: error: $file: $msg" li-convert $file -o out.npy &&
		! ls out.npy* 2>/dev/null
	'
done <<'EOF'
ragged.csv|line 2 has 1 field, the first line 2
text.csv|line 3, column 1: 'abc' is not a number
empty.csv|empty file
header.csv|only a header, no data rows
quote.csv|malformed csv (unterminated quoted field)
ragged.json|not rectangular: '[1]' has 1 element, '[0]' 2
text.json|'x[0][1]' is a string, expected a number
trunc.json|bad JSON at line 1, column 9: ']' expected near end of file
two.json|several members hold arrays (x, y): choose one with --var
nonum.json|no member holds an array
mixed.json|'[1]' is a number, expected an array of 2
bool.json|'[0]' is a boolean, expected a number
magic.idx|not an IDX file (bad magic number)
type.idx|not an IDX file (unknown type code 0x07)
short-idx1-ubyte|the header claims 10 bytes of data, the file holds 5
lies-idx3-ubyte|the header claims 600000000000000 bytes of data, the file holds 5
overflow.idx|IDX dimensions overflow
extra.idx|the header claims 2 bytes of data, the file holds 3
trunchdr.idx|truncated IDX header
corrupt-idx2-ubyte.gz|corrupt gzip data (invalid literal/length code)
trunc-idx2-ubyte.gz|truncated gzip data
tail.csv.gz|bytes follow the gzip data
text.mat|no numeric variable
two.mat|several numeric variables (a, b): choose one with --var
cut.mat|truncated: the last variable claims 264 bytes past the end of the file
cutz.mat|truncated: the last variable claims 40 bytes past the end of the file
cut4.mat|truncated: the last variable claims 202 bytes past the end of the file
EOF

test_expect_success 'li-info gives the same lines' '
	expect_err "li-info: error: ragged.json: not rectangular: '"'"'[1]'"'"' has 1 element, '"'"'[0]'"'"' 2" \
		li-info ragged.json &&
	expect_err "li-info: error: corrupt-idx2-ubyte.gz: corrupt gzip data (invalid literal/length code)" \
		li-info corrupt-idx2-ubyte.gz
'

test_expect_success 'a MAT header over junk is refused' '
	must_fail 1 li-convert junk.mat -o out.npy 2>err &&
	test $(wc -l <err) -eq 1 && grep -q "^li-convert: error: junk.mat: " err &&
	! ls out.npy* 2>/dev/null
'

while IFS='|' read -r file msg; do
	test_expect_success "through a pipe: $file" '
		cat $file | must_fail 1 li-convert --format idx - >/dev/null 2>err &&
		echo "li-convert: error: <stdin>: $msg" >expect && cmp expect err
	'
done <<'EOF'
short-idx1-ubyte|truncated data: the header claims 10 rows, the file holds 5
lies-idx3-ubyte|truncated data: the header claims 60000 rows, the file holds 0
extra.idx|bytes follow the 2 rows the header claims
EOF

test_expect_success 'a claim larger than a pipe holds is refused without a large allocation' '
	limit=200000 &&
	if [ -n "${LI_SANITIZED:-}" ]; then limit=unlimited; fi &&
	cat lies-idx3-ubyte | ( ulimit -v $limit; OPENBLAS_NUM_THREADS=1 must_fail 1 li-convert - -o out.npy ) 2>err &&
	grep -q "truncated data" err && ! ls out.npy* 2>/dev/null
'

test_expect_success 'impossible options are usage errors (exit 2)' '
	must_fail 2 li-convert --format bogus x.csv 2>/dev/null &&
	must_fail 2 li-convert --to idx ragged.csv 2>/dev/null &&
	must_fail 2 li-convert --mat-version 6 ragged.csv 2>/dev/null &&
	printf "1,2\n" >ok.csv &&
	must_fail 2 li-convert --cols 5 ok.csv -o out.npy 2>err &&
	grep -q "column 5 out of range (2 columns)" err &&
	must_fail 2 li-convert --cols nosuch ok.csv -o out.npy 2>err &&
	grep -q "no column named .nosuch. (the file has no header row)" err &&
	must_fail 2 li-convert --sample-axis 1 ok.csv -o out.npy 2>/dev/null &&
	! ls out.npy* 2>/dev/null
'

test_done
