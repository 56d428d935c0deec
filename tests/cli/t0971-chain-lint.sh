#!/usr/bin/env bash
# The chain lint of tests/lib.sh: a test body whose commands are not all joined by &&
# fails and is not run (the commands after the break run once, in the lint's own subshell,
# as in git's test-lib); an intact body runs as before.
. "$(dirname "$0")/../lib.sh"

# a test file of its own, sourcing the same lib.sh, with one body of each kind
cat >t9999-sample.sh <<'SAMPLE'
. "$LI_TOP/tests/lib.sh"
test_expect_success 'intact' '
	echo one >a &&
	{ test -e nothing || true; } &&
	grep -q one a
'
test_expect_success 'broken' '
	touch first-ran &&
	false
	true
'
test_expect_success 'heredoc without &&' '
	cat >h <<-\END
	x
	END
	test -s h
'
test_done
SAMPLE

test_expect_success 'an intact body passes; broken bodies fail without running' '
	LI_TOP=$LI_TOP bash ./t9999-sample.sh >out 2>&1 &&
	grep -qx "ok - intact" out &&
	grep -qx "not ok - broken" out &&
	grep -qx "not ok - heredoc without &&" out &&
	test "$(grep -c "broken && chain" out)" -eq 2 &&
	! ls /tmp/li-t9999-sample.*/first-ran 2>/dev/null
'

test_expect_success 'LI_CHAIN_LINT=0 turns it off' '
	LI_CHAIN_LINT=0 LI_TOP=$LI_TOP bash ./t9999-sample.sh >out0 2>&1 &&
	grep -qx "ok - broken" out0
'

rm -rf /tmp/li-t9999-sample.*
test_done
