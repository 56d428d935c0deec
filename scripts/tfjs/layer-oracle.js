#!/usr/bin/env node
// Layer oracle: runs a table of single layers and small merges through TensorFlow.js
// (cpu backend, exact float32) with seeded random weights and inputs, and writes per case
// the Keras class name, the layer config exactly as TF.js saves it in a model file
// (model.toJSON: snake_case keys), the weights with their short names and shapes, the
// inputs and the expected output. tests/unit/test_layer_cases.c reads the file.
//
//   node scripts/tfjs/layer-oracle.js OUT.json
//
// Every case must be non-degenerate: the output is not all zero and not saturated (at
// least a quarter of its values distinct). Same script, same bytes.
'use strict';
const fs = require('fs');
const path = require('path');
const {rng} = require('./common');
const tf = require(path.join(__dirname, 'node_modules', '@tensorflow', 'tfjs'));

const count = (shape) => shape.reduce((a, b) => a * b, 1);
const f32 = (x) => Math.fround(x);

// Values in [lo, hi), rounded to float32 so the file holds exactly what TF.js used.
function values(r, n, lo, hi) {
  const v = new Array(n);
  for (let i = 0; i < n; i++) v[i] = f32(lo + (hi - lo) * r());
  return v;
}

const BATCH = 3;
const cases = [];

// One case. make() returns the layer; inputs: per-row shapes; opt.scale: input range;
// opt.pre: layers applied to each input before (name prefix), opt.positive: weight
// names whose values must be positive (variances).
function add(name, inputs, make, opt = {}) {
  cases.push({ name, inputs, make, opt });
}

function runCase(c, seed) {
  const r = rng(seed);
  const s = c.opt.scale || 2;
  const ins = c.inputs.map((shape) => tf.input({ shape }));
  // call() applies a layer and records which layers feed it, in call order.
  const rec = [];
  const call = (layer, t) => {
    const y = layer.apply(t);
    rec.push({ layer, inbound: (Array.isArray(t) ? t : [t]).map((x) => x.sourceLayer.name) });
    return y;
  };
  const out = c.make.length === 0 ? call(c.make(), ins.length === 1 ? ins[0] : ins)
    : c.make(ins, call);
  const model = tf.model({ inputs: ins, outputs: out });
  const topo = model.toJSON(null, false);
  const layers = rec.map(({ layer, inbound }) => {
    const weights = layer.weights.map((w) => {
      // the name after the layer's own ("kernel"; Bidirectional "forward_lstm_LSTM1/kernel")
      const own = `${layer.name}/`;
      const short = w.originalName.startsWith(own) ? w.originalName.slice(own.length)
        : w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const positive = /variance/.test(short);
      const data = positive ? values(r, count(w.shape), 0.5, 2) : values(r, count(w.shape), -1, 1);
      return { name: short, shape: w.shape, data };
    });
    layer.setWeights(weights.map((w) => tf.tensor(w.data, w.shape)));
    const entry = topo.config.layers.find((l) => l.name === layer.name);
    if (!entry) throw new Error(`${c.name}: layer ${layer.name} not in the saved topology`);
    return { name: layer.name, class_name: entry.class_name, config: entry.config, inbound, weights };
  });
  const xs = c.inputs.map((shape, k) => {
    const full = [BATCH, ...shape];
    let data = values(r, count(full), -s, s);
    if (c.opt.ids) // token ids 0..ids-1 (Embedding), zeros among them
      data = data.map((v) => Math.min(c.opt.ids - 1, Math.floor((v + s) / (2 * s) * c.opt.ids)));
    if (c.opt.zeroSteps) { // whole steps of zeros or stepValue (Masking), a set per row
      const T = shape[0], F = count(shape.slice(1));
      for (let b = 0; b < BATCH; b++)
        for (const t of c.opt.zeroSteps[b % c.opt.zeroSteps.length])
          for (let j = 0; j < F; j++) data[(b * T + t) * F + j] = c.opt.stepValue || 0;
    }
    return { name: ins[k].sourceLayer.name, shape: full, data };
  });
  const y = model.predict(xs.map((x) => tf.tensor(x.data, x.shape)), { batchSize: BATCH });
  const expected = { shape: y.shape, data: Array.from(y.dataSync()) };
  // non-degenerate: not all zero, not saturated
  const d = expected.data;
  const distinct = new Set(d).size;
  if (d.every((v) => v === 0) || distinct < Math.max(2, Math.ceil(d.length / 4)))
    throw new Error(`${c.name}: degenerate output (${distinct} distinct of ${d.length})`);
  if (!d.every(Number.isFinite)) throw new Error(`${c.name}: non-finite output`);
  return { name: c.name, inputs: xs, layers, expected };
}

const L = tf.layers;
// ---- Dense and activations ----
add('dense linear', [4], () => L.dense({ units: 5 }));
add('dense relu no bias', [4], () => L.dense({ units: 6, activation: 'relu', useBias: false }));
add('dense rank 3 softmax', [3, 4], () => L.dense({ units: 5, activation: 'softmax' }));
add('dense rank 4 tanh', [2, 3, 4], () => L.dense({ units: 3, activation: 'tanh' }));
for (const a of ['relu', 'relu6', 'elu', 'selu', 'gelu', 'gelu_new', 'sigmoid', 'hardSigmoid',
  'tanh', 'softmax', 'softplus', 'softsign', 'swish', 'linear', 'mish', 'logSoftmax'])
  add(`activation ${a}`, [3, 5], () => L.activation({ activation: a }), { scale: 4 });
add('dense hard_sigmoid', [4], () => L.dense({ units: 6, activation: 'hardSigmoid' }), { scale: 3 });
add('dense gelu_new', [4], () => L.dense({ units: 6, activation: 'gelu_new' }));
// ---- activation layers ----
add('relu layer', [6], () => L.reLU({}));
add('relu layer max_value', [6], () => L.reLU({ maxValue: 1.5 }), { scale: 3 });
add('leaky_relu default', [6], () => L.leakyReLU({}));
add('leaky_relu alpha', [6], () => L.leakyReLU({ alpha: 0.05 }));
add('prelu', [3, 4], () => L.prelu({}));
add('prelu shared_axes', [3, 4], () => L.prelu({ sharedAxes: [1] }));
add('prelu rank 3 shared', [2, 3, 4], () => L.prelu({ sharedAxes: [1, 2] }));
add('elu layer', [6], () => L.elu({}));
add('thresholded_relu', [6], () => L.thresholdedReLU({ theta: 0.3 }));
add('softmax layer axis -1', [3, 4], () => L.softmax({ axis: -1 }));
// ---- shape layers ----
add('flatten', [2, 3, 4], () => L.flatten({}));
add('flatten channels_first', [2, 3, 4], () => L.flatten({ dataFormat: 'channelsFirst' }));
add('reshape', [3, 4], () => L.reshape({ targetShape: [6, 2] }));
add('reshape -1', [3, 4], () => L.reshape({ targetShape: [-1, 3] }));
add('permute 2 1', [3, 4], () => L.permute({ dims: [2, 1] }));
add('permute 3 1 2', [2, 3, 4], () => L.permute({ dims: [3, 1, 2] }));
add('repeat_vector', [4], () => L.repeatVector({ n: 3 }));
add('dropout', [6], () => L.dropout({ rate: 0.5 }));
add('spatial_dropout1d', [3, 4], () => L.spatialDropout1d({ rate: 0.5 }));
add('gaussian_noise', [6], () => L.gaussianNoise({ stddev: 1 }));
add('gaussian_dropout', [6], () => L.gaussianDropout({ rate: 0.5 }));
add('alpha_dropout', [6], () => L.alphaDropout({ rate: 0.5 }));
// ---- normalisation ----
add('rescaling', [5], () => L.rescaling({ scale: 0.5, offset: -1 }));
add('batch_norm', [5], () => L.batchNormalization({}));
// Not 'batch_norm axis 1' on [3, 4]: TF.js 4.22 (cpu) gives values that are not the Keras
// formula there (checked with numpy); tests/conform/t0301 covers it from the equations.
add('batch_norm rank 3', [2, 3, 4], () => L.batchNormalization({ axis: -1 }));
add('batch_norm no center', [5], () => L.batchNormalization({ center: false }));
add('batch_norm no scale', [5], () => L.batchNormalization({ scale: false }));
add('batch_norm neither', [5], () => L.batchNormalization({ center: false, scale: false }));
add('layer_norm', [6], () => L.layerNormalization({}));
add('layer_norm rank 3', [3, 4], () => L.layerNormalization({ epsilon: 0.01 }));
add('layer_norm axes 1 2', [3, 4], () => L.layerNormalization({ axis: [1, 2] }));
add('layer_norm axis 1', [3, 4], () => L.layerNormalization({ axis: 1 }));
add('layer_norm no center', [6], () => L.layerNormalization({ center: false }));
add('layer_norm no scale', [6], () => L.layerNormalization({ scale: false }));
// ---- merges ----
add('add 3', [[4], [4], [4]].map((s) => s), () => L.add({}));
add('add broadcast 1', [[3, 4], [1, 4]], () => L.add({}));
add('add broadcast rank', [[3, 4], [4]], () => L.add({}));
add('multiply', [[5], [5], [5]], () => L.multiply({}));
add('multiply broadcast', [[3, 4], [3, 1]], () => L.multiply({}));
add('average', [[2, 3], [2, 3]], () => L.average({}));
add('maximum', [[5], [5], [5]], () => L.maximum({}));
add('minimum', [[5], [5]], () => L.minimum({}));
add('concatenate', [[3], [4]], () => L.concatenate({}));
add('concatenate axis 1', [[2, 3], [4, 3]], () => L.concatenate({ axis: 1 }));
add('concatenate rank 3 axis 2', [[2, 3, 4], [2, 1, 4]], () => L.concatenate({ axis: 2 }));
add('dot axes 1', [[4], [4]], () => L.dot({ axes: 1 }));
add('dot axes 2 2', [[3, 4], [5, 4]], () => L.dot({ axes: [2, 2] }));
add('dot axes 1 2', [[4, 3], [5, 4]], () => L.dot({ axes: [1, 2] }));
add('dot axes -1', [[3, 4], [2, 4]], () => L.dot({ axes: -1 }));
add('dot normalize', [[3, 4], [5, 4]], () => L.dot({ axes: 2, normalize: true }));
// ---- small graphs: chains, and merges fed by Dense branches (so that a perturbed weight
// upstream of every merge shows) ----
add('dense bn relu chain', [6], ([x], call) =>
  call(L.activation({ activation: 'relu' }), call(L.batchNormalization({}), call(L.dense({ units: 8 }), x))));
add('flatten dense softmax chain', [3, 4], ([x], call) =>
  call(L.dense({ units: 5, activation: 'softmax' }), call(L.flatten({}), x)));
add('dense branches add', [[6]], ([x], call) =>
  call(L.add({}), [call(L.dense({ units: 4 }), x), call(L.dense({ units: 4 }), x)]));
add('dense branches concatenate dense', [[6]], ([x], call) =>
  call(L.dense({ units: 3 }), call(L.concatenate({}),
    [call(L.dense({ units: 4, activation: 'tanh' }), x), call(L.dense({ units: 2 }), x)])));
add('two inputs multiply then layer_norm', [[5], [5]], ([a, b], call) =>
  call(L.layerNormalization({}), call(L.multiply({}), [call(L.dense({ units: 5 }), a), b])));
add('dense branches dot normalize', [[6]], ([x], call) =>
  call(L.dot({ axes: 1, normalize: true }), [call(L.dense({ units: 4 }), x), call(L.dense({ units: 4 }), x)]));
add('repeat permute dense', [4], ([x], call) =>
  call(L.dense({ units: 2 }), call(L.permute({ dims: [2, 1] }), call(L.repeatVector({ n: 3 }), x))));
// ---- recurrent (TF.js defaults: recurrent_activation hard_sigmoid, GRU reset_after false;
// the saved configs state both) ----
for (const [cls, make] of [['simple_rnn', L.simpleRNN], ['lstm', L.lstm], ['gru', L.gru]]) {
  add(`${cls}`, [5, 3], () => make({ units: 4 }));
  add(`${cls} return_sequences`, [5, 3], () => make({ units: 4, returnSequences: true }));
  add(`${cls} go_backwards`, [5, 3], () => make({ units: 4, goBackwards: true }));
  add(`${cls} go_backwards return_sequences`, [5, 3], () =>
    make({ units: 4, goBackwards: true, returnSequences: true }));
  add(`${cls} no bias`, [4, 3], () => make({ units: 3, useBias: false }));
  add(`${cls} relu`, [4, 3], () => make({ units: 3, activation: 'relu', returnSequences: true }));
  add(`${cls} one step`, [1, 6], () => make({ units: 5 }));
  add(`${cls} dropout ignored`, [4, 3], () => make({ units: 3, dropout: 0.5, recurrentDropout: 0.5 }));
  if (cls !== 'simple_rnn')
    add(`${cls} recurrent sigmoid`, [6, 2], () =>
      make({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true }));
}
add('lstm unit_forget_bias false, tanh recurrent', [4, 3], () =>
  L.lstm({ units: 3, unitForgetBias: false, recurrentActivation: 'tanh' }));
add('gru elu activation', [4, 3], () => L.gru({ units: 3, activation: 'elu' }));
add('rnn lstm_cell', [5, 3], () => L.rnn({ cell: L.lstmCell({ units: 4 }), returnSequences: true }));
add('rnn gru_cell go_backwards', [5, 3], () => L.rnn({ cell: L.gruCell({ units: 3 }), goBackwards: true }));
add('rnn simple_rnn_cell', [5, 3], () => L.rnn({ cell: L.simpleRNNCell({ units: 3, activation: 'relu' }) }));
add('stacked lstm gru', [5, 3], ([x], call) =>
  call(L.gru({ units: 3 }), call(L.lstm({ units: 4, returnSequences: true }), x)));
// ---- wrappers ----
for (const m of ['concat', 'sum', 'mul', 'ave']) {
  add(`bidirectional lstm ${m}`, [5, 3], () => L.bidirectional({ layer: L.lstm({ units: 3 }), mergeMode: m }));
  add(`bidirectional gru ${m} sequences`, [5, 3], () =>
    L.bidirectional({ layer: L.gru({ units: 3, returnSequences: true }), mergeMode: m }));
}
add('bidirectional simple_rnn go_backwards sequences', [4, 3], () =>
  L.bidirectional({ layer: L.simpleRNN({ units: 3, returnSequences: true, goBackwards: true }) }));
add('time_distributed dense', [4, 3], () => L.timeDistributed({ layer: L.dense({ units: 5, activation: 'tanh' }) }));
add('time_distributed dense rank 4', [2, 3, 4], () => L.timeDistributed({ layer: L.dense({ units: 2 }) }));
add('time_distributed lstm', [2, 4, 3], () => L.timeDistributed({ layer: L.lstm({ units: 3 }) }));
add('lstm then time_distributed dense', [5, 3], ([x], call) =>
  call(L.timeDistributed({ layer: L.dense({ units: 2 }) }), call(L.lstm({ units: 4, returnSequences: true }), x)));
// ---- embedding and masks ----
add('embedding', [6], () => L.embedding({ inputDim: 7, outputDim: 3 }), { ids: 7 });
add('embedding rank 2', [2, 3], () => L.embedding({ inputDim: 5, outputDim: 2 }), { ids: 5 });
add('embedding mask_zero', [6], () => L.embedding({ inputDim: 7, outputDim: 3, maskZero: true }), { ids: 7 });
add('embedding mask_zero lstm', [8], ([x], call) =>
  call(L.lstm({ units: 3 }), call(L.embedding({ inputDim: 4, outputDim: 3, maskZero: true }), x)), { ids: 4 });
add('embedding mask_zero gru sequences', [8], ([x], call) =>
  call(L.gru({ units: 3, returnSequences: true }),
    call(L.embedding({ inputDim: 4, outputDim: 3, maskZero: true }), x)), { ids: 4 });
add('embedding mask_zero simple_rnn go_backwards sequences', [8], ([x], call) =>
  call(L.simpleRNN({ units: 3, returnSequences: true, goBackwards: true }),
    call(L.embedding({ inputDim: 4, outputDim: 3, maskZero: true }), x)), { ids: 4 });
add('embedding mask_zero bidirectional lstm', [8], ([x], call) =>
  call(L.bidirectional({ layer: L.lstm({ units: 3 }) }),
    call(L.embedding({ inputDim: 4, outputDim: 3, maskZero: true }), x)), { ids: 4 });
add('embedding mask_zero bidirectional gru sequences', [8], ([x], call) =>
  call(L.bidirectional({ layer: L.gru({ units: 3, returnSequences: true }) }),
    call(L.embedding({ inputDim: 4, outputDim: 3, maskZero: true }), x)), { ids: 4 });
add('masking', [5, 3], () => L.masking({}), { zeroSteps: [[1, 3], [0], [4]] });
add('masking value', [5, 3], () => L.masking({ maskValue: 0.5 }), { zeroSteps: [[2], [0, 4]], stepValue: 0.5 });
add('masking value simple_rnn', [5, 3], ([x], call) =>
  call(L.simpleRNN({ units: 3 }), call(L.masking({ maskValue: 0.5 }), x)), { zeroSteps: [[2], [0, 4], [4]], stepValue: 0.5 });
add('masking lstm', [6, 3], ([x], call) =>
  call(L.lstm({ units: 4 }), call(L.masking({}), x)), { zeroSteps: [[1, 5], [0, 2], [3]] });
add('masking gru sequences', [6, 3], ([x], call) =>
  call(L.gru({ units: 4, returnSequences: true }), call(L.masking({}), x)), { zeroSteps: [[1, 5], [0, 2], [3]] });

// ---- convolution, pooling, resizing (issue 5) ----
add('conv1d valid', [7, 3], () => L.conv1d({ filters: 4, kernelSize: 3 }));
add('conv1d same stride 2', [8, 3], () => L.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
add('conv1d dilation 2 same', [9, 2], () => L.conv1d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' }));
add('conv2d valid', [5, 6, 2], () => L.conv2d({ filters: 4, kernelSize: 3 }));
add('conv2d same', [5, 5, 3], () => L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' }));
add('conv2d same stride 2 k5 on 16', [16, 16, 1], () => L.conv2d({ filters: 2, kernelSize: 5, strides: 2, padding: 'same' }));
add('conv2d same even kernel 4', [6, 7, 2], () => L.conv2d({ filters: 3, kernelSize: 4, padding: 'same' }));
add('conv2d strides 2 3 valid', [7, 8, 2], () => L.conv2d({ filters: 3, kernelSize: [3, 2], strides: [2, 3] }));
add('conv2d dilation 2 same', [7, 7, 2], () => L.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' }));
add('conv2d no bias softmax', [4, 4, 3], () => L.conv2d({ filters: 5, kernelSize: 2, useBias: false, activation: 'softmax' }));
add('conv2d 1x1', [4, 5, 6], () => L.conv2d({ filters: 3, kernelSize: 1, activation: 'relu' }));
add('conv2d channels_first', [2, 5, 6], () => L.conv2d({ filters: 3, kernelSize: 3, dataFormat: 'channelsFirst', padding: 'same' }));
add('conv3d valid', [4, 5, 4, 2], () => L.conv3d({ filters: 3, kernelSize: 3 }));
add('conv3d same stride 2', [5, 4, 4, 2], () => L.conv3d({ filters: 2, kernelSize: [3, 2, 3], strides: 2, padding: 'same' }));
add('conv2d_transpose valid', [3, 4, 2], () => L.conv2dTranspose({ filters: 3, kernelSize: 3 }));
add('conv2d_transpose same stride 2', [3, 4, 2], () => L.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
add('conv2d_transpose valid stride 2 k2', [3, 3, 4], () => L.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2 }));
add('conv2d_transpose valid stride 3 k2', [3, 2, 2], () => L.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 3 }));
add('conv2d_transpose same stride 2 k4', [3, 3, 2], () => L.conv2dTranspose({ filters: 2, kernelSize: 4, strides: 2, padding: 'same' }));
add('conv3d_transpose same stride 2', [2, 3, 2, 2], () => L.conv3dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }));
add('separable_conv2d', [5, 5, 3], () => L.separableConv2d({ filters: 4, kernelSize: 3, activation: 'relu' }));
add('separable_conv2d same stride 2', [6, 6, 2], () => L.separableConv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }));
add('depthwise_conv2d', [5, 5, 3], () => L.depthwiseConv2d({ kernelSize: 3 }));
add('depthwise_conv2d multiplier 2 same', [5, 6, 2], () => L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'tanh' }));
// Not 'depthwise_conv2d dilation 2': TF.js 4.22 (cpu) gives values that are not a dilated
// depthwise correlation there (checked with numpy); tests/conform/t0320 covers it.
add('separable_conv2d dilation 2 tanh', [7, 7, 2], () => L.separableConv2d({ filters: 3, kernelSize: 3, dilationRate: 2, activation: 'tanh' }));
add('conv2d_transpose dilation 2', [4, 4, 2], () => L.conv2dTranspose({ filters: 2, kernelSize: 3, dilationRate: 2 }));
add('max_pooling1d', [7, 3], () => L.maxPooling1d({ poolSize: 2 }));
add('max_pooling1d same stride 2 k3', [7, 3], () => L.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }));
add('average_pooling1d same', [7, 3], () => L.averagePooling1d({ poolSize: 2, padding: 'same' }));
add('max_pooling2d', [6, 6, 3], () => L.maxPooling2d({ poolSize: 2 }));
add('max_pooling2d same 3 stride 2', [7, 6, 2], () => L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
add('average_pooling2d same 3 stride 2', [7, 6, 2], () => L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
add('average_pooling2d strides 1', [5, 5, 2], () => L.averagePooling2d({ poolSize: 2, strides: 1 }));
add('max_pooling3d', [4, 4, 4, 2], () => L.maxPooling3d({ poolSize: 2 }));
add('average_pooling3d same', [3, 5, 4, 2], () => L.averagePooling3d({ poolSize: 2, padding: 'same' }));
add('global_average_pooling1d', [5, 4], () => L.globalAveragePooling1d({}));
add('global_max_pooling1d', [5, 4], () => L.globalMaxPooling1d({}));
add('global_average_pooling2d', [4, 5, 3], () => L.globalAveragePooling2d({}));
add('global_max_pooling2d', [4, 5, 3], () => L.globalMaxPooling2d({}));
add('up_sampling2d nearest', [3, 4, 2], () => L.upSampling2d({ size: [2, 2] }));
add('up_sampling2d bilinear (TF1 rule)', [3, 4, 2], () => L.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }));
add('zero_padding2d', [3, 4, 2], () => L.zeroPadding2d({ padding: [[1, 2], [0, 3]] }));
add('cropping2d', [6, 7, 2], () => L.cropping2D({ cropping: [[1, 2], [3, 0]] }));
add('conv pool upsample conv chain', [8, 8, 1], ([x], call) =>
  call(L.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }), call(L.upSampling2d({}),
    call(L.maxPooling2d({}), call(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), x)))));
add('conv flatten dense chain', [6, 6, 2], ([x], call) =>
  call(L.dense({ units: 3, activation: 'softmax' }), call(L.flatten({}),
    call(L.conv2d({ filters: 3, kernelSize: 3, strides: 2 }), x))));

// Inputs for merge cases were given as lists of shapes; single-input cases as one shape.
for (const c of cases) if (!Array.isArray(c.inputs[0])) c.inputs = [c.inputs];

async function main() {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: layer-oracle.js OUT.json\n');
    process.exit(2);
  }
  await tf.setBackend('cpu');
  const res = cases.map((c, i) => runCase(c, 1000 + i));
  fs.writeFileSync(out, JSON.stringify({ origin: `tfjs-layers ${tf.version.tfjs}`, cases: res }));
  process.stderr.write(`layer-oracle: ${res.length} cases\n`);
}
main().catch((e) => {
  process.stderr.write(`layer-oracle: ${e.message}\n`);
  process.exit(1);
});
