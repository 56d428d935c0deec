#!/usr/bin/env bash
# The Keras .h5 writer lays files out as tf.keras 2.4 does (checked with h5py against
# the layout the fixtures document) and writes identical bytes for identical input.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'write a small model twice: identical bytes' '
	$LI_TOOLS/h5save_tool a.h5 && $LI_TOOLS/h5save_tool b.h5 && cmp a.h5 b.h5 &&
	! ls a.h5.tmp* 2>/dev/null
'

test_expect_success 'h5py reads the layout tf.keras 2.4 writes' '
	$PY - <<-\PYEOF
	import h5py, json, numpy as np
	f = h5py.File("a.h5", "r")
	def vlen(obj, name, cset):
	    tid = obj.attrs.get_id(name).get_type()
	    assert tid.is_variable_str(), name
	    assert tid.get_cset() == cset, (name, tid.get_cset())
	vlen(f, "backend", h5py.h5t.CSET_UTF8); vlen(f, "keras_version", h5py.h5t.CSET_UTF8)
	vlen(f, "model_config", h5py.h5t.CSET_ASCII)
	assert f.attrs["keras_version"] == "2.4.0" and f.attrs["backend"] == "tensorflow"
	cfg = json.loads(f.attrs["model_config"]); assert cfg["class_name"] == "Sequential"
	assert json.loads(f.attrs["li_class_names"]) == ["zero", "eins \u00fc"]
	mw = f["model_weights"]
	vlen(mw, "backend", h5py.h5t.CSET_ASCII); vlen(mw, "keras_version", h5py.h5t.CSET_ASCII)
	ln = mw.attrs.get_id("layer_names").get_type()
	assert not ln.is_variable_str() and ln.get_strpad() == h5py.h5t.STR_NULLPAD
	assert list(mw.attrs["layer_names"]) == [b"dense", b"activation"]
	assert list(mw["dense"].attrs["weight_names"]) == [b"dense/kernel:0", b"dense/bias:0"]
	wn = mw["activation"].attrs["weight_names"]
	assert wn.dtype == np.float64 and wn.shape == (0,)
	k = mw["dense/dense/kernel:0"][()]; b = mw["dense/dense/bias:0"][()]
	assert k.dtype == np.dtype("<f4") and k.shape == (3, 2)
	assert np.array_equal(k, 0.5 * np.arange(6, dtype=np.float32).reshape(3, 2))
	assert np.array_equal(b, [1, -1])
	PYEOF
'

test_expect_success 'the layout matches a fixture file written in tf.keras 2.4 layout' '
	f=$(ls $FIXTURES/keras/kerasjs/core.Dense.*/synth_model.h5 | head -1) &&
	test -n "$f" &&
	$PY - "$f" <<-\PYEOF
	import h5py, sys
	ref = h5py.File(sys.argv[1], "r"); ours = h5py.File("a.h5", "r")
	def kinds(obj):
	    out = {}
	    for n in obj.attrs:
	        t = obj.attrs.get_id(n).get_type()
	        out[n] = (t.get_class(), t.is_variable_str() if t.get_class() == h5py.h5t.STRING else None,
	                  t.get_cset() if t.get_class() == h5py.h5t.STRING else None)
	    return out
	for a, b in ((ref, ours), (ref["model_weights"], ours["model_weights"])):
	    ka, kb = kinds(a), kinds(b)
	    for n in ka:
	        assert n in kb, n
	        assert ka[n] == kb[n], (n, ka[n], kb[n])
	PYEOF
'

test_expect_success 'long layer_names are chunked as Keras chunks them' '
	$LI_TOOLS/h5save_tool many.h5 1500 &&
	$PY - <<-\PYEOF
	import h5py, numpy as np
	mw = h5py.File("many.h5", "r")["model_weights"]
	assert "layer_names" not in mw.attrs
	parts = []
	i = 0
	while "layer_names%d" % i in mw.attrs:
	    parts.append(mw.attrs["layer_names%d" % i]); i += 1
	names = np.concatenate(parts)
	assert len(names) == 1502 and names[0] == b"dense" and names[-1].endswith(b"001501")
	# as numpy.array_split with the smallest chunk count whose chunks fit 64512 bytes
	size = names.dtype.itemsize
	k = 1
	while any(c.nbytes > 64512 for c in np.array_split(names, k)): k += 1
	assert len(parts) == k and [len(p) for p in parts] == [len(c) for c in np.array_split(names, k)]
	PYEOF
'

test_expect_success 'an unwritable place: one error, no file' '
	must_fail 1 $LI_TOOLS/h5save_tool nodir/x.h5 2>err &&
	grep -q "cannot create: No such file or directory" err
'

test_done
