#!/usr/bin/env bash
# li-inspect refuses bad projects and bad usage with one line and the exit status of
# the programs' rule (1 bad data, 2 bad usage), and never leaves a cache behind a failed start.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/inspect-lib.sh"
unset DISPLAY

test_expect_success 'setup' '
	make_project p && mkdir empty
'

# manifest | expected message after "li-inspect: error: m/project.json: "
while IFS='|' read -r manifest msg; do
	test_expect_success "bad manifest: $msg" '
		rm -rf m && cp -r p m && printf "%s" "$manifest" >m/project.json &&
		echo quit | expect_err "li-inspect: error: m/project.json: $msg" li-inspect m &&
		! test -e m/.li-inspect
	'
done <<-\EOF
	{"model": "model.h5"}|'data' is missing
	{"data": "x.npy"}|'model' is missing
	{"model": "model.h5", "data": 3}|'data' is not a file name
	{"model": "model.h5", "data": "x.npy", "render": {"kind": "pie"}}|'render.kind' is 'pie', expected image, curves, numbers or command
	{"model": "model.h5", "data": "x.npy", "render": {"kind": "command"}}|'render.run' is missing
	{"model": "model.h5", "data": "x.npy", "render": {"kind": "image", "shape": [0, 8]}}|'render.shape[0]' is not a positive size
	{"model": "model.h5", "data": "x.npy", "preprocess": {"scale": "a"}}|'preprocess.scale' is not a number
	[1, 2]|the manifest is not a JSON object
EOF

test_expect_success 'a manifest that is not JSON' '
	rm -rf m && cp -r p m && echo "{\"model\": " >m/project.json &&
	must_fail 1 li-inspect -q m </dev/null 2>err && test $(wc -l <err) = 1 &&
	grep -q "^li-inspect: error: m/project.json: bad JSON at line" err
'

test_expect_success 'a folder without project.json' '
	expect_err "li-inspect: error: empty/project.json: cannot read: No such file or directory" \
		li-inspect empty </dev/null
'

test_expect_success 'files the manifest names are checked: missing model, data, labels' '
	rm -rf m && cp -r p m && rm m/model.h5 &&
	must_fail 1 li-inspect -q m </dev/null 2>err && test $(wc -l <err) = 1 &&
	grep -q "^li-inspect: error: m/model.h5: " err &&
	rm -rf m && cp -r p m && rm m/y.npy &&
	expect_err "li-inspect: error: m/y.npy: cannot read: No such file or directory" li-inspect -q m </dev/null &&
	rm -rf m && cp -r p m && $PY -c "import numpy as np; np.save(\"m/y.npy\", np.zeros(7, int))" &&
	expect_err "li-inspect: error: m/y.npy: 7 labels for 180 data rows" li-inspect -q m </dev/null &&
	! ls m/.li-inspect/*/info.json 2>/dev/null
'

test_expect_success 'bad usage: exit 2' '
	must_fail 2 li-inspect 2>err && grep -q "a PROJECT_DIR is needed" err &&
	must_fail 2 li-inspect p --method nope 2>err && test $(head -1 err | grep -c "^li-inspect: error: --method .nope.") = 1 &&
	must_fail 2 li-inspect p --at nolayer </dev/null 2>err &&
	grep -q "^li-inspect: error: p/model.h5: no layer .nolayer." err &&
	must_fail 2 li-inspect p --at img </dev/null 2>err &&
	grep -q "is the model.s output: nothing comes after it" err &&
	must_fail 2 li-inspect p --size 3 2>err &&
	li-inspect --help | grep -q "^usage: li-inspect PROJECT_DIR"
'

test_expect_success 'a window without gnuplot: one line, exit 1' '
	DISPLAY=:9999 LI_GNUPLOT=/nonexistent/gnuplot must_fail 1 li-inspect -q p </dev/null 2>err &&
	test $(wc -l <err) = 1 &&
	grep -q "^li-inspect: error: cannot open the gnuplot window (gnuplot ended: cannot run ./nonexistent/gnuplot. (install gnuplot-x11)" err
'

test_done
