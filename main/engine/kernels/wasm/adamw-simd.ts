// The AdamW step as a tiny WebAssembly SIMD function over tfjs's own heap: one pass of 4-wide
// float32 arithmetic instead of a scalar JavaScript loop (~10 ns per element on a 2-core machine;
// the U-Net's 6.7 M weights made that ~70 ms a step). The module is written here as bytes — a
// single exported function `adamw` that imports tfjs's memory — so no build step is needed.
// Float32 arithmetic, as the op chain it replaces computes.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** byte offsets (i32): p, m, v, g, pOut, mOut, vOut, then the element count (a multiple of 4). */
export type AdamWSimd = (
  p: number,
  m: number,
  v: number,
  g: number,
  pOut: number,
  mOut: number,
  vOut: number,
  count: number,
  beta1: number,
  oneMinusBeta1: number,
  beta2: number,
  oneMinusBeta2: number,
  keep: number,
  step: number,
  invC2: number,
  eps: number,
) => void;

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const simd = (op: number) => [0xfd, ...uleb(op)];
const load = [...simd(0x00), 2, 0];
const store = [...simd(0x0b), 2, 0];
const splat = simd(0x13);
const sqrt = simd(0xe3);
const add = simd(0xe4);
const sub = simd(0xe5);
const mul = simd(0xe6);
const div = simd(0xe7);
const addI32 = 0x6a;

// Locals: 0-7 i32 params, 8-15 f32 params, 16 index, 17 end, 18-25 splatted params, 26-28 g/m/v.
const I = 16;
const END = 17;
const S = (k: number) => 18 + k;
const G = 26;
const M = 27;
const V = 28;
const at = (ptr: number) => [...get(ptr), ...get(I), addI32];

function body(): number[] {
  const code: number[] = [];
  for (let k = 0; k < 8; k++) code.push(...get(8 + k), ...splat, ...set(S(k)));
  code.push(...get(7), 0x41, 2, 0x74, ...set(END)); // end = count << 2
  code.push(0x41, 0, ...set(I));
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop
  code.push(...get(I), ...get(END), 0x4f, 0x0d, 1); // if i >= end: break
  code.push(...at(3), ...load, ...set(G));
  code.push(...at(1), ...load, ...get(S(0)), ...mul, ...get(G), ...get(S(1)), ...mul, ...add, ...set(M));
  code.push(...at(2), ...load, ...get(S(2)), ...mul, ...get(G), ...get(G), ...mul, ...get(S(3)), ...mul);
  code.push(...add, ...set(V));
  code.push(...at(5), ...get(M), ...store);
  code.push(...at(6), ...get(V), ...store);
  code.push(...at(4)); // store address for the parameter
  code.push(...at(0), ...load, ...get(S(4)), ...mul);
  code.push(...get(S(5)), ...get(M), ...mul);
  code.push(...get(V), ...get(S(6)), ...mul, ...sqrt, ...get(S(7)), ...add);
  code.push(...div, ...sub, ...store);
  code.push(...get(I), 0x41, 16, addI32, ...set(I)); // i += 16
  code.push(0x0c, 0, 0x0b, 0x0b, 0x0b); // br loop; end loop; end block; end function
  const locals = [2, 2, I32, 11, V128];
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

function moduleBytes(shared: boolean): Uint8Array {
  const type = [1, 0x60, 16, ...Array(8).fill(I32), ...Array(8).fill(F32), 0];
  // Shared memories must declare a maximum: 65536 pages (4 GiB) admits any.
  const limits = shared ? [0x03, 0, ...uleb(65536)] : [0x00, 0];
  const imports = [1, ...name('env'), ...name('memory'), 0x02, ...limits];
  const functions = [1, 0];
  const exports = [1, ...name('adamw'), 0x00, 0];
  const code = [1, ...body()];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, type),
    ...section(2, imports),
    ...section(3, functions),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

/**
 * tfjs's heap: exported by the single-threaded build's module, created by the loader (and shared
 * with the workers) in the multithreaded one.
 */
export function heapMemory(backend: BackendWasm): WebAssembly.Memory | null {
  const module = backend.wasm as unknown as {
    asm?: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
  };
  const memory = module.asm?.memory ?? module.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

const compiled = new WeakMap<WebAssembly.Memory, AdamWSimd | null>();

/** The SIMD step bound to this heap, or null where WebAssembly SIMD is not available. */
export function adamwSimd(memory: WebAssembly.Memory): AdamWSimd | null {
  if (compiled.has(memory)) return compiled.get(memory)!;
  let fn: AdamWSimd | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const module = new WebAssembly.Module(moduleBytes(shared));
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    fn = instance.exports.adamw as AdamWSimd;
  } catch {
    fn = null;
  }
  compiled.set(memory, fn);
  return fn;
}
