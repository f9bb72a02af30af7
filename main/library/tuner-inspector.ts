// What a tuner file says about itself before it enters the library. The library takes a
// TunerInspector, so another reader can stand in; this one uses the engine's tuner-file reader for
// the metadata (format, kind, config, base model) and then checks every tensor's name and shape
// against a shapes-only build of that tuner, without reading any weights.
import { openSafetensors, SafetensorsError } from '../engine/io/safetensors.ts';
import { torchShape } from '../engine/nn/params.ts';
import type { CscTunerConfig } from '../engine/tuners/csc-tuner.ts';
import { CscTuner } from '../engine/tuners/csc-tuner.ts';
import type { ScTunerConfig } from '../engine/tuners/sc-tuner.ts';
import { ScTuner } from '../engine/tuners/sc-tuner.ts';
import { CSC_PREFIX, inspectTuner } from '../engine/tuners/tuner-file.ts';

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
  /** The tuner's own settings (layout, down ratio, hint width, …). */
  config: Record<string, unknown>;
  /** The training summary stored with the tuner (steps, lr, dataset, …), {} when none. */
  training: Record<string, unknown>;
  /** From training.dataset = { folder, imageCount, hash }, when the trainer wrote it. */
  dataset: DatasetSummary | null;
  /** Every `__metadata__` entry, verbatim. */
  metadata: Record<string, string>;
}

/** path -> what the tuner is; throws an Error naming the file and the problem. */
export type TunerInspector = (path: string) => Promise<TunerInfo>;

/**
 * `__metadata__` keys. The first group is the engine's tuner format (main/engine/tuners/
 * tuner-file.ts); the library adds tags, notes, rating, preferred weight and trigger words when it
 * exports a tuner (training writes trigger words too).
 */
export const TUNER_METADATA_KEYS = {
  format: 'format',
  kind: 'kind',
  condition: 'condition',
  baseModelId: 'base_model_id',
  baseModelHash: 'base_model_hash',
  config: 'config',
  parameterCount: 'parameter_count',
  training: 'training',
  name: 'name',
  tags: 'tags',
  notes: 'notes',
  rating: 'rating',
  preferredWeight: 'preferred_weight',
  triggerWords: 'trigger_words',
} as const;

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function datasetOf(training: Record<string, unknown>): DatasetSummary | null {
  const ds = training.dataset;
  if (!ds || typeof ds !== 'object') return null;
  const d = ds as Record<string, unknown>;
  return {
    folder: typeof d.folder === 'string' ? d.folder : null,
    imageCount: typeof d.imageCount === 'number' ? d.imageCount : null,
    hash: typeof d.hash === 'string' ? d.hash : null,
  };
}

export const inspectTunerFile: TunerInspector = async (path) => {
  const info = await inspectTuner(path);
  const description =
    info.kind === 'sc'
      ? new ScTuner(info.config as ScTunerConfig, { allocate: false })
      : new CscTuner(info.config as CscTunerConfig, { allocate: false });
  const prefix = info.kind === 'csc' ? CSC_PREFIX : '';
  const expected = new Map(description.params.list().map((p) => [`${prefix}${p.name}`, torchShape(p.spec)]));
  const file = await openSafetensors(path);
  try {
    for (const [name, want] of expected) {
      if (!file.has(name))
        throw new SafetensorsError(path, `tensor "${name}" is missing (expected ${shapeText(want)})`);
      const got = file.info(name).shape;
      if (got.length !== want.length || got.some((d, i) => d !== want[i]))
        throw new SafetensorsError(
          path,
          `tensor "${name}" has shape ${shapeText(got)}, expected ${shapeText(want)}`,
        );
      const dtype = file.info(name).dtype;
      if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16')
        throw new SafetensorsError(
          path,
          `tensor "${name}" has dtype ${dtype}; tuner weights are F32, F16 or BF16`,
        );
    }
    const extra = file.keys().filter((k) => !expected.has(k));
    if (extra.length > 0)
      throw new SafetensorsError(
        path,
        `tensor "${extra[0]}" is not part of this ${info.kind} tuner${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''}`,
      );
  } finally {
    await file.close();
  }
  const training =
    info.training && typeof info.training === 'object' && !Array.isArray(info.training)
      ? (info.training as Record<string, unknown>)
      : {};
  return {
    kind: info.kind,
    condition: info.condition,
    baseModelId: info.baseModel.id,
    baseModelHash: info.baseModel.hash,
    parameterCount: description.params.count(),
    config: info.config as unknown as Record<string, unknown>,
    training,
    dataset: datasetOf(training),
    metadata: info.metadata,
  };
};
