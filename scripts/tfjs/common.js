// What the TF.js scripts of this repository share (scripts/tfjs/*.js, projects/*/*.js):
// a small seeded random generator and a reader of float32 .npy files.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require(path.join(__dirname, 'node_modules', '@tensorflow', 'tfjs'));

// mulberry32: a small seeded generator; uniform in [0, 1).
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Reads a little-endian float32, C-order .npy (what li-convert writes) as a float32
// tf.Tensor, or integer labels (int32 or int64, as prepare.js writes them) as int32.
function readNpy(file) {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const off = major === 1 ? 10 : 12;
  const header = b.toString('latin1', off, off + hlen);
  const descr = (header.match(/'descr': '(<f4|<i4|<i8)'/) || [])[1];
  if (!descr || /'fortran_order': True/.test(header))
    throw new Error(`${file}: expected little-endian float32, int32 or int64 in C order`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',')
    .map((s) => s.trim()).filter((s) => s.length).map(Number);
  const n = shape.reduce((a, c) => a * c, 1);
  const start = off + hlen;
  const size = descr === '<i8' ? 8 : 4;
  if (b.length < start + size * n) throw new Error(`${file}: truncated`);
  const bytes = b.buffer.slice(b.byteOffset + start, b.byteOffset + start + size * n);
  if (descr === '<f4') return tf.tensor(new Float32Array(bytes), shape, 'float32');
  return tf.tensor(descr === '<i4' ? new Int32Array(bytes) :
    Int32Array.from(new BigInt64Array(bytes), Number), shape, 'int32');
}

module.exports = {rng, readNpy};
