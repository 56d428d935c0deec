#!/usr/bin/env bash
# Benchmark: one recurrent layer (LSTM, GRU reset_after, SimpleRNN; 256 rows of 100 steps,
# 32 features, 128 units) through our layers, PyTorch CPU and TensorFlow.js (wasm), all on
# one thread. Run from the repository root after `make`: scripts/bench/rnn.sh
# Prints per layer and engine the best of 3 calls in milliseconds and rows per second.
# RNN_BENCH_ROWS [256] and RNN_BENCH_STEPS [100]: small ones try the script in seconds.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
tool=${LI_TOOLS:-$top/build/tools}/rnn_bench_tool
N=${RNN_BENCH_ROWS:-256} T=${RNN_BENCH_STEPS:-100} F=32 U=128
for cls in LSTM GRU SimpleRNN; do
	printf '%-10s li        %s\n' "$cls" "$(OPENBLAS_NUM_THREADS=1 "$tool" "$cls" $N $T $F $U 3)"
done
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	/usr/bin/python3 - $N $T $F $U <<'PY'
import sys, time, torch
n, T, F, U = map(int, sys.argv[1:])
torch.set_num_threads(1)
for name, cls in (("LSTM", torch.nn.LSTM), ("GRU", torch.nn.GRU), ("SimpleRNN", torch.nn.RNN)):
    m, x = cls(F, U, batch_first=True), torch.randn(n, T, F)
    best = 1e9
    with torch.no_grad():
        for _ in range(3):
            t = time.perf_counter(); m(x); best = min(best, time.perf_counter() - t)
    print(f"{name:<10} pytorch   {best * 1e3:.2f} ms {n / best:.0f} rows/s")
PY
fi
if [ -d "$top/scripts/tfjs/node_modules/@tensorflow/tfjs-backend-wasm" ]; then
	node - $N $T $F $U <<'JS' 2>/dev/null
const path = require('path');
const nm = path.join(process.env.PWD || '.', 'scripts', 'tfjs', 'node_modules', '@tensorflow');
const tf = require(path.join(nm, 'tfjs'));
require(path.join(nm, 'tfjs-backend-wasm'));
const [n, T, F, U] = process.argv.slice(2).map(Number);
(async () => {
  await tf.setBackend('wasm');
  for (const [name, make] of [['LSTM', tf.layers.lstm], ['GRU', tf.layers.gru], ['SimpleRNN', tf.layers.simpleRNN]]) {
    const m = tf.sequential({ layers: [make({ units: U, inputShape: [T, F] })] });
    const x = tf.randomNormal([n, T, F]);
    let best = 1e9;
    for (let i = 0; i < 3; i++) {
      const t = process.hrtime.bigint();
      const y = m.predict(x); y.dataSync(); y.dispose();
      best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
    }
    console.log(`${name.padEnd(10)} tfjs-wasm ${best.toFixed(2)} ms ${(n / best * 1e3).toFixed(0)} rows/s`);
  }
})();
JS
fi
