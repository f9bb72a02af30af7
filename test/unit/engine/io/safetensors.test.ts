import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../../../main/engine/io/float16.ts';
import {
  encodeSafetensors,
  openSafetensors,
  writeSafetensors,
} from '../../../../main/engine/io/safetensors.ts';

const dir = mkdtempSync(join(tmpdir(), 'scedit-safetensors-'));
let counter = 0;

function ramp(n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * scale + i * 1e-3);
}

/** A file built by hand from a header object and a data section, exactly as written. */
function craft(header: unknown, data: Uint8Array | number, opts: { declaredLength?: bigint } = {}): string {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, opts.declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  const path = join(dir, `crafted-${counter++}.safetensors`);
  writeFileSync(path, out);
  return path;
}

async function rejection(path: string): Promise<string> {
  try {
    const file = await openSafetensors(path);
    await file.close();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${path} was accepted`);
}

describe('safetensors round trip', () => {
  it('keeps F32 exactly, F16 within half precision, BF16 within bfloat16 precision, and the metadata', async () => {
    const path = join(dir, 'round.safetensors');
    const a = ramp(2 * 3 * 4, 3);
    const b = ramp(17, 100);
    const c = ramp(5, 0.01);
    const scalar = Float32Array.of(42.5);
    await writeSafetensors(
      path,
      [
        { name: 'half.weight', dtype: 'F16', shape: [17], data: b },
        { name: 'conv.weight', dtype: 'F32', shape: [2, 3, 4], data: a },
        { name: 'brain', dtype: 'BF16', shape: [5, 1], data: c },
        { name: 'scalar', dtype: 'F32', shape: [], data: scalar },
        { name: 'empty', dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
      ],
      { format: 'scedit', note: 'ünïcode ✓' },
    );
    // The write went through a temporary file that is gone now.
    expect(readdirSync(dir).filter((f) => f.includes('round') && f.endsWith('.tmp'))).toEqual([]);

    const bytes = readFileSync(path);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    expect(headerLength % 8).toBe(0);
    expect(bytes[8]).toBe('{'.charCodeAt(0));
    expect(bytes[8 + headerLength - 1] === 0x20 || bytes[8 + headerLength - 1] === '}'.charCodeAt(0)).toBe(
      true,
    );

    const file = await openSafetensors(path);
    try {
      expect(file.keys().sort()).toEqual(['brain', 'conv.weight', 'empty', 'half.weight', 'scalar']);
      expect(file.metadata).toEqual({ format: 'scedit', note: 'ünïcode ✓' });
      expect(file.info('conv.weight')).toMatchObject({ dtype: 'F32', shape: [2, 3, 4], byteLength: 96 });
      expect(file.info('half.weight')).toMatchObject({ dtype: 'F16', shape: [17], byteLength: 34 });
      expect(Array.from(await file.read('conv.weight'))).toEqual(Array.from(a));
      expect(Array.from(await file.read('scalar'))).toEqual([42.5]);
      expect((await file.read('empty')).length).toBe(0);
      const half = await file.read('half.weight');
      for (let i = 0; i < b.length; i++)
        expect(Math.abs(half[i]! - b[i]!)).toBeLessThanOrEqual(Math.abs(b[i]!) * 2 ** -11 + 2 ** -24);
      const brain = await file.read('brain');
      for (let i = 0; i < c.length; i++)
        expect(Math.abs(brain[i]! - c[i]!)).toBeLessThanOrEqual(Math.abs(c[i]!) * 2 ** -8);
      expect(() => file.info('missing')).toThrow(/round\.safetensors: has no tensor "missing"/);
    } finally {
      await file.close();
    }
  });

  it('aligns wider dtypes first so every tensor starts on its element size', async () => {
    const bytes = encodeSafetensors([
      { name: 'h', dtype: 'F16', shape: [3], data: ramp(3) },
      { name: 'f', dtype: 'F32', shape: [3], data: ramp(3) },
    ]);
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header.f.data_offsets).toEqual([0, 12]);
    expect(header.h.data_offsets).toEqual([12, 18]);
    expect((8 + headerLength) % 8).toBe(0);
  });

  it('reads the integer and double dtypes other tools write', async () => {
    const i64 = new BigInt64Array([-3n, 7n, 1n << 40n]);
    const f64 = new Float64Array([0.1, -2.5]);
    const u8 = new Uint8Array([0, 255]);
    const i8 = new Int8Array([-128, 5]);
    const data = new Uint8Array(24 + 16 + 2 + 2);
    data.set(new Uint8Array(i64.buffer), 0);
    data.set(new Uint8Array(f64.buffer), 24);
    data.set(u8, 40);
    data.set(new Uint8Array(i8.buffer), 42);
    const path = craft(
      {
        ids: { dtype: 'I64', shape: [3], data_offsets: [0, 24] },
        d: { dtype: 'F64', shape: [2], data_offsets: [24, 40] },
        u: { dtype: 'U8', shape: [2], data_offsets: [40, 42] },
        s: { dtype: 'I8', shape: [2], data_offsets: [42, 44] },
      },
      data,
    );
    const file = await openSafetensors(path);
    expect(Array.from(await file.read('ids'))).toEqual([-3, 7, 2 ** 40]);
    expect(Array.from(await file.read('d'))).toEqual([Math.fround(0.1), -2.5]);
    expect(Array.from(await file.read('u'))).toEqual([0, 255]);
    expect(Array.from(await file.read('s'))).toEqual([-128, 5]);
    expect(Array.from(await file.readBytes('u'))).toEqual([0, 255]);
    await file.close();
  });

  it('refuses to write what it could not read back', async () => {
    const target = join(dir, 'never.safetensors');
    await expect(
      writeSafetensors(target, [{ name: 'x', dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }]),
    ).rejects.toThrow(/never\.safetensors: tensor "x" has shape \[2, 2\] \(4 values\) but 3 values/);
    await expect(
      writeSafetensors(target, [
        { name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) },
        { name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) },
      ]),
    ).rejects.toThrow(/tensor "x" appears twice/);
    expect(readdirSync(dir).some((f) => f.startsWith('never') || f.includes('never.safetensors'))).toBe(
      false,
    );
  });
});

describe('half precision conversion', () => {
  it('rounds to nearest even and handles the edges of the range', () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // rounds up to infinity
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // tie rounds to even (zero)
    expect(float32ToFloat16Bits(1.5 * 2 ** -25)).toBe(0x0001);
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie to even
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie to even (up)
    expect(float32ToFloat16Bits(Number.NaN) & 0x7e00).toBe(0x7e00);
    expect(float32ToFloat16Bits(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    // Every finite half value survives float32 and back.
    for (let h = 0; h < 0x7c00; h += 7) expect(float32ToFloat16Bits(float16BitsToFloat32(h))).toBe(h);
  });
});

describe('malformed safetensors files', () => {
  const good = { w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } };

  it('accepts the well-formed reference file these cases break', async () => {
    const file = await openSafetensors(craft(good, 16));
    expect(file.keys()).toEqual(['w']);
    await file.close();
  });

  it('rejects a file too short for the length prefix', async () => {
    const path = join(dir, 'tiny.safetensors');
    writeFileSync(path, new Uint8Array(5));
    expect(await rejection(path)).toMatch(/tiny\.safetensors: is 5 bytes, too short/);
  });

  it('rejects a huge header length before allocating it', async () => {
    const msg = await rejection(craft(good, 16, { declaredLength: 2n ** 62n }));
    expect(msg).toMatch(
      /crafted-\d+\.safetensors: header length 4611686018427387904 exceeds the 100000000-byte limit/,
    );
  });

  it('rejects a header length longer than the file', async () => {
    const msg = await rejection(craft(good, 16, { declaredLength: 5000n }));
    expect(msg).toMatch(/header length 5000 is larger than the \d+ bytes after the length prefix/);
  });

  it('rejects a truncated data section, naming the tensor and its offsets', async () => {
    const msg = await rejection(craft(good, 10));
    expect(msg).toMatch(
      /tensor "w" has data_offsets \[0, 16\] past the end of the data section \(10 bytes; file truncated/,
    );
  });

  it('rejects lying offsets whose length does not match the shape', async () => {
    const msg = await rejection(craft({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }, 16));
    expect(msg).toMatch(
      /tensor "w": shape \[2, 2\] of F32 needs 16 bytes but data_offsets \[0, 12\] hold 12/,
    );
    const backwards = await rejection(craft({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, 16));
    expect(backwards).toMatch(/tensor "w" has data_offsets \[8, 4\] with end before begin/);
  });

  it('rejects overlapping tensors', async () => {
    const msg = await rejection(
      craft(
        {
          a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
          b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
        },
        16,
      ),
    );
    expect(msg).toMatch(/tensor "b" \[8, 16\] overlaps tensor "a" \[0, 16\]/);
  });

  it('rejects a header that is not JSON or not an object', async () => {
    expect(await rejection(craft('{"w": {"dtype": "F32",', 16))).toMatch(/the header is not valid JSON \(/);
    expect(await rejection(craft('[1, 2]', 0))).toMatch(/the header does not start with "\{"/);
    expect(await rejection(craft('{"w": 3}', 0))).toMatch(
      /tensor "w" is not an object with dtype, shape and data_offsets/,
    );
    const invalidUtf8 = join(dir, 'utf8.safetensors');
    const bytes = new Uint8Array(8 + 4);
    new DataView(bytes.buffer).setBigUint64(0, 4n, true);
    bytes.set([0x7b, 0xff, 0xfe, 0x7d], 8);
    writeFileSync(invalidUtf8, bytes);
    expect(await rejection(invalidUtf8)).toMatch(/the header is not valid UTF-8/);
  });

  it('rejects an unknown dtype, listing the known ones', async () => {
    const msg = await rejection(craft({ w: { dtype: 'F8_E4M3', shape: [16], data_offsets: [0, 16] } }, 16));
    expect(msg).toMatch(/tensor "w" has unknown dtype "F8_E4M3" \(known: F64, F32, F16, BF16, I64/);
  });

  it('rejects a bad shape or offsets entry', async () => {
    expect(
      await rejection(craft({ w: { dtype: 'F32', shape: [2, -2], data_offsets: [0, 16] } }, 16)),
    ).toMatch(/tensor "w" has shape \[2,-2\]; expected an array of non-negative integers/);
    expect(await rejection(craft({ w: { dtype: 'F32', shape: [4], data_offsets: [0] } }, 16))).toMatch(
      /tensor "w" has data_offsets \[0\]; expected \[begin, end\]/,
    );
  });

  it('rejects metadata that is not string to string', async () => {
    const msg = await rejection(craft({ __metadata__: { steps: 100 }, ...good }, 16));
    expect(msg).toMatch(/"__metadata__"\."steps" must be a string, not 100/);
  });

  it('reports a missing file by name', async () => {
    expect(await rejection(join(dir, 'absent.safetensors'))).toMatch(
      /absent\.safetensors: cannot open \(ENOENT\)/,
    );
  });
});
