// PNG text chunks (tEXt, zTXt, iTXt): where recipes live inside pictures. Reading walks the chunk
// list and checks every CRC; writing inserts new chunks just before IEND (replacing chunks with
// the same keyword), so the pixels and every other chunk stay byte for byte as they were.
import { crc32, deflateSync, inflateSync } from 'node:zlib';

const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Text larger than this inside one chunk is refused (a decompression bomb guard). */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;

export interface PngTextChunk {
  keyword: string;
  text: string;
}

export class PngTextError extends Error {
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(`${source}: ${message}`);
  }
}

interface RawChunk {
  type: string;
  /** Offset of the chunk's length field. */
  start: number;
  /** Offset just past its CRC. */
  end: number;
  data: Uint8Array;
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

function readChunks(bytes: Uint8Array, source: string): RawChunk[] {
  if (!isPng(bytes)) throw new PngTextError('not a PNG file (bad signature)', source);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: RawChunk[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw new PngTextError(`truncated chunk header at byte ${pos}`, source);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) throw new PngTextError(`invalid chunk type at byte ${pos}`, source);
    const end = pos + 12 + length;
    if (end > bytes.length)
      throw new PngTextError(`chunk ${type} at byte ${pos} runs past the end of the file`, source);
    const typeAndData = bytes.subarray(pos + 4, pos + 8 + length);
    const stored = view.getUint32(pos + 8 + length);
    if (crc32(typeAndData) !== stored)
      throw new PngTextError(`chunk ${type} at byte ${pos} has a wrong CRC (file is corrupt)`, source);
    chunks.push({ type, start: pos, end, data: bytes.subarray(pos + 8, pos + 8 + length) });
    pos = end;
    if (type === 'IEND') break;
  }
  if (chunks.at(-1)?.type !== 'IEND') throw new PngTextError('no IEND chunk (file is truncated)', source);
  return chunks;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

function inflateLimited(data: Uint8Array, source: string, type: string): Uint8Array {
  try {
    return inflateSync(data, { maxOutputLength: MAX_TEXT_BYTES });
  } catch (err) {
    throw new PngTextError(`${type} chunk cannot be decompressed (${(err as Error).message})`, source);
  }
}

function decodeTextChunk(chunk: RawChunk, source: string): PngTextChunk | null {
  const data = chunk.data;
  const nul = data.indexOf(0);
  if (nul < 1 || nul > 79) return null; // not a valid keyword: skip rather than fail the picture
  const keyword = latin1.decode(data.subarray(0, nul));
  if (chunk.type === 'tEXt') return { keyword, text: latin1.decode(data.subarray(nul + 1)) };
  if (chunk.type === 'zTXt') {
    if (data[nul + 1] !== 0) return null;
    return { keyword, text: latin1.decode(inflateLimited(data.subarray(nul + 2), source, 'zTXt')) };
  }
  // iTXt: keyword\0 compression-flag compression-method language\0 translated-keyword\0 text
  const compressed = data[nul + 1] === 1;
  const langEnd = data.indexOf(0, nul + 3);
  if (langEnd < 0) return null;
  const translatedEnd = data.indexOf(0, langEnd + 1);
  if (translatedEnd < 0) return null;
  const body = data.subarray(translatedEnd + 1);
  const textBytes = compressed ? inflateLimited(body, source, 'iTXt') : body;
  try {
    return { keyword, text: utf8.decode(textBytes) };
  } catch {
    throw new PngTextError(`iTXt chunk "${keyword}" is not valid UTF-8`, source);
  }
}

/** Every text chunk of a PNG, in file order. Throws PngTextError when the file is not a sound PNG. */
export function readPngText(bytes: Uint8Array, source = 'PNG data'): PngTextChunk[] {
  const out: PngTextChunk[] = [];
  for (const chunk of readChunks(bytes, source)) {
    if (chunk.type !== 'tEXt' && chunk.type !== 'zTXt' && chunk.type !== 'iTXt') continue;
    const text = decodeTextChunk(chunk, source);
    if (text) out.push(text);
  }
  return out;
}

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

function encodeChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export interface WriteTextOptions {
  /** Compress texts longer than this many bytes (iTXt with deflate). Default: never. */
  compressAbove?: number;
}

/**
 * Builds the text chunk for one keyword: tEXt when the text is Latin-1 (what most readers
 * expect for `parameters`), otherwise iTXt with UTF-8.
 */
export function encodeTextChunk(chunk: PngTextChunk, options: WriteTextOptions = {}): Uint8Array {
  const { keyword, text } = chunk;
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword) || keyword !== keyword.trim() || keyword.includes('  '))
    throw new Error(`PNG text keyword "${keyword}" is invalid (1-79 Latin-1 characters, no edge spaces)`);
  const keyBytes = Buffer.from(keyword, 'latin1');
  const compress = options.compressAbove !== undefined && Buffer.byteLength(text) > options.compressAbove;
  if (isLatin1(text) && !compress) {
    return encodeChunk('tEXt', Buffer.concat([keyBytes, Buffer.from([0]), Buffer.from(text, 'latin1')]));
  }
  const body = compress ? deflateSync(Buffer.from(text, 'utf8')) : Buffer.from(text, 'utf8');
  return encodeChunk('iTXt', Buffer.concat([keyBytes, Buffer.from([0, compress ? 1 : 0, 0, 0, 0]), body]));
}

/**
 * Returns a copy of the PNG with these text chunks placed just before IEND. Existing text chunks
 * with the same keywords are removed, so writing twice does not pile up stale recipes.
 */
export function writePngText(
  bytes: Uint8Array,
  chunks: PngTextChunk[],
  options: WriteTextOptions & { source?: string } = {},
): Uint8Array {
  const source = options.source ?? 'PNG data';
  const raw = readChunks(bytes, source);
  const replaced = new Set(chunks.map((c) => c.keyword));
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const chunk of raw) {
    if (chunk.type === 'IEND') {
      for (const c of chunks) parts.push(encodeTextChunk(c, options));
    } else if (chunk.type === 'tEXt' || chunk.type === 'zTXt' || chunk.type === 'iTXt') {
      const nul = chunk.data.indexOf(0);
      const keyword = nul > 0 ? latin1.decode(chunk.data.subarray(0, nul)) : '';
      if (replaced.has(keyword)) continue;
    }
    parts.push(bytes.subarray(chunk.start, chunk.end));
  }
  return Buffer.concat(parts);
}
