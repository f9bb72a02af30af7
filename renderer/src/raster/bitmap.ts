/** RGBA pixels, row-major, the same shape as the engine's RgbaImage and the DOM's ImageData. */
export interface Bitmap {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

export function createBitmap(
  width: number,
  height: number,
  rgb: readonly [number, number, number] = [0, 0, 0],
): Bitmap {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`Bitmap size must be positive whole pixels, got ${width}x${height}`);
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = rgb[0];
    data[i + 1] = rgb[1];
    data[i + 2] = rgb[2];
    data[i + 3] = 255;
  }
  return { width, height, data };
}

/** Grey values 0..1 (one per pixel) as an opaque RGB bitmap. */
export function greyToBitmap(values: Float32Array, width: number, height: number): Bitmap {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round((values[i] ?? 0) * 255);
    data[4 * i] = v;
    data[4 * i + 1] = v;
    data[4 * i + 2] = v;
    data[4 * i + 3] = 255;
  }
  return { width, height, data };
}

/** Bilinear resampling to exactly width x height (stretching, as the scene's picture fills the canvas). */
export function resampleBitmap(src: Bitmap, width: number, height: number): Bitmap {
  if (src.width === width && src.height === height) return src;
  const data = new Uint8ClampedArray(width * height * 4);
  const sx = src.width / width;
  const sy = src.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(src.height - 1, Math.floor(fy));
    const y1 = Math.min(src.height - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(src.width - 1, Math.floor(fx));
      const x1 = Math.min(src.width - 1, x0 + 1);
      const tx = fx - x0;
      for (let c = 0; c < 4; c++) {
        const a = src.data[(y0 * src.width + x0) * 4 + c] ?? 0;
        const b = src.data[(y0 * src.width + x1) * 4 + c] ?? 0;
        const d = src.data[(y1 * src.width + x0) * 4 + c] ?? 0;
        const e = src.data[(y1 * src.width + x1) * 4 + c] ?? 0;
        data[(y * width + x) * 4 + c] = (a * (1 - tx) + b * tx) * (1 - ty) + (d * (1 - tx) + e * tx) * ty;
      }
    }
  }
  return { width, height, data };
}

/** Luma of each pixel in 0..1. */
export function bitmapToGrey(src: Bitmap): Float32Array {
  const out = new Float32Array(src.width * src.height);
  for (let i = 0; i < out.length; i++) {
    out[i] =
      (0.299 * (src.data[4 * i] ?? 0) +
        0.587 * (src.data[4 * i + 1] ?? 0) +
        0.114 * (src.data[4 * i + 2] ?? 0)) /
      255;
  }
  return out;
}
