// Moves a network's named parameters to and from .safetensors files. Files hold PyTorch names and
// layouts; the engine holds NHWC layouts (see nn/params.ts). This is the one place that converts.
import * as tf from '@tensorflow/tfjs-core';
import type { Param, ParamSpec } from '../nn/params.ts';
import { torchShape } from '../nn/params.ts';
import {
  SafetensorsError,
  type SafetensorsFile,
  type TensorToWrite,
  type WritableDtype,
  writeSafetensors,
} from './safetensors.ts';

/** Engine -> file layout: conv HWIO -> OIHW, linear [in,out] -> [out,in]. */
export function toTorchLayout(spec: ParamSpec, data: Float32Array): Float32Array {
  const s = spec.shape;
  switch (spec.layout) {
    case 'plain':
      return data;
    case 'linear':
      return transpose2d(data, s[0]!, s[1]!);
    case 'conv2d': {
      const [kh, kw, cin, cout] = s as [number, number, number, number];
      const out = new Float32Array(data.length);
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          for (let i = 0; i < cin; i++)
            for (let o = 0; o < cout; o++)
              out[((o * cin + i) * kh + y) * kw + x] = data[((y * kw + x) * cin + i) * cout + o]!;
      return out;
    }
  }
}

/** File -> engine layout (inverse of toTorchLayout). */
export function fromTorchLayout(spec: ParamSpec, data: Float32Array): Float32Array {
  const s = spec.shape;
  switch (spec.layout) {
    case 'plain':
      return data;
    case 'linear':
      return transpose2d(data, s[1]!, s[0]!);
    case 'conv2d': {
      const [kh, kw, cin, cout] = s as [number, number, number, number];
      const out = new Float32Array(data.length);
      for (let o = 0; o < cout; o++)
        for (let i = 0; i < cin; i++)
          for (let y = 0; y < kh; y++)
            for (let x = 0; x < kw; x++)
              out[((y * kw + x) * cin + i) * cout + o] = data[((o * cin + i) * kh + y) * kw + x]!;
      return out;
    }
  }
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

export interface SaveParamsOptions {
  /** Prepended to every name in the file (e.g. `model.diffusion_model.`). */
  prefix?: string;
  dtype?: WritableDtype;
  metadata?: Record<string, string>;
}

export async function paramsToTensors(
  params: readonly Param[],
  options: SaveParamsOptions = {},
): Promise<TensorToWrite[]> {
  const out: TensorToWrite[] = [];
  for (const p of params) {
    const data = (await p.value.data()) as Float32Array;
    out.push({
      name: `${options.prefix ?? ''}${p.name}`,
      dtype: options.dtype ?? 'F32',
      shape: torchShape(p.spec),
      data: toTorchLayout(p.spec, data),
    });
  }
  return out;
}

/** Writes the parameters (atomically) in PyTorch names and layouts. */
export async function saveParamFile(
  path: string,
  params: readonly Param[],
  options: SaveParamsOptions = {},
): Promise<void> {
  await writeSafetensors(path, await paramsToTensors(params, options), options.metadata ?? {});
}

export interface LoadParamsOptions {
  /** Names in the file carry this prefix; others are ignored when `strict` is false. */
  prefix?: string;
  /** Refuse files with tensors we do not expect (default true). */
  strict?: boolean;
}

/** The file's tensors for these parameters, checked and converted; throws before changing anything. */
export async function readParamValues(
  file: SafetensorsFile,
  params: readonly Param[],
  options: LoadParamsOptions = {},
): Promise<Map<Param, Float32Array>> {
  const prefix = options.prefix ?? '';
  const fail = (message: string): never => {
    throw new SafetensorsError(file.path, message);
  };
  const expected = new Map(params.map((p) => [`${prefix}${p.name}`, p]));
  const missing = [...expected.keys()].filter((k) => !file.has(k));
  if (missing.length > 0) {
    fail(
      `missing ${missing.length} tensor(s), e.g. ${missing
        .slice(0, 3)
        .map((m) => `"${m}"`)
        .join(', ')}`,
    );
  }
  if (options.strict ?? true) {
    const extra = file.keys().filter((k) => !expected.has(k) && (prefix === '' || k.startsWith(prefix)));
    if (extra.length > 0)
      fail(
        `unexpected tensor(s) ${extra
          .slice(0, 3)
          .map((m) => `"${m}"`)
          .join(', ')}${extra.length > 3 ? ` and ${extra.length - 3} more` : ''}`,
      );
  }
  for (const [key, p] of expected) {
    const want = torchShape(p.spec);
    const got = file.info(key).shape;
    if (want.length !== got.length || want.some((d, i) => d !== got[i])) {
      fail(`tensor "${key}" has shape [${got.join(', ')}], expected [${want.join(', ')}]`);
    }
  }
  const values = new Map<Param, Float32Array>();
  for (const [key, p] of expected) values.set(p, fromTorchLayout(p.spec, await file.read(key)));
  return values;
}

/** Assigns values read by `readParamValues` (all checks already passed). */
export function assignParamValues(values: Map<Param, Float32Array>): void {
  for (const [p, data] of values) {
    tf.tidy(() => p.value.assign(tf.tensor(data, p.spec.shape, 'float32')));
  }
}

/** Loads every parameter from the file, or none of them if anything is wrong. */
export async function loadParamsInto(
  file: SafetensorsFile,
  params: readonly Param[],
  options: LoadParamsOptions = {},
): Promise<void> {
  assignParamValues(await readParamValues(file, params, options));
}
