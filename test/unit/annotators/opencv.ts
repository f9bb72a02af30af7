// OpenCV (the @techstark/opencv-js build) as a reference to check our annotators against.
// Test-only: the product never loads it.
import { createRequire } from 'node:module';

type Mat = { data: Uint8Array; delete(): void };
export interface OpenCv {
  Mat: new () => Mat;
  Size: new (w: number, h: number) => unknown;
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): Mat;
  Canny(src: Mat, dst: Mat, low: number, high: number, aperture: number, l2: boolean): void;
  GaussianBlur(src: Mat, dst: Mat, size: unknown, sx: number, sy: number, border: number): void;
  CV_8UC1: number;
  CV_8UC3: number;
  BORDER_DEFAULT: number;
}

// Loaded with Node's require: through vite's module graph the 10 MB Emscripten file never
// finishes importing. The module object is a thenable that resolves to itself, so it must never
// be returned from an async function or awaited: it travels wrapped in an object.
let loaded: Promise<{ cv: OpenCv }> | null = null;

export function loadOpenCv(): Promise<{ cv: OpenCv }> {
  loaded ??= new Promise((resolve) => {
    const module = createRequire(import.meta.url)('@techstark/opencv-js') as {
      then(ready: (m: OpenCv) => void): void;
    };
    module.then((cv) => resolve({ cv }));
  });
  return loaded;
}
