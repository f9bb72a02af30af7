// Writing tiny WebAssembly SIMD modules as bytes, each importing tfjs's heap so it can read and
// write tensors in place: kernels that the stock backend lacks, without a compiler or build step.
// Only what our modules use: one function per module, i32/f32/v128 values, simple loops.
import { setFlagsFromString } from 'node:v8';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (n: number) => [0x41, ...slebI32(n)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32LtU: [0x49],
  i32GeU: [0x4f],
  select: [0x1b],
  /** block and loop without results; br_if / br by depth; end. */
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  brIf: (depth: number) => [0x0d, depth],
  br: (depth: number) => [0x0c, depth],
  end: [0x0b],
  i32Sub: [0x6b],
  i32Eqz: [0x45],
  i32Ne: [0x47],
  i32Eq: [0x46],
  i32LtS: [0x48],
  tee: (i: number) => [0x22, ...uleb(i)],
  /** if without results (ends with `end`; `else` between the arms). */
  if: [0x04, 0x40],
  else: [0x05],
  f32Const0: [0x43, 0, 0, 0, 0],
  f32Load: (offset = 0) => [0x2a, 2, ...uleb(offset)],
  f32Store: (offset = 0) => [0x38, 2, ...uleb(offset)],
  loadAt: (offset: number) => [0xfd, ...uleb(0x00), 2, ...uleb(offset)],
  storeAt: (offset: number) => [0xfd, ...uleb(0x0b), 2, ...uleb(offset)],
  /** v128.load32_splat: one float from memory into all four lanes. */
  loadSplat: (offset: number) => [0xfd, ...uleb(0x09), 2, ...uleb(offset)],
  /** f32x4.relaxed_madd (a·b + c, fused where the CPU can): relaxed SIMD, see relaxedSimd(). */
  madd: [0xfd, ...uleb(0x105)],
  load: [0xfd, ...uleb(0x00), 2, 0],
  store: [0xfd, ...uleb(0x0b), 2, 0],
  zero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  /** v128.const with 1.0 in all four float lanes. */
  ones: [0xfd, ...uleb(0x0c), ...[0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f]],
  splat: [0xfd, ...uleb(0x13)],
  sqrt: [0xfd, ...uleb(0xe3)],
  add: [0xfd, ...uleb(0xe4)],
  sub: [0xfd, ...uleb(0xe5)],
  mul: [0xfd, ...uleb(0xe6)],
  div: [0xfd, ...uleb(0xe7)],
  abs: [0xfd, ...uleb(0xe0)],
  max: [0xfd, ...uleb(0xe9)],
  /** f32x4.nearest: round to the nearest integer, ties to even. */
  nearest: [0xfd, ...uleb(0x6a)],
  /** f32x4.ge: all ones in the lanes where a >= b. */
  ge: [0xfd, ...uleb(0x46)],
  /** v128.bitselect(a, b, mask): a's bits where the mask is set, b's elsewhere. */
  bitselect: [0xfd, ...uleb(0x52)],
  i32x4TruncSatF32x4: [0xfd, ...uleb(0xf8)],
  i32x4Add: [0xfd, ...uleb(0xae)],
  /** i32x4.shl by an i32 count on the stack. */
  i32x4Shl: [0xfd, ...uleb(0xab)],
  /** f32x4.extract_lane: one float of a vector. */
  extractLane: (lane: number) => [0xfd, ...uleb(0x1f), lane],
  f32Add: [0x92],
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Sqrt: [0x91],
  f32Const: (value: number) => [0x43, ...lanes(new Float32Array([value]))],
  /** v128.const with `value` in all four float lanes. */
  f32x4: (value: number) => [0xfd, ...uleb(0x0c), ...lanes(new Float32Array(4).fill(value))],
  /** v128.const with `value` in all four 32-bit integer lanes. */
  i32x4: (value: number) => [0xfd, ...uleb(0x0c), ...lanes(new Int32Array(4).fill(value))],
};

function lanes(values: Float32Array | Int32Array): number[] {
  return Array.from(new Uint8Array(values.buffer));
}

/** local += the i32 expression `by`. */
export const addTo = (local: number, by: number[]) => [
  ...op.get(local),
  ...by,
  ...op.i32Add,
  ...op.set(local),
];
/** local += a constant. */
export const inc = (local: number, by: number) => addTo(local, op.i32(by));
/**
 * while (local < limit) { body }, unsigned, `limit` an i32 expression: branches out of the loop
 * from the body use depth 1.
 */
export const whileBelow = (local: number, limit: number[], body: number[]) => [
  ...op.block,
  ...op.loop,
  ...op.get(local),
  ...limit,
  ...op.i32GeU,
  ...op.brIf(1),
  ...body,
  ...op.br(0),
  ...op.end,
  ...op.end,
];

function slebI32(n: number): number[] {
  const out: number[] = [];
  let more = true;
  while (more) {
    let byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) more = false;
    else byte |= 0x80;
    out.push(byte);
  }
  return out;
}

export interface FunctionSpec {
  exportName: string;
  params: number[];
  /** Extra locals, in order after the parameters. */
  locals: number[];
  code: number[];
}

/** The module holding `spec`'s one function, importing a heap that is `shared` or not. */
export function moduleBytes(spec: FunctionSpec, shared: boolean): Uint8Array {
  const type = [1, 0x60, ...uleb(spec.params.length), ...spec.params, 0];
  // Shared memories must declare a maximum: 65536 pages (4 GiB) admits any.
  const limits = shared ? [0x03, 0, ...uleb(65536)] : [0x00, 0];
  const imports = [1, ...name('env'), ...name('memory'), 0x02, ...limits];
  const groups: number[] = [];
  let count = 0;
  for (let i = 0; i < spec.locals.length; i++) {
    const t = spec.locals[i]!;
    if (i + 1 < spec.locals.length && spec.locals[i + 1] === t) continue;
    let start = i;
    while (start > 0 && spec.locals[start - 1] === t) start--;
    groups.push(...uleb(i - start + 1), t);
    count++;
  }
  const fn = [...uleb(count), ...groups, ...spec.code, ...op.end];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, type),
    ...section(2, imports),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name(spec.exportName), 0x00, 0]),
    ...section(10, [1, ...uleb(fn.length), ...fn]),
  ]);
}

// ES2023's lib has no WebAssembly types (they come with the DOM lib, which the main process does
// not load), so the little this file uses is typed here.
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/**
 * tfjs's heap: exported by the single-threaded build's module, created by the loader (and shared
 * with the workers) in the multithreaded one.
 */
export function heapMemory(backend: BackendWasm): WasmMemory | null {
  const module = backend.wasm as unknown as {
    asm?: { memory?: WasmMemory };
    wasmMemory?: WasmMemory;
  };
  const memory = module.asm?.memory ?? module.wasmMemory;
  return memory instanceof wasmApi.Memory ? memory : null;
}

/** Byte offset of a tensor's data in the heap. */
export function heapOffset(backend: BackendWasm, t: { dataId: object }): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}

const compiled = new WeakMap<WasmMemory, Map<string, unknown>>();

/** The function compiled against this backend's heap, or null where wasm SIMD is unavailable. */
export function simdFunction<F>(backend: BackendWasm, spec: FunctionSpec): F | null {
  const memory = heapMemory(backend);
  if (!memory) return null;
  let byName = compiled.get(memory);
  if (!byName) {
    byName = new Map();
    compiled.set(memory, byName);
  }
  if (!byName.has(spec.exportName)) {
    let fn: unknown = null;
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const module = new wasmApi.Module(moduleBytes(spec, shared));
      fn = new wasmApi.Instance(module, { env: { memory } }).exports[spec.exportName];
    } catch {
      fn = null;
    }
    byName.set(spec.exportName, fn);
  }
  return byName.get(spec.exportName) as F | null;
}

/** simdFunction for kernels that have no scalar path: throws where wasm SIMD is unavailable. */
export function requiredSimdFunction<F>(backend: BackendWasm, spec: FunctionSpec): F {
  const fn = simdFunction<F>(backend, spec);
  if (!fn) throw new Error('WebAssembly SIMD is not available');
  return fn;
}

/** for (j = 0; j < limit; j += 16) { body }: one vector of four floats at a time. */
export const eachVector = (j: number, limit: number[], body: number[]) => [
  ...op.i32(0),
  ...op.set(j),
  ...whileBelow(j, limit, [...body, ...inc(j, 16)]),
];

// A function (v128, v128, v128) -> v128 whose body is one f32x4.relaxed_madd.
const RELAXED_MADD_PROBE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 3, V128, V128, V128, 1, V128]),
  ...section(3, [1, 0]),
  ...section(10, [1, 11, 0, ...op.get(0), ...op.get(1), ...op.get(2), ...op.madd, ...op.end]),
]);

let relaxed: boolean | null = null;

/**
 * Whether this engine compiles relaxed SIMD (a fused multiply-add: half the instructions of a
 * multiply and an add). Chromium, and so Electron, ships it; Node 20's V8 has it behind a flag,
 * which V8 accepts at run time as long as it is set before the module is compiled.
 * SCEDIT_RELAXED_SIMD=0 turns it off (the kernels then multiply and add).
 */
export function relaxedSimd(): boolean {
  if (relaxed !== null) return relaxed;
  const wasm = globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } };
  const compiles = () => wasm.WebAssembly.validate(RELAXED_MADD_PROBE);
  if (process.env.SCEDIT_RELAXED_SIMD === '0') relaxed = false;
  else if (compiles()) relaxed = true;
  else {
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxed = compiles();
    } catch {
      relaxed = false;
    }
  }
  return relaxed;
}
