// Summing a tensor over any set of axes in one pass over its memory. The stock wasm reductions
// reduce innermost axes only and transpose the input first for any other axes (a group norm's
// statistics over height, width and the channels of a group paid a 5-D transpose each time).
import { stridesOf } from './strided-copy.ts';

interface Segment {
  size: number;
  reduced: boolean;
}

/** Merges neighbouring axes that are all reduced or all kept; drops axes of size 1. */
function segments(shape: readonly number[], axes: ReadonlySet<number>): Segment[] {
  const out: Segment[] = [];
  shape.forEach((size, d) => {
    if (size === 1) return;
    const reduced = axes.has(d);
    const last = out[out.length - 1];
    if (last && last.reduced === reduced) last.size *= size;
    else out.push({ size, reduced });
  });
  return out;
}

/**
 * Sums `src` (laid out as `shape`) over `axes` into `dst` (the kept axes in order), scaled by
 * `scale`. Accumulates in float64.
 */
export function sumOverAxes(
  src: Float32Array,
  shape: readonly number[],
  axes: ReadonlySet<number>,
  dst: Float32Array,
  scale = 1,
): void {
  const segs = segments(shape, axes);
  const acc = new Float64Array(dst.length);
  if (segs.length === 0) {
    acc[0] = src[0] ?? 0;
  } else {
    const sizes = segs.map((s) => s.size);
    // Stride of each segment in the output: 0 where it is summed away.
    const keptStrides = stridesOf(segs.filter((s) => !s.reduced).map((s) => s.size));
    const outStrides: number[] = [];
    let kept = 0;
    for (const s of segs) outStrides.push(s.reduced ? 0 : keptStrides[kept++]!);
    const innerSize = sizes[sizes.length - 1]!;
    const innerReduced = segs[segs.length - 1]!.reduced;
    const outer = sizes.length - 1;
    const index = new Array<number>(outer).fill(0);
    let runs = 1;
    for (let d = 0; d < outer; d++) runs *= sizes[d]!;
    let from = 0;
    let to = 0;
    for (let r = 0; r < runs; r++) {
      if (innerReduced) {
        let s = 0;
        for (let i = 0; i < innerSize; i++) s += src[from + i]!;
        acc[to]! += s;
      } else {
        for (let i = 0; i < innerSize; i++) acc[to + i]! += src[from + i]!;
      }
      from += innerSize;
      for (let d = outer - 1; d >= 0; d--) {
        to += outStrides[d]!;
        if (++index[d]! < sizes[d]!) break;
        to -= outStrides[d]! * sizes[d]!;
        index[d] = 0;
      }
    }
  }
  for (let i = 0; i < dst.length; i++) dst[i] = acc[i]! * scale;
}

/** The output shape of a reduction over `axes`. */
export function reducedShape(
  shape: readonly number[],
  axes: ReadonlySet<number>,
  keepDims: boolean,
): number[] {
  const out: number[] = [];
  shape.forEach((size, d) => {
    if (!axes.has(d)) out.push(size);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** True when the reduced axes are the innermost ones (the stock kernels need no transpose). */
export function reducesInnermostOnly(shape: readonly number[], axes: ReadonlySet<number>): boolean {
  let d = shape.length - 1;
  while (d >= 0 && axes.has(d)) d--;
  for (; d >= 0; d--) if (axes.has(d) && shape[d] !== 1) return false;
  return true;
}
