# Helpers for the li-split / model writer tests (t0250-t0269); sourced after lib.sh.

# split_all MODEL IN...: at every split point li-layers reports, li-split MODEL, then
# li-propagate TAIL on li-embed HEAD IN... must give the model's own outputs bit for bit
# (cmp of the .npy files). Appends "MODEL N" (cuts checked) to cuts.txt.
split_all() {
	sa_model=$1
	shift
	rm -f ref*.npy
	li-propagate -q "$sa_model" "$@" -o ref.npy || return 1
	sa_rows=$(li-layers --json "$sa_model" | $PY -c '
import json, sys
print(" ".join(str(i) for i, l in enumerate(json.load(sys.stdin)["layers"]) if l["split"]))')
	sa_n=0
	for sa_r in $sa_rows; do
		rm -f y*.npy z.npy hd.h5 tl.h5
		li-split -q "$sa_model" --at "$sa_r" --head hd.h5 --tail tl.h5 &&
		li-embed -q hd.h5 "$@" -o z.npy &&
		li-propagate -q tl.h5 z.npy -o y.npy || { echo "$sa_model: cut at row $sa_r failed"; return 1; }
		for sa_f in ref*.npy; do
			cmp -s "$sa_f" "y${sa_f#ref}" ||
				{ echo "$sa_model at row $sa_r: y${sa_f#ref} differs from $sa_f"; return 1; }
		done
		sa_n=$((sa_n + 1))
	done
	echo "$sa_model $sa_n" >>cuts.txt
}

# layout_check FILE REF: FILE reads back with h5py as Keras' legacy loader reads a
# whole-model file (every weight found through layer_names / weight_names, every layer
# of the config with weights listed), and its attributes have the types of REF, a file
# in tf.keras 2.4 layout (skipped when REF is empty).
layout_check() {
	$PY - "$1" "$2" <<-\PYEOF
	import h5py, json, sys, numpy as np
	f = h5py.File(sys.argv[1], "r")
	cfg = json.loads(f.attrs["model_config"])
	assert cfg["class_name"] in ("Sequential", "Functional"), cfg["class_name"]
	layers = cfg["config"]["layers"]
	names = [l["config"]["name"] for l in layers]
	if cfg["class_name"] == "Sequential":
	    assert layers[0]["class_name"] == "InputLayer"
	    names = names[1:]  # tf.keras 2.4 lists a Sequential's layers without its input
	else:
	    for l in layers:
	        assert l["name"] == l["config"]["name"]
	        for call in l["inbound_nodes"]:
	            for r in call:
	                assert r[0] in names and len(r) == 4, r
	    for io in ("input_layers", "output_layers"):
	        for r in cfg["config"][io]:
	            assert r[0] in names and len(r) == 3, r
	for l in layers:
	    if l["class_name"] == "InputLayer":
	        b = l["config"]["batch_input_shape"]
	        assert b[0] is None, b
	mw = f["model_weights"]
	ln = [n.decode() for n in mw.attrs["layer_names"]]
	assert ln == names, (ln, names)
	for n in ln:
	    wn = mw[n].attrs["weight_names"]
	    if len(wn) == 0:
	        assert wn.dtype == np.float64
	    for w in wn:
	        w = w.decode()
	        assert w.startswith(n + "/") and w.endswith(":0"), w
	        d = mw[n][w]
	        assert d.dtype == np.dtype("<f4"), (w, d.dtype)
	if sys.argv[2]:
	    ref = h5py.File(sys.argv[2], "r")
	    def kinds(obj):
	        out = {}
	        for n in obj.attrs:
	            t = obj.attrs.get_id(n).get_type()
	            s = t.get_class() == h5py.h5t.STRING
	            out[n] = (t.get_class(), t.is_variable_str() if s else None,
	                      t.get_cset() if s else None, t.get_strpad() if s else None)
	        return out
	    for a, b in ((ref, f), (ref["model_weights"], mw)):
	        ka, kb = kinds(a), kinds(b)
	        for n in ka:
	            assert n in kb, n
	            assert ka[n] == kb[n], (n, ka[n], kb[n])
	for n in ln:
	    if len(mw[n].attrs["weight_names"]):
	        t = mw[n].attrs.get_id("weight_names").get_type()
	        assert not t.is_variable_str() and t.get_strpad() == h5py.h5t.STR_NULLPAD
	PYEOF
}
