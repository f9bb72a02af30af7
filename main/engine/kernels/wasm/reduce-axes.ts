// Shapes of reductions over any set of axes. The stock wasm reductions reduce innermost axes only
// and transpose the input first for any other axes (a group norm's statistics over height, width
// and the channels of a group paid a 5-D transpose each time); chunked-sum.ts does those.

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
