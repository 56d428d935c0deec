#!/usr/bin/env bash
# Conformance with real Keras: every case of tests/fixtures/keras/INDEX.md is run
# through li-embed and compared with expected.npy (keras-js cases: atol 1e-5 after the
# notebooks' 6-decimal rounding; dl4j / keras2c: 1e-5; exploding outputs: 1e-4 relative).
# dl4j cases with per-layer activations are also checked layer by layer with --at, and
# the tail after each such layer (li-propagate --at, from Keras' own activation).
# keras-js stateful cases run the input twice in two batches with --carry-state and
# compare the second half. Cases whose layers are not supported yet are reported as skipped, one line each, with
# the layer named; the Keras 3 MNIST CNN is checked against its labels and the numpy
# reference of its first 16 images. The cases are in the repository (tests/fixtures) but
# dl4j's, which come from ../shared/fixtures when it is there and are skipped otherwise
# (no licence stated); a missing case of the repository fails.
. "$(dirname "$0")/../lib.sh"

FX=$FIXTURES/keras

# Run every case; record status and stderr; compare in one Python process.
sed -n 's/^| \([a-z0-9]*\/[^ |]*\) |.*/\1/p' "$FX/INDEX.md" >cases.txt
: >runs.txt
n=0
while read -r c; do
	if ! d=$(fixture_dir "keras/$c"); then
		case $c in
		dl4j/*) printf '%s\tunlicensed\t-\t\t-\n' "$c" >>runs.txt ;;
		*) printf '%s\tmissing\t-\t\t-\n' "$c" >>runs.txt ;;
		esac
		continue
	fi
	model=$d/model.h5
	[ -f "$model" ] || model=$d/synth_model.h5
	if [ -f "$d/input.npy" ]; then ins=("$d/input.npy"); else ins=("$d"/input_[0-9]*.npy); fi
	n=$((n + 1))
	if [ -f "$d/layer.json" ] && grep -q '"stateful": true' "$d/layer.json"; then
		# keras-js stateful cases expect the second of two calls on the same input:
		# the input twice, one call per batch, the state carried between them
		rows=$($PY -c "import numpy as np, sys; print(len(np.load(sys.argv[1])))" "${ins[0]}")
		li-cat "${ins[0]}" "${ins[0]}" |
			li-embed -q --carry-state --batch "$rows" "$model" -o "out$n.npy" 2>"err$n.txt"
		printf '%s\t%s\t%s\tstateful\t%s\n' "$c" "$?" "$n" "$d" >>runs.txt
		continue
	fi
	li-embed -q "$model" "${ins[@]}" -o "out$n.npy" 2>"err$n.txt"
	printf '%s\t%s\t%s\t\t%s\n' "$c" "$?" "$n" "$d" >>runs.txt
	for a in "$d"/activation_*.npy; do
		[ -f "$a" ] || continue
		l=$(basename "$a" .npy); l=${l#activation_}
		n=$((n + 1))
		li-embed -q "$model" "${ins[@]}" --at "$l" -o "out$n.npy" 2>"err$n.txt"
		rc=$?
		printf '%s --at %s\t%s\t%s\t%s\t%s\n' "$c" "$l" "$rc" "$n" "$a" "$d" >>runs.txt
		# the tail from Keras' own activation gives Keras' output (split points only)
		if [ $rc -eq 0 ] && li-layers -q --json "$model" | $PY -c "
import json, sys
sys.exit(0 if any(r['name'] == '$l' and r['split'] for r in json.load(sys.stdin)['layers']) else 1)"; then
			n=$((n + 1))
			li-propagate -q "$model" --at "$l" "$a" -o "out$n.npy" 2>"err$n.txt"
			printf '%s tail after %s\t%s\t%s\t\t%s\n' "$c" "$l" "$?" "$n" "$d" >>runs.txt
		fi
	done
done <cases.txt
# The real Keras 3.11 MNIST CNN
n=$((n + 1))
li-embed -q "$FX/keras3-mnist-cnn/model.h5" "$FX/keras3-mnist-cnn/input.npy" -o "out$n.npy" \
	2>"err$n.txt"
printf 'keras3-mnist-cnn\t%s\t%s\t\t%s\n' "$?" "$n" "$FX/keras3-mnist-cnn" >>runs.txt
# and cut after its Flatten: head then tail equals the whole model
n=$((n + 1))
li-embed -q "$FX/keras3-mnist-cnn/model.h5" "$FX/keras3-mnist-cnn/input.npy" --at flatten_1 \
	2>"err$n.txt" | li-propagate -q "$FX/keras3-mnist-cnn/model.h5" --at flatten_1 \
	-o "out$n.npy" 2>>"err$n.txt"
printf 'keras3-mnist-cnn head+tail at flatten_1\t%s\t%s\t\t%s\n' "$([ -s "out$n.npy" ] && echo 0 || echo 1)" "$n" "$FX/keras3-mnist-cnn" >>runs.txt

$PY - "$UNLICENSED_WHY" <<'PYEOF'
import os, sys
import numpy as np
ok = skip = bad = 0
for line in open("runs.txt"):
    case, rc, n, act, d = line.rstrip("\n").split("\t")
    if rc == "missing":
        print("not ok - %s # case folder missing from tests/fixtures" % case); bad += 1; continue
    if rc == "unlicensed":
        print("ok - %s # skip %s" % (case, sys.argv[1])); skip += 1; continue
    err = (open("err%s.txt" % n).read().strip().splitlines() or [""])[0]
    if rc != "0":
        if rc == "1" and ("not yet supported" in err or "cannot be run" in err):
            print("ok - %s # skip %s" % (case, err.split(": ", 3)[-1])); skip += 1
        else:
            print("not ok - %s: exit %s: %s" % (case, rc, err)); bad += 1
        continue
    base = case.split(" ")[0]
    got = np.load("out%s.npy" % n)
    if act == "stateful":
        # the second of the two calls (the first half is the first call's output)
        got, act = got[len(got) // 2:], ""
    if base == "keras3-mnist-cnn":
        labels = np.load(os.path.join(d, "labels.npy"))
        ref = np.load(os.path.join(d, "numpy_reference_first16.npy"))
        good = (got.argmax(1) == labels).sum() >= 99 and np.allclose(got[:16], ref, atol=1e-5)
        print(("ok - %s" if good else "not ok - %s: predictions differ") % case)
        ok += good; bad += not good
        continue
    want = np.load(act if act else os.path.join(d, "expected.npy"))
    if base.startswith("keras2c/foobar") or "deconv" in base:
        rtol, atol = 1e-4, 1e-5
    else:
        rtol, atol = 1e-5, 1e-5
    if got.shape != want.shape and got.size == want.size:
        got = got.reshape(want.shape)  # e.g. activations stored without a unit axis
    if got.shape != want.shape:
        print("not ok - %s: shape %s, expected %s" % (case, got.shape, want.shape)); bad += 1
    elif not np.allclose(got, want, rtol=rtol, atol=atol):
        print("not ok - %s: max difference %g" % (case, np.abs(got - want).max())); bad += 1
    else:
        print("ok - %s" % case); ok += 1
print("# real Keras fixtures: %d passed, %d skipped (unsupported layers or unlicensed cases absent), %d failed"
      % (ok, skip, bad), file=sys.stderr)
PYEOF

test_done
