#!/usr/bin/env bash
# li-finetune against PyTorch (python3-torch from the distribution, not our code): a frozen
# Dense head, a trained tail of Dense + each activation + each loss, the same weights and
# the same full batch. After one SGD step every tuned parameter equals PyTorch's within
# 1e-5 of the array's largest magnitude; after ten Adam (and AdamW, and SGD momentum)
# steps within 1e-4. The head's weights stay as they were. Models are written with h5py
# (tests/tools/kerash5.py); tuned weights are read back with h5py. make check runs one case
# of each loss and of Adam; make check-long (require_long) every activation and optimizer.
. "$(dirname "$0")/../lib.sh"

require_torch 'li-finetune against PyTorch'

cat >ref.py <<'PYEOF'
import os, sys
import h5py, numpy as np, torch
sys.path.insert(0, os.environ["LI_TOP"] + "/tests/tools")
from kerash5 import save
torch.set_default_dtype(torch.float32)
ACTS = {"linear": lambda z: z, "relu": torch.relu, "sigmoid": torch.sigmoid,
        "tanh": torch.tanh, "elu": torch.nn.functional.elu, "selu": torch.selu,
        "softplus": torch.nn.functional.softplus, "gelu": torch.nn.functional.gelu,
        "softsign": torch.nn.functional.softsign, "swish": torch.nn.functional.silu,
        "softmax": lambda z: torch.softmax(z, -1)}

def make(name, act, out_units, out_act):
    rng = np.random.default_rng(abs(hash((act, out_units, out_act))) % 1000)
    dense = lambda u, a: {"units": u, "activation": a, "use_bias": True}
    w = {"f": {"kernel": rng.normal(size=(6, 7)) / 2, "bias": rng.normal(size=7) / 4},
         "h": {"kernel": rng.normal(size=(7, 5)) / 2, "bias": rng.normal(size=5) / 4},
         "out": {"kernel": rng.normal(size=(5, out_units)) / 2,
                 "bias": rng.normal(size=out_units) / 4}}
    save(name, [6], [("f", "Dense", dense(7, "relu")), ("h", "Dense", dense(5, act)),
                     ("out", "Dense", dense(out_units, out_act))], w)
    return {k: {n: np.asarray(a, "f4") for n, a in v.items()} for k, v in w.items()}

def weights(path):
    f = h5py.File(path, "r")
    return {l: {n: f["model_weights/%s/%s/%s:0" % (l, l, n)][()] for n in ("kernel", "bias")}
            for l in ("f", "h", "out")}

def torch_train(w, act, out_act, loss, x, y, opt, lr, steps, **kw):
    p = {l: {n: torch.tensor(a, requires_grad=l != "f") for n, a in v.items()}
         for l, v in w.items()}
    params = [p[l][n] for l in ("h", "out") for n in ("kernel", "bias")]
    o = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[opt](
        params, lr=lr, **kw)
    X = torch.tensor(x)
    for t in range(1, steps + 1):
        # Keras adds epsilon to sqrt(v) before the bias correction, PyTorch after it:
        # torch's eps / sqrt(1 - beta2^t) is Keras' epsilon (keras/src/optimizers/adam.py)
        if opt != "sgd":
            o.param_groups[0]["eps"] = kw["eps"] / np.sqrt(1 - 0.999 ** t)
        o.zero_grad()
        a = torch.relu(X @ p["f"]["kernel"] + p["f"]["bias"])
        a = ACTS[act](a @ p["h"]["kernel"] + p["h"]["bias"])
        z = a @ p["out"]["kernel"] + p["out"]["bias"]
        if loss == "ce":
            L = torch.nn.functional.cross_entropy(z, torch.tensor(y))
        elif loss == "bce":
            L = torch.nn.functional.binary_cross_entropy_with_logits(
                z[:, 0], torch.tensor(y, dtype=torch.float32))
        else:
            L = torch.nn.functional.mse_loss(ACTS[out_act](z), torch.tensor(y))
        L.backward()
        o.step()
    return {l: {n: t.detach().numpy() for n, t in v.items()} for l, v in p.items()}

def compare(got, want, before, tol):
    for l in ("f", "h", "out"):
        for n in ("kernel", "bias"):
            g, t, b = got[l][n], want[l][n], before[l][n]
            scale = np.abs(t).max()
            err = np.abs(g.astype(np.float64) - t).max() / scale
            moved = np.abs(t - b).max() / scale
            assert err <= tol, (l, n, err, g, t)
            # the trained tail moved visibly; the frozen head not at all
            assert (moved > 1e-3) if l != "f" else (g == b).all(), (l, n, moved)
PYEOF

test_expect_success 'data: 40 rows of 6, classes of 3 and 2, targets of 4' '
	$PY -c "
import numpy as np
r = np.random.default_rng(3)
np.save(\"x.npy\", r.normal(size=(40, 6)).astype(\"f4\"))
np.save(\"y3.npy\", r.integers(0, 3, 40))
np.save(\"y2.npy\", r.integers(0, 2, 40))
np.save(\"t4.npy\", r.normal(size=(40, 4)).astype(\"f4\"))
"
'

# one SGD step: act  out-units  out-act  loss  li-finetune's --loss
sgd_step() {
	local act=$1 units=$2 oact=$3 loss=$4 lossopt=${5:-}
	test_expect_success "one SGD step: $act tail, $oact output, $loss" "
		$PY -c \"
import ref
ref.make('m.h5', '$act', $units, '$oact')
\" &&
		li-finetune -q m.h5 --at f x.npy $(case $loss in ce) echo y3.npy;; bce) echo y2.npy;; *) echo t4.npy;; esac) \
			--optimizer sgd --lr 0.5 --batch 40 --no-shuffle $lossopt -o t.h5 &&
		$PY -c \"
import numpy as np, ref
x = np.load('x.npy'); y = np.load('$(case $loss in ce) echo y3;; bce) echo y2;; *) echo t4;; esac).npy')
w0 = ref.weights('m.h5')
want = ref.torch_train(w0, '$act', '$oact', '$loss', x, y, 'sgd', 0.5, 1)
ref.compare(ref.weights('t.h5'), want, w0, 1e-5)
\"
	"
}

# ten steps: optimizer  PyTorch's  li-finetune's options  PyTorch's options
ten_steps() {
	local opt=$1 torchopt=$2 extra=$3 torchkw=$4
	test_expect_success "ten steps of $opt $extra" "
		$PY -c \"
import ref
ref.make('m.h5', 'tanh', 3, 'softmax')
\" &&
		li-finetune -q m.h5 --at f x.npy y3.npy --optimizer $opt --lr 0.05 --epochs 10 \
			--batch 40 $extra -o t.h5 &&
		$PY -c \"
import numpy as np, ref
x = np.load('x.npy'); y = np.load('y3.npy')
w0 = ref.weights('m.h5')
want = ref.torch_train(w0, 'tanh', 'softmax', 'ce', x, y, '$torchopt', 0.05, 10, $torchkw)
ref.compare(ref.weights('t.h5'), want, w0, 1e-4)
\"
	"
}

# make check: one case of each loss and each optimizer
sgd_step gelu 3 softmax ce
sgd_step relu 1 sigmoid bce
sgd_step tanh 4 sigmoid mse --loss=mse
ten_steps adam adamw --weight-decay=0.1 eps=1e-7,weight_decay=0.1

require_long 'every activation, loss and optimizer against PyTorch'

while read act units oact loss lossopt; do
	sgd_step $act $units $oact $loss $lossopt
done <<'TABLE'
linear   3 softmax ce
relu     3 softmax ce
sigmoid  3 softmax ce
tanh     3 softmax ce
elu      3 softmax ce
selu     3 softmax ce
softplus 3 softmax ce
softsign 3 softmax ce
swish    3 softmax ce
softmax  3 softmax ce
tanh     3 linear  ce  --loss=sparse_categorical_crossentropy
tanh     1 linear  bce --loss=binary_crossentropy
relu     4 linear  mse
TABLE

while read opt torchopt extra torchkw; do
	ten_steps $opt $torchopt $extra $torchkw
done <<'TABLE'
adam adam  --seed=0            eps=1e-7
sgd  sgd   --momentum=0.9      momentum=0.9
TABLE

test_done
