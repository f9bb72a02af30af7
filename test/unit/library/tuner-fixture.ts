// Small but real tuner files for library tests, written with the engine's safetensors writer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TensorToWrite } from '../../../main/engine/io/safetensors.ts';
import { writeSafetensors } from '../../../main/engine/io/safetensors.ts';
import { TUNER_METADATA_KEYS as K } from '../../../main/library/tuner-inspector.ts';

export const BASE_HASH = 'b'.repeat(64);

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function adapter(prefix: string, c: number, l: number, seed: number): TensorToWrite[] {
  return [
    { name: `${prefix}.ln1.weight`, dtype: 'F32', shape: [l, c], data: values(l * c, seed) },
    { name: `${prefix}.ln1.bias`, dtype: 'F32', shape: [l], data: values(l, seed + 1) },
    { name: `${prefix}.ln2.weight`, dtype: 'F32', shape: [c, l], data: values(c * l, seed + 2) },
    { name: `${prefix}.ln2.bias`, dtype: 'F32', shape: [c], data: values(c, seed + 3) },
  ];
}

export interface FixtureOptions {
  kind?: 'sc' | 'csc';
  seed?: number;
  channels?: number[];
  metadata?: Record<string, string>;
  /** Leave these keys out of the metadata. */
  omit?: string[];
  tensors?: TensorToWrite[];
}

export function tunerTensors(o: FixtureOptions = {}): TensorToWrite[] {
  const channels = o.channels ?? [4, 8];
  const seed = o.seed ?? 1;
  if ((o.kind ?? 'sc') === 'sc')
    return channels.flatMap((c, j) => adapter(`lsc_identity.${j}.tuner_op`, c, c, seed + j * 10));
  return [
    {
      name: 'control_blocks.0.pre_hint_blocks.0.weight',
      dtype: 'F32',
      shape: [4, 3, 3, 3],
      data: values(108, seed),
    },
    { name: 'control_blocks.0.pre_hint_blocks.0.bias', dtype: 'F32', shape: [4], data: values(4, seed + 1) },
    ...channels.flatMap((c, i) => [
      {
        name: `control_blocks.0.dense_hint_blocks.${i}.1.weight`,
        dtype: 'F32' as const,
        shape: [c, 4, 3, 3],
        data: values(c * 36, seed + i),
      },
      {
        name: `control_blocks.0.dense_hint_blocks.${i}.1.bias`,
        dtype: 'F32' as const,
        shape: [c],
        data: values(c, seed + i),
      },
      ...adapter(`control_blocks.0.lsc_tuner_blocks.${i}.tuner_op`, c, c, seed + i * 10),
    ]),
  ];
}

export async function writeTunerFile(path: string, o: FixtureOptions = {}): Promise<string> {
  const kind = o.kind ?? 'sc';
  const metadata: Record<string, string> = {
    [K.formatVersion]: '1',
    [K.kind]: kind,
    ...(kind === 'csc' ? { [K.condition]: 'canny' } : {}),
    [K.baseModelId]: 'tiny-sd',
    [K.baseModelHash]: BASE_HASH,
    [K.config]: JSON.stringify({ downRatio: 1 }),
    [K.training]: JSON.stringify({
      steps: 100,
      dataset: { folder: '/data/cats', imageCount: 12, hash: 'c'.repeat(64) },
    }),
    ...o.metadata,
  };
  for (const key of o.omit ?? []) delete metadata[key];
  await writeSafetensors(path, o.tensors ?? tunerTensors(o), metadata);
  return path;
}

/** A fresh temporary folder and a function that removes it. */
export function tempDir(prefix = 'scedit-library-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
