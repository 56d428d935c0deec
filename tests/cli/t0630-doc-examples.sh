#!/usr/bin/env bash
# Every example of li-plot, li-grid and li-check in the README, doc/ and the man pages runs
# (jq's man.test): example lines are collected, continuation lines ending in '|' joined,
# and each runs on small prepared files. Examples that call other programs (li-invert,
# li-propagate) are reported as skipped here.
. "$(dirname "$0")/../lib.sh"

$PY -c "
import numpy as np, h5py, json
rng = np.random.default_rng(0)
np.save('xy.npy', rng.normal(size=(200, 2)).astype('f4'))
np.save('y.npy', rng.integers(0, 3, 200))
open('classes.txt', 'w').write('zero\none\ntwo\n')
np.save('picked.npy', np.array([[0, 0]], 'f4'))
np.save('decoded.npy', rng.random((81, 784)).astype('f4'))
np.save('sensors.npy', rng.normal(size=(3, 50, 2)).astype('f4'))
open('channels.txt', 'w').write('x\ny\n')
p = rng.random((4, 3)).astype('f4'); p /= p.sum(1, keepdims=True)
np.save('out.npy', p); np.save('reference.npy', p)
with h5py.File('map.h5', 'w') as f:
    f.attrs['li_format'] = 'li-map'; f.attrs['li_version'] = np.int64(1)
    f.attrs['method'] = 'umap'; f.attrs['params'] = '{}'
    f.attrs['quality'] = json.dumps({'trustworthiness': 0.9})
    f.attrs['row_shape'] = np.array([32], 'i8')
    f.attrs['extent'] = np.array([[-3, -3], [3, 3]], 'f8')
"

# example lines: README code blocks are indented by 4+ spaces; man pages hold them
# between .nf and .fi (less the sample tables). roff's \- becomes -.
{
	sed -n 's/^    \+\(li-\(plot\|grid\|check\) .*\)$/\1/p; s/^    \+\(echo .*|.*\)$/\1/p; s/^    \+\(li-invert .*\)$/\1/p; s/^    \+\(li-propagate .*|.*\)$/\1/p' \
		"$LI_TOP/README.md" "$LI_TOP"/doc/*.md
	for m in "$LI_TOP"/man/li-plot.1 "$LI_TOP"/man/li-grid.1 "$LI_TOP"/man/li-check.1; do
		sed -n '/^\.nf$/,/^\.fi$/p' "$m" | grep -v '^\.\(nf\|fi\)$' |
			grep -v '^  \(where\|row \|\[\)' | grep -v '^li-check: ' | sed 's/\\-/-/g'
	done
} | awk '{ if (cont != "") { $0 = cont " " $0; cont = "" } }
	/\|[[:space:]]*$/ { cont = $0; next } { print }' | sed 's/  */ /g' >examples.txt

test_expect_success 'examples were found' 'test "$(wc -l <examples.txt)" -ge 12'

while IFS= read -r line; do
	other=
	for w in $(printf '%s\n' "$line" | grep -o '\bli-[a-z-]*' | sort -u); do
		case "$w" in li-check|li-grid|li-plot) ;; *) other=$w ;; esac
	done
	if [ -n "$other" ]; then
		# the map file here has only root attributes and there are no models: these
		# pipelines belong to the end-to-end tests of the programs they call
		test_skip "example: $line" "needs $other with a fitted map and models"
		continue
	fi
	# stdin from nowhere: an example reading it must not eat the list of examples
	test_expect_success "example: $line" "{ $line; } >example.out </dev/null"
done <examples.txt

test_done
