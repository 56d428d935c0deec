// Makes the graph test models for the engine (li-layers / li-embed / li-propagate
// tests) with TensorFlow.js (cpu backend, exact float32): seeded weights and inputs,
// expected outputs, and expected activations of chosen layers (at_<layer>.npy) for cuts.
//   node make-models.js OUTDIR
// Writes OUTDIR/<model>/{model.json, weights.bin, input_<k>.npy, expected_<k>.npy,
// at_<layer>.npy}. Models: seq (Sequential chain), residual (two residual blocks),
// unet (encoder/decoder with skip merges), nested (a Sequential and a two-output
// functional model used as layers), multiio (two inputs, a shared layer called twice, a
// nested model called twice, two outputs), seqnest (a Sequential first in a Sequential),
// twohead (one input, two outputs). Only Dense and Add are used there, so the engine's
// graph is what is tested. The recurrent models test what the graph carries for them:
// embmask (Embedding mask_zero -> Dropout -> Dense -> LSTM returning sequences ->
// Bidirectional GRU: the mask travels to both), maskgru (Masking -> TimeDistributed(Dense)
// -> GRU), seqrnn (LSTM returning sequences -> GRU -> Dense: a rank-3 cut); their inputs
// hold masked steps (id 0, all-zero steps).
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

function rnnInit(extra) {
  seed += 1;
  return Object.assign({
    kernelInitializer: tf.initializers.randomNormal({mean: 0, stddev: 0.5, seed: seed * 7}),
    recurrentInitializer: tf.initializers.randomNormal({mean: 0, stddev: 0.5, seed: seed * 7 + 1}),
    biasInitializer: tf.initializers.randomNormal({mean: 0, stddev: 0.3, seed: seed * 7 + 2}),
  }, extra);
}

// embmask: ids -> Embedding(mask_zero) -> Dropout -> Dense -> LSTM(seq) -> Bidirectional(GRU)
models.embmask = () => {
  const x = tf.input({shape: [6], name: 'x'});
  seed += 1;
  const emb = tf.layers.embedding({inputDim: 7, outputDim: 4, maskZero: true, name: 'emb',
    embeddingsInitializer: tf.initializers.randomNormal({mean: 0, stddev: 1, seed: seed * 7})})
    .apply(x);
  const drop = tf.layers.dropout({rate: 0.3, name: 'drop'}).apply(emb);
  const proj = dense(5, 'tanh', 'proj').apply(drop);
  const lstm = tf.layers.lstm(rnnInit({units: 4, returnSequences: true, name: 'lstm'}))
    .apply(proj);
  const bidi = tf.layers.bidirectional({layer: tf.layers.gru(rnnInit({units: 3, name: 'gru'})),
    mergeMode: 'concat', name: 'bidi'}).apply(lstm);
  const out = dense(2, 'linear', 'out').apply(bidi);
  // ids with padding at the end and zeros inside (both masked)
  const ids = [[1, 2, 3, 4, 5, 6], [3, 0, 2, 0, 0, 0], [6, 6, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0],
    [2, 5, 0, 4, 1, 0], [0, 3, 0, 3, 0, 3], [5, 0, 0, 0, 0, 1]];
  return {model: tf.model({inputs: x, outputs: out, name: 'embmask'}), inputs: [[6]],
    data: [tf.tensor2d(ids, [7, 6], 'float32')], at: {proj, lstm, bidi}};
};

// maskgru: (steps, features) -> Masking -> TimeDistributed(Dense) -> GRU -> Dense
models.maskgru = () => {
  const x = tf.input({shape: [5, 3], name: 'x'});
  const mask = tf.layers.masking({maskValue: 0, name: 'mask'}).apply(x);
  const td = tf.layers.timeDistributed({layer: dense(4, 'relu', 'td_dense'), name: 'td'})
    .apply(mask);
  const gru = tf.layers.gru(rnnInit({units: 3, name: 'gru'})).apply(td);
  const out = dense(2, 'linear', 'out').apply(gru);
  const v = tf.randomNormal([7, 5, 3], 0, 1, 'float32', 77).arraySync();
  for (const [r, t] of [[0, 4], [1, 1], [1, 3], [2, 0], [3, 2], [3, 3], [3, 4], [5, 0], [5, 1]])
    v[r][t] = [0, 0, 0];
  return {model: tf.model({inputs: x, outputs: out, name: 'maskgru'}), inputs: [[5, 3]],
    data: [tf.tensor3d(v, [7, 5, 3], 'float32')], at: {td, gru}};
};

// seqrnn: LSTM returning sequences -> GRU -> Dense (no masks): a cut of rank 3
models.seqrnn = () => {
  const x = tf.input({shape: [5, 3], name: 'x'});
  const lstm = tf.layers.lstm(rnnInit({units: 4, returnSequences: true, name: 'lstm'})).apply(x);
  const gru = tf.layers.gru(rnnInit({units: 3, name: 'gru'})).apply(lstm);
  const out = dense(2, 'linear', 'out').apply(gru);
  return {model: tf.model({inputs: x, outputs: out, name: 'seqrnn'}), inputs: [[5, 3]],
    at: {lstm}};
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
    const {model, inputs, at, data} = make();
    const dir = path.join(out, name);
    await model.save(saveTo(dir));
    const xs = data || inputs.map((shape, k) =>
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
