// Reading what a tuner file says about itself before it enters the library. The library takes a
// TunerInspector so the engine's full loader can stand in for this one; this one checks the file's
// structure (SCEPTER tensor names, matching adapter shapes, float dtypes) and reads the
// `scedit.*` keys of its safetensors `__metadata__`.

import type { SafetensorsFile } from '../engine/io/safetensors.ts';
import { openSafetensors } from '../engine/io/safetensors.ts';

export type TunerKind = 'sc' | 'csc';

export interface DatasetSummary {
  folder: string | null;
  imageCount: number | null;
  /** sha256 over the dataset's contents, as the trainer computed it. */
  hash: string | null;
}

export interface TunerInfo {
  kind: TunerKind;
  condition: string | null;
  baseModelId: string;
  /** sha256 of the base model's weights; null when the file does not say. */
  baseModelHash: string | null;
  parameterCount: number;
  /** The tuner's own settings (down ratio, hint width, …) from `scedit.config`. */
  config: Record<string, unknown>;
  /** The training summary from `scedit.training` (steps, lr, dataset …). */
  training: Record<string, unknown>;
  dataset: DatasetSummary | null;
  /** Every `__metadata__` entry, verbatim. */
  metadata: Record<string, string>;
}

/** path -> what the tuner is; throws an Error naming the file and the problem. */
export type TunerInspector = (path: string) => Promise<TunerInfo>;

/** The `__metadata__` keys of a tuner file. Values are strings; config/training/tags are JSON. */
export const TUNER_METADATA_KEYS = {
  formatVersion: 'scedit.format_version',
  kind: 'scedit.kind',
  condition: 'scedit.condition',
  baseModelId: 'scedit.base_model_id',
  baseModelHash: 'scedit.base_model_hash',
  config: 'scedit.config',
  training: 'scedit.training',
  // Added by the library when exporting, so the file carries what the artist wrote about it.
  name: 'scedit.name',
  tags: 'scedit.tags',
  notes: 'scedit.notes',
  rating: 'scedit.rating',
} as const;

export const TUNER_FORMAT_VERSION = 1;

const SC_TENSOR = /^lsc_identity\.(\d+)\.tuner_op\.(ln1|ln2)\.(weight|bias)$/;
const CSC_TENSOR =
  /^control_blocks\.(\d+)\.(?:pre_hint_blocks\.\d+|dense_hint_blocks\.\d+\.1|lsc_tuner_blocks\.(\d+)\.tuner_op\.(ln1|ln2))\.(weight|bias)$/;

function jsonObject(file: string, key: string, text: string | undefined): Record<string, unknown> {
  if (text === undefined || text === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {}
  throw new Error(`${file}: metadata "${key}" is not a JSON object`);
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Checks each SC adapter: ln1 [L, C] + bias [L], ln2 [C, L] + bias [C]. */
function checkAdapters(file: SafetensorsFile, prefixes: Set<string>): void {
  for (const p of prefixes) {
    const need = ['ln1.weight', 'ln1.bias', 'ln2.weight', 'ln2.bias'].map((n) => `${p}.${n}`);
    const missing = need.filter((n) => !file.has(n));
    if (missing.length > 0) throw new Error(`${file.path}: tensor "${missing[0]}" is missing`);
    const [w1, b1, w2, b2] = need.map((n) => file.info(n).shape);
    const expect = (name: string, actual: number[], expected: number[]) => {
      if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i]))
        throw new Error(
          `${file.path}: tensor "${p}.${name}" has shape ${shapeText(actual)}, expected ${shapeText(expected)}`,
        );
    };
    if (w1!.length !== 2)
      throw new Error(`${file.path}: tensor "${p}.ln1.weight" has shape ${shapeText(w1!)}, expected [L, C]`);
    const [hidden, channels] = w1 as [number, number];
    expect('ln1.bias', b1!, [hidden]);
    expect('ln2.weight', w2!, [channels, hidden]);
    expect('ln2.bias', b2!, [channels]);
  }
}

export const inspectTunerFile: TunerInspector = async (path) => {
  let file: SafetensorsFile;
  try {
    file = await openSafetensors(path);
  } catch (err) {
    throw new Error(`${(err as Error).message} (a tuner must be a .safetensors file)`);
  }
  try {
    const names = file.keys();
    if (names.length === 0) throw new Error(`${path}: the file holds no tensors`);
    let nameKind: TunerKind | null = null;
    const adapters = new Set<string>();
    let parameterCount = 0;
    for (const name of names) {
      const info = file.info(name);
      if (info.dtype !== 'F32' && info.dtype !== 'F16' && info.dtype !== 'BF16')
        throw new Error(
          `${path}: tensor "${name}" has dtype ${info.dtype}; tuner weights are F32, F16 or BF16`,
        );
      parameterCount += info.shape.reduce((a, b) => a * b, 1);
      const sc = SC_TENSOR.exec(name);
      const csc = sc ? null : CSC_TENSOR.exec(name);
      const kind: TunerKind | null = sc ? 'sc' : csc ? 'csc' : null;
      if (!kind)
        throw new Error(
          `${path}: tensor "${name}" is not part of an SCEdit tuner (expected lsc_identity.* or control_blocks.*)`,
        );
      if (nameKind && kind !== nameKind)
        throw new Error(
          `${path}: tensor "${name}" belongs to a ${kind} tuner but the file holds ${nameKind} tensors`,
        );
      nameKind = kind;
      const prefix = name.replace(/\.(ln1|ln2)\.(weight|bias)$/, '');
      if (prefix !== name) adapters.add(prefix);
    }
    checkAdapters(file, adapters);
    const meta = { ...file.metadata };
    const K = TUNER_METADATA_KEYS;
    const version = meta[K.formatVersion];
    if (version !== undefined && !(Number(version) >= 1 && Number(version) <= TUNER_FORMAT_VERSION))
      throw new Error(
        `${path}: tuner format version ${version} is not one this studio reads (up to ${TUNER_FORMAT_VERSION})`,
      );
    const declared = meta[K.kind];
    if (declared !== undefined && declared !== 'sc' && declared !== 'csc')
      throw new Error(`${path}: metadata "${K.kind}" is "${declared}", expected "sc" or "csc"`);
    if (declared && declared !== nameKind)
      throw new Error(`${path}: metadata says a ${declared} tuner but the tensors are a ${nameKind} tuner's`);
    const baseModelId = meta[K.baseModelId];
    if (!baseModelId)
      throw new Error(`${path}: metadata "${K.baseModelId}" is missing (which base model is it for?)`);
    const baseModelHash = meta[K.baseModelHash] ?? null;
    if (baseModelHash !== null && !/^[0-9a-f]{64}$/.test(baseModelHash))
      throw new Error(`${path}: metadata "${K.baseModelHash}" is not a sha256 hex digest`);
    const training = jsonObject(path, K.training, meta[K.training]);
    const ds = training.dataset as Record<string, unknown> | undefined;
    const dataset: DatasetSummary | null =
      ds && typeof ds === 'object'
        ? {
            folder: typeof ds.folder === 'string' ? ds.folder : null,
            imageCount: typeof ds.imageCount === 'number' ? ds.imageCount : null,
            hash: typeof ds.hash === 'string' ? ds.hash : null,
          }
        : null;
    return {
      kind: nameKind!,
      condition: meta[K.condition] || null,
      baseModelId,
      baseModelHash,
      parameterCount,
      config: jsonObject(path, K.config, meta[K.config]),
      training,
      dataset,
      metadata: meta,
    };
  } finally {
    await file.close();
  }
};
