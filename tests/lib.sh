# Shell test helpers, sourced by every tests/*/tNNNN-*.sh (after git's t/test-lib.sh).
#   test_expect_success 'what' 'commands'   the commands must exit 0 (chain them with &&;
#                                           a broken chain fails the test: see chain lint)
#   test_skip 'what' 'why'                  reports a skipped case
#   must_fail N cmd...                      cmd must exit with status N; a signal or a
#                                           sanitizer report is a crash, never a pass
#   expect_err 'line' cmd...                cmd must fail (status 1) with exactly this stderr
#   require_shared                          sets SHARED, or returns 1 (then skip)
# Each test file runs in its own scratch folder ($TRASH), removed when it passes.
set -u
export LI_TOP=${LI_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LI_BIN=${LI_BIN:-$LI_TOP/bin}
LI_TOOLS=${LI_TOOLS:-$LI_TOP/build/tools}   # helper programs from tests/tools/
export PATH="$LI_BIN:$PATH"
PY=/usr/bin/python3           # the distribution's Python, with numpy, h5py, scipy, sklearn
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

require_shared() {
	SHARED=$LI_TOP/../shared
	[ -d "$SHARED/fixtures" ]
}

test_done() {
	cd /
	[ "$_failed" -eq 0 ] && rm -rf "$TRASH"
	return 0
}
