#!/usr/bin/env bash
# li-inspect's window under a real X server (Xvfb): clicks at known pixels of the map
# window probe the map coordinates those pixels stand for (the plot area sits at fixed
# fractions of the window, the convention of lib/plot.h, over the map's extent plus 5%);
# keys l (label typed on the terminal), s (save), u (undo), q (quit) work; what is saved
# equals li-invert | li-propagate at the clicked coordinates; the labeled data set grows
# by exactly the saved points; a screenshot is not blank; clicks in quick succession,
# landing while the window redraws, are each answered once, in order. Skipped where Xvfb, xdotool,
# ImageMagick or gnuplot's x11 terminal is missing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/inspect-lib.sh"

why=""
for p in Xvfb xdotool import convert gnuplot; do
	command -v $p >/dev/null 2>&1 || why="$why $p"
done
[ -z "$why" ] || why="missing:$why (scripts/deps installs them)"
if [ -z "$why" ] && ! gnuplot -e "set term x11" >/dev/null 2>&1; then
	why="gnuplot has no x11 terminal (install gnuplot-x11)"
fi
if [ -z "$why" ]; then
	Xvfb -displayfd 9 -screen 0 1280x800x24 -nolisten tcp 9>dispno 2>xvfb.err &
	xvfb=$!
	for i in $(seq 50); do [ -s dispno ] && break; sleep 0.1; done
	if [ -s dispno ]; then
		export DISPLAY=:$(cat dispno)
	else
		why="Xvfb cannot start: $(tail -1 xvfb.err)"
		kill $xvfb 2>/dev/null
	fi
fi
if [ -n "$why" ]; then
	test_skip 'li-inspect in a window under Xvfb' "$why"
	test_done
	exit 0
fi
trap 'kill $xvfb 2>/dev/null; [ -n "${li:-}" ] && kill $li 2>/dev/null' EXIT

# wait_for FILE PATTERN: up to 15 s for a line matching PATTERN
wait_for() {
	for i in $(seq 150); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; return 1
}

# click_for WIN X Y BUTTON FILE PATTERN: clicks once, then waits up to 15 s for a line
# matching PATTERN in FILE (every click is answered, also one that lands while the window
# redraws)
click_for() {
	xdotool mousemove --window $1 $2 $3 click $4 && wait_for "$5" "$6"
}

# a window test that failed leaves its li-inspect running: end it before the next starts
end_previous() {
	[ -z "${li:-}" ] || { kill $li 2>/dev/null; sleep 0.3; }
	li=""
}

W=600 H=400

# open_window DIR [INPUT]: starts li-inspect DIR in a W x H window (standard input from
# INPUT, else /dev/null; standard output in out, error in err), waits for it; sets li (its
# pid) and win (the map window)
open_window() {
	rm -f out err &&
	end_previous && { li-inspect "$1" --size ${W}x$H <"${2:-/dev/null}" >out 2>err & echo $! >pid; } &&
	li=$(cat pid) &&
	wait_for err "click the map" &&
	win=$(xdotool search --name "li-inspect: map" | head -1) && test -n "$win"
}

# close_window KEY: presses KEY in the window (q, ctrl+q) and waits until li-inspect ended
# with status 0
close_window() {
	xdotool key "$1" &&
	for i in $(seq 100); do kill -0 $li 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 $li 2>/dev/null && wait $li
}

# frame.py: the map window's plot area (lib/plot.h: 10% to 80% of the width, 10% to 90%
# of the height, over the map's extent plus 5%): window(MAP) gives the map x of a pixel
# column, the map y of a pixel row, and the map size of one pixel across and down
cat >frame.py <<PYEOF
import h5py
W, H = $W, $H
def window(mapfile):
    e = h5py.File(mapfile, "r").attrs["extent"]
    x0, x1 = e[0][0], e[1][0]; y0, y1 = e[0][1], e[1][1]
    dx, dy = (x1 - x0) * 0.05, (y1 - y0) * 0.05
    x0, x1, y0, y1 = x0 - dx, x1 + dx, y0 - dy, y1 + dy
    px = lambda p: x0 + (p - 0.10 * W) / (0.70 * W) * (x1 - x0)
    py = lambda p: y1 - (p - 0.10 * H) / (0.80 * H) * (y1 - y0)
    return px, py, (x1 - x0) / (0.70 * W), (y1 - y0) / (0.80 * H)
PYEOF

# at_pixels FILE PIXELS...: the points printed in FILE (copied to at.txt) are, in order,
# the map coordinates of the clicked pixels "X,Y" (to the pixel), on the unzoomed map of
# project proj
at_pixels() {
	grep "^point" "$1" | sed "s/^point [0-9]*: //; s/ (outside the data)//" >at.txt &&
	shift &&
	$PY - $(cache_map proj) "$@" <<-\PYEOF
	import numpy as np, sys
	from frame import window
	px, py, tx, ty = window(sys.argv[1])
	got = np.loadtxt("at.txt", ndmin=2)
	pix = [tuple(map(int, a.split(","))) for a in sys.argv[2:]]
	assert len(got) == len(pix), (got, pix)
	for (x, y), (gx, gy) in zip(pix, got):
	    assert abs(gx - px(x)) <= tx and abs(gy - py(y)) <= ty, (x, y, gx, gy, px(x), py(y))
	PYEOF
}
test_expect_success 'setup: a project, prepared' '
	make_project proj && unset DISPLAY && echo quit | li-inspect -q proj
'

test_expect_success 'a display without an X server: one line, exit 1' '
	DISPLAY=:9999 must_fail 1 li-inspect -q proj </dev/null 2>err && test $(wc -l <err) = 1 &&
	grep -q "^li-inspect: error: cannot open the gnuplot window (gnuplot: unable to open display" err
'

test_expect_success 'clicks, keys and quit in the window' '
	printf "typed one\n" >typed.txt &&
	open_window proj typed.txt &&
	click_for $win 150 120 1 out "^point 1:" &&
	sleep 0.3 && xdotool key l && wait_for err "point 1 labeled" &&
	sleep 0.3 && xdotool key s && wait_for err "saved point 1" &&
	sleep 0.3 && click_for $win 420 300 1 out "^point 2:" &&
	sleep 0.3 && xdotool key s && wait_for err "saved point 2" &&
	sleep 0.3 && click_for $win 30 30 1 out "^point 3:" &&
	sleep 0.3 && xdotool key u && wait_for err "point 3 removed" &&
	sleep 0.5 && import -window root shot.png &&
	close_window q
'

test_expect_success 'clicked pixels became their map coordinates (to the pixel)' '
	at_pixels out 150,120 420,300 30,30 && cp at.txt clicked.txt
'

test_expect_success 'saved: exactly two samples, equal to li-invert | li-propagate there' '
	head -2 clicked.txt | li-invert $(cache_map proj) |
		li-propagate -q proj/model.h5 --at code -o want.npy &&
	head -2 clicked.txt | li-invert $(cache_map proj) |
		li-propagate -q --names $(dirname $(cache_map proj))/probe.h5 >names.txt &&
	$PY -c "
import numpy as np
d = \"proj/labeled/code/current/\"
s = np.load(d + \"samples.npy\"); y = np.load(d + \"labels.npy\")
cls = open(d + \"classes.txt\").read().split(chr(10))
want = np.load(\"want.npy\")
assert s.shape == (2, 8, 8), s.shape
assert np.abs(s - want).max() <= 1e-6, np.abs(s - want).max()
assert cls[y[0]] == \"typed one\", cls
assert cls[y[1]] == open(\"names.txt\").read().split()[1], (cls, y)
"
'

test_expect_success 'the screenshot is not blank' '
	test "$(convert shot.png -colorspace gray -format "%[fx:standard_deviation > 0.05]" info:)" = 1
'

test_expect_success 'zoom (right-button box) stays through clicks; clicks probe the zoomed map' '
	open_window proj &&
	xdotool mousemove --window $win 200 150 click 3 && sleep 0.3 &&
	xdotool mousemove --window $win 400 300 click 3 && sleep 0.8 &&
	click_for $win 270 200 1 out "^point 1:" &&
	sleep 0.5 && click_for $win 270 200 1 out "^point 2:" &&
	sleep 0.3 && close_window q &&
	grep "^point" out | sed "s/^point [0-9]*: //; s/ (outside the data)//" >zoomed.txt &&
	$PY -c "
import numpy as np, sys
from frame import window
px, py, tx, ty = window(sys.argv[1])
cx, cy = (px(200) + px(400)) / 2, (py(150) + py(300)) / 2
got = np.loadtxt(\"zoomed.txt\")
# two pixels of the unzoomed map: each corner of the box and the click round to a pixel
for gx, gy in got:
    assert abs(gx - cx) <= 2 * tx and abs(gy - cy) <= 2 * ty, (gx, gy, cx, cy, tx, ty)
    # and not where pixel (270, 200) lies on the unzoomed map (30 pixels away)
    assert abs(gx - px(270)) > 20 * tx, (gx, px(270))
assert np.array_equal(got[0], got[1]), got
" $(cache_map proj)
'

test_expect_success 'render kind command: the project executable draws the output' '
	rm -rf cmdp && cp -r proj cmdp && rm -rf cmdp/.li-inspect cmdp/labeled &&
	cat >cmdp/render.sh <<-\EOF &&
	#!/bin/sh
	cp "$1" "$(dirname "$0")/last-output.npy"
	convert -size 64x64 xc:orange "$2"
	EOF
	chmod +x cmdp/render.sh &&
	$PY -c "
import json; m = json.load(open(\"cmdp/project.json\"))
m[\"render\"] = {\"kind\": \"command\", \"run\": \"render.sh\"}
json.dump(m, open(\"cmdp/project.json\", \"w\"))" &&
	open_window cmdp &&
	click_for $win 300 200 1 out "^point 1:" &&
	sleep 0.8 && import -window root shot2.png &&
	close_window q &&
	grep "^point" out | sed "s/^point [0-9]*: //" | li-invert $(cache_map cmdp) |
		li-propagate -q cmdp/model.h5 --at code -o want.npy &&
	$PY -c "
import numpy as np
got = np.load(\"cmdp/last-output.npy\"); want = np.load(\"want.npy\")
assert got.shape == (1, 8, 8) and np.abs(got - want).max() <= 1e-6, got.shape
" &&
	test "$(convert shot2.png -fuzz 5% -fill black +opaque "#ffa500" -fill white -opaque "#ffa500" \
		-format "%[fx:mean > 0.001]" info:)" = 1
'

test_expect_success 'clicks in quick succession (while the window redraws): each answered once, in order' '
	open_window proj &&
	for p in "100 100" "200 150" "300 200" "400 250" "450 320" "120 300"; do
		xdotool mousemove --window $win $p click 1 || exit 1
	done &&
	wait_for out "^point 6:" && sleep 1 &&
	close_window q && ! grep -q error err &&
	test $(grep -c "^point" out) = 6 &&
	at_pixels out 100,100 200,150 300,200 400,250 450,320 120,300
'

for kind in curves numbers; do
	test_expect_success "render kind $kind in the window; closing the window (ctrl-q) ends li-inspect" '
		rm -rf k && cp -r proj k && rm -rf k/labeled &&
		$PY -c "
import json; m = json.load(open(\"k/project.json\"))
m[\"render\"] = {\"kind\": \"$kind\", \"channels\": [\"a\", \"b\"]}
json.dump(m, open(\"k/project.json\", \"w\"))" &&
		open_window k &&
		click_for $win 300 200 1 out "^point 1:" &&
		sleep 0.5 && xdotool mousemove --window $win 300 200 && close_window ctrl+q && ! grep -q error err
	'
done

test_done
