"""Conv2D forward timing in PyTorch CPU (the distribution's python3-torch) for
scripts/bench/conv-layers.sh:  conv-torch.py THREADS H W C FILTERS BATCH REPEATS
Same layer as ours: 3x3, 'same' (stride 1, so symmetric padding 1 is TensorFlow's), bias,
relu. PyTorch is channels-first: the input is made NCHW once, outside the timing.
Prints "torch-T batch B: best MS ms, R rows/s (cpu MS ms)"."""
import sys
import time

import torch

t, H, W, C, F, B, R = map(int, sys.argv[1:])
torch.set_num_threads(t)
conv = torch.nn.Conv2d(C, F, 3, padding=1)
x = torch.rand(B, C, H, W)
best = cpu = float("inf")
with torch.no_grad():
    for r in range(R + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        torch.relu(conv(x))
        dt, dc = (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3
        if r > 0:
            best, cpu = min(best, dt), min(cpu, dc)
print(f"torch-{t} batch {B}: best {best:.2f} ms, {B / best * 1e3:.0f} rows/s (cpu {cpu:.2f} ms)")
