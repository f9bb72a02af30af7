import { useEffect, useState } from 'react';
import type { Bitmap } from '../raster/bitmap.ts';

const decoded = new Map<string, Promise<Bitmap>>();

export function loadHtmlImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () =>
      reject(new Error('The picture could not be decoded (is it a PNG, JPEG or WebP image?)'));
    img.src = src;
  });
}

/** Decodes an image URL into RGBA pixels (memoised: scenes keep the same data URLs). */
export function decodeImage(src: string): Promise<Bitmap> {
  let p = decoded.get(src);
  if (!p) {
    p = loadHtmlImage(src).then((img) => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('This browser cannot draw on a 2D canvas');
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height);
      return { width: data.width, height: data.height, data: data.data };
    });
    p.catch(() => decoded.delete(src));
    decoded.set(src, p);
  }
  return p;
}

export function useDecodedImage(src: string | null | undefined): Bitmap | null {
  const [bitmap, setBitmap] = useState<{ src: string; bitmap: Bitmap } | null>(null);
  useEffect(() => {
    if (!src) return;
    let live = true;
    decodeImage(src).then(
      (b) => live && setBitmap({ src, bitmap: b }),
      () => live && setBitmap(null),
    );
    return () => {
      live = false;
    };
  }, [src]);
  return src && bitmap?.src === src ? bitmap.bitmap : null;
}

export function useHtmlImage(src: string | null | undefined): HTMLImageElement | null {
  const [img, setImg] = useState<{ src: string; img: HTMLImageElement } | null>(null);
  useEffect(() => {
    if (!src) return;
    let live = true;
    loadHtmlImage(src).then(
      (i) => live && setImg({ src, img: i }),
      () => live && setImg(null),
    );
    return () => {
      live = false;
    };
  }, [src]);
  return src && img?.src === src ? img.img : null;
}

/** PNG data URL of a bitmap. */
export function bitmapToDataUrl(bitmap: Bitmap): string {
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw on a 2D canvas');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(bitmap.data), bitmap.width, bitmap.height), 0, 0);
  return canvas.toDataURL('image/png');
}
