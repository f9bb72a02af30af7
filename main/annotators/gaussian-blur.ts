// Separable Gaussian blur of an 8-bit plane, the kernel and borders OpenCV's GaussianBlur uses
// for a given sigma (size round(6σ + 1) made odd, mirrored borders without repeating the edge).

export function gaussianKernel(sigma: number): Float32Array {
  const size = Math.max(3, Math.round(sigma * 6 + 1) | 1);
  const kernel = new Float32Array(size);
  const centre = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const v = Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma));
    kernel[i] = v;
    sum += v;
  }
  for (let i = 0; i < size; i++) kernel[i]! /= sum;
  return kernel;
}

function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  let j = i;
  while (j < 0 || j >= n) j = j < 0 ? -j : 2 * n - 2 - j;
  return j;
}

/** Blurs one 8-bit plane; returns a new plane rounded back to 8 bits. */
export function gaussianBlurPlane(
  plane: Uint8Array,
  width: number,
  height: number,
  sigma: number,
): Uint8Array {
  const kernel = gaussianKernel(sigma);
  const k = kernel.length;
  const r = (k - 1) >> 1;
  const tmp = new Float32Array(width * height);
  const cols = new Int32Array(width + 2 * r);
  for (let i = 0; i < cols.length; i++) cols[i] = reflect101(i - r, width);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let t = 0; t < k; t++) acc += kernel[t]! * plane[row + cols[x + t]!]!;
      tmp[row + x] = acc;
    }
  }
  const out = new Uint8Array(width * height);
  const rows = new Int32Array(height + 2 * r);
  for (let i = 0; i < rows.length; i++) rows[i] = reflect101(i - r, height) * width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let t = 0; t < k; t++) acc += kernel[t]! * tmp[rows[y + t]! + x]!;
      out[y * width + x] = Math.min(255, Math.round(acc));
    }
  }
  return out;
}
