#!/usr/bin/env node
// ort_run.js: runs an ONNX model in onnxruntime-node (the reference
// runtime) and writes its outputs, for hierlearn's tests and benchmarks.
//
// usage: node ort_run.js MODEL.onnx INPUTS.npz OUTPUTS.npz [--threads N] [--repeat R] [--warmup W]
//
// INPUTS.npz holds one array per model input, named like the input
// (float32, float64, int64, int32, uint8, int8 .npy members, C order,
// uncompressed as hierlearn writes them). OUTPUTS.npz gets one array per model output, in the
// runtime's element type. With --repeat R the model runs R times after W
// warm-up runs and the per-run wall times (ms) are printed as JSON on
// stdout: {"times_ms": [...], "cpu_ms": [...], "rss_mb": N} (cpu_ms: the
// process's user+system CPU time per run, all threads).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

const DT = { '<f4': ['float32', Float32Array, 4], '<f8': ['float64', Float64Array, 8], '<i8': ['int64', BigInt64Array, 8], '|b1': ['bool', Uint8Array, 1], '<i4': ['int32', Int32Array, 4],
  '|u1': ['uint8', Uint8Array, 1], '|i1': ['int8', Int8Array, 1] };

function parseNpy(buf) {
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error('not a .npy member');
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const off = major === 1 ? 10 : 12;
  const hdr = buf.toString('latin1', off, off + hlen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(hdr)[1];
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(hdr)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const [type, Arr, width] = DT[descr] || (() => { throw new Error('unsupported dtype ' + descr); })();
  const start = off + hlen;
  const n = shape.reduce((a, b) => a * b, 1);
  const copy = Buffer.from(buf.subarray(start, start + n * width));
  const data = new Arr(copy.buffer, copy.byteOffset, n);
  return new ort.Tensor(type === 'bool' ? 'bool' : type, type === 'bool' ? Uint8Array.from(data) : data, shape);
}

function npyBytes(t) {
  const map = { float32: '<f4', float64: '<f8', int64: '<i8', int32: '<i4', bool: '|b1', uint8: '|u1', int8: '|i1', int16: '<i2', uint16: '<u2' };
  const descr = map[t.type];
  if (!descr) throw new Error('cannot write output type ' + t.type);
  const shape = '(' + t.dims.join(', ') + (t.dims.length === 1 ? ',' : '') + ')';
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = (64 - ((10 + dict.length + 1) % 64)) % 64;
  dict += ' '.repeat(pad) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0; head.writeUInt16LE(dict.length, 8);
  const d = t.data;
  const body = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.concat([head, Buffer.from(dict, 'latin1'), body]);
}

// Minimal zip (store only), enough for np.load and hierlearn.
function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let i = 0; i < buf.length; i++) {
    c = (crc ^ buf[i]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function writeZip(path, members) {
  const parts = [], central = [];
  let off = 0;
  for (const [name, data] of members) {
    const nb = Buffer.from(name);
    const crc = crc32(data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(20, 4); lh.writeUInt16LE(0, 6); lh.writeUInt16LE(0, 8);
    lh.writeUInt16LE(0, 10); lh.writeUInt16LE(33, 12); lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18); lh.writeUInt32LE(data.length, 22); lh.writeUInt16LE(nb.length, 26); lh.writeUInt16LE(0, 28);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(20, 4); ch.writeUInt16LE(20, 6); ch.writeUInt16LE(0, 8); ch.writeUInt16LE(0, 10);
    ch.writeUInt16LE(0, 12); ch.writeUInt16LE(33, 14); ch.writeUInt32LE(crc, 16); ch.writeUInt32LE(data.length, 20); ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(nb.length, 28); ch.writeUInt32LE(off, 42);
    parts.push(lh, nb, data); central.push(ch, nb);
    off += 30 + nb.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(members.length, 8); end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(off, 16);
  fs.writeFileSync(path, Buffer.concat([...parts, cd, end]));
}

function readZip(path) {
  const buf = fs.readFileSync(path);
  const out = {};
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(path + ': not a zip archive');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28), xlen = buf.readUInt16LE(p + 30), clen = buf.readUInt16LE(p + 32);
    const lho = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nlen);
    if (method !== 0) throw new Error('compressed npz members are not supported here');
    const ds = lho + 30 + buf.readUInt16LE(lho + 26) + buf.readUInt16LE(lho + 28);
    out[name.replace(/\.npy$/, '')] = parseNpy(buf.subarray(ds, ds + size));
    p += 46 + nlen + xlen + clen;
  }
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  const opt = { threads: 1, repeat: 0, warmup: 0 };
  const pos = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--threads') opt.threads = Number(args[++i]);
    else if (args[i] === '--repeat') opt.repeat = Number(args[++i]);
    else if (args[i] === '--warmup') opt.warmup = Number(args[++i]);
    else pos.push(args[i]);
  }
  if (pos.length !== 3) throw new Error('usage: ort_run.js MODEL.onnx INPUTS.npz OUTPUTS.npz [--threads N] [--repeat R] [--warmup W]');
  const [model, inPath, outPath] = pos;
  const sess = await ort.InferenceSession.create(model, { intraOpNumThreads: opt.threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const inputs = readZip(inPath);
  const feeds = {};
  for (const name of sess.inputNames) {
    if (!(name in inputs)) throw new Error(`input ${name} missing from ${inPath} (has ${Object.keys(inputs)})`);
    feeds[name] = inputs[name];
  }
  let res = await sess.run(feeds);
  if (opt.repeat > 0) {
    for (let i = 0; i < opt.warmup; i++) await sess.run(feeds);
    const times = [], cpu = [];
    for (let i = 0; i < opt.repeat; i++) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      res = await sess.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1e3);
    }
    console.log(JSON.stringify({ times_ms: times, cpu_ms: cpu, rss_mb: process.memoryUsage().rss / 1048576 }));
  }
  writeZip(outPath, sess.outputNames.map(n => [n + '.npy', npyBytes(res[n])]));
}

main().catch(e => { console.error('ort_run: ' + (e && e.message ? e.message : e)); process.exit(1); });
