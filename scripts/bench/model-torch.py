"""Whole-model inference timing in PyTorch CPU (the distribution's python3-torch) for
scripts/bench/models.sh:   model-torch.py MODEL THREADS BATCH REPEATS [EXPORT.json]
The same architectures as scripts/tfjs/model-bench.js: dense (autoencoder
784-512-256-32-256-512-784, 2.2 MFLOP a row), convae (convolutional autoencoder on
28x28x1, 3x3 convolutions of 64 filters with 2x2 pooling and upsampling, 34.3 MFLOP a
row), cnn (Keras' mnist_cnn: two 3x3 convolutions, pooling, Dense 128 and 10; 24.0 MFLOP a
row), with PyTorch's own initialisation: timing does not depend on the weights' values.
Channels-first input made once, outside the timing. 'same' padding with odd kernels and
stride 1 is symmetric, as in Keras. Prints
"torch-T MODEL batch B: best MS ms (cpu MS ms), R rows/s". With EXPORT, also writes the
model as a layer case file (the format of scripts/tfjs/layer-oracle.js, which
tests/tools/model_bench.c reads): Keras configs, the weights in Keras' layouts
(channels-last, so the Dense after Flatten takes its rows in (h, w, c) order), the batch
and PyTorch's output for it, which model_bench checks before it times."""
import sys
import time

import torch
from torch import nn

name, t, B, R = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(t)
torch.manual_seed(0)
if name == "dense":
    sizes = [784, 512, 256, 32, 256, 512, 784]
    mods = []
    for i in range(6):
        mods.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i != 2:
            mods.append(nn.ReLU() if i < 5 else nn.Sigmoid())
    model, x = nn.Sequential(*mods), torch.rand(B, 784)
elif name == "convae":
    model = nn.Sequential(
        nn.Conv2d(1, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
        nn.Conv2d(64, 1, 3, padding=1), nn.Sigmoid())
    x = torch.rand(B, 1, 28, 28)
elif name == "cnn":
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 12 * 12, 128), nn.ReLU(), nn.Linear(128, 10),
        nn.Softmax(dim=1))
    x = torch.rand(B, 1, 28, 28)
else:
    sys.exit(f"model-torch: unknown model {name}")
model.eval()


def export(path):
    """The layer case file of the model, the batch x and PyTorch's output for it."""
    import json
    layers, prev, shape = [], "input", list(x.shape[1:])  # PyTorch's (c, h, w)
    def arr(name, t):
        return {"name": name, "shape": list(t.shape), "data": t.reshape(-1).tolist()}
    mods = list(model)
    for i, m in enumerate(mods):
        nxt = mods[i + 1] if i + 1 < len(mods) else None
        act = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Softmax: "softmax"}.get(type(nxt), "linear")
        if isinstance(m, nn.Conv2d):
            cls, cfg = "Conv2D", {"filters": m.out_channels, "kernel_size": list(m.kernel_size),
                                  "strides": [1, 1], "padding": "same" if m.padding[0] else "valid",
                                  "data_format": "channels_last", "dilation_rate": [1, 1],
                                  "activation": act, "use_bias": True}
            w = [arr("kernel", m.weight.detach().permute(2, 3, 1, 0)), arr("bias", m.bias.detach())]
            cut = 0 if m.padding[0] else 2
            shape = [m.out_channels, shape[1] - cut, shape[2] - cut]
        elif isinstance(m, nn.Linear):
            k = m.weight.detach()
            if len(shape) == 3:  # after Flatten: PyTorch's rows are (c, h, w), Keras' (h, w, c)
                c, h, wd = shape
                k = k.reshape(-1, c, h, wd).permute(0, 2, 3, 1).reshape(k.shape[0], -1)
            cls, cfg = "Dense", {"units": m.out_features, "activation": act, "use_bias": True}
            w = [arr("kernel", k.t()), arr("bias", m.bias.detach())]
            shape = [m.out_features]
        elif isinstance(m, nn.MaxPool2d):
            cls, cfg, w = "MaxPooling2D", {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid",
                                           "data_format": "channels_last"}, []
            shape = [shape[0], shape[1] // 2, shape[2] // 2]
        elif isinstance(m, nn.Upsample):
            cls, cfg, w = "UpSampling2D", {"size": [2, 2], "interpolation": "nearest",
                                           "data_format": "channels_last"}, []
            shape = [shape[0], shape[1] * 2, shape[2] * 2]
        elif isinstance(m, nn.Flatten):
            cls, cfg, w = "Flatten", {"data_format": "channels_last"}, []
        else:
            continue  # activations: folded into the layer before
        name = f"l{len(layers)}"
        layers.append({"name": name, "class_name": cls, "config": dict(cfg, name=name),
                       "inbound": [prev], "weights": w})
        prev = name
    with torch.no_grad():
        y = model(x)
    xin = x.permute(0, 2, 3, 1) if x.dim() == 4 else x
    yout = y.permute(0, 2, 3, 1) if y.dim() == 4 else y
    with open(path, "w") as f:
        json.dump({"origin": f"pytorch {torch.__version__}", "cases": [{
            "name": f"{name_} (PyTorch)", "inputs": [arr("input", xin.contiguous())],
            "layers": layers, "expected": {"shape": list(yout.shape),
                                           "data": yout.contiguous().reshape(-1).tolist()}}]}, f)


name_ = name
if len(sys.argv) > 5:
    export(sys.argv[5])
best = cpu = float("inf")
with torch.no_grad():
    for r in range(R + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        model(x)
        dt, dc = (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3
        if r > 0:
            best, cpu = min(best, dt), min(cpu, dc)
print(f"torch-{t} {name} batch {B}: best {best:.2f} ms (cpu {cpu:.2f} ms), {B / best * 1e3:.0f} rows/s")
