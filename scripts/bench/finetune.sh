#!/usr/bin/env bash
# Benchmark: li-finetune's training speed beside PyTorch's on the same tail, one thread:
# 4096 rows, batch 64, SGD, the whole model trained from its input (no frozen head):
#   mlp   784 -> Dense 128 relu -> Dense 10 softmax
#   cnn   28x28x1 -> Conv2D 16 3x3 same relu -> MaxPooling2D 2 -> Flatten -> Dense 10 softmax
# Times are CPU seconds (user + system; the machine is shared, so wall time says little):
# li-finetune's per epoch is the difference of a 3-epoch and a 1-epoch run, halved
# (loading, the scratch file and saving cancel out); PyTorch's the best of 3 epochs
# (time.process_time). Prints per tail and engine the CPU milliseconds per epoch and the
# rows per CPU second.
# Run from the repository root after `make`: scripts/bench/finetune.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${LI_BIN:-$top/bin}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "PyTorch is not installed"; exit 0; }
cd "$dir"
LI_TOP=$top /usr/bin/python3 - <<'PY'
import os, sys, numpy as np
sys.path.insert(0, os.environ["LI_TOP"] + "/tests/tools")
from kerash5 import save
r = np.random.default_rng(0)
n = 4096
np.save("x.npy", r.random((n, 784), dtype=np.float32))
np.save("xi.npy", r.random((n, 28, 28, 1), dtype=np.float32))
np.save("y.npy", r.integers(0, 10, n))
g = lambda *s: (r.normal(size=s) / np.sqrt(np.prod(s[:-1]))).astype("f4")
save("mlp.h5", [784], [("h", "Dense", {"units": 128, "activation": "relu"}),
                       ("o", "Dense", {"units": 10, "activation": "softmax"})],
     {"h": {"kernel": g(784, 128), "bias": np.zeros(128)},
      "o": {"kernel": g(128, 10), "bias": np.zeros(10)}})
save("cnn.h5", [28, 28, 1], [
    ("c", "Conv2D", {"filters": 16, "kernel_size": [3, 3], "padding": "same", "activation": "relu"}),
    ("p", "MaxPooling2D", {"pool_size": [2, 2]}), ("f", "Flatten", {}),
    ("o", "Dense", {"units": 10, "activation": "softmax"})],
    {"c": {"kernel": g(3, 3, 1, 16), "bias": np.zeros(16)},
     "o": {"kernel": g(3136, 10), "bias": np.zeros(10)}})
PY
cpu() { /usr/bin/time -f "%U %S" -o cpu.txt "$@" && awk '{ print $1 + $2 }' cpu.txt; }
for tail in mlp cnn; do
	x=$(test $tail = mlp && echo x.npy || echo xi.npy)
	run() {
		OPENBLAS_NUM_THREADS=1 cpu "$bin/li-finetune" -q $tail.h5 --at x $x y.npy \
			--optimizer sgd --lr 0.01 --batch 64 --epochs $1 --threads 1 -o t.h5
	}
	a=$(run 1)
	b=$(run 3)
	awk -v a="$a" -v b="$b" -v t=$tail 'BEGIN { e = (b - a) / 2;
		printf "%-5s li        %8.1f ms/epoch %8.0f rows/s\n", t, e * 1e3, 4096 / e }'
done
/usr/bin/python3 - <<'PY'
import time, numpy as np, torch
import torch.nn.functional as F
torch.set_num_threads(1)
y = torch.tensor(np.load("y.npy"))
x = torch.tensor(np.load("x.npy"))
xi = torch.tensor(np.load("xi.npy")).permute(0, 3, 1, 2).contiguous()
def mlp():
    h, o = torch.nn.Linear(784, 128), torch.nn.Linear(128, 10)
    return [h, o], lambda b: o(torch.relu(h(b)))
def cnn():
    c, o = torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.Linear(3136, 10)
    return [c, o], lambda b: o(F.max_pool2d(torch.relu(c(b)), 2).flatten(1))
for name, make, data in (("mlp", mlp, x), ("cnn", cnn, xi)):
    mods, f = make()
    opt = torch.optim.SGD([p for m in mods for p in m.parameters()], lr=0.01)
    best = 1e9
    for _ in range(3):
        t = time.process_time()
        perm = torch.randperm(len(y))
        for s in range(0, len(y), 64):
            i = perm[s:s + 64]
            opt.zero_grad()
            F.cross_entropy(f(data[i]), y[i]).backward()
            opt.step()
        best = min(best, time.process_time() - t)
    print(f"{name:<5} pytorch   {best * 1e3:8.1f} ms/epoch {len(y) / best:8.0f} rows/s")
PY
