// Minimal .npy (format 1.0, C order, little endian) reader and writer for the PyTorch port's
// hand-offs: float64, float32, int32 and uint8 arrays.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

type NpyData = Float64Array | Float32Array | Int32Array | Uint8Array;

const DESCR = new Map<string, string>([
  ['Float64Array', '<f8'],
  ['Float32Array', '<f4'],
  ['Int32Array', '<i4'],
  ['Uint8Array', '|u1'],
]);

/** Writes `data` as an .npy array of `shape`, atomically (temp file + rename). */
export function writeNpy(path: string, data: NpyData, shape: number[]): void {
  const descr = DESCR.get(data.constructor.name);
  if (!descr) throw new Error(`writeNpy: unsupported ${data.constructor.name}`);
  if (shape.reduce((a, b) => a * b, 1) !== data.length)
    throw new Error(`writeNpy: shape ${shape} vs ${data.length}`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = 10 + header.length + 1;
  header += `${' '.repeat((64 - (total % 64)) % 64)}\n`;
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
  renameSync(tmp, path);
}

/** Reads a float32 .npy array (as written by numpy.save of a float32 array). */
export function readNpyF32(path: string): { data: Float32Array; shape: number[] } {
  const raw = readFileSync(path);
  if (raw.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not an .npy file`);
  const major = raw[6]!;
  const len = major === 1 ? raw.readUInt16LE(8) : raw.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = raw.toString('latin1', start, start + len);
  if (!header.includes("'<f4'")) throw new Error(`${path}: expected float32, header ${header}`);
  if (header.includes("'fortran_order': True")) throw new Error(`${path}: Fortran order`);
  const dims = /'shape': \(([^)]*)\)/.exec(header)![1]!;
  const shape = dims
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const bytes = raw.subarray(start + len);
  const data = new Float32Array(bytes.byteLength / 4);
  Buffer.from(data.buffer).set(bytes);
  return { data, shape };
}
