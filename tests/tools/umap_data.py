# Writes the data sets of the UMAP tests (t05xx) into the current folder:
#   blobs.npy/blobs_y.npy   2,000 x 10, five Gaussian blobs (sklearn make_blobs, seed 0)
#   fm.npy/fm_y.npy         Fashion-MNIST: the first 5,000 training images, /255, float32
#   fmt.npy/fmt_y.npy       the first 1,000 test images (held out for transform)
# Fashion-MNIST comes from the distribution's dataset-fashion-mnist (IDX, gzip); when it
# is absent, only the blobs are written.
import gzip, os, sys
import numpy as np
from sklearn.datasets import make_blobs

B, by = make_blobs(2000, n_features=10, centers=5, random_state=0)
np.save("blobs.npy", B.astype(np.float32))
np.save("blobs_y.npy", by.astype(np.int64))

root = "/usr/share/datasets/fashion-mnist"

def idx(name):
    with gzip.open(os.path.join(root, name)) as f:
        b = f.read()
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)

if os.path.exists(os.path.join(root, "train-images-idx3-ubyte.gz")):
    X = idx("train-images-idx3-ubyte.gz")[:5000].reshape(5000, -1).astype(np.float32) / 255
    np.save("fm.npy", X)
    np.save("fm_y.npy", idx("train-labels-idx1-ubyte.gz")[:5000].astype(np.int64))
    T = idx("t10k-images-idx3-ubyte.gz")[:1000].reshape(1000, -1).astype(np.float32) / 255
    np.save("fmt.npy", T)
    np.save("fmt_y.npy", idx("t10k-labels-idx1-ubyte.gz")[:1000].astype(np.int64))
