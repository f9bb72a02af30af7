// A grid of same-sized pictures in one image, for looking at a dataset (or generations) at once.
import type { RgbaImage } from '../engine/io/image.ts';

export function contactSheet(images: RgbaImage[], columns: number, gap = 2): RgbaImage {
  if (images.length === 0) throw new Error('contactSheet: no images');
  const { width: w, height: h } = images[0]!;
  for (const [i, img] of images.entries())
    if (img.width !== w || img.height !== h)
      throw new Error(`contactSheet: image ${i} is ${img.width}x${img.height}, expected ${w}x${h}`);
  const rows = Math.ceil(images.length / columns);
  const width = columns * w + (columns + 1) * gap;
  const height = rows * h + (rows + 1) * gap;
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  images.forEach((img, i) => {
    const ox = gap + (i % columns) * (w + gap);
    const oy = gap + Math.floor(i / columns) * (h + gap);
    for (let y = 0; y < h; y++)
      data.set(img.data.subarray(y * w * 4, (y + 1) * w * 4), ((oy + y) * width + ox) * 4);
  });
  return { width, height, data };
}
