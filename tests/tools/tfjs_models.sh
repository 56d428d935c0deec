# Sourced by the tests over TF.js' graph models (t0200, t0250, t0252, t0271). TF.js builds
# them (scripts/tfjs/make-models.js and make-semantics.js: Node and TF.js start, about a
# second of CPU each) and scripts/tfjs-to-keras-h5 writes their Keras .h5 in each dialect
# (half a second each); four tests used to make the same files, two of them the same 16
# .h5 files. They are made once and kept in a cache keyed by those scripts and TF.js'
# version (LI_TFJS_MODELS_CACHE, default build/ref/tfjs-models).

# tfjs_models [--h5]: ./mm holds the models of both scripts (mm/NAME/model.json, input_0.npy,
# expected_0.npy, ...); with --h5 also mm/NAME/k2.h5, k25.h5 and k3.h5 for seq, residual,
# unet, nested, multiio, twohead, gru, hsig and bilinear, and mm/seq/k1.h5. 1 when TF.js
# is not installed or a script fails.
tfjs_models() {
	local key root c
	"$LI_TOP/scripts/tfjs/setup" >/dev/null 2>&1 || return 1
	key=$(cat "$LI_TOP/scripts/tfjs/make-models.js" "$LI_TOP/scripts/tfjs/make-semantics.js" \
		"$LI_TOP/scripts/tfjs-to-keras-h5" \
		"$LI_TOP/scripts/tfjs/node_modules/@tensorflow/tfjs/package.json" | sha1sum | cut -c1-16)
	root=${LI_TFJS_MODELS_CACHE:-$LI_TOP/build/ref/tfjs-models}
	c=$root/$key
	mkdir -p "$root" || return 1
	# one maker at a time (tests run side by side): the others wait, then copy
	(
		flock 9 || exit 1
		[ -f "$c/done" ] && exit 0
		rm -rf "$c" && mkdir -p "$c" &&
		node "$LI_TOP/scripts/tfjs/make-models.js" "$c/mm" >/dev/null 2>&1 &&
		node "$LI_TOP/scripts/tfjs/make-semantics.js" "$c/mm" >/dev/null 2>&1 || exit 1
		for m in seq residual unet nested multiio twohead gru hsig bilinear; do
			for d in k2 k25 k3; do
				"$LI_TOP/scripts/tfjs-to-keras-h5" "$c/mm/$m/model.json" "$c/mm/$m/$d.h5" \
					--dialect $d || exit 1
			done
		done
		"$LI_TOP/scripts/tfjs-to-keras-h5" "$c/mm/seq/model.json" "$c/mm/seq/k1.h5" \
			--dialect k1 && touch "$c/done"
	) 9>"$root/.lock" || return 1
	[ -f "$c/done" ] && cp -r "$c/mm" mm || return 1
	[ "${1:-}" = --h5 ] || rm -f mm/*/*.h5
}
