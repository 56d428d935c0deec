// File save/load handlers for TensorFlow.js layers models in Node without tfjs-node:
// saveTo(dir) writes DIR/model.json + DIR/weights.bin (one shard) the way tf.io's file
// handler lays them out; loadFrom(file) reads such a model.json and its shards back.
// Also a tiny .npy writer (float32 / int64, C order, format 1.0), so oracle scripts need
// nothing beyond @tensorflow/tfjs.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

function saveTo(dir) {
  return tf.io.withSaveHandler(async (a) => {
    fs.mkdirSync(dir, {recursive: true});
    const data = Buffer.from(a.weightData instanceof ArrayBuffer ? a.weightData
      : tf.io.concatenateArrayBuffers(a.weightData));
    fs.writeFileSync(path.join(dir, 'weights.bin'), data);
    const json = {
      format: 'layers-model',
      generatedBy: a.generatedBy,
      convertedBy: a.convertedBy,
      modelTopology: a.modelTopology,
      weightsManifest: [{paths: ['weights.bin'], weights: a.weightSpecs}],
    };
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  });
}

function loadFrom(file) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const dir = path.dirname(file);
  const specs = [];
  const bufs = [];
  for (const g of json.weightsManifest) {
    for (const p of g.paths) bufs.push(fs.readFileSync(path.join(dir, p)));
    specs.push(...g.weights);
  }
  const all = Buffer.concat(bufs);
  const ab = all.buffer.slice(all.byteOffset, all.byteOffset + all.length);
  return tf.io.fromMemory({modelTopology: json.modelTopology, weightSpecs: specs,
    weightData: ab});
}

// Writes a tf.Tensor (or {dtype, shape, data}) as .npy. dtype float32 or int64.
function writeNpy(file, t) {
  const shape = t.shape;
  const isInt = t.dtype === 'int32' || t.dtype === 'int64';
  const values = t.dataSync ? t.dataSync() : t.data;
  const descr = isInt ? '<i8' : '<f4';
  const shp = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shp}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  let body;
  if (isInt) {
    body = Buffer.alloc(values.length * 8);
    for (let i = 0; i < values.length; i++) body.writeBigInt64LE(BigInt(values[i]), i * 8);
  } else {
    const f = Float32Array.from(values);
    body = Buffer.from(f.buffer);
  }
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

module.exports = {saveTo, loadFrom, writeNpy};
