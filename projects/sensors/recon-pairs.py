#!/usr/bin/python3
"""Held-out windows beside their reconstructions, for a picture: for each named class,
the first window of that class in X.npy, then the same row of RECON.npy.

usage: recon-pairs.py X.npy RECON.npy LABELS.npy CLASSES.txt OUT.npy TITLES.txt NAME...
writes OUT.npy (2 rows per name) and TITLES.txt (one title per row)
"""
import sys

import numpy as np


def main():
    if len(sys.argv) < 8:
        sys.exit(__doc__.strip().splitlines()[-2])
    x, r, y = (np.load(f) for f in sys.argv[1:4])
    classes = [n for n in open(sys.argv[4]).read().split("\n") if n]
    rows, titles = [], []
    for name in sys.argv[7:]:
        if name not in classes:
            sys.exit(f"recon-pairs.py: no class '{name}' in {sys.argv[4]}")
        i = int(np.flatnonzero(y == classes.index(name))[0])
        rows += [x[i], r[i]]
        titles += [f"{name}, held-out window {i}", f"{name}, reconstructed"]
    np.save(sys.argv[5], np.stack(rows).astype(np.float32))
    with open(sys.argv[6], "w") as f:
        f.write("".join(t + "\n" for t in titles))


if __name__ == "__main__":
    main()
