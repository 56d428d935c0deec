#!/usr/bin/env bash
# One error printer for every program (cmd/common/cli.c): each error is one line
# "li-NAME: error: FILE: what"; getopt's own messages are replaced by ours, usage errors keep
# their hint on the same line, control characters from inputs are shown escaped, and write
# errors name the file they failed on.
. "$(dirname "$0")/../lib.sh"
q="'"

# one_line STATUS 'expected line' cmd...: exit STATUS, exactly that one line on stderr
one_line() {
	local st=$1 want=$2
	shift 2
	must_fail "$st" "$@" 2>actual.err >/dev/null || { cat actual.err >&2; return 1; }
	printf '%s\n' "$want" >expect.err
	cmp -s expect.err actual.err || { diff expect.err actual.err >&2; return 1; }
}

test_expect_success 'an unknown option: our line, with the hint on it, in every program' '
	for p in cat check convert embed grid info invert label layers propagate reduce split \
		 train-lr; do
		one_line 2 "li-$p: error: unknown option ${q}--bogus${q} (try ${q}li-$p --help${q})" \
			li-$p --bogus x || return 1
	done
'

test_expect_success 'li-plot: no "map:" from getopt; li-inspect: one line' '
	one_line 2 "li-plot: error: unknown option ${q}--bogus${q} (try ${q}li-plot --help${q})" \
		li-plot map --bogus x &&
	must_fail 2 li-inspect --bogus 2>err && test "$(wc -l <err)" = 1 &&
	grep -q "^li-inspect: error: " err
'

test_expect_success 'a missing value, an unwanted value, an ambiguous abbreviation, a short option' '
	one_line 2 "li-reduce: error: option ${q}--method${q} needs a value (try ${q}li-reduce --help${q})" \
		li-reduce --method &&
	one_line 2 "li-reduce: error: option ${q}--quiet${q} takes no value (try ${q}li-reduce --help${q})" \
		li-reduce --quiet=2 x &&
	one_line 2 "li-reduce: error: option ${q}--s${q} is ambiguous (try ${q}li-reduce --help${q})" \
		li-reduce --s x &&
	one_line 2 "li-reduce: error: unknown option ${q}-Z${q} (try ${q}li-reduce --help${q})" \
		li-reduce -qZ x &&
	one_line 2 "li-cat: error: option ${q}-o${q} needs a value (try ${q}li-cat --help${q})" \
		li-cat x -o
'

test_expect_success 'usage errors are one line' '
	one_line 2 "li-plot: error: which picture? map, images, curves or mosaic (try ${q}li-plot --help${q})" \
		li-plot &&
	one_line 2 "li-grid: error: --x: ${q}1${q} is not A:B (float32 numbers) (try ${q}li-grid --help${q})" \
		li-grid --x 1
'

test_expect_success 'newlines and terminal escapes from names are shown escaped' '
	one_line 1 "li-info: error: n\\nx\\x1b[2J: No such file or directory" li-info "$(printf "n\nx\033[2J")" &&
	one_line 1 "li-cat: error: a\\tb\\r: No such file or directory" li-cat "$(printf "a\tb\r")"
'

test_expect_success 'a long name does not cut the reason' '
	d=$(printf "d%.0s" $(seq 200)) && long=$d/$d/$d/$d/$d/$d && mkdir -p "$long" &&
	one_line 1 "li-info: error: $long/x.npy: No such file or directory" li-info "$long/x.npy" &&
	echo junk >"$long/x.npy" &&
	one_line 1 "li-info: error: $long/x.npy: not a .npy file (bad magic)" li-info "$long/x.npy"
'

test_expect_success 'a write error names the file (a full device made in this folder)' '
	$PY -c "import numpy as np; np.save(\"a.npy\", np.zeros((3, 2), np.float32))" &&
	mknod ./full c 1 7 &&
	one_line 1 "li-cat: error: full: write error: No space left on device" li-cat a.npy -o full &&
	test -c full &&
	one_line 1 "li-cat: error: <stdout>: write error: No space left on device" \
		sh -c "li-cat a.npy >full"
'

test_done
