#!/usr/bin/env node
// Conv2D forward timing in TensorFlow.js for scripts/bench/conv-layers.sh:
//   node scripts/tfjs/conv-bench.js BACKEND H W C FILTERS BATCH REPEATS
// BACKEND is wasm (one thread on Node) or cpu. Prints "tfjs-BACKEND batch B: best MS ms".
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
  let best = Infinity;
  for (let r = 0; r <= R; r++) {
    const t0 = process.hrtime.bigint();
    const y = model.predict(x, { batchSize: B });
    await y.data();
    const t = Number(process.hrtime.bigint() - t0) / 1e6;
    y.dispose();
    if (r > 0 && t < best) best = t;
  }
  console.log(`tfjs-${backend} batch ${B}: best ${best.toFixed(2)} ms, ${(B / best * 1e3).toFixed(0)} rows/s`);
}
main().catch((e) => { console.error(`conv-bench: ${e.message}`); process.exit(1); });
