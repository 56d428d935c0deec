"""Compares an engine output with a case's expected output (tests/conform/t0330):
|got - want| <= 1e-5 * max(1, |want|) element by element, the shapes the same once
flattened per row. --mutate: the comparison must FAIL (a perturbed model).

    /usr/bin/python3 attention-check.py [--mutate] GOT.npy EXPECTED.npy
"""
import sys

import numpy as np

args = sys.argv[1:]
mutate = args[0] == "--mutate"
if mutate:
    args = args[1:]
got = np.load(args[0]).astype(np.float64)
want = np.load(args[1]).astype(np.float64)
ok = got.size == want.size
if ok:
    err = (np.abs(got.reshape(want.shape) - want) / np.maximum(1.0, np.abs(want))).max()
    ok = err <= 1e-5
    print("max relative error %.2e" % err)
else:
    print("shapes differ: %s vs %s" % (got.shape, want.shape))
sys.exit(0 if ok != mutate else 1)
