#!/usr/bin/env bash
# Every example of li-reduce and li-invert in their man pages, --help and doc/maps.md
# runs as written (on a small latent.npy and more.npy).
. "$(dirname "$0")/../lib.sh"

test_expect_success 'make latent.npy, more.npy, xy.npy' '
	$PY -c "
import numpy as np
r = np.random.default_rng(9)
np.save(\"latent.npy\", r.normal(size=(100, 4, 4, 2)).astype(np.float32))
np.save(\"more.npy\", r.normal(size=(30, 4, 4, 2)).astype(np.float32))
"
'
examples() { # the example lines of a man page, roff escapes undone
	sed -n '/^\.SH EXAMPLES/,/^\.SH/p' "$1" | sed -n '/^\.nf/,/^\.fi/p' | grep -v '^\.' |
		sed 's/\\-/-/g'
}
for page in li-reduce li-invert; do
	test_expect_success "examples of man/$page.1" "
		examples '$LI_TOP/man/$page.1' >ex.sh && test -s ex.sh &&
		li-reduce -q latent.npy >xy.npy && bash -e ex.sh 2>/dev/null
	"
	test_expect_success "examples of $page --help" "
		$page --help | sed -n '/^examples:/,\$p' | tail -n +2 | sed 's/^ *//' >ex.sh &&
		test -s ex.sh && bash -e ex.sh 2>/dev/null
	"
done
test_expect_success 'the doc/maps.md examples of li-reduce and li-invert' '
	sed -n "/^## Reduction and inversion/,/^## /p" "$LI_TOP/doc/maps.md" |
		grep "^    li-\|^    echo" | sed "s/^    //" >ex.sh &&
	test "$(wc -l <ex.sh)" -eq 6 && bash -e ex.sh 2>/dev/null &&
	$PY -c "import numpy as np; assert np.load(\"point.npy\").shape == (1, 4, 4, 2)"
'
test_done
