// A matrix product written for WebAssembly SIMD (see wasm-bytes.ts), in the usual blocked form:
// B is first copied into panels of NR columns (`packPanels`) so that the inner loop reads it in
// order, and each MR x NR tile of the result is held in registers over the whole k loop while A
// is read where it lies (a row-major A through a pointer per row, a transposed A or packed panels
// at constant offsets). XNNPACK's own product tops out near 15 GFLOP/s on the short inner
// dimensions of attention (k = 64); this reaches 25-30 on one core with relaxed SIMD's fused
// multiply-add. gemm-product.ts drives it over whole products.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  addTo,
  type FunctionSpec,
  I32,
  inc,
  moduleBytes,
  op,
  relaxedSimd,
  simdFunction,
  V128,
  whileBelow,
} from './wasm-bytes.ts';

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
 * C[m, n] = A·B (or C += A·B with `accumulate` 1) for m a multiple of MR, from B's NR-column
 * panels (k·NR floats each) and A read in place: row r of tile t, element p at
 * a + t·aTile + r·aRow + p·aK (byte strides). C is row-major with a row pitch of ldc bytes;
 * `scratch` holds one MR x NR tile for the edge columns. Two builds of it: `rowsAdjacent` for
 * aRow = 4 (a transposed A, or A's panels from packPanels: the rows are constant offsets) and
 * the general one (a row-major A: a pointer per row, five more adds a step).
 */
export type GemmTiles = (
  a: number,
  aTile: number,
  aRow: number,
  aK: number,
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
    ...addTo(Q, get(OUTER_STRIDE)),
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
    ...addTo(LINE, get(INNER_STRIDE)),
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
    ...addTo(O0, get(WIDTH)),
  ]);
  return [...op.i32(0), ...set(O0), ...panels];
}

function gemmTilesCode(fused: boolean, rowsAdjacent: boolean): number[] {
  const [A, A_TILE, A_ROW, A_K, B, C, M, N, K, LDC, SCRATCH, ACCUMULATE] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
  ];
  const [J0, I0, A_PANEL, B_PANEL, AP, BP, COUNT, DST, ROWS, COLS, R, CC, SRC] = [
    12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
  ];
  /** Byte offset of row r (r ≥ 1) of a tile from row 0, for the general build. */
  const rowOffset = (r: number) => 24 + r;
  const firstVector = 24 + MR;
  const acc = (r: number, v: number) => firstVector + r * NV + v;
  const bv = (v: number) => firstVector + MR * NV + v;
  const av = firstVector + MR * NV + NV;

  const clear: number[] = [];
  for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) clear.push(...op.zero, ...set(acc(r, v)));
  const step: number[] = [];
  for (let v = 0; v < NV; v++) step.push(...get(BP), ...op.loadAt(16 * v), ...set(bv(v)));
  for (let r = 0; r < MR; r++) {
    if (rowsAdjacent || r === 0) step.push(...get(AP), ...op.loadSplat(rowsAdjacent ? 4 * r : 0), ...set(av));
    else step.push(...get(AP), ...get(rowOffset(r)), ...op.i32Add, ...op.loadSplat(0), ...set(av));
    for (let v = 0; v < NV; v++) {
      if (fused) step.push(...get(av), ...get(bv(v)), ...get(acc(r, v)), ...op.madd, ...set(acc(r, v)));
      else step.push(...get(acc(r, v)), ...get(av), ...get(bv(v)), ...op.mul, ...op.add, ...set(acc(r, v)));
    }
  }
  step.push(...addTo(AP, get(A_K)), ...inc(BP, 4 * NR));
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

  /** Address of C's row `row` (an i32 expression) at the tile's first column: c + row·ldc + j0·4. */
  const tileRow = (row: number[]) => [
    ...get(C),
    ...row,
    ...get(LDC),
    ...op.i32Mul,
    ...op.i32Add,
    ...get(J0),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.i32Add,
  ];
  const storeWhole: number[] = [...tileRow(get(I0)), ...set(DST)];
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
      storeRows.push(...addTo(DST, get(LDC)));
      addRows.push(...addTo(DST, get(LDC)));
    }
  }
  storeWhole.push(...get(ACCUMULATE), ...op.if, ...addRows, ...op.else, ...storeRows, ...op.end);
  const storeEdge: number[] = [];
  for (let r = 0; r < MR; r++)
    for (let v = 0; v < NV; v++)
      storeEdge.push(...get(SCRATCH), ...get(acc(r, v)), ...op.storeAt(4 * (r * NR + 4 * v)));
  const copyRow = [
    // dst = C's row i0 + r; src = scratch + r·NR·4
    ...tileRow([...get(I0), ...get(R), ...op.i32Add]),
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
    ...addTo(A_PANEL, get(A_TILE)),
  ];
  const strips = whileBelow(J0, get(N), [
    ...op.i32(0),
    ...set(I0),
    ...get(A),
    ...set(A_PANEL),
    ...whileBelow(I0, get(M), tile),
    ...inc(J0, NR),
    ...addTo(B_PANEL, [...get(K), ...op.i32(4 * NR), ...op.i32Mul]),
  ]);
  const rowOffsets: number[] = [];
  if (!rowsAdjacent) {
    for (let r = 1; r < MR; r++)
      rowOffsets.push(...get(A_ROW), ...op.i32(r), ...op.i32Mul, ...set(rowOffset(r)));
  }
  return [...rowOffsets, ...op.i32(0), ...set(J0), ...get(B), ...set(B_PANEL), ...strips];
}

const packPanelsSpec: FunctionSpec = {
  exportName: 'packPanels',
  params: new Array<number>(7).fill(I32),
  locals: new Array<number>(6).fill(I32),
  code: packPanelsCode(),
};

function gemmTilesSpec(fused: boolean, rowsAdjacent: boolean): FunctionSpec {
  return {
    exportName: `gemmTiles${fused ? 'Fused' : ''}${rowsAdjacent ? 'RowsAdjacent' : ''}`,
    params: new Array<number>(12).fill(I32),
    locals: [...new Array<number>(13 + MR - 1).fill(I32), ...new Array<number>(MR * NV + NV + 1).fill(V128)],
    code: gemmTilesCode(fused, rowsAdjacent),
  };
}

/** [fused][rowsAdjacent], built once. */
const gemmTilesSpecs = [false, true].map((fused) =>
  [false, true].map((adjacent) => gemmTilesSpec(fused, adjacent)),
);

export interface GemmSimd {
  packPanels: PackPanels;
  /** For a row-major A (any row pitch). */
  gemmTiles: GemmTiles;
  /** For A's rows 4 bytes apart: a transposed A, or panels from packPanels. */
  gemmTilesRowsAdjacent: GemmTiles;
  fused: boolean;
}

/**
 * The product's functions on this backend's heap, or null where wasm SIMD is unavailable.
 * Fused (relaxed SIMD) where the engine has it, unless `fused: false` asks for multiply and add.
 */
export function gemmSimd(backend: BackendWasm, options: { fused?: boolean } = {}): GemmSimd | null {
  const fused = options.fused !== false && relaxedSimd();
  const specs = gemmTilesSpecs[fused ? 1 : 0]!;
  const packPanels = simdFunction<PackPanels>(backend, packPanelsSpec);
  const gemmTiles = simdFunction<GemmTiles>(backend, specs[0]!);
  const gemmTilesRowsAdjacent = simdFunction<GemmTiles>(backend, specs[1]!);
  return packPanels && gemmTiles && gemmTilesRowsAdjacent
    ? { packPanels, gemmTiles, gemmTilesRowsAdjacent, fused }
    : null;
}

/** The functions as module bytes, for another thread to compile against the same heap. */
export function gemmModules(fused: boolean, shared: boolean): GemmModules {
  const specs = gemmTilesSpecs[fused ? 1 : 0]!;
  return {
    pack: moduleBytes(packPanelsSpec, shared),
    tiles: moduleBytes(specs[0]!, shared),
    tilesName: specs[0]!.exportName,
    tilesRowsAdjacent: moduleBytes(specs[1]!, shared),
    tilesRowsAdjacentName: specs[1]!.exportName,
  };
}

export interface GemmModules {
  pack: Uint8Array;
  tiles: Uint8Array;
  tilesName: string;
  tilesRowsAdjacent: Uint8Array;
  tilesRowsAdjacentName: string;
}
