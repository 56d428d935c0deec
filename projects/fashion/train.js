#!/usr/bin/env node
// Trains the Fashion-MNIST convolutional autoencoder of projects/fashion with
// TensorFlow.js (scripts/tfjs/node_modules), seeded, so the same data and seed give the
// same weights, and saves it as a TF.js layers model (model.json + weights.bin), which
// `li-convert` turns into the committed model.h5.
//
//   node train.js X.npy OUTDIR [--val XVAL.npy] [--epochs N] [--batch B] [--seed S]
//                              [--backend wasm|cpu]
//   node train.js predict MODEL.json X.npy OUT.npy [LAYER]
//                              (the output, or LAYER's; cpu backend: exact float32)
//
// The model (build below, 18,137 parameters): 28x28x1 -> Conv2D(8) -> MaxPooling2D ->
// Conv2D(16) -> MaxPooling2D -> Flatten -> Dense(8) 'bottleneck' -> Dense(7*7*16) ->
// Reshape -> UpSampling2D -> Conv2D(16) -> UpSampling2D -> Conv2D(8) ->
// Conv2DTranspose(1, sigmoid) 'decoded' (3x3 kernels, 'same', relu), trained on the mean
// squared error with Adam (learning rate 0.002, 8 epochs of batches of 32). Determinism:
// seeded initializers, and batches drawn by a seeded shuffle (mulberry32) instead of
// fit()'s Math.random; two runs on the same machine gave the same bytes.
//
// The wasm backend has no Conv2DBackpropFilter kernel (and the cpu backend's is slow), so
// the gradients of Conv2D and Conv2DTranspose are registered here anew, built from ops
// the wasm backend runs fast: the filter gradient is itself a convolution (filterGrad),
// and a stride-1 input gradient a convolution by the turned kernel (inputGrad).
'use strict';
const fs = require('fs');
const path = require('path');
const {rng, readNpy} = require(path.join(__dirname, '..', '..', 'scripts', 'tfjs', 'common'));
const {createRequire} = require('module');

const tfjsDir = path.join(__dirname, '..', '..', 'scripts', 'tfjs');
const req = createRequire(path.join(tfjsDir, 'package.json'));
const tf = req('@tensorflow/tfjs');
const {saveTo, loadFrom, writeNpy} = req('./save-handler.js');

// dL/dfilter of a 2-D convolution (NHWC, dilation 1): x [N,H,W,Cin], dy [N,OH,OW,Cout];
// dW[ky,kx,ci,co] = sum over n,i,j of xp[n, ky + s*i, kx + s*j, ci] * dy[n,i,j,co], xp the
// input after TensorFlow's 'same' padding (the odd cell after). That sum is itself a
// convolution: of xp with channels and batch swapped ([Cin,Hp,Wp,N]) by dy as a kernel
// ([OH,OW,N,Cout]) dilated by the stride, which runs on the fast Conv2D kernel.
function filterGrad(x, dy, filterShape, strides, pad) {
  const [kh, kw, cin, cout] = filterShape;
  const [, h, w] = x.shape;
  const [, oh, ow] = dy.shape;
  const [sh, sw] = Array.isArray(strides) ? strides : [strides, strides];
  return tf.tidy(() => {
    let xp = x;
    if (pad === 'same') {
      const ph = Math.max((oh - 1) * sh + kh - h, 0);
      const pw = Math.max((ow - 1) * sw + kw - w, 0);
      const top = Math.floor(ph / 2), left = Math.floor(pw / 2);
      xp = tf.pad(x, [[0, 0], [top, ph - top], [left, pw - left], [0, 0]]);
    } else if (pad !== 'valid') {
      throw new Error(`filterGrad: padding ${pad} not supported`);
    }
    const r = tf.conv2d(tf.transpose(xp, [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]),
      1, 'valid', 'NHWC', [sh, sw]);
    return tf.transpose(tf.slice(r, [0, 0, 0, 0], [cin, kh, kw, cout]), [1, 2, 0, 3]);
  });
}

// dL/dx of a 2-D convolution with stride 1 and 'same' padding of an odd kernel: the
// convolution of dy by the kernel turned by 180 degrees with its channel axes swapped;
// anything else goes to the (slow) Conv2DBackpropInput kernel.
function inputGrad(xShape, dy, filter, strides, pad) {
  const [kh, kw] = filter.shape;
  const s = Array.isArray(strides) ? strides : [strides, strides];
  if (s[0] === 1 && s[1] === 1 && pad === 'same' && kh % 2 === 1 && kw % 2 === 1) {
    return tf.tidy(() => tf.conv2d(dy, tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]),
      1, 'same'));
  }
  return tf.conv2dTranspose(dy, filter, xShape, strides, pad);
}

function checkAttrs(attrs) {
  const d = attrs.dilations;
  if (d !== undefined && d !== 1 && !(Array.isArray(d) && d.every((v) => v === 1))) {
    throw new Error('filterGrad: dilation not supported');
  }
  if (attrs.dataFormat && attrs.dataFormat !== 'NHWC') throw new Error('filterGrad: NHWC only');
}

// The gradients of Conv2D and Conv2DBackpropInput (Conv2DTranspose), as tfjs-core defines
// them, with filterGrad in place of the Conv2DBackpropFilter kernel.
tf.registerGradient({
  kernelName: 'Conv2D', inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved;
    checkAttrs(attrs);
    return {
      x: () => inputGrad(x.shape, dy, filter, attrs.strides, attrs.pad),
      filter: () => filterGrad(x, dy, filter.shape, attrs.strides, attrs.pad),
    };
  },
});
tf.registerGradient({
  kernelName: 'Conv2DBackpropInput', inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, saved, attrs) => {
    const [dy, filter] = saved;
    checkAttrs(attrs);
    return {
      dy: () => tf.conv2d(ddx, filter, attrs.strides, attrs.pad),
      filter: () => filterGrad(ddx, dy, filter.shape, attrs.strides, attrs.pad),
    };
  },
});

const BOTTLENECK = 8;

function build(seed) {
  let k = 0;
  const init = () => tf.initializers.glorotUniform({seed: seed * 1000 + (++k)});
  const conv = (name, filters, extra) => tf.layers.conv2d(Object.assign({name, filters,
    kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init()}, extra));
  const m = tf.sequential({name: 'fashion_ae'});
  m.add(conv('conv1', 8, {inputShape: [28, 28, 1]}));
  m.add(tf.layers.maxPooling2d({name: 'pool1', poolSize: 2}));
  m.add(conv('conv2', 16));
  m.add(tf.layers.maxPooling2d({name: 'pool2', poolSize: 2}));
  m.add(tf.layers.flatten({name: 'flatten'}));
  m.add(tf.layers.dense({name: 'bottleneck', units: BOTTLENECK, kernelInitializer: init()}));
  m.add(tf.layers.dense({name: 'expand', units: 7 * 7 * 16, activation: 'relu',
    kernelInitializer: init()}));
  m.add(tf.layers.reshape({name: 'unflatten', targetShape: [7, 7, 16]}));
  m.add(tf.layers.upSampling2d({name: 'up1', size: [2, 2]}));
  m.add(conv('conv3', 16));
  m.add(tf.layers.upSampling2d({name: 'up2', size: [2, 2]}));
  m.add(conv('conv4', 8));
  // a Conv2DTranspose, not a Conv2D: tfjs-layers runs a Conv2D whose activation it cannot
  // fuse (sigmoid) as a linear FusedConv2D, whose gradient needs Conv2DBackpropFilter
  m.add(tf.layers.conv2dTranspose({name: 'decoded', filters: 1, kernelSize: 3, strides: 1,
    padding: 'same', activation: 'sigmoid', kernelInitializer: init()}));
  return m;
}

function mse(model, x) {
  let sum = 0;
  const n = x.shape[0];
  for (let i = 0; i < n; i += 500) {
    const b = Math.min(500, n - i);
    sum += tf.tidy(() => {
      const xb = x.slice([i], [b]);
      return tf.sum(tf.squaredDifference(model.predict(xb), xb)).dataSync()[0];
    });
  }
  return sum / (n * 784);
}

function parse(argv) {
  const o = {epochs: 8, batch: 32, seed: 1, backend: 'wasm', val: null, pos: []};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--epochs') o.epochs = Number(argv[++i]);
    else if (a === '--batch') o.batch = Number(argv[++i]);
    else if (a === '--seed') o.seed = Number(argv[++i]);
    else if (a === '--backend') o.backend = argv[++i];
    else if (a === '--val') o.val = argv[++i];
    else o.pos.push(a);
  }
  return o;
}

// The model's output on the rows of X.npy, or the output of layer LAYER, as float32 .npy.
async function predict([modelJson, xFile, outFile, layer]) {
  await tf.setBackend('cpu');
  let model = await tf.loadLayersModel(loadFrom(modelJson));
  if (layer) model = tf.model({inputs: model.inputs, outputs: model.getLayer(layer).output});
  writeNpy(outFile, model.predict(readNpy(xFile)));
}

async function train(o) {
  const [xFile, outDir] = o.pos;
  if (o.backend === 'wasm') req('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend(o.backend);
  const x = readNpy(xFile);
  const xval = o.val ? readNpy(o.val) : null;
  const n = x.shape[0];
  const model = build(o.seed);
  const opt = tf.train.adam(0.002);
  const r = rng(o.seed);
  const t0 = Date.now();
  for (let e = 0; e < o.epochs; e++) {
    // Fisher-Yates with the seeded generator
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      const t = order[i]; order[i] = order[j]; order[j] = t;
    }
    let sum = 0, steps = 0;
    for (let i = 0; i + o.batch <= n; i += o.batch) {
      const loss = tf.tidy(() => {
        const xb = tf.gather(x, tf.tensor1d(order.subarray(i, i + o.batch), 'int32'));
        return opt.minimize(() => tf.losses.meanSquaredError(xb, model.apply(xb, {training: true})), true);
      });
      sum += loss.dataSync()[0];
      loss.dispose();
      steps++;
    }
    const v = xval ? ` val mse ${mse(model, xval).toFixed(5)}` : '';
    console.error(`epoch ${e + 1}/${o.epochs}: train mse ${(sum / steps).toFixed(5)}${v}` +
      ` (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await model.save(saveTo(outDir));
}

const argv = process.argv.slice(2);
(argv[0] === 'predict' ? predict(argv.slice(1)) : train(parse(argv))).catch((e) => {
  console.error(`train.js: error: ${e.message}`);
  process.exit(1);
});
