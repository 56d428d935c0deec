#!/usr/bin/python3
"""scikit-learn's TSNE on Fashion-MNIST 5k, measured once and cached (t0570).

usage: tsne_fm5k_ref.py DATA_DIR CACHE.json

DATA_DIR gets fit.npy (the first 5,000 test images scaled to [0, 1], 5000 x 784
float32), fit-labels.npy, new.npy and new-labels.npy (the next 1,000, for placing).
CACHE.json gets scikit-learn's numbers on fit.npy (perplexity 30, PCA init, learning
rate "auto", 1,000 iterations, random_state 0), measured by measure() below, which the
test applies to li-reduce's embedding too. The fit takes minutes on 2 cores, so its
numbers are kept in CACHE.json (under build/) and reused while the scikit-learn
version and this file's REF_VERSION stay the same.

Also importable: measure(X, Y, labels) -> dict with
  kl     KL(P || Q): P from the exact 90 nearest neighbours at perplexity 30
         (scikit-learn's calibration), symmetrised; Q normalised over all pairs
  trust  sklearn.manifold.trustworthiness, k = 10, on all rows
  acc    leave-one-out 10-NN label accuracy in the embedding
"""
import gzip
import json
import os
import sys

import numpy as np

REF_VERSION = 1
FM = "/usr/share/datasets/fashion-mnist/"


def data(out_dir):
    x = np.frombuffer(gzip.open(FM + "t10k-images-idx3-ubyte.gz").read(), np.uint8,
                      offset=16).reshape(-1, 784)[:6000].astype(np.float32) / 255
    lab = np.frombuffer(gzip.open(FM + "t10k-labels-idx1-ubyte.gz").read(), np.uint8,
                        offset=8)[:6000].astype(np.int64)
    np.save(os.path.join(out_dir, "fit.npy"), x[:5000])
    np.save(os.path.join(out_dir, "fit-labels.npy"), lab[:5000])
    np.save(os.path.join(out_dir, "new.npy"), x[5000:])
    np.save(os.path.join(out_dir, "new-labels.npy"), lab[5000:])
    return x[:5000], lab[:5000]


def measure(X, Y, labels):
    from scipy.sparse import csr_matrix
    from sklearn.manifold import trustworthiness
    from sklearn.manifold._utils import _binary_search_perplexity
    from sklearn.neighbors import NearestNeighbors
    X = np.asarray(X, np.float64).reshape(len(X), -1)
    Y = np.asarray(Y, np.float64)
    n, k = len(X), min(len(X) - 1, 90)
    dist, ind = NearestNeighbors(n_neighbors=k).fit(X).kneighbors(None)
    C = _binary_search_perplexity((dist ** 2).astype(np.float32), 30.0, 0)
    P = csr_matrix((C.ravel(), ind.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
    P = ((P + P.T) / (2 * n)).tocoo()
    sq = (Y ** 2).sum(1)
    Z = 0.0
    for a in range(0, n, 500):
        d2 = np.maximum(sq[a:a + 500, None] + sq[None, :] - 2 * Y[a:a + 500] @ Y.T, 0)
        Z += (1 / (1 + d2)).sum() - len(d2)
    q = 1 / (1 + ((Y[P.row] - Y[P.col]) ** 2).sum(1)) / Z
    kl = float(np.sum(P.data * np.log(P.data / q)))
    nb = NearestNeighbors(n_neighbors=11).fit(Y).kneighbors(Y)[1][:, 1:]
    acc = float(np.mean([np.bincount(labels[r], minlength=10).argmax() == c
                         for r, c in zip(nb, labels)]))
    return {"kl": kl, "trust": float(trustworthiness(X, Y, n_neighbors=10)), "acc": acc}


def main():
    import sklearn
    out_dir, cache = sys.argv[1], sys.argv[2]
    X, lab = data(out_dir)
    try:
        ref = json.load(open(cache))
        if ref["sklearn"] == sklearn.__version__ and ref["ref_version"] == REF_VERSION:
            return
    except (OSError, ValueError, KeyError):
        pass
    from sklearn.manifold import TSNE
    t = TSNE(2, perplexity=30, init="pca", learning_rate="auto", n_iter=1000,
             n_jobs=2, random_state=0)
    Y = t.fit_transform(X.astype(np.float64))
    ref = measure(X, Y, lab)
    ref.update(sklearn=sklearn.__version__, ref_version=REF_VERSION,
               sklearn_kl=float(t.kl_divergence_))
    os.makedirs(os.path.dirname(os.path.abspath(cache)), exist_ok=True)
    with open(cache + ".tmp", "w") as f:
        json.dump(ref, f)
    os.rename(cache + ".tmp", cache)


if __name__ == "__main__":
    main()
