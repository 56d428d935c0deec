#!/usr/bin/env bash
# PCA benchmark: li-reduce against scikit-learn (the distribution's, /usr/bin/python3)
# on Fashion-MNIST images (dataset-fashion-mnist; 60,000 train + 10,000 test = 70,000
# rows of 784, scaled to [0, 1]; synthetic low-rank data of the same shape when the
# package is absent), 10,000 and 70,000 rows, 2 components, in one run on one machine.
#
# Timed: li-reduce end to end (process start, reading the float32 .npy, the fit, writing
# the coordinates), once with trustworthiness skipped (--trust-rows 0: the PCA alone)
# and once as shipped (trustworthiness@10 on 5,000 rows); scikit-learn's fit_transform
# alone (data already in memory, float64), with its default solver (randomized for these
# shapes) and with svd_solver="full" (exact, like li-reduce's eig). Each is the best of
# REPEAT runs [3], as wall time and as CPU time (user + system, all threads: steadier
# on a shared machine). Ratios > 1 mean li-reduce is faster. Quality: the explained
# variance ratio sum of each, which must agree. PCA_BENCH_ROWS: the row counts
# ["10000 70000"]; a small one (e.g. 2000) tries the script in seconds.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
export LI_BIN=${LI_BIN:-$top/bin} REPEAT=${REPEAT:-3} PCA_BENCH_ROWS=${PCA_BENCH_ROWS:-10000 70000}
work=$(mktemp -d "${TMPDIR:-/tmp}/li-bench-pca.XXXXXX")
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$work" <<'PY'
import gzip, json, os, resource, subprocess, sys, time
import numpy as np
from sklearn.decomposition import PCA

work, bin_dir, repeat = sys.argv[1], os.environ["LI_BIN"], int(os.environ["REPEAT"])
d = "/usr/share/datasets/fashion-mnist"
def idx(name):
    with gzip.open(os.path.join(d, name)) as f:
        raw = f.read()
    n = int.from_bytes(raw[4:8], "big")
    return np.frombuffer(raw, np.uint8, offset=16).reshape(n, 784)
try:
    x = np.concatenate([idx("train-images-idx3-ubyte.gz"), idx("t10k-images-idx3-ubyte.gz")])
    x = x.astype(np.float32) / 255
    src = "Fashion-MNIST"
except OSError:
    r = np.random.default_rng(0)
    x = (r.normal(size=(70000, 40)) @ r.normal(size=(40, 784)) + r.normal(size=(70000, 784)) * 0.1)
    x = x.astype(np.float32)
    src = "synthetic (dataset-fashion-mnist not installed)"
print("data: %s; %d CPUs; best of %d" % (src, os.cpu_count(), repeat))

def cpu_children():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime

def li(path, *opts):
    wall = cpu = float("inf")
    for _ in range(repeat):
        c0, t0 = cpu_children(), time.perf_counter()
        subprocess.run([os.path.join(bin_dir, "li-reduce"), "-q", *opts, path],
                       stdout=subprocess.DEVNULL, check=True)
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, cpu_children() - c0)
    return wall, cpu

def sk(xx, solver):
    wall = cpu = float("inf")
    for _ in range(repeat):
        p = PCA(2, svd_solver=solver, random_state=0)
        c0, t0 = time.process_time(), time.perf_counter()
        p.fit_transform(xx)
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu, p.explained_variance_ratio_.sum(), p._fit_svd_solver

for rows in map(int, os.environ["PCA_BENCH_ROWS"].split()):
    path = os.path.join(work, "x%d.npy" % rows)
    np.save(path, x[:rows])
    rep = os.path.join(work, "r.json")
    subprocess.run([os.path.join(bin_dir, "li-reduce"), "-q", "--trust-rows", "0",
                    "--report", rep, path], stdout=subprocess.DEVNULL, check=True)
    r = json.load(open(rep))
    w_pca, c_pca = li(path, "--trust-rows", "0")
    w_all, c_all = li(path)
    print("%d x 784: li-reduce (%s): PCA alone %.2f s wall, %.2f s CPU; with "
          "trustworthiness %.2f s wall, %.2f s CPU; explained variance %.6f"
          % (rows, r["params"]["solver"], w_pca, c_pca, w_all, c_all,
             r["quality"]["explained_variance_ratio_sum"]))
    xx = x[:rows].astype(np.float64)
    for solver in ("auto", "full"):
        w, c, evr, used = sk(xx, solver)
        print("  sklearn %s: %.2f s wall, %.2f s CPU, explained variance %.6f; "
              "sklearn / li-reduce (PCA alone): %.2f wall, %.2f CPU"
              % (used, w, c, evr, w / w_pca, c / c_pca))
PY
