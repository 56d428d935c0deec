#!/usr/bin/env node
// Trains the project's autoencoder with TensorFlow.js (scripts/tfjs/node_modules, the wasm
// backend; `--backend cpu` for the pure-JS one) and saves it as a TF.js layers model:
//   node train.js DATADIR OUTDIR [--backend wasm|cpu] [--epochs N] [--rows N]
// DATADIR holds x.npy and val-x.npy from prepare.js; OUTDIR gets model.json and
// weights.bin (`li-convert OUTDIR/model.json -o model.h5` makes the Keras file). The model:
//   784 -> enc1 (relu) -> enc2 (relu) -> code (16, linear) -> dec2 (relu) -> dec1 (relu)
//       -> pixels (784, sigmoid)
// trained on binary cross-entropy with Adam for 20 epochs; the labels are not used. (An
// 8-unit code gave the linear probe 0.834 validation accuracy after 20 epochs and 0.846
// after 40, below the project's bar of 0.85; 16 units give 0.885.) Everything random is seeded (initializers, the order of the
// batches), so a run gives the same model again on the same machine. Prints the pixels'
// cross-entropy and the validation reconstruction MSE after each epoch. --rows trains on
// the first N digits only (a quick run, for the tests).
'use strict';
const fs = require('fs');
const path = require('path');
const {rng, readNpy} = require(path.join(__dirname, '..', '..', 'scripts', 'tfjs', 'common'));

const nm = path.join(__dirname, '..', '..', 'scripts', 'tfjs', 'node_modules', '@tensorflow');
const tf = require(path.join(nm, 'tfjs'));
require(path.join(nm, 'tfjs-backend-wasm'));
const {saveTo} = require(path.join(__dirname, '..', '..', 'scripts', 'tfjs', 'save-handler'));

const HIDDEN = [128, 32];
const CODE = 16;
const BATCH = 64;
const LR = 2e-3;
const SEED = 13;
const EPOCHS = 20;

// The autoencoder.
function build() {
  let seed = SEED;
  const init = () => tf.initializers.glorotUniform({seed: seed++});
  const dense = (units, activation, name) => tf.layers.dense({
    units, activation, name, kernelInitializer: init(), biasInitializer: 'zeros'});
  const digit = tf.input({shape: [784], name: 'digit'});
  let h = digit;
  for (const [units, act, name] of [[HIDDEN[0], 'relu', 'enc1'], [HIDDEN[1], 'relu', 'enc2'],
    [CODE, 'linear', 'code']]) h = dense(units, act, name).apply(h);
  for (const [units, act, name] of [[HIDDEN[1], 'relu', 'dec2'], [HIDDEN[0], 'relu', 'dec1'],
    [784, 'sigmoid', 'pixels']]) h = dense(units, act, name).apply(h);
  return tf.model({inputs: digit, outputs: h, name: 'mnist_autoencoder'});
}

async function main() {
  const args = process.argv.slice(2);
  const opt = {backend: 'wasm', epochs: EPOCHS, rows: 0};
  const pos = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--backend') opt.backend = args[++i];
    else if (args[i] === '--epochs') opt.epochs = Number(args[++i]);
    else if (args[i] === '--rows') opt.rows = Number(args[++i]);
    else pos.push(args[i]);
  }
  if (pos.length !== 2 || !(opt.epochs > 0) || !(opt.rows >= 0)) {
    console.error('usage: node train.js DATADIR OUTDIR [--backend wasm|cpu] [--epochs N] [--rows N]');
    process.exit(2);
  }
  const [dataDir, outDir] = pos;
  await tf.setBackend(opt.backend);
  await tf.ready();
  let x = readNpy(path.join(dataDir, 'x.npy'));
  if (opt.rows > 0 && opt.rows < x.shape[0])
    x = x.slice(0, opt.rows);
  const xv = readNpy(path.join(dataDir, 'val-x.npy'));
  const n = x.shape[0];
  const autoencoder = build();
  autoencoder.compile({optimizer: tf.train.adam(LR), loss: 'binaryCrossentropy'});
  const rand = rng(SEED);
  const order = Array.from({length: n}, (_, i) => i);
  const t0 = Date.now();
  for (let e = 0; e < opt.epochs; e++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let loss = 0;
    let nb = 0;
    for (let s = 0; s < n; s += BATCH) {
      const idx = tf.tensor1d(order.slice(s, s + BATCH), 'int32');
      const xb = tf.gather(x, idx);
      loss += await autoencoder.trainOnBatch(xb, xb);
      nb++;
      tf.dispose([idx, xb]);
    }
    const mse = tf.tidy(() => tf.mean(tf.square(tf.sub(autoencoder.predict(xv, {batchSize: 500}), xv)))
      .dataSync()[0]);
    console.error(`epoch ${e + 1}/${opt.epochs}: cross-entropy ${(loss / nb).toFixed(4)}, ` +
      `validation mse ${mse.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await autoencoder.save(saveTo(outDir));
  console.error(`train.js: saved ${path.join(outDir, 'model.json')}`);
}

main().catch((err) => {
  console.error(`train.js: error: ${err.message}`);
  process.exit(1);
});
