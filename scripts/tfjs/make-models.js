// Makes the graph test models for the engine (li-layers / li-embed / li-propagate
// tests) with TensorFlow.js (cpu backend, exact float32): seeded weights and inputs,
// expected outputs, and expected activations of chosen layers (at_<layer>.npy) for cuts.
//   node make-models.js OUTDIR
// Writes OUTDIR/<model>/{model.json, weights.bin, input_<k>.npy, expected_<k>.npy,
// at_<layer>.npy}. Models: seq (Sequential chain), residual (two residual blocks),
// unet (encoder/decoder with skip merges), nested (a Sequential and a two-output
// functional model used as layers), multiio (two inputs, a shared layer called twice, a
// nested model called twice, two outputs), seqnest (a Sequential first in a Sequential),
// twohead (one input, two outputs). Only Dense and Add are used, so the engine's graph
// is what is tested.
'use strict';
const path = require('path');
const tf = require('@tensorflow/tfjs');
const {saveTo, writeNpy} = require('./save-handler');

let seed = 1;
function dense(units, activation, name, extra) {
  seed += 1;
  return tf.layers.dense(Object.assign({
    units, activation, name,
    kernelInitializer: tf.initializers.randomNormal({mean: 0, stddev: 0.5, seed: seed * 7}),
    biasInitializer: tf.initializers.randomNormal({mean: 0, stddev: 0.3, seed: seed * 7 + 1}),
  }, extra || {}));
}

const models = {};

// seq: input(5) -> d1 relu(8) -> d2 relu(6) -> d3 (3)
models.seq = () => {
  const m = tf.sequential({name: 'seq'});
  m.add(dense(8, 'relu', 'd1', {inputShape: [5]}));
  m.add(dense(6, 'relu', 'd2'));
  m.add(dense(3, 'linear', 'd3'));
  return {model: m, inputs: [[5]], at: {}};
};

// residual: stem, two blocks x + f(x), head
models.residual = () => {
  const x = tf.input({shape: [6], name: 'x'});
  const stem = dense(6, 'relu', 'stem').apply(x);
  const a1 = dense(6, 'relu', 'b1_a').apply(stem);
  const b1 = dense(6, 'linear', 'b1_b').apply(a1);
  const add1 = tf.layers.add({name: 'add1'}).apply([stem, b1]);
  const a2 = dense(6, 'relu', 'b2_a').apply(add1);
  const b2 = dense(6, 'linear', 'b2_b').apply(a2);
  const add2 = tf.layers.add({name: 'add2'}).apply([add1, b2]);
  const out = dense(3, 'linear', 'head').apply(add2);
  return {model: tf.model({inputs: x, outputs: out, name: 'residual'}), inputs: [[6]],
    at: {stem, add1, add2, b1_a: a1}};
};

// unet: e1 -> e2 -> mid -> u2 (+ e2) -> u1 (+ e1) -> out
models.unet = () => {
  const x = tf.input({shape: [8], name: 'x'});
  const e1 = dense(8, 'relu', 'e1').apply(x);
  const e2 = dense(6, 'relu', 'e2').apply(e1);
  const mid = dense(4, 'relu', 'mid').apply(e2);
  const u2 = dense(6, 'relu', 'u2').apply(mid);
  const m2 = tf.layers.add({name: 'm2'}).apply([u2, e2]);
  const u1 = dense(8, 'relu', 'u1').apply(m2);
  const m1 = tf.layers.add({name: 'm1'}).apply([u1, e1]);
  const out = dense(8, 'linear', 'out').apply(m1);
  return {model: tf.model({inputs: x, outputs: out, name: 'unet'}), inputs: [[8]],
    at: {e1, m1, mid}};
};

// nested: a Sequential block and a two-output functional block used as layers
models.nested = () => {
  const inner = tf.sequential({name: 'block'});
  inner.add(dense(4, 'relu', 'inner_a', {inputShape: [6]}));
  inner.add(dense(6, 'relu', 'inner_b'));
  // and a functional block with two outputs, merged after it
  const fi = tf.input({shape: [6], name: 'fin'});
  const f1 = dense(3, 'relu', 'f_one').apply(fi);
  const f2 = dense(3, 'linear', 'f_two').apply(fi);
  const fblock = tf.model({inputs: fi, outputs: [f1, f2], name: 'fblock'});
  const x = tf.input({shape: [5], name: 'x'});
  const pre = dense(6, 'relu', 'pre').apply(x);
  const mid = inner.apply(pre);
  const [o1, o2] = fblock.apply(mid);
  const merged = tf.layers.add({name: 'merged'}).apply([o1, o2]);
  const out = dense(2, 'linear', 'post').apply(merged);
  return {model: tf.model({inputs: x, outputs: out, name: 'nested'}), inputs: [[5]],
    at: {pre, block: mid, merged}};
};

// multiio: two inputs, a shared Dense called twice, a nested model called twice,
// two outputs
models.multiio = () => {
  const enc = tf.sequential({name: 'enc'});
  enc.add(dense(3, 'relu', 'enc_d', {inputShape: [4]}));
  const a = tf.input({shape: [4], name: 'in_a'});
  const b = tf.input({shape: [4], name: 'in_b'});
  const shared = dense(4, 'relu', 'shared');
  const sa = shared.apply(a);
  const sb = shared.apply(b);
  const ea = enc.apply(sa);
  const eb = enc.apply(sb);
  const sum = tf.layers.add({name: 'sum'}).apply([ea, eb]);
  const o1 = dense(2, 'linear', 'out_sum').apply(sum);
  const o2 = dense(1, 'linear', 'out_b').apply(eb);
  return {model: tf.model({inputs: [a, b], outputs: [o1, o2], name: 'multiio'}),
    inputs: [[4], [4]], at: {sum, 'shared@1': sb}};
};

// seqnest: a Sequential whose first layer is a Sequential (the input shape is inside)
models.seqnest = () => {
  const inner = tf.sequential({name: 'inner'});
  inner.add(dense(3, 'relu', 'a', {inputShape: [4]}));
  const m = tf.sequential({name: 'seqnest'});
  m.add(inner);
  m.add(dense(2, 'linear', 'b'));
  return {model: m, inputs: [[4]], at: {}};
};

// twohead: one input, a trunk, two outputs
models.twohead = () => {
  const x = tf.input({shape: [5], name: 'x'});
  const trunk = dense(6, 'relu', 'trunk').apply(x);
  const ha = dense(2, 'linear', 'head_a').apply(trunk);
  const hb = dense(3, 'relu', 'head_b').apply(trunk);
  return {model: tf.model({inputs: x, outputs: [ha, hb], name: 'twohead'}), inputs: [[5]],
    at: {trunk}};
};

async function main() {
  await tf.setBackend('cpu');
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node make-models.js OUTDIR');
    process.exit(2);
  }
  const rows = 7;
  for (const [name, make] of Object.entries(models)) {
    const {model, inputs, at} = make();
    const dir = path.join(out, name);
    await model.save(saveTo(dir));
    const xs = inputs.map((shape, k) =>
      tf.randomNormal([rows, ...shape], 0, 1, 'float32', 1000 + 17 * k + name.length));
    xs.forEach((x, k) => writeNpy(path.join(dir, `input_${k}.npy`), x));
    let ys = model.predict(xs.length === 1 ? xs[0] : xs);
    if (!Array.isArray(ys)) ys = [ys];
    ys.forEach((y, k) => writeNpy(path.join(dir, `expected_${k}.npy`), y));
    if (name === 'seq')
      for (const l of ['d1', 'd2']) at[l] = model.getLayer(l).output;
    for (const [l, t] of Object.entries(at)) {
      const sub = tf.model({inputs: model.inputs, outputs: t});
      writeNpy(path.join(dir, `at_${l.replace('@', '_')}.npy`), sub.predict(xs.length === 1 ? xs[0] : xs));
    }
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
