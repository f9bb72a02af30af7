// Reading and writing pictures: every decoder the studio accepts (png, jpg/jpeg, webp, bmp) to
// one RGBA layout, with errors that say what was wrong with which file.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { writeFileAtomic } from './atomic-write.ts';
import { BmpError, decodeBmp, isBmp } from './bmp.ts';

/** 8-bit RGBA pixels, row-major, non-premultiplied. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.bmp'] as const;

/** Refuse pictures larger than this before decoding them (a decompression bomb guard). */
export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;

export class ImageError extends Error {
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(`${source}: ${message}`);
  }
}

function sniffFormat(bytes: Uint8Array): 'png' | 'jpeg' | 'webp' | 'bmp' | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47)
    return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (
    bytes.length >= 12 &&
    String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF' &&
    String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP'
  )
    return 'webp';
  if (isBmp(bytes)) return 'bmp';
  return null;
}

export interface ReadImageOptions {
  maxPixels?: number;
  /** How to name the source in errors (defaults to the path, or "image data"). */
  name?: string;
}

/** Decodes a png/jpeg/webp/bmp file or buffer to RGBA. EXIF orientation is applied. */
export async function readImage(
  source: string | Uint8Array,
  options: ReadImageOptions = {},
): Promise<RgbaImage> {
  const name = options.name ?? (typeof source === 'string' ? source : 'image data');
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    try {
      bytes = await readFile(source);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ImageError(
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'is a folder, not an image'
            : `cannot be read (${code ?? String(err)})`,
        name,
      );
    }
  } else {
    bytes = source;
  }
  if (bytes.length === 0) throw new ImageError('the file is empty', name);
  const format = sniffFormat(bytes);
  if (!format) throw new ImageError('not a PNG, JPEG, WebP or BMP image', name);
  const maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
  if (format === 'bmp') {
    try {
      const img = decodeBmp(bytes);
      if (img.width * img.height > maxPixels)
        throw new ImageError(`image is too large (${img.width}x${img.height})`, name);
      return img;
    } catch (err) {
      if (err instanceof BmpError) throw new ImageError(err.message, name);
      throw err;
    }
  }
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.width === 0 || info.height === 0) throw new ImageError('image has zero size', name);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (err) {
    if (err instanceof ImageError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    if (/pixel limit/i.test(msg))
      throw new ImageError(`image is too large (more than ${maxPixels} pixels)`, name);
    throw new ImageError(`corrupt or unreadable ${format.toUpperCase()} (${msg.split('\n')[0]})`, name);
  }
}

/** Encodes RGBA pixels as a PNG. */
export async function encodePng(image: RgbaImage): Promise<Buffer> {
  assertRgba(image);
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 4 },
  })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

export async function writePng(path: string, image: RgbaImage): Promise<void> {
  await writeFileAtomic(path, await encodePng(image));
}

export type ResizeFit = 'cover' | 'contain' | 'fill';

/** Resizes (cover = scale and centre-crop, contain = letterbox on black, fill = stretch). */
export async function resizeImage(
  image: RgbaImage,
  width: number,
  height: number,
  fit: ResizeFit = 'cover',
): Promise<RgbaImage> {
  assertRgba(image);
  if (image.width === width && image.height === height) return image;
  const { data, info } = await sharp(
    Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength),
    {
      raw: { width: image.width, height: image.height, channels: 4 },
    },
  )
    .resize(width, height, { fit, kernel: 'lanczos3', background: { r: 0, g: 0, b: 0, alpha: 1 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
  };
}

function assertRgba(image: RgbaImage): void {
  if (
    !Number.isInteger(image.width) ||
    !Number.isInteger(image.height) ||
    image.width <= 0 ||
    image.height <= 0
  ) {
    throw new Error(`invalid image size ${image.width}x${image.height}`);
  }
  if (image.data.length !== image.width * image.height * 4) {
    throw new Error(
      `image data has ${image.data.length} bytes, expected ${image.width * image.height * 4} for ${image.width}x${image.height} RGBA`,
    );
  }
}
