// Makes TF.js models whose meaning depends on TF.js' own rules, for the model writer's
// round trips (li-split, li-convert): a GRU with TF.js' defaults (recurrent_activation
// hard_sigmoid, reset_after false), a bilinear UpSampling2D (TF.js samples corners, not
// half pixels), hard_sigmoid, a Softmax and a BatchNormalization.
//   node make-semantics.js OUTDIR
// Writes OUTDIR/<model>/{model.json, weights.bin, input_0.npy, expected_0.npy} for the
// models "gru", "hsig" (a hard_sigmoid Dense: its formula differs in Keras 3) and
// "bilinear" (cpu backend, exact float32; same script, same bytes).
'use strict';
const path = require('path');
const tf = require('@tensorflow/tfjs');
const {saveTo, writeNpy} = require('./save-handler');

const init = (s) => tf.initializers.randomNormal({mean: 0, stddev: 0.5, seed: s});

const models = {
  gru: () => {
    const m = tf.sequential({name: 'gru'});
    m.add(tf.layers.dense({units: 4, activation: 'tanh', inputShape: [5, 3], name: 'pre',
      kernelInitializer: init(1), biasInitializer: init(2)}));
    m.add(tf.layers.gru({units: 6, returnSequences: true, name: 'gru',
      kernelInitializer: init(3), recurrentInitializer: init(4), biasInitializer: init(5)}));
    m.add(tf.layers.gru({units: 4, name: 'gru2', kernelInitializer: init(6),
      recurrentInitializer: init(7), biasInitializer: init(8)}));
    m.add(tf.layers.dense({units: 3, name: 'out', kernelInitializer: init(9)}));
    m.add(tf.layers.softmax({name: 'prob'}));
    return {model: m, shape: [5, 3]};
  },
  hsig: () => {
    const m = tf.sequential({name: 'hsig'});
    m.add(tf.layers.dense({units: 6, activation: 'hardSigmoid', inputShape: [4], name: 'hs',
      kernelInitializer: init(21), biasInitializer: init(22)}));
    m.add(tf.layers.dense({units: 3, name: 'out', kernelInitializer: init(23)}));
    return {model: m, shape: [4]};
  },
  bilinear: () => {
    const x = tf.input({shape: [3, 4, 2], name: 'img'});
    const c = tf.layers.conv2d({filters: 3, kernelSize: 2, padding: 'same', name: 'conv',
      kernelInitializer: init(11), biasInitializer: init(12)}).apply(x);
    const bn = tf.layers.batchNormalization({name: 'bn', gammaInitializer: init(13),
      betaInitializer: init(14), movingMeanInitializer: init(15),
      movingVarianceInitializer: 'ones'}).apply(c);
    const up = tf.layers.upSampling2d({size: [2, 3], interpolation: 'bilinear',
      name: 'up'}).apply(bn);
    const f = tf.layers.flatten({name: 'flat'}).apply(up);
    const out = tf.layers.dense({units: 5, name: 'out', kernelInitializer: init(16)}).apply(f);
    return {model: tf.model({inputs: x, outputs: out, name: 'bilinear'}), shape: [3, 4, 2]};
  },
};

async function main() {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node make-semantics.js OUTDIR');
    process.exit(2);
  }
  for (const [name, make] of Object.entries(models)) {
    const {model, shape} = make();
    const dir = path.join(out, name);
    await model.save(saveTo(dir));
    const x = tf.randomNormal([6, ...shape], 0, 1, 'float32', 77);
    writeNpy(path.join(dir, 'input_0.npy'), x);
    writeNpy(path.join(dir, 'expected_0.npy'), model.predict(x));
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
