#!/usr/bin/env bash
# t-SNE benchmark: li-reduce --method tsne against R's Rtsne (r-cran-rtsne, Barnes-Hut)
# and scikit-learn's TSNE (the distribution's, /usr/bin/python3), side by side in one
# run on one machine, on Fashion-MNIST (dataset-fashion-mnist: 60,000 train + 10,000
# test images scaled to [0, 1]):
#   10,000 x 784   the first 10,000 images
#   70,000 x 50    all 70,000 images through PCA to 50 columns (scikit-learn's PCA)
#   70,000 x 784   all images; only with TSNE_BENCH_FULL=1 (the peers take tens of
#                  minutes on 2 cores)
# TSNE_BENCH_SMALL=1 swaps these for 2,000 x 784 and 5,000 x 50 (for trying the script).
# TSNE_BENCH_TOOLS picks tools [li rtsne sklearn]; TSNE_BENCH_THREADS [2].
#
# Every tool gets the same settings where it has them: 2 output dimensions, perplexity
# 30, 1,000 iterations of which 250 exaggerated by 12, Barnes-Hut theta 0.5, the same
# thread count, the same OpenBLAS kernel (as in umap.sh: the environment's or OpenBLAS'
# own, or where it falls back to a generic one the kernel the CPU can run). Each keeps
# its own defaults otherwise: li-reduce openTSNE's (PCA init, learning rate N/12 then N; exact
# kNN up to 4,096 rows and wherever N^2 x columns <= 70,000^2 x 64, NN-descent above), Rtsne its own (random init, learning rate 200, exact
# vantage-point-tree kNN; pca=FALSE so that it searches the same columns the others
# do), scikit-learn its own (PCA init, learning rate "auto", exact kNN).
#
# Timed: each tool as one process, end to end (start, reading its input file, the fit,
# writing the embedding), under /usr/bin/time -v for wall time and peak resident
# memory. Quality, computed here the same way for every embedding: KL(P || Q) with P
# from the exact 90 nearest neighbours at perplexity 30 (scikit-learn's calibration)
# and Q normalised over all pairs exactly; trustworthiness@10 on one seeded sample of
# 5,000 rows (sklearn.manifold.trustworthiness); leave-one-out 10-NN label accuracy
# of the embedding. The machine may be shared: wall times are what this run saw.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
export LI_BIN=${LI_BIN:-$top/bin}
. "$top/scripts/bench/blas-core"
fast=$(blas_fast_core)
[ -n "$fast" ] && export OPENBLAS_CORETYPE=$fast
export TSNE_BENCH_THREADS=${TSNE_BENCH_THREADS:-2}
export TSNE_BENCH_TOOLS=${TSNE_BENCH_TOOLS:-li rtsne sklearn}
export TSNE_BENCH_SMALL=${TSNE_BENCH_SMALL:-0} TSNE_BENCH_FULL=${TSNE_BENCH_FULL:-0}
if ! [ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
	echo "tsne.sh: skipped: dataset-fashion-mnist is not installed" >&2
	exit 0
fi
case " $TSNE_BENCH_TOOLS " in *" rtsne "*)
	if ! Rscript -e 'library(Rtsne)' >/dev/null 2>&1; then
		echo "tsne.sh: Rtsne left out: scripts/deps --bench installs r-base-core r-cran-rtsne" >&2
		TSNE_BENCH_TOOLS=$(echo " $TSNE_BENCH_TOOLS " | sed 's/ rtsne / /')
	fi
esac
work=$(mktemp -d "${TMPDIR:-/tmp}/li-bench-tsne.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat >"$work/rtsne.R" <<'R'
# Rtsne on a raw little-endian float64 file of n x d rows; writes n x 2 float64.
a <- commandArgs(trailingOnly = TRUE)
n <- as.integer(a[2]); d <- as.integer(a[3])
x <- matrix(readBin(a[1], "double", n * d, size = 8, endian = "little"), n, d, byrow = TRUE)
set.seed(0)
r <- Rtsne::Rtsne(x, dims = 2, perplexity = 30, theta = 0.5, max_iter = 1000,
                  pca = FALSE, check_duplicates = FALSE, num_threads = as.integer(a[5]))
writeBin(as.vector(t(r$Y)), a[4], size = 8, endian = "little")
R

cat >"$work/sk.py" <<'PY'
import sys
import numpy as np
from sklearn.manifold import TSNE
x = np.load(sys.argv[1])
y = TSNE(2, perplexity=30, early_exaggeration=12, learning_rate="auto", n_iter=1000,
         init="pca", angle=0.5, n_jobs=int(sys.argv[3]), random_state=0).fit_transform(x)
np.save(sys.argv[2], y.astype(np.float32))
PY

/usr/bin/python3 - "$work" <<'PY'
import gzip, json, os, re, subprocess, sys, time
import numpy as np
from scipy.sparse import csr_matrix
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from sklearn.manifold._utils import _binary_search_perplexity
from sklearn.neighbors import NearestNeighbors

work = sys.argv[1]
bin_dir, th = os.environ["LI_BIN"], os.environ["TSNE_BENCH_THREADS"]
tools = os.environ["TSNE_BENCH_TOOLS"].split()
small, full = os.environ["TSNE_BENCH_SMALL"] == "1", os.environ["TSNE_BENCH_FULL"] == "1"
fm = "/usr/share/datasets/fashion-mnist/"
def idx(name, off):
    return np.frombuffer(gzip.open(fm + name).read(), np.uint8, offset=off)
x = np.concatenate([idx("train-images-idx3-ubyte.gz", 16), idx("t10k-images-idx3-ubyte.gz", 16)])
x = x.reshape(-1, 784).astype(np.float32) / 255
lab = np.concatenate([idx("train-labels-idx1-ubyte.gz", 8), idx("t10k-labels-idx1-ubyte.gz", 8)])
sets = [(2000, 784), (5000, 50)] if small else [(10000, 784), (70000, 50)]
if full and not small:
    sets.append((70000, 784))
env = dict(os.environ, OMP_NUM_THREADS=th, OPENBLAS_NUM_THREADS=th)
print("Fashion-MNIST; %d CPUs (shared with other work: wall times are this run's); "
      "%s threads; tools: %s" % (os.cpu_count(), th, " ".join(tools)), flush=True)

def timed(cmd, log):
    """Runs cmd under /usr/bin/time -v: (wall seconds, CPU seconds, peak RSS in MB)."""
    with open(log, "w") as f:
        subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=subprocess.DEVNULL, stderr=f,
                       env=env, check=True)
    t = open(log).read()
    w = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
    secs = 0.0
    for part in w.split(":"):
        secs = secs * 60 + float(part)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
    cpu = sum(float(re.search(r"%s time \(seconds\): (\S+)" % w, t).group(1))
              for w in ("User", "System"))
    return secs, cpu, rss / 1024

def quality(X, Y, l, P, samp):
    """KL(P || Q) with Z over all pairs, trustworthiness@10 on samp, 10-NN accuracy."""
    Y = Y.astype(np.float64)
    n = len(Y)
    Z = 0.0
    for a in range(0, n, 256):
        b = min(n, a + 256)
        d2 = ((Y[a:b, None, :] - Y[None, :, :]) ** 2).sum(-1) if n <= 20000 else (
            (Y[a:b] ** 2).sum(1)[:, None] + (Y ** 2).sum(1)[None, :] - 2 * Y[a:b] @ Y.T)
        w = 1 / (1 + np.maximum(d2, 0))
        Z += w.sum() - (b - a)  # the diagonal's 1s
    r, c = P.nonzero()
    q = 1 / (1 + ((Y[r] - Y[c]) ** 2).sum(1)) / Z
    p = np.asarray(P[r, c]).ravel()
    kl = float(np.sum(p * np.log(p / q)))
    tw = trustworthiness(X[samp], Y[samp], n_neighbors=10)
    nb = NearestNeighbors(n_neighbors=11).fit(Y).kneighbors(Y)[1][:, 1:]
    acc = float(np.mean([np.bincount(l[i], minlength=10).argmax() == c
                         for i, c in zip(nb, l)]))
    return kl, tw, acc

rows = []
x50 = None
for n, d in sets:
    if d == 50:
        if x50 is None or len(x50) < n:
            x50 = PCA(50, random_state=0).fit_transform(x[:n]).astype(np.float32)
        X = x50[:n]
    else:
        X = x[:n]
    l = lab[:n].astype(np.int64)
    name = "%dx%d" % (n, d)
    xp = os.path.join(work, name + ".npy")
    np.save(xp, X)
    X.astype("<f8").tofile(os.path.join(work, name + ".f64"))
    # the common P: exact 90 neighbours, perplexity 30, symmetrised
    t0 = time.time()
    k = min(n - 1, 90)
    dist, ind = NearestNeighbors(n_neighbors=k, n_jobs=int(th)).fit(X).kneighbors(None)
    C = _binary_search_perplexity((dist ** 2).astype(np.float32), 30.0, 0)
    P = csr_matrix((C.ravel(), ind.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
    P = (P + P.T) / (2 * n)
    samp = np.random.RandomState(0).choice(n, min(n, 5000), replace=False)
    print("%s: reference P in %.0f s" % (name, time.time() - t0), flush=True)
    for tool in tools:
        out = os.path.join(work, "%s-%s" % (name, tool))
        log = out + ".time"
        if tool == "li":
            rep = out + ".json"
            cmd = [os.path.join(bin_dir, "li-reduce"), "--method", "tsne", "--threads", th,
                   "--trust-rows", "0", "-q", "--report", rep, "-o", out + ".npy", xp]
        elif tool == "rtsne":
            cmd = ["Rscript", os.path.join(work, "rtsne.R"), os.path.join(work, name + ".f64"),
                   str(n), str(d), out + ".f64", th]
        else:
            cmd = ["/usr/bin/python3", os.path.join(work, "sk.py"), xp, out + ".npy", th]
        wall, cpu, mb = timed(cmd, log)
        if tool == "rtsne":
            Y = np.fromfile(out + ".f64", "<f8").reshape(n, 2)
        else:
            Y = np.load(out + ".npy")
        kl, tw, acc = quality(X, Y, l, P, samp)
        rows.append((name, tool, wall, cpu, mb, kl, tw, acc))
        print("%s %-7s %8.1f s wall %8.1f s CPU %8.0f MB  KL %.4f  trust@10 %.4f  "
              "10-NN acc %.4f" % (name, tool, wall, cpu, mb, kl, tw, acc), flush=True)

names = {"li": "li-reduce", "rtsne": "Rtsne 0.16", "sklearn": "scikit-learn 1.2.1"}
print()
print("| data | tool | wall s | CPU s | peak MB | KL | trust@10 (5k) | 10-NN acc "
      "| wall, CPU / li-reduce's |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for name, tool, wall, cpu, mb, kl, tw, acc in rows:
    ours = [r for r in rows if r[0] == name and r[1] == "li"]
    ratio = "%.1f, %.1f" % (wall / ours[0][2], cpu / ours[0][3]) if ours else "-"
    print("| %s | %s | %.1f | %.1f | %.0f | %.4f | %.4f | %.4f | %s |"
          % (name.replace("x", " x "), names[tool], wall, cpu, mb, kl, tw, acc, ratio))

# rows of make bench's summary (scripts/bench/summary): the sets in order are the
# issue's 10k x 784 and 70k x 50 (smaller ones with TSNE_BENCH_SMALL=1)
summ = os.environ.get("LI_BENCH_SUMMARY")
if summ:
    with open(summ, "a") as f:
        worst = None
        for (n, d), key in zip(sets, ("tsne-10k784", "tsne-70k50")):
            name = "%dx%d" % (n, d)
            li = [r for r in rows if r[0] == name and r[1] == "li"]
            rt = [r for r in rows if r[0] == name and r[1] == "rtsne"]
            if li and rt:
                r = rt[0][2] / li[0][2]
                f.write("%s\tRtsne %.1f s wall (%s)\tli %.1f s wall\t%.2f\t%s\n"
                        % (key, rt[0][2], name, li[0][2], r, "-" if key == "tsne-10k784" else "yes" if r >= 4.5 else "no"))
                dt = li[0][6] - rt[0][6]
                worst = dt if worst is None or dt < worst else worst
        if worst is not None:
            f.write("tsne-trust\tRtsne\tli %+.4f\t-\t%s\n" % (worst, "yes" if worst >= -0.005 else "no"))
PY
