#!/usr/bin/env node
// Whole-model inference timing in TensorFlow.js for scripts/bench/models.sh, and the same
// model (config and seeded weights) for our side:
//   node scripts/tfjs/model-bench.js MODEL BACKEND BATCH REPEATS [EXPORT.json]
// MODEL: dense (autoencoder 784-512-256-32-256-512-784, 2.2 MFLOP a row), convae
// (convolutional autoencoder on 28x28x1: 3x3 Conv2D of 64 filters with MaxPooling2D and
// UpSampling2D, 34.3 MFLOP a row), cnn (the Keras mnist_cnn classifier: Conv2D 32, Conv2D
// 64, MaxPooling2D, Flatten, Dense 128, Dense 10; 24.0 MFLOP a row). BACKEND: wasm (one thread on Node) or cpu. Prints
// "tfjs-BACKEND MODEL batch B: best MS ms (cpu MS ms), R rows/s". With EXPORT, also writes
// the model as a layer case file (the format of layer-oracle.js; tests/tools/model_bench.c
// reads it) with one batch of input and TF.js' output for it.
'use strict';
const fs = require('fs');
const path = require('path');
const {rng} = require('./common');
const nm = path.join(__dirname, 'node_modules', '@tensorflow');
const tf = require(path.join(nm, 'tfjs'));
require(path.join(nm, 'tfjs-backend-wasm'));

const L = tf.layers;
const models = {
  dense: () => [[784], [512, 256, 32, 256, 512].map((u, i) => L.dense({ units: u, activation: i === 2 ? 'linear' : 'relu' }))
    .concat([L.dense({ units: 784, activation: 'sigmoid' })])],
  convae: () => [[28, 28, 1], [
    L.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }), L.maxPooling2d({}),
    L.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }), L.maxPooling2d({}),
    L.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }), L.upSampling2d({}),
    L.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }), L.upSampling2d({}),
    L.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' })]],
  cnn: () => [[28, 28, 1], [
    L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
    L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), L.maxPooling2d({}),
    L.flatten({}), L.dense({ units: 128, activation: 'relu' }), L.dense({ units: 10, activation: 'softmax' })]],
};

async function main() {
  const [name, backend, B, R, exp] = process.argv.slice(2);
  if (!models[name]) throw new Error(`unknown model ${name}`);
  await tf.setBackend(backend);
  await tf.ready();
  const r = rng(7);
  const [shape, layers] = models[name]();
  const x = tf.input({ shape });
  let y = x;
  for (const l of layers) y = l.apply(y);
  const model = tf.model({ inputs: x, outputs: y });
  const glorot = (w) => Math.sqrt(6 / (w.shape.length > 1 ? w.shape.slice(0, -1).reduce((a, b) => a * b, 1) + w.shape[w.shape.length - 1] : 1));
  const entries = layers.map((l) => l.weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1), s = /bias/.test(w.originalName) ? 0.1 : glorot(w);
    const data = Array.from({ length: n }, () => Math.fround((2 * r() - 1) * s));
    return { name: w.originalName.slice(w.originalName.lastIndexOf('/') + 1), shape: w.shape, data };
  }));
  layers.forEach((l, i) => l.setWeights(entries[i].map((w) => tf.tensor(w.data, w.shape))));
  const n = Number(B), full = [n, ...shape], count = full.reduce((a, b) => a * b, 1);
  const xdata = Array.from({ length: count }, () => Math.fround(r()));
  const xt = tf.tensor(xdata, full);
  let best = Infinity, cpu = Infinity, out;
  for (let k = 0; k <= Number(R); k++) {
    const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
    const yt = model.predict(xt, { batchSize: n });
    const d = await yt.data();
    const t = Number(process.hrtime.bigint() - t0) / 1e6, cu = process.cpuUsage(c0);
    if (k === 0) out = { shape: yt.shape, data: Array.from(d) };
    yt.dispose();
    if (k > 0) { best = Math.min(best, t); cpu = Math.min(cpu, (cu.user + cu.system) / 1e3); }
  }
  console.log(`tfjs-${backend} ${name} batch ${n}: best ${best.toFixed(2)} ms (cpu ${cpu.toFixed(2)} ms), ${(n / best * 1e3).toFixed(0)} rows/s`);
  if (exp) {
    const topo = model.toJSON(null, false);
    let prev = x.sourceLayer.name;
    const ls = layers.map((l, i) => {
      const e = topo.config.layers.find((c) => c.name === l.name);
      const o = { name: l.name, class_name: e.class_name, config: e.config, inbound: [prev], weights: entries[i] };
      prev = l.name;
      return o;
    });
    fs.writeFileSync(exp, JSON.stringify({ origin: `tfjs-layers ${tf.version.tfjs}`, cases: [{
      name: `${name} (TF.js ${backend})`, inputs: [{ name: x.sourceLayer.name, shape: full, data: xdata }],
      layers: ls, expected: out }] }));
  }
}
main().catch((e) => { console.error(`model-bench: ${e.message}`); process.exit(1); });
