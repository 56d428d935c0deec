#!/usr/bin/env bash
# UMAP benchmark: li-reduce --method umap beside R's uwot (r-cran-uwot) and umap-learn
# (the distribution's python3-umap-learn, /usr/bin/python3), side by side in one run on
# one machine, on Fashion-MNIST (dataset-fashion-mnist: 60,000 train + 10,000 test rows
# of 784 pixels scaled to [0, 1]):
#   10k x 784 (the first 10,000 rows), 70k x 784, and 70k x 50 (its PCA-50, float32).
# Every tool gets umap-learn's parameters (n_neighbors 15, min_dist 0.1, spread 1, two
# components, its epoch counts: 500 up to 10,000 rows, 200 above) and every CPU
# (li-reduce --threads; uwot n_threads and n_sgd_threads; umap-learn through numba's
# threads, random_state unset so that its SGD runs in parallel).
#
# Measured for each: wall and CPU time (user + system, every thread) of the whole
# process (start, reading the data, the fit, writing the embedding; for uwot R's start
# too) with peak resident memory from /usr/bin/time -v; the wall and CPU time of the fit
# call alone inside the peers (uwot's umap(), umap-learn's fit_transform, data in
# memory); and trustworthiness@10
# (sklearn.manifold.trustworthiness) of each embedding on the same 5,000-row sample.
# umap-learn's process first fits the first 5,000 rows once, so that numba has
# compiled everything before the timed fit; its "wall" is the process's minus that
# warm-up fit (import, the fit, saving: no compilation, so it understates a cold run).
# The ratios divide a peer's time by li-reduce's whole-process time: > 1 means
# li-reduce is faster; the "fit" ratio is the conservative one (the peer's fit alone
# against all of li-reduce). On a loaded machine the CPU ratio (a peer's fit CPU seconds
# over li-reduce's whole-process CPU seconds) is the one that other work does not skew.
#
# Environment: UMAP_BENCH_SMALL=1 for a quick run (2k x 784, 5k x 784 and 5k x 50);
# UMAP_BENCH_TOOLS (default "li uwot umap-learn") to run only some; THREADS (default:
# the online CPUs). Every tool (numpy, R and li-reduce all use OpenBLAS) runs with the
# same kernel: the environment's OPENBLAS_CORETYPE, else OpenBLAS' own pick, except where
# 0.3.21 falls back to a generic kernel on a CPU it does not recognise: then the kernel
# the CPU can run (blas-core: SkylakeX with AVX-512, Haswell with AVX2; never one the
# CPU lacks).
# A tool that is not installed is skipped with a note (uwot: `apt-get install
# r-cran-uwot`, which scripts/deps installs only with --bench).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
export LI_BIN=${LI_BIN:-$top/bin}
. "$top/scripts/bench/blas-core"
fast=$(blas_fast_core)
[ -n "$fast" ] && export OPENBLAS_CORETYPE=$fast
export THREADS=${THREADS:-$(nproc)}
export NUMBA_NUM_THREADS=$THREADS
export UMAP_BENCH_TOOLS=${UMAP_BENCH_TOOLS:-li uwot umap-learn}
export UMAP_BENCH_SMALL=${UMAP_BENCH_SMALL:-0}
work=$(mktemp -d "${TMPDIR:-/tmp}/li-bench-umap.XXXXXX")
trap 'rm -rf "$work"' EXIT
export WORK=$work

cat >"$work/learn.py" <<'PY'
import json, sys, time, warnings
import numpy as np
warnings.filterwarnings("ignore")
import umap
x = np.load(sys.argv[1])
# numba compiles umap-learn's functions at their first call: warm up on a part of the
# data large enough (> 4096 rows) to take the same NN-descent path, then time the fit
t0, c0 = time.perf_counter(), time.process_time()
umap.UMAP(n_neighbors=15, min_dist=0.1).fit_transform(x[:5000])
warm, warm_cpu = time.perf_counter() - t0, time.process_time() - c0
t0, c0 = time.perf_counter(), time.process_time()
y = umap.UMAP(n_neighbors=15, min_dist=0.1).fit_transform(x)
fit, cpu = time.perf_counter() - t0, time.process_time() - c0
np.save(sys.argv[2], y.astype(np.float32))
json.dump({"fit": fit, "cpu": cpu, "warm": warm, "warm_cpu": warm_cpu}, open(sys.argv[3], "w"))
PY

cat >"$work/uwot.R" <<'R'
a <- commandArgs(trailingOnly = TRUE)
n <- as.integer(a[2]); d <- as.integer(a[3]); th <- as.integer(a[6])
con <- file(a[1], "rb"); v <- readBin(con, "numeric", n = n * d, size = 4); close(con)
x <- matrix(v, nrow = n, ncol = d, byrow = TRUE); rm(v)
suppressPackageStartupMessages(library(uwot))
t0 <- proc.time()
y <- umap(x, n_neighbors = 15, min_dist = 0.1, spread = 1, n_threads = th, n_sgd_threads = th)
t1 <- proc.time()
fit <- t1[["elapsed"]] - t0[["elapsed"]]
cpu <- (t1[["user.self"]] + t1[["sys.self"]]) - (t0[["user.self"]] + t0[["sys.self"]])
con <- file(a[4], "wb"); writeBin(as.numeric(t(y)), con, size = 4); close(con)
writeLines(sprintf("{\"fit\": %.6f, \"cpu\": %.6f}", fit, cpu), a[5])
R

/usr/bin/python3 - <<'PY'
import gzip, json, os, re, shutil, subprocess, sys, time
import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness

work, bin_dir, th = os.environ["WORK"], os.environ["LI_BIN"], int(os.environ["THREADS"])
small = os.environ["UMAP_BENCH_SMALL"] not in ("", "0")
tools = os.environ["UMAP_BENCH_TOOLS"].split()
d = "/usr/share/datasets/fashion-mnist"

def idx(name):
    with gzip.open(os.path.join(d, name)) as f:
        raw = f.read()
    n = int.from_bytes(raw[4:8], "big")
    return np.frombuffer(raw, np.uint8, offset=16).reshape(n, 784)

try:
    x = np.concatenate([idx("train-images-idx3-ubyte.gz"), idx("t10k-images-idx3-ubyte.gz")])
except OSError:
    sys.exit("umap bench: dataset-fashion-mnist is not installed; skipped")
x = x.astype(np.float32) / 255
big = 5000 if small else 70000
sets = [("%dk x 784" % ((2000 if small else 10000) // 1000), x[:2000 if small else 10000]),
        ("%dk x 784" % (big // 1000), x[:big])]
pca = PCA(50, random_state=0).fit_transform(x[:big]).astype(np.float32)
sets.append(("%dk x 50 (PCA)" % (big // 1000), pca))

def have(tool):
    if tool == "li":
        return os.access(os.path.join(bin_dir, "li-reduce"), os.X_OK)
    if tool == "uwot":
        return shutil.which("Rscript") is not None and subprocess.run(
            ["Rscript", "-e", "library(uwot)"], capture_output=True).returncode == 0
    return subprocess.run(["/usr/bin/python3", "-c", "import umap"], capture_output=True).returncode == 0

present = []
for t in tools:
    if have(t):
        present.append(t)
    else:
        print("umap bench: %s is not installed; skipped" % t)

cpu = ""
try:
    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
except (OSError, AttributeError):
    pass
print("Fashion-MNIST; %d threads for every tool; %s; load average before: %s"
      % (th, cpu, os.getloadavg()[0]))

def timed(cmd):
    """Runs cmd under /usr/bin/time -v: (wall seconds, peak RSS MiB, CPU seconds)."""
    log = os.path.join(work, "time.log")
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-v", "-o", log] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if r.returncode:
        print("  %s failed: %s" % (cmd[0], r.stderr.strip()[-400:]))
        return None
    t = open(log).read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
    cpu = sum(float(re.search(r"%s time \(seconds\): (\S+)" % k, t).group(1))
              for k in ("User", "System"))
    return wall, rss / 1024, cpu

rows = []
for name, data in sets:
    n, dd = data.shape
    npy = os.path.join(work, "x.npy")
    np.save(npy, data)
    raw = os.path.join(work, "x.f32")
    data.tofile(raw)
    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(n, min(n, 5000), replace=False))
    res = {}
    for t in present:
        out = os.path.join(work, "y-%s.npy" % t)
        fitj = os.path.join(work, "fit.json")
        if t == "li":
            r = timed([os.path.join(bin_dir, "li-reduce"), "-q", "--method", "umap",
                       "--trust-rows", "0", "--threads", str(th), npy, "-o", out])
            fit = fcpu = None
        elif t == "uwot":
            yraw = os.path.join(work, "y.f32")
            r = timed(["Rscript", os.path.join(work, "uwot.R"), raw, str(n), str(dd), yraw,
                       fitj, str(th)])
            if r:
                np.save(out, np.fromfile(yraw, np.float32).reshape(n, 2))
        else:
            r = timed(["/usr/bin/python3", os.path.join(work, "learn.py"), npy, out, fitj])
        if not r:
            continue
        if t != "li":
            fj = json.load(open(fitj))
            fit, fcpu = fj["fit"], fj.get("cpu")
            r = (r[0] - fj.get("warm", 0.0), r[1], r[2] - fj.get("warm_cpu", 0.0))
        y = np.load(out)
        tw = trustworthiness(data[sample], y[sample], n_neighbors=10)
        res[t] = (r[0], fit, r[1], tw, r[2], fcpu)
        print("  %-14s %-10s %8.1f s wall %8.1f s CPU %8s fit %8s fit CPU %8.0f MiB  "
              "trustworthiness %.4f"
              % (name, t, r[0], r[2], "-" if fit is None else "%.1f s" % fit,
                 "-" if fcpu is None else "%.1f s" % fcpu, r[1], tw), flush=True)
    rows.append((name, res))

print()
print("| data | tool | wall s | CPU s | fit s | fit CPU s | peak MiB | trust@10 "
      "| wall / ours | fit / ours | fit CPU / ours CPU |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name, res in rows:
    ours = res.get("li")
    for t, (w, fit, rss, tw, cpu, fcpu) in res.items():
        rw = rf = rc = "-"
        if ours and t != "li":
            rw = "%.2f" % (w / ours[0])
            rf = "%.2f" % (fit / ours[0])
            rc = "-" if fcpu is None else "%.2f" % (fcpu / ours[4])
        print("| %s | %s | %.1f | %.1f | %s | %s | %.0f | %.4f | %s | %s | %s |"
              % (name, "li-reduce" if t == "li" else t, w, cpu,
                 "-" if fit is None else "%.1f" % fit,
                 "-" if fcpu is None else "%.1f" % fcpu, rss, tw, rw, rf, rc))
print("\nload average after: %.2f (the CPUs may be shared with other work)" % os.getloadavg()[0])

# rows of make bench's summary (scripts/bench/summary): the sets in order are the
# issue's 10k x 784, 70k x 784 and 70k x 50 (smaller ones with UMAP_BENCH_SMALL=1)
summ = os.environ.get("LI_BENCH_SUMMARY")
if summ:
    with open(summ, "a") as f:
        worst = None
        for (name, res), key in zip(rows, ("umap-10k784", "umap-70k784", "umap-70k50")):
            ours = res.get("li")
            peers = [(res[t][1], t) for t in res if t != "li" and res[t][1] is not None]
            if ours and peers:
                fit, t = min(peers)
                r = fit / ours[0]
                f.write("%s\t%s fit %.1f s (%s)\tli %.1f s wall\t%.2f\t%s\n"
                        % (key, t, fit, name, ours[0], r, "-" if key == "umap-70k50" else "yes" if r >= 4 else "no"))
                d = ours[3] - max(res[t][3] for t in res if t != "li")
                worst = d if worst is None or d < worst else worst
            if ours and key == "umap-70k784":
                f.write("umap-rss\t-\tli %.0f MiB (%s)\t-\t%s\n" % (ours[2], name, "yes" if ours[2] <= 600 else "no"))
        if worst is not None:
            f.write("umap-trust\tbetter peer\tli %+.4f\t-\t%s\n" % (worst, "yes" if worst >= -0.002 else "no"))
PY
