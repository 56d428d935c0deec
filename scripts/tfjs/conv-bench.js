#!/usr/bin/env node
// Conv2D forward timing in TensorFlow.js for scripts/bench/conv-layers.sh:
//   node scripts/tfjs/conv-bench.js BACKEND H W C FILTERS BATCH REPEATS
// BACKEND is wasm (one thread on Node) or cpu. Prints "tfjs-BACKEND batch B: best MS ms,
// R rows/s (cpu MS ms)".
'use strict';
const path = require('path');
const nm = path.join(__dirname, 'node_modules', '@tensorflow');
const tf = require(path.join(nm, 'tfjs'));
require(path.join(nm, 'tfjs-backend-wasm'));

async function main() {
  const [backend, H, W, C, F, B, R] = process.argv.slice(2).map((v, i) => (i ? Number(v) : v));
  await tf.setBackend(backend);
  await tf.ready();
  const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [H, W, C], filters: F,
    kernelSize: 3, padding: 'same', activation: 'relu' })] });
  const x = tf.randomUniform([B, H, W, C]);
  let best = Infinity, cpu = Infinity;
  for (let r = 0; r <= R; r++) {
    const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
    const y = model.predict(x, { batchSize: B });
    await y.data();
    const t = Number(process.hrtime.bigint() - t0) / 1e6, cu = process.cpuUsage(c0);
    y.dispose();
    if (r > 0) { best = Math.min(best, t); cpu = Math.min(cpu, (cu.user + cu.system) / 1e3); }
  }
  console.log(`tfjs-${backend} batch ${B}: best ${best.toFixed(2)} ms, ${(B / best * 1e3).toFixed(0)} rows/s (cpu ${cpu.toFixed(2)} ms)`);
}
main().catch((e) => { console.error(`conv-bench: ${e.message}`); process.exit(1); });
