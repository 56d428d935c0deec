#!/usr/bin/env bash
# A few seconds of libFuzzer on each parser (.npy, CSV, JSON, IDX) and model reader
# (Keras config, TF.js model.json, .h5 image), when `make fuzz` has built the fuzzers
# (clang) and they are newer than the library sources; otherwise skipped. Kept crashing
# inputs run on every build through unit/test_fuzz_regress. The .h5 image target runs
# as `make fuzz` runs it: inputs that crash inside libhdf5 itself are listed, not failures
# (tests/fuzz/triage; doc/robustness.md).
. "$(dirname "$0")/../lib.sh"

fz=$LI_TOP/build/fuzz
fresh() {
	[ -x "$fz/fuzz_$1" ] || return 1
	for s in "$LI_TOP"/lib/*.[ch] "$LI_TOP"/lib/*/*.[ch] "$LI_TOP/tests/fuzz/fuzz_$1.c" \
		"$LI_TOP"/tests/fuzz/*.h; do
		[ "$s" -nt "$fz/fuzz_$1" ] && return 1
	done
	return 0
}

for t in npy csv json idx kerascfg tfjs h5img; do
	if ! fresh $t; then
		test_skip "fuzz $t for 2 seconds" "no up-to-date build/fuzz/fuzz_$t (make fuzz)"
		continue
	fi
	case $t in
	h5img) len=16384 fork="-fork=1 -ignore_crashes=1" ;;
	kerascfg|tfjs) len=8192 fork= ;;
	*) len=4096 fork= ;;
	esac
	test_expect_success "fuzz $t for 2 seconds" '
		mkdir -p corpus_$t &&
		if ! "$fz/fuzz_$t" -max_total_time=2 -max_len=$len -timeout=10 -print_final_stats=0 \
			$fork -artifact_prefix=./ corpus_$t "$LI_TOP/tests/fuzz/seeds/$t" 2>log &&
			! { [ -n "$fork" ] && grep -q "^INFO: exiting" log; }; then
			tail -30 log; ls; false
		fi &&
		if [ -n "$fork" ]; then
			"$LI_TOP/tests/fuzz/triage" "$fz/fuzz_$t" crash-* leak-* oom-* timeout-*
		fi
	'
done

test_done
