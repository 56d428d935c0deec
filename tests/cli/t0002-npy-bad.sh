#!/usr/bin/env bash
# Bad .npy input: one clear line, exit status 1, no crash, no output file.
. "$(dirname "$0")/../lib.sh"

mk() { # name, header dict, data bytes (printf format)
	$PY -c "
import sys
d = sys.argv[2].encode()
open(sys.argv[1], 'wb').write(b'\x93NUMPY\x01\x00' + len(d).to_bytes(2, 'little') + d + sys.argv[3].encode('latin1'))
" "$1" "$2" "$3"
}

test_expect_success 'make the bad files' '
	: >empty.npy &&
	printf "PK\003\004 not numpy" >magic.npy &&
	printf "\223NUMPY\001\000\100\000{'"'"'descr" >trunc_header.npy &&
	mk notdict.npy "[1, 2, 3]" "" &&
	mk object.npy "{'"'"'descr'"'"': '"'"'|O'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (2,), }" "" &&
	mk complex.npy "{'"'"'descr'"'"': '"'"'<c16'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (2,), }" "" &&
	mk struct.npy "{'"'"'descr'"'"': [('"'"'a'"'"', '"'"'<i4'"'"')], '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (2,), }" "" &&
	mk negative.npy "{'"'"'descr'"'"': '"'"'<f4'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (-3, 2), }" "" &&
	mk overflow.npy "{'"'"'descr'"'"': '"'"'<f8'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (4294967296, 4294967296, 2), }" "" &&
	mk claims.npy "{'"'"'descr'"'"': '"'"'<f4'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (1000000000, 1000), }" "abcdefgh" &&
	$PY -c "import numpy as np; np.save(\"good.npy\", np.arange(100, dtype=np.float32).reshape(10, 10))" &&
	head -c 300 good.npy >truncated.npy &&
	mkdir adir
'

while IFS='|' read -r file msg; do
	test_expect_success "li-convert refuses $file" '
		expect_err "li-convert: error: $file: $msg" li-convert $file -o out.npy &&
		! ls out.npy* 2>/dev/null
	'
	test_expect_success "li-info refuses $file" '
		expect_err "li-info: error: $file: $msg" li-info $file
	' 
done <<'EOF'
empty.npy|empty file
magic.npy|not a .npy file (bad magic)
trunc_header.npy|truncated header
notdict.npy|header is not a Python dict literal
object.npy|unsupported dtype '|O' (Python objects)
complex.npy|unsupported dtype '<c16' (complex)
struct.npy|unsupported dtype (structured array)
negative.npy|header 'shape' has a negative dimension
overflow.npy|shape product overflows
claims.npy|shape claims 4000000000000 bytes of data but the file holds 8
truncated.npy|shape claims 400 bytes of data but the file holds 172
EOF

test_expect_success 'a claim larger than a pipe holds is refused without a large allocation' '
	# under ASan (which reserves terabytes of address space) its allocator reports any
	# huge allocation itself, so the address-space limit is only set in normal builds
	limit=200000 &&
	if [ -n "${LI_SANITIZED:-}" ]; then limit=unlimited; fi &&
	# (one BLAS thread: the OpenBLAS thread pool spins when its arena cannot be mapped)
	cat claims.npy | ( ulimit -v $limit; OPENBLAS_NUM_THREADS=1 must_fail 1 li-convert - -o out.npy ) 2>err &&
	grep -q "^li-convert: error: <stdin>: truncated data" err &&
	! ls out.npy* 2>/dev/null
'

test_expect_success 'truncated data through a pipe' '
	cat truncated.npy | must_fail 1 li-convert >out.npy 2>err &&
	test "$(cat err)" = "li-convert: error: <stdin>: truncated data: the stream ended 172 bytes into an array that claims 10 rows"
'

test_expect_success 'NaN and Inf are reported, not fatal' '
	$PY -c "import numpy as np; np.save(\"nan.npy\", np.array([1.0, np.nan, np.inf, -np.inf]))" &&
	li-info nan.npy >out &&
	grep -q "nan 1, inf 2" out &&
	li-convert nan.npy -o nan2.npy && cmp nan.npy nan2.npy
'

test_expect_success 'a path that does not exist' '
	expect_err "li-convert: error: nosuch.npy: No such file or directory" li-convert nosuch.npy -o out.npy &&
	expect_err "li-info: error: nosuch.npy: No such file or directory" li-info nosuch.npy
'

test_expect_success 'a directory instead of a file' '
	expect_err "li-convert: error: adir: is a directory, not a labeled data set (no current link, no samples.npy)" li-convert adir -o out.npy &&
	expect_err "li-info: error: adir: is a directory, not a labeled data set (no current link, no samples.npy)" li-info adir
'

test_expect_success 'an output path in a directory that does not exist' '
	expect_err "li-convert: error: nodir/out.npy: cannot create: No such file or directory" \
		li-convert good.npy -o nodir/out.npy
'

test_expect_success 'an output path that is a directory' '
	expect_err "li-convert: error: adir: is a directory" li-convert good.npy -o adir
'

test_expect_success 'binary output is never written to a terminal' '
	{ command -v script >/dev/null || exit 0; } &&
	{ script -qec "li-convert good.npy" /dev/null >tty.out 2>&1; rc=$?; } &&
	grep -q "refusing to write binary data to a terminal; use -o FILE or a pipe" tty.out &&
	test $rc -ne 0
'

test_expect_success 'usage errors exit 2' '
	must_fail 2 li-convert --dtype complex64 good.npy 2>err &&
	grep -qx "li-convert: error: --dtype: unknown type .complex64. (try .li-convert --help.)" err &&
	test "$(wc -l <err)" -eq 1 &&
	must_fail 2 li-convert --bogus 2>/dev/null &&
	must_fail 2 li-convert a.npy b.npy 2>/dev/null &&
	must_fail 2 li-info -o x good.npy 2>/dev/null
'

test_expect_success '--help goes to standard output and exits 0; --version too' '
	li-convert --help >out && grep -q "^usage: li-convert" out &&
	li-info --help >out && grep -q "^usage: li-info" out &&
	li-info --version | grep -q "^li-info (Latent Inspector) "
'

test_expect_success 'a full disk is an error, not success' '
	{ test -w /dev/full || exit 0; } &&
	must_fail 1 li-convert good.npy >/dev/full 2>err &&
	grep -q "write error" err
'

test_done
