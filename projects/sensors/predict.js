#!/usr/bin/env node
// TensorFlow.js' own outputs of the committed sensors model, for the tests that compare
// the engine with it (t0841):
//   node predict.js MODEL.json IN.npy OUT.npy [--at LAYER]
// runs IN.npy (float32 windows) through MODEL.json on TF.js' cpu backend (exact float32)
// and writes the output, or LAYER's output with --at.
'use strict';
const path = require('path');
// the toolkit's TF.js folder: $LI_TFJS, else scripts/tfjs two levels up
const tfjs = process.env.LI_TFJS || path.join(__dirname, '..', '..', 'scripts', 'tfjs');
const tf = require(path.join(tfjs, 'node_modules', '@tensorflow', 'tfjs'));
const {loadFrom, writeNpy} = require(path.join(tfjs, 'save-handler'));
const {readNpy} = require('./train');

async function main() {
  const v = process.argv.slice(2);
  let at = null;
  const pos = [];
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '--at') at = v[++i];
    else pos.push(v[i]);
  }
  if (pos.length !== 3) {
    console.error('usage: node predict.js MODEL.json IN.npy OUT.npy [--at LAYER]');
    process.exit(2);
  }
  await tf.setBackend('cpu');
  let m = await tf.loadLayersModel(loadFrom(pos[0]));
  if (at) m = tf.model({inputs: m.inputs, outputs: m.getLayer(at).output});
  writeNpy(pos[2], m.predict(readNpy(pos[1])));
}

main().catch((e) => { console.error(`predict.js: error: ${e.message}`); process.exit(1); });
