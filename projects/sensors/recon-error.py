#!/usr/bin/python3
"""Reconstruction error of the sensors autoencoder on the held-out subjects.

usage: recon-error.py X.npy RECON.npy LABELS.npy CLASSES.txt OUT.json
Prints and writes (JSON) the mean squared error over all values, the variance of the
data (the error of predicting the overall mean), the mean per-channel variance (the
error of predicting each channel's mean) and the error per class.
"""
import json
import sys

import numpy as np


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__.strip().splitlines()[2])
    x = np.load(sys.argv[1]).astype(np.float64)
    r = np.load(sys.argv[2]).astype(np.float64)
    y = np.load(sys.argv[3])
    names = [n for n in open(sys.argv[4]).read().split("\n") if n]
    if x.shape != r.shape or len(y) != len(x):
        sys.exit(f"recon-error.py: shapes differ: {x.shape}, {r.shape}, {y.shape}")
    err = (x - r) ** 2
    rep = {
        "rows": int(len(x)),
        "mse": float(err.mean()),
        "variance": float(x.var()),
        "channel_variance": float(x.reshape(-1, x.shape[-1]).var(axis=0).mean()),
        "mse_per_class": {n: float(err[y == k].mean()) for k, n in enumerate(names)
                          if (y == k).any()},
    }
    print(f"reconstruction MSE on {rep['rows']} held-out windows: {rep['mse']:.5f} "
          f"(variance of the data {rep['variance']:.5f}, "
          f"mean per-channel variance {rep['channel_variance']:.5f})")
    print("per class: " + ", ".join(f"{n} {v:.4f}" for n, v in rep["mse_per_class"].items()))
    with open(sys.argv[5], "w") as f:
        json.dump(rep, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
