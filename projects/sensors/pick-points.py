#!/usr/bin/python3
"""Points inside the data for the sensors project: for each class, the training point
whose map coordinates lie nearest the class's median point (a medoid-like, typical
window of that activity).

usage: pick-points.py XY.npy LABELS.npy CLASSES.txt OUT.npy NAMES.txt
writes OUT.npy (K x 2 float32, one row per class) and NAMES.txt (the class of each row)
"""
import sys

import numpy as np


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__.strip().splitlines()[-2])
    xy = np.load(sys.argv[1]).astype(np.float64)
    y = np.load(sys.argv[2])
    names = open(sys.argv[3]).read().split("\n")
    rows, picked = [], []
    for k, name in enumerate(n for n in names if n):
        pts = xy[y == k]
        if len(pts) == 0:
            continue
        med = np.median(pts, axis=0)
        rows.append(pts[np.argmin(((pts - med) ** 2).sum(axis=1))])
        picked.append(name)
    np.save(sys.argv[4], np.array(rows, dtype=np.float32))
    with open(sys.argv[5], "w") as f:
        f.write("".join(n + "\n" for n in picked))


if __name__ == "__main__":
    main()
