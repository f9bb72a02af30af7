// The safetensors weight format: read lazily, write atomically.
//
// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data section.
// The JSON maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative to
// the data section) and may hold "__metadata__", a string -> string map.
//
//   const file = await openSafetensors(path);   // validates the whole header, allocates no tensor
//   file.keys(); file.info(name); file.metadata;
//   const weights = await file.read(name);        // just that slice, as float32 (F16/BF16 widened)
//   await file.close();
//
//   await writeSafetensors(path, [{ name, dtype: 'F16', shape, data }], { format: 'scedit' });
//
// Reading never loads more than the tensor asked for, so a multi-GB checkpoint is not held twice.
// Every error names the file, what is wrong, and where (tensor name, offsets).
import { type FileHandle, open } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.ts';
import {
  bfloat16ArrayToFloat32,
  float16ArrayToFloat32,
  float32ArrayToBfloat16,
  float32ArrayToFloat16,
} from './float16.ts';

export const SAFETENSORS_DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
} as const;
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BYTES;

/** Same bound as the reference implementation: a larger header is a broken or hostile file. */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

export class SafetensorsError extends Error {
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(`${source}: ${message}`);
  }
}

export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** [begin, end) relative to the data section, as in the header. */
  dataOffsets: [number, number];
  /** Absolute position of the first byte in the file. */
  fileOffset: number;
  byteLength: number;
}

export interface SafetensorsHeader {
  tensors: Map<string, SafetensorsTensorInfo>;
  metadata: Record<string, string>;
  /** Bytes before the data section: 8 + the JSON length. */
  dataStart: number;
}

function isKnownDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(SAFETENSORS_DTYPE_BYTES, value);
}

function isByteCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Validates a header and the data section's size. `headerJson` is the N bytes after the length
 * prefix; `dataLength` the bytes that follow them. Pure: allocates nothing per tensor's data.
 */
export function parseSafetensorsHeader(
  headerJson: Uint8Array,
  dataLength: number,
  source: string,
): SafetensorsHeader {
  const fail = (message: string): never => {
    throw new SafetensorsError(source, message);
  };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerJson);
  } catch {
    return fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{'))
    fail(`the header does not start with "{" (it starts ${JSON.stringify(text.slice(0, 16))})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fail(`the header is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    fail('the header is not a JSON object');

  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsTensorInfo>();
  const dataStart = 8 + headerJson.length;
  for (const [name, entry] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
        fail(`"${METADATA_KEY}" must be an object of strings`);
      for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof value !== 'string')
          fail(`"${METADATA_KEY}"."${key}" must be a string, not ${JSON.stringify(value)}`);
        metadata[key] = value as string;
      }
      continue;
    }
    const where = `tensor "${name}"`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      fail(`${where} is not an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (!isKnownDtype(dtype))
      fail(
        `${where} has unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')})`,
      );
    if (!Array.isArray(shape) || !shape.every(isByteCount))
      fail(`${where} has shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isByteCount))
      fail(`${where} has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] byte offsets`);
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`${where} has data_offsets [${begin}, ${end}] with end before begin`);
    if (end > dataLength)
      fail(
        `${where} has data_offsets [${begin}, ${end}] past the end of the data section (${dataLength} bytes; file truncated or offsets wrong)`,
      );
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    const expected = elements * SAFETENSORS_DTYPE_BYTES[dtype as SafetensorsDtype];
    if (!Number.isSafeInteger(expected) || expected !== end - begin)
      fail(
        `${where}: shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    tensors.set(name, {
      name,
      dtype: dtype as SafetensorsDtype,
      shape: [...(shape as number[])],
      dataOffsets: [begin, end],
      fileOffset: dataStart + begin,
      byteLength: end - begin,
    });
  }

  const spans = [...tensors.values()].filter((t) => t.byteLength > 0);
  spans.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0]);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1]!;
    const cur = spans[i]!;
    if (cur.dataOffsets[0] < prev.dataOffsets[1])
      fail(
        `tensor "${cur.name}" [${cur.dataOffsets.join(', ')}] overlaps tensor "${prev.name}" [${prev.dataOffsets.join(', ')}]`,
      );
  }
  return { tensors, metadata, dataStart };
}

async function readExactly(handle: FileHandle, into: Uint8Array, position: number, source: string) {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0)
      throw new SafetensorsError(
        source,
        `unexpected end of file at byte ${position + done} (wanted ${into.length} bytes from ${position}); the file changed or is truncated`,
      );
    done += bytesRead;
  }
}

export interface SafetensorsFile {
  readonly path: string;
  readonly metadata: Readonly<Record<string, string>>;
  keys(): string[];
  has(name: string): boolean;
  info(name: string): SafetensorsTensorInfo;
  /** The tensor's values as float32 (F16/BF16 widened exactly, integers and F64 converted). */
  read(name: string): Promise<Float32Array>;
  /** The tensor's bytes exactly as stored (little-endian). */
  readBytes(name: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Opens and validates a .safetensors file; tensors are read one at a time on demand. */
export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new SafetensorsError(path, `cannot open (${err.code ?? err.message})`);
  });
  try {
    const header = await readHeader(handle, path);
    return new OpenSafetensors(path, handle, header);
  } catch (err) {
    await handle.close();
    throw err;
  }
}

async function readHeader(handle: FileHandle, path: string): Promise<SafetensorsHeader> {
  const { size } = await handle.stat();
  if (size < 8)
    throw new SafetensorsError(path, `is ${size} bytes, too short to hold the 8-byte header length`);
  const prefix = new Uint8Array(8);
  await readExactly(handle, prefix, 0, path);
  const declared = new DataView(prefix.buffer).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES))
    throw new SafetensorsError(
      path,
      `header length ${declared} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file, or corrupt)`,
    );
  if (declared > BigInt(size - 8))
    throw new SafetensorsError(
      path,
      `header length ${declared} is larger than the ${size - 8} bytes after the length prefix (truncated file?)`,
    );
  const headerLength = Number(declared);
  if (headerLength < 2)
    throw new SafetensorsError(path, `header length ${headerLength} is too short for a JSON object`);
  const json = new Uint8Array(headerLength);
  await readExactly(handle, json, 8, path);
  return parseSafetensorsHeader(json, size - 8 - headerLength, path);
}

function toFloat32(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const count = bytes.byteLength / SAFETENSORS_DTYPE_BYTES[dtype];
  // `bytes` is always a fresh, offset-0 buffer here, so typed views over it are aligned.
  const buffer = bytes.buffer as ArrayBuffer;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer, 0, count);
    case 'F16':
      return float16ArrayToFloat32(new Uint16Array(buffer, 0, count));
    case 'BF16':
      return bfloat16ArrayToFloat32(new Uint16Array(buffer, 0, count));
    case 'F64':
      return Float32Array.from(new Float64Array(buffer, 0, count));
    case 'I64': {
      const src = new BigInt64Array(buffer, 0, count);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = Number(src[i]!);
      return out;
    }
    case 'I32':
      return Float32Array.from(new Int32Array(buffer, 0, count));
    case 'I16':
      return Float32Array.from(new Int16Array(buffer, 0, count));
    case 'I8':
      return Float32Array.from(new Int8Array(buffer, 0, count));
    case 'U8':
    case 'BOOL':
      return Float32Array.from(bytes);
  }
}

class OpenSafetensors implements SafetensorsFile {
  readonly metadata: Readonly<Record<string, string>>;
  #closed = false;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly header: SafetensorsHeader,
  ) {
    this.metadata = Object.freeze({ ...header.metadata });
  }

  keys(): string[] {
    return [...this.header.tensors.keys()];
  }

  has(name: string): boolean {
    return this.header.tensors.has(name);
  }

  info(name: string): SafetensorsTensorInfo {
    const info = this.header.tensors.get(name);
    if (!info) throw new SafetensorsError(this.path, `has no tensor "${name}"`);
    return { ...info, shape: [...info.shape], dataOffsets: [...info.dataOffsets] };
  }

  async readBytes(name: string): Promise<Uint8Array> {
    if (this.#closed) throw new SafetensorsError(this.path, `read of "${name}" after close()`);
    const info = this.info(name);
    // Allocated with padding to a multiple of 8 so that every dtype view is aligned.
    const storage = new ArrayBuffer(Math.ceil(info.byteLength / 8) * 8);
    const bytes = new Uint8Array(storage, 0, info.byteLength);
    await readExactly(this.handle, bytes, info.fileOffset, `${this.path} (tensor "${name}")`);
    return bytes;
  }

  async read(name: string): Promise<Float32Array> {
    const info = this.info(name);
    return toFloat32(await this.readBytes(name), info.dtype);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.handle.close();
  }
}

export type WritableDtype = 'F32' | 'F16' | 'BF16';

export interface TensorToWrite {
  name: string;
  dtype: WritableDtype;
  shape: readonly number[];
  data: Float32Array;
}

/** The complete file as bytes; `writeSafetensors` writes this atomically. */
export function encodeSafetensors(
  tensors: readonly TensorToWrite[],
  metadata: Record<string, string> = {},
  target = '<safetensors>',
): Uint8Array {
  const fail = (message: string): never => {
    throw new SafetensorsError(target, message);
  };
  for (const [key, value] of Object.entries(metadata))
    if (typeof value !== 'string') fail(`metadata "${key}" must be a string, not ${typeof value}`);
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === '' || t.name === METADATA_KEY)
      fail(`tensor name ${JSON.stringify(t.name)} is not allowed`);
    if (seen.has(t.name)) fail(`tensor "${t.name}" appears twice`);
    seen.add(t.name);
    if (!(['F32', 'F16', 'BF16'] as const).includes(t.dtype))
      fail(`tensor "${t.name}" has dtype ${JSON.stringify(t.dtype)}; writable dtypes are F32, F16, BF16`);
    if (!t.shape.every((d) => isByteCount(d)))
      fail(`tensor "${t.name}" has shape [${t.shape.join(', ')}]; expected non-negative integers`);
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length)
      fail(
        `tensor "${t.name}" has shape [${t.shape.join(', ')}] (${elements} values) but ${t.data.length} values`,
      );
  }
  // Wider dtypes first keeps every tensor aligned to its element size within the data section.
  const ordered = [...tensors].sort(
    (a, b) => SAFETENSORS_DTYPE_BYTES[b.dtype] - SAFETENSORS_DTYPE_BYTES[a.dtype],
  );
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const t of ordered) {
    const length = t.data.length * SAFETENSORS_DTYPE_BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + length] };
    offset += length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of ordered) {
    const encoded =
      t.dtype === 'F32'
        ? t.data
        : t.dtype === 'F16'
          ? float32ArrayToFloat16(t.data)
          : float32ArrayToBfloat16(t.data);
    const bytes = new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/** Writes a .safetensors file through a temporary file and a rename. */
export async function writeSafetensors(
  path: string,
  tensors: readonly TensorToWrite[],
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata, path));
}
