"""Whole-model inference timing in PyTorch CPU (the distribution's python3-torch) for
scripts/bench/models.sh:   model-torch.py MODEL THREADS BATCH REPEATS
The same architectures as scripts/tfjs/model-bench.js (dense autoencoder, convolutional
autoencoder, CNN classifier), with PyTorch's own initialisation: timing does not depend on
the weights' values. Channels-first input made once, outside the timing. 'same' padding
with odd kernels and stride 1 is symmetric, as in Keras. Prints
"torch-T MODEL batch B: best MS ms (cpu MS ms), R rows/s"."""
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
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
        nn.Conv2d(16, 1, 3, padding=1), nn.Sigmoid())
    x = torch.rand(B, 1, 28, 28)
elif name == "cnn":
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(),
        nn.Linear(128, 10), nn.Softmax(dim=1))
    x = torch.rand(B, 1, 28, 28)
else:
    sys.exit(f"model-torch: unknown model {name}")
model.eval()
best = cpu = float("inf")
with torch.no_grad():
    for r in range(R + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        model(x)
        dt, dc = (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3
        if r > 0:
            best, cpu = min(best, dt), min(cpu, dc)
print(f"torch-{t} {name} batch {B}: best {best:.2f} ms (cpu {cpu:.2f} ms), {B / best * 1e3:.0f} rows/s")
