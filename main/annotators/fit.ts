// How a picture is fitted to the size a condition map is made at, and where a point of the
// picture lands in the map (the same placement as resizeImage: centred crop or letterbox).
import type { ResizeFit, RgbaImage } from '../engine/io/image.ts';
import { resizeImage } from '../engine/io/image.ts';
import { checkOutputSide } from './annotator-error.ts';

export interface OutputSize {
  width: number;
  height: number;
}

/** The map size: as asked; one side given keeps the picture's aspect; none keeps its size. */
export function resolveOutputSize(image: OutputSize, width?: number, height?: number): OutputSize {
  if (width !== undefined) checkOutputSide(width, 'width');
  if (height !== undefined) checkOutputSide(height, 'height');
  if (width !== undefined && height !== undefined) return { width, height };
  if (width !== undefined)
    return { width, height: Math.max(1, Math.round((width * image.height) / image.width)) };
  if (height !== undefined)
    return { width: Math.max(1, Math.round((height * image.width) / image.height)), height };
  return { width: image.width, height: image.height };
}

/** Maps picture pixels to map pixels: x' = x * scaleX + offsetX. */
export interface FitTransform {
  scaleX: number;
  scaleY: number;
  offsetX: number;
  offsetY: number;
}

export function fitTransform(source: OutputSize, target: OutputSize, fit: ResizeFit): FitTransform {
  if (fit === 'fill')
    return {
      scaleX: target.width / source.width,
      scaleY: target.height / source.height,
      offsetX: 0,
      offsetY: 0,
    };
  const s =
    fit === 'cover'
      ? Math.max(target.width / source.width, target.height / source.height)
      : Math.min(target.width / source.width, target.height / source.height);
  return {
    scaleX: s,
    scaleY: s,
    offsetX: (target.width - source.width * s) / 2,
    offsetY: (target.height - source.height * s) / 2,
  };
}

export function fitImage(image: RgbaImage, target: OutputSize, fit: ResizeFit): Promise<RgbaImage> {
  return resizeImage(image, target.width, target.height, fit);
}
