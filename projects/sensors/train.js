#!/usr/bin/env node
// Trains the sensors project's autoencoder with TensorFlow.js (scripts/tfjs/node_modules)
// on the synthetic windows of gen-data.py and saves it as a TF.js layers model:
//   node train.js DATADIR OUTDIR [--epochs N] [--backend wasm|cpu] [--seed N]
// reads DATADIR/x.npy (N, 100, 6) and DATADIR/val-x.npy; writes OUTDIR/model.json and
// OUTDIR/weights.bin (`li-convert OUTDIR/model.json -o model.h5` makes the Keras file).
//
// The model: a Conv1D + LSTM encoder, an 8-unit Dense bottleneck ('bottleneck', the
// layer the project cuts at), and a decoder that repeats a Dense code over 10 steps,
// runs an LSTM over them and writes 10 time steps x 6 channels per step
// (TimeDistributed Dense, then Reshape to (100, 6)).
//
// Seeded: every initializer has its own seed and Math.random (which TF.js uses to
// shuffle batches) is replaced by a seeded generator, so the same data, seed and backend
// give the same weights.
'use strict';
const fs = require('fs');
const path = require('path');
const {rng, readNpy} = require(path.join(__dirname, '..', '..', 'scripts', 'tfjs', 'common'));
// the toolkit's TF.js folder: $LI_TFJS, else scripts/tfjs two levels up
const tfjs = process.env.LI_TFJS || path.join(__dirname, '..', '..', 'scripts', 'tfjs');
const tf = require(path.join(tfjs, 'node_modules', '@tensorflow', 'tfjs'));
require(path.join(tfjs, 'node_modules', '@tensorflow', 'tfjs-backend-wasm'));
const {saveTo} = require(path.join(tfjs, 'save-handler'));

function args() {
  const a = {epochs: 40, backend: 'wasm', seed: 1, pos: []};
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '--epochs') a.epochs = parseInt(v[++i], 10);
    else if (v[i] === '--backend') a.backend = v[++i];
    else if (v[i] === '--seed') a.seed = parseInt(v[++i], 10);
    else a.pos.push(v[i]);
  }
  if (a.pos.length !== 2 || !(a.epochs > 0)) {
    console.error('usage: node train.js DATADIR OUTDIR [--epochs N] [--backend wasm|cpu] [--seed N]');
    process.exit(2);
  }
  return a;
}

// The wasm backend of TF.js 4.22 has no gradient kernels for convolutions
// ('Conv2DBackpropFilter' / 'Conv2DBackpropInput'; Conv1D runs as a Conv2D of height 1),
// so training would fall back to the much slower cpu backend. These two plain loops
// (NHWC, dilation 1, any strides and padding) fill the gap; the forward pass stays
// TF.js' own.
function convInfo(xShape, fShape, attrs) {
  return tf.backend_util.computeConv2DInfo(xShape, fShape, attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, false, 'channelsLast');
}

function backpropFilter({inputs: {x, dy}, attrs, backend}) {
  const c = convInfo(x.shape, attrs.filterShape, attrs);
  const xv = backend.readSync(x.dataId);
  const dyv = backend.readSync(dy.dataId);
  const out = backend.makeOutput(attrs.filterShape, 'float32');
  const dw = backend.typedArrayFromHeap(out);
  dw.fill(0);
  const [N, H, W, CI] = x.shape;
  const [FH, FW, , CO] = attrs.filterShape;
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < c.outHeight; oh++)
      for (let ow = 0; ow < c.outWidth; ow++) {
        const d0 = ((n * c.outHeight + oh) * c.outWidth + ow) * CO;
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * c.strideHeight + fh - c.padInfo.top;
          if (ih < 0 || ih >= H) continue;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * c.strideWidth + fw - c.padInfo.left;
            if (iw < 0 || iw >= W) continue;
            const x0 = ((n * H + ih) * W + iw) * CI;
            const w0 = (fh * FW + fw) * CI * CO;
            for (let ci = 0; ci < CI; ci++) {
              const xs = xv[x0 + ci];
              const wr = w0 + ci * CO;
              for (let co = 0; co < CO; co++) dw[wr + co] += xs * dyv[d0 + co];
            }
          }
        }
      }
  return out;
}

function backpropInput({inputs: {dy, filter}, attrs, backend}) {
  const c = convInfo(attrs.inputShape, filter.shape, attrs);
  const wv = backend.readSync(filter.dataId);
  const dyv = backend.readSync(dy.dataId);
  const out = backend.makeOutput(attrs.inputShape, 'float32');
  const dx = backend.typedArrayFromHeap(out);
  dx.fill(0);
  const [N, H, W, CI] = attrs.inputShape;
  const [FH, FW, , CO] = filter.shape;
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < c.outHeight; oh++)
      for (let ow = 0; ow < c.outWidth; ow++) {
        const d0 = ((n * c.outHeight + oh) * c.outWidth + ow) * CO;
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * c.strideHeight + fh - c.padInfo.top;
          if (ih < 0 || ih >= H) continue;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * c.strideWidth + fw - c.padInfo.left;
            if (iw < 0 || iw >= W) continue;
            const x0 = ((n * H + ih) * W + iw) * CI;
            const w0 = (fh * FW + fw) * CI * CO;
            for (let ci = 0; ci < CI; ci++) {
              let s = 0;
              const wr = w0 + ci * CO;
              for (let co = 0; co < CO; co++) s += wv[wr + co] * dyv[d0 + co];
              dx[x0 + ci] += s;
            }
          }
        }
      }
  return out;
}

function registerConvGrads() {
  for (const [name, fn] of [['Conv2DBackpropFilter', backpropFilter],
    ['Conv2DBackpropInput', backpropInput]])
    if (!tf.getKernel(name, 'wasm'))
      tf.registerKernel({kernelName: name, backendName: 'wasm', kernelFunc: fn});
}

function build(seed) {
  let k = seed * 100;
  const glorot = () => tf.initializers.glorotUniform({seed: ++k});
  const orth = () => tf.initializers.orthogonal({seed: ++k});
  const L = tf.layers;
  const m = tf.sequential({name: 'sensors_ae'});
  m.add(L.conv1d({name: 'conv1', inputShape: [100, 6], filters: 16, kernelSize: 7, strides: 2,
    padding: 'same', activation: 'relu', kernelInitializer: glorot()}));
  m.add(L.conv1d({name: 'conv2', filters: 32, kernelSize: 5, strides: 5, padding: 'same',
    activation: 'relu', kernelInitializer: glorot()}));
  m.add(L.lstm({name: 'lstm_enc', units: 32, recurrentActivation: 'sigmoid',
    kernelInitializer: glorot(), recurrentInitializer: orth()}));
  m.add(L.dense({name: 'bottleneck', units: 8, kernelInitializer: glorot()}));
  m.add(L.dense({name: 'dec_dense', units: 32, activation: 'relu', kernelInitializer: glorot()}));
  m.add(L.repeatVector({name: 'repeat', n: 10}));
  m.add(L.lstm({name: 'lstm_dec', units: 32, returnSequences: true,
    recurrentActivation: 'sigmoid', kernelInitializer: glorot(), recurrentInitializer: orth()}));
  m.add(L.timeDistributed({name: 'td_out',
    layer: L.dense({units: 60, kernelInitializer: glorot()})}));
  m.add(L.reshape({name: 'window', targetShape: [100, 6]}));
  return m;
}

async function main() {
  const a = args();
  Math.random = rng(a.seed); // mulberry32 (scripts/tfjs/common.js)
  registerConvGrads();
  await tf.setBackend(a.backend);
  const x = readNpy(path.join(a.pos[0], 'x.npy'));
  const vx = readNpy(path.join(a.pos[0], 'val-x.npy'));
  const m = build(a.seed);
  m.compile({optimizer: tf.train.adam(0.003), loss: 'meanSquaredError'});
  const t0 = Date.now();
  await m.fit(x, x, {epochs: a.epochs, batchSize: 64, shuffle: true, verbose: 0,
    validationData: [vx, vx],
    callbacks: {onEpochEnd: (e, l) => console.error(
      `epoch ${e + 1}/${a.epochs}: loss ${l.loss.toFixed(5)}, val_loss ${l.val_loss.toFixed(5)}` +
      ` (${((Date.now() - t0) / 1000).toFixed(0)} s)`)}});
  await m.save(saveTo(a.pos[1]));
  console.error(`saved ${a.pos[1]}/model.json; variance of the validation windows ` +
    `${tf.moments(vx).variance.dataSync()[0].toFixed(5)}`);
}

if (require.main === module)
  main().catch((e) => { console.error(`train.js: error: ${e.message}`); process.exit(1); });
module.exports = {registerConvGrads, build, readNpy};
