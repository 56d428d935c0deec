#!/usr/bin/env bash
# projects/sensors/gen-data.py: the synthetic wearable-sensor windows (shapes, classes,
# held-out subjects, the same bytes for the same seed, and the physics each activity is
# meant to show).
. "$(dirname "$0")/../lib.sh"

gen=$LI_TOP/projects/sensors/gen-data.py

test_expect_success 'the generator writes the data set' '
	$PY "$gen" a --windows 3 &&
	for f in x y subject val-x val-y val-subject; do test -s a/$f.npy || exit 1; done &&
	printf "%s\n" sitting standing lying walking running stairs cycling >expect &&
	cmp expect a/classes.txt &&
	printf "%s\n" acc_x acc_y acc_z gyro_x gyro_y gyro_z >expect &&
	cmp expect a/channels.txt
'

test_expect_success 'the same seed gives the same bytes, another seed other data' '
	$PY "$gen" b --windows 3 &&
	$PY "$gen" c --windows 3 --seed 2 &&
	for f in x y subject val-x val-y val-subject; do cmp a/$f.npy b/$f.npy || exit 1; done &&
	! cmp -s a/x.npy c/x.npy
'

test_expect_success 'shapes, dtypes and held-out subjects' '
	$PY - <<-\PYEOF
	import numpy as np
	x, y, s = (np.load("a/" + f + ".npy") for f in ("x", "y", "subject"))
	vx, vy, vs = (np.load("a/val-" + f + ".npy") for f in ("x", "y", "subject"))
	assert x.shape == (16 * 7 * 3, 100, 6) and x.dtype == np.float32, x.shape
	assert vx.shape == (6 * 7 * 3, 100, 6) and vx.dtype == np.float32, vx.shape
	assert y.dtype == np.int64 and sorted(set(y)) == list(range(7))
	assert sorted(set(vy)) == list(range(7))
	assert np.isfinite(x).all() and np.isfinite(vx).all()
	assert set(s) == set(range(1, 17)) and set(vs) == set(range(17, 23))
	PYEOF
'

# What each activity is meant to look like, from a chest sensor (x up the spine, z out of
# the chest; accelerations in g, rates in rad/s).
test_expect_success 'the activities show their physics' '
	$PY "$gen" d --windows 6 &&
	$PY - <<-\PYEOF
	import numpy as np
	x, y = np.load("d/x.npy").astype(np.float64), np.load("d/y.npy")
	c = {n: x[y == k] for k, n in enumerate(open("d/classes.txt").read().split())}
	mean = {n: v.mean(axis=(0, 1)) for n, v in c.items()}
	sd = {n: v[:, :, :3].std(axis=1).mean() for n, v in c.items()}
	# upright postures see gravity along the spine, lying across it
	for n in ("sitting", "standing", "walking", "running", "stairs"):
	    assert mean[n][0] > 0.9, (n, mean[n])
	assert abs(mean["lying"][0]) < 0.4, mean["lying"]
	# |gravity| = 1 g when still
	for n in ("sitting", "standing", "lying"):
	    g = np.linalg.norm(c[n][:, :, :3].mean(axis=1), axis=1)
	    assert abs(g.mean() - 1) < 0.03, (n, g.mean())
	    assert sd[n] < 0.05, (n, sd[n])
	# leaning back in a chair, forward on a bicycle
	assert mean["sitting"][2] > 0.15 and mean["cycling"][2] < -0.3, (mean["sitting"], mean["cycling"])
	# movement grows from walking to running
	assert sd["walking"] > 0.1 and sd["running"] > 2 * sd["walking"], sd
	# the step frequency: walking near 1.85 Hz, running near 2.75 Hz (50 Hz, 100 steps)
	def cadence(v):
	    f = np.abs(np.fft.rfft(v[:, :, 0] - v[:, :, 0].mean(axis=1, keepdims=True), n=1000))
	    return np.median(np.argmax(f, axis=1) * 50 / 1000)
	assert 1.5 < cadence(c["walking"]) < 2.2, cadence(c["walking"])
	assert 2.3 < cadence(c["running"]) < 3.2, cadence(c["running"])
	PYEOF
'

test_done
