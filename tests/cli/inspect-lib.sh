# Helpers for the li-inspect tests (t0900-t0929); sourced after lib.sh.

# make_project DIR: a small project folder as li-project(5) describes it:
# an 8x8-image autoencoder (Keras .h5 in tf.keras 2.4 layout, written with h5py; its
# bottleneck 'code' has 3 numbers and is the split point with the smallest latent),
# 180 rows in three clusters with labels and class names, rendered as 8x8 images.
make_project() {
	mkdir -p "$1" && (cd "$1" && $PY - <<-\PYEOF
	import json, h5py, numpy as np
	rng = np.random.default_rng(3)
	import os, sys; sys.path.insert(0, os.environ["LI_TOP"] + "/tests/tools")
	from kerash5 import save
	dense = lambda u, a: {"units": u, "activation": a, "use_bias": True}
	W = lambda a, b: rng.normal(size=(a, b)) * 0.3
	save("model.h5", [8, 8, 1],
	     [("flat", "Flatten", {}), ("enc", "Dense", dense(16, "relu")),
	      ("code", "Dense", dense(3, "linear")), ("dec", "Dense", dense(16, "relu")),
	      ("out", "Dense", dense(64, "sigmoid")), ("img", "Reshape", {"target_shape": [8, 8]})],
	     {"enc": {"kernel": W(64, 16), "bias": rng.normal(size=16) * .1},
	      "code": {"kernel": W(16, 3), "bias": np.zeros(3)},
	      "dec": {"kernel": W(3, 16), "bias": rng.normal(size=16) * .1},
	      "out": {"kernel": W(16, 64), "bias": np.zeros(64)}})
	centres = rng.normal(size=(3, 64)) * 2
	y = np.repeat(np.arange(3), 60)
	x = (centres[y] + rng.normal(size=(180, 64)) * 0.5).astype("f4")
	np.save("x.npy", x.reshape(180, 8, 8, 1)); np.save("y.npy", y)
	open("classes.txt", "w").write("ring\nbar\ndot\n")
	json.dump({"model": "model.h5", "data": "x.npy", "labels": "y.npy",
	           "classes": "classes.txt", "render": {"kind": "image", "shape": [8, 8]}},
	          open("project.json", "w"))
	PYEOF
	)
}

# cache_map DIR: the map file of the project's (only) cached preparation.
cache_map() {
	ls "$1"/.li-inspect/*/map.h5 | head -1
}
