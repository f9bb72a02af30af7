// Copying boxes of one tensor's memory into another with plain loops over heap views. Short runs
// are copied element by element: a subarray per run costs more than the copy itself.
const SHORT_RUN = 48;

export type NumericArray = Float32Array | Int32Array | Uint8Array;

export function copyRun(
  src: NumericArray,
  from: number,
  dst: NumericArray,
  to: number,
  length: number,
): void {
  if (length >= SHORT_RUN) {
    dst.set(src.subarray(from, from + length), to);
    return;
  }
  for (let i = 0; i < length; i++) dst[to + i] = src[from + i]!;
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/**
 * Copies the box `begin`..`begin + size` of `src` (laid out as `shape`) densely into `dst`,
 * starting at `dst[dstOffset]`.
 */
export function copyBox(
  src: NumericArray,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: NumericArray,
  dstOffset = 0,
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[dstOffset] = src[0]!;
    return;
  }
  const strides = stridesOf(shape);
  // The innermost axes taken whole, plus the first partial one, form one contiguous run.
  let inner = rank - 1;
  while (inner > 0 && size[inner] === shape[inner]) inner--;
  const run = size[inner]! * strides[inner]!;
  let from = 0;
  for (let d = 0; d < rank; d++) from += begin[d]! * strides[d]!;
  if (inner === 0) {
    copyRun(src, from, dst, dstOffset, run);
    return;
  }
  const index = new Array<number>(inner).fill(0);
  let to = dstOffset;
  let runs = 1;
  for (let d = 0; d < inner; d++) runs *= size[d]!;
  for (let r = 0; r < runs; r++) {
    copyRun(src, from, dst, to, run);
    to += run;
    // Advance the odometer over the outer axes.
    for (let d = inner - 1; d >= 0; d--) {
      from += strides[d]!;
      if (++index[d]! < size[d]!) break;
      from -= size[d]! * strides[d]!;
      index[d] = 0;
    }
  }
}
