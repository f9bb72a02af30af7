// A matrix product written for WebAssembly SIMD (see wasm-bytes.ts), in the usual blocked form:
// both operands are first copied into panels (`packPanels`), so that the inner loop of
// `gemmTiles` reads them in order, and each MR x NR tile of the result is held in registers over
// the whole k loop. XNNPACK's own product tops out near 15 GFLOP/s on the short inner dimensions
// of attention (k = 64); this reaches ~25 on one core with relaxed SIMD's fused multiply-add. The
// panels take any strides, so transposed operands need no transpose of their own.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type FunctionSpec, I32, moduleBytes, op, relaxedSimd, simdFunction, V128 } from './wasm-bytes.ts';

/** Rows of a tile (the left operand's panel width). */
export const MR = 6;
/** Columns of a tile (the right operand's panel width): two 4-float vectors. */
export const NR = 8;
const NV = NR / 4;

/**
 * Copies `outer` lines of `inner` floats (line o, element p at src + o·outerStride + p·innerStride,
 * byte strides) into panels of `width` lines: dst[o0/width][p][o % width], the lines past `outer`
 * as zeros. Byte offsets.
 */
export type PackPanels = (
  src: number,
  dst: number,
  outer: number,
  inner: number,
  outerStride: number,
  innerStride: number,
  width: number,
) => void;

/**
 * C[m, n] = A·B (or C += A·B with `accumulate` 1) from A's MR-row panels (k·MR floats each) and
 * B's NR-column panels (k·NR each), C row-major with a row pitch of ldc bytes; `scratch` holds
 * one MR x NR tile for the edges.
 */
export type GemmTiles = (
  a: number,
  b: number,
  c: number,
  m: number,
  n: number,
  k: number,
  ldc: number,
  scratch: number,
  accumulate: number,
) => void;

const { get, set } = op;
const add = (local: number, by: number[]) => [...get(local), ...by, ...op.i32Add, ...set(local)];
const inc = (local: number, by: number) => add(local, op.i32(by));
/** while (local < limit) { body }, unsigned: branches out of the loop from the body use depth 1. */
const whileBelow = (local: number, limit: number[], body: number[]) => [
  ...op.block,
  ...op.loop,
  ...get(local),
  ...limit,
  ...op.i32GeU,
  ...op.brIf(1),
  ...body,
  ...op.br(0),
  ...op.end,
  ...op.end,
];
/** min(x, y) of two i32 expressions (each evaluated twice: keep them to locals and constants). */
const minOf = (x: number[], y: number[]) => [...x, ...y, ...x, ...y, ...op.i32LtU, ...op.select];

function packPanelsCode(): number[] {
  const [SRC, DST, OUTER, INNER, OUTER_STRIDE, INNER_STRIDE, WIDTH] = [0, 1, 2, 3, 4, 5, 6];
  const [O0, P, C, LINE, Q, FULL] = [7, 8, 9, 10, 11, 12];
  // One line element: dst ← (o0 + c < outer) ? src[q] : 0.
  const scalarLane = [
    ...get(O0),
    ...get(C),
    ...op.i32Add,
    ...get(OUTER),
    ...op.i32LtU,
    ...op.if,
    ...get(DST),
    ...get(Q),
    ...op.f32Load(),
    ...op.f32Store(),
    ...op.else,
    ...get(DST),
    ...op.f32Const0,
    ...op.f32Store(),
    ...op.end,
    ...inc(DST, 4),
    ...add(Q, get(OUTER_STRIDE)),
    ...inc(C, 1),
  ];
  // Lines next to each other in memory (outerStride 4) and a whole panel: vector copies.
  const vectorLane = [
    ...get(DST),
    ...get(Q),
    ...op.load,
    ...op.store,
    ...inc(DST, 16),
    ...inc(Q, 16),
    ...inc(C, 4),
  ];
  const panelRow = [
    ...op.i32(0),
    ...set(C),
    ...get(LINE),
    ...set(Q),
    ...get(FULL),
    ...op.if,
    ...whileBelow(C, get(WIDTH), vectorLane),
    ...op.else,
    ...whileBelow(C, get(WIDTH), scalarLane),
    ...op.end,
    ...add(LINE, get(INNER_STRIDE)),
    ...inc(P, 1),
  ];
  const panels = whileBelow(O0, get(OUTER), [
    ...get(SRC),
    ...get(O0),
    ...get(OUTER_STRIDE),
    ...op.i32Mul,
    ...op.i32Add,
    ...set(LINE),
    // full = outerStride == 4 && o0 + width <= outer && width % 4 == 0
    ...get(OUTER_STRIDE),
    ...op.i32(4),
    ...op.i32Eq,
    ...get(O0),
    ...get(WIDTH),
    ...op.i32Add,
    ...get(OUTER),
    0x4d, // i32.le_u
    0x71, // i32.and
    ...get(WIDTH),
    ...op.i32(3),
    0x71,
    ...op.i32Eqz,
    0x71,
    ...set(FULL),
    ...op.i32(0),
    ...set(P),
    ...whileBelow(P, get(INNER), panelRow),
    ...add(O0, get(WIDTH)),
  ]);
  return [...op.i32(0), ...set(O0), ...panels];
}

function gemmTilesCode(fused: boolean): number[] {
  const [A, B, C, M, N, K, LDC, SCRATCH, ACCUMULATE] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [J0, I0, A_PANEL, B_PANEL, AP, BP, COUNT, DST, ROWS, COLS, R, CC, SRC] = [
    9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
  ];
  const firstVector = 22;
  const acc = (r: number, v: number) => firstVector + r * NV + v;
  const bv = (v: number) => firstVector + MR * NV + v;
  const av = firstVector + MR * NV + NV;

  const clear: number[] = [];
  for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) clear.push(...op.zero, ...set(acc(r, v)));
  const step: number[] = [];
  for (let v = 0; v < NV; v++) step.push(...get(BP), ...op.loadAt(16 * v), ...set(bv(v)));
  for (let r = 0; r < MR; r++) {
    step.push(...get(AP), ...op.loadSplat(4 * r), ...set(av));
    for (let v = 0; v < NV; v++) {
      if (fused) step.push(...get(av), ...get(bv(v)), ...get(acc(r, v)), ...op.madd, ...set(acc(r, v)));
      else step.push(...get(acc(r, v)), ...get(av), ...get(bv(v)), ...op.mul, ...op.add, ...set(acc(r, v)));
    }
  }
  step.push(...inc(AP, 4 * MR), ...inc(BP, 4 * NR));
  const kLoop = [
    ...get(A_PANEL),
    ...set(AP),
    ...get(B_PANEL),
    ...set(BP),
    ...get(K),
    ...set(COUNT),
    ...op.loop,
    ...step,
    ...get(COUNT),
    ...op.i32(1),
    ...op.i32Sub,
    ...op.tee(COUNT),
    ...op.brIf(0),
    ...op.end,
  ];

  const storeWhole: number[] = [
    // dst = c + i0·ldc + j0·4
    ...get(C),
    ...get(I0),
    ...get(LDC),
    ...op.i32Mul,
    ...op.i32Add,
    ...get(J0),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.i32Add,
    ...set(DST),
  ];
  const storeRows: number[] = [];
  const addRows: number[] = [];
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < NV; v++) {
      storeRows.push(...get(DST), ...get(acc(r, v)), ...op.storeAt(16 * v));
      addRows.push(
        ...get(DST),
        ...get(acc(r, v)),
        ...get(DST),
        ...op.loadAt(16 * v),
        ...op.add,
        ...op.storeAt(16 * v),
      );
    }
    if (r + 1 < MR) {
      storeRows.push(...add(DST, get(LDC)));
      addRows.push(...add(DST, get(LDC)));
    }
  }
  storeWhole.push(...get(ACCUMULATE), ...op.if, ...addRows, ...op.else, ...storeRows, ...op.end);
  const storeEdge: number[] = [];
  for (let r = 0; r < MR; r++)
    for (let v = 0; v < NV; v++)
      storeEdge.push(...get(SCRATCH), ...get(acc(r, v)), ...op.storeAt(4 * (r * NR + 4 * v)));
  const copyRow = [
    // dst = c + (i0 + r)·ldc + j0·4; src = scratch + r·NR·4
    ...get(C),
    ...get(I0),
    ...get(R),
    ...op.i32Add,
    ...get(LDC),
    ...op.i32Mul,
    ...op.i32Add,
    ...get(J0),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.i32Add,
    ...set(DST),
    ...get(SCRATCH),
    ...get(R),
    ...op.i32(4 * NR),
    ...op.i32Mul,
    ...op.i32Add,
    ...set(SRC),
    ...op.i32(0),
    ...set(CC),
    ...whileBelow(CC, get(COLS), [
      ...get(DST),
      ...get(SRC),
      ...op.f32Load(),
      // + the value already there when accumulating
      ...get(DST),
      ...op.f32Load(),
      ...op.f32Const0,
      ...get(ACCUMULATE),
      ...op.select,
      0x92, // f32.add
      ...op.f32Store(),
      ...inc(DST, 4),
      ...inc(SRC, 4),
      ...inc(CC, 1),
    ]),
    ...inc(R, 1),
  ];
  storeEdge.push(...op.i32(0), ...set(R), ...whileBelow(R, get(ROWS), copyRow));

  const left = (local: number, of: number) => [...get(of), ...get(local), ...op.i32Sub];
  const tile = [
    ...clear,
    ...kLoop,
    ...minOf(op.i32(MR), left(I0, M)),
    ...set(ROWS),
    ...minOf(op.i32(NR), left(J0, N)),
    ...set(COLS),
    ...get(ROWS),
    ...op.i32(MR),
    ...op.i32Eq,
    ...get(COLS),
    ...op.i32(NR),
    ...op.i32Eq,
    0x71, // i32.and
    ...op.if,
    ...storeWhole,
    ...op.else,
    ...storeEdge,
    ...op.end,
    ...inc(I0, MR),
    ...add(A_PANEL, [...get(K), ...op.i32(4 * MR), ...op.i32Mul]),
  ];
  const strips = whileBelow(J0, get(N), [
    ...op.i32(0),
    ...set(I0),
    ...get(A),
    ...set(A_PANEL),
    ...whileBelow(I0, get(M), tile),
    ...inc(J0, NR),
    ...add(B_PANEL, [...get(K), ...op.i32(4 * NR), ...op.i32Mul]),
  ]);
  return [...op.i32(0), ...set(J0), ...get(B), ...set(B_PANEL), ...strips];
}

const packPanelsSpec: FunctionSpec = {
  exportName: 'packPanels',
  params: new Array<number>(7).fill(I32),
  locals: new Array<number>(6).fill(I32),
  code: packPanelsCode(),
};

const gemmTilesSpecs = [false, true].map(
  (fused): FunctionSpec => ({
    exportName: fused ? 'gemmTilesFused' : 'gemmTiles',
    params: new Array<number>(9).fill(I32),
    locals: [...new Array<number>(13).fill(I32), ...new Array<number>(MR * NV + NV + 1).fill(V128)],
    code: gemmTilesCode(fused),
  }),
);

export interface GemmSimd {
  packPanels: PackPanels;
  gemmTiles: GemmTiles;
  fused: boolean;
}

/**
 * The product's two functions on this backend's heap, or null where wasm SIMD is unavailable.
 * Fused (relaxed SIMD) where the engine has it, unless `fused: false` asks for multiply and add.
 */
export function gemmSimd(backend: BackendWasm, options: { fused?: boolean } = {}): GemmSimd | null {
  const fused = options.fused !== false && relaxedSimd();
  const packPanels = simdFunction<PackPanels>(backend, packPanelsSpec);
  const gemmTiles = simdFunction<GemmTiles>(backend, gemmTilesSpecs[fused ? 1 : 0]!);
  return packPanels && gemmTiles ? { packPanels, gemmTiles, fused } : null;
}

/** The two functions as module bytes, for another thread to compile against the same heap. */
export function gemmModules(
  fused: boolean,
  shared: boolean,
): { pack: Uint8Array; tiles: Uint8Array; tilesName: string } {
  const tiles = gemmTilesSpecs[fused ? 1 : 0]!;
  return {
    pack: moduleBytes(packPanelsSpec, shared),
    tiles: moduleBytes(tiles, shared),
    tilesName: tiles.exportName,
  };
}
