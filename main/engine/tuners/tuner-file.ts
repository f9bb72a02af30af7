// Tuner files: .safetensors with SCEPTER's tensor names and PyTorch layouts, and `__metadata__`
// describing the tuner (format, kind, condition, base model id + hash, config, training summary).
// Loading checks everything before any weight is used: nothing is applied half-way.
import { z } from 'zod';
import { assignParamValues, readParamValues, saveParamFile } from '../io/param-file.ts';
import { openSafetensors, SafetensorsError } from '../io/safetensors.ts';
import { BASELINE_FORMAT } from './baseline-file.ts';
import { CscTuner, type CscTunerConfig } from './csc-tuner.ts';
import { ScTuner, type ScTunerConfig } from './sc-tuner.ts';
import { layoutSignature, type SkipLayout } from './skip-layout.ts';

export const TUNER_FORMAT = 'scedit-studio.tuner/1';
/** A CSC-Tuner file holds one control block under this prefix, as SCEPTER's `control_blocks`. */
export const CSC_PREFIX = 'control_blocks.0.';

const skipLayoutSchema = z.object({
  skips: z
    .array(z.object({ channels: z.number().int().positive(), downscale: z.number().int().positive() }))
    .min(1),
});
const scConfigSchema = z.object({ layout: skipLayoutSchema, downRatio: z.number().positive() });
const cscConfigSchema = z
  .object({
    layout: skipLayoutSchema,
    condition: z.string().min(1),
    latentFactor: z.number().int().positive(),
    conditionChannels: z.number().int().positive(),
    hintChannels: z.number().int().positive(),
    preHintRatio: z.number().positive(),
    denseHintKernel: z.union([z.literal(1), z.literal(3)]),
    downsampleHintKernel: z.union([z.literal(1), z.literal(3)]).optional(),
    hintKernels: z.array(z.union([z.literal(1), z.literal(3)])).optional(),
    downRatio: z.number().positive(),
  })
  .refine((c) => !c.hintKernels || c.hintKernels.length === c.layout.skips.length, {
    message: 'needs one kernel per skip',
    path: ['hintKernels'],
  });

export interface BaseModelRef {
  id: string;
  hash: string;
}

export interface TunerInfo {
  path: string;
  kind: 'sc' | 'csc';
  condition: string | null;
  baseModel: BaseModelRef;
  config: ScTunerConfig | CscTunerConfig;
  parameterCount: number;
  /** The training summary stored with the tuner (free-form JSON), or null. */
  training: unknown;
  name: string | null;
  metadata: Record<string, string>;
}

export type Tuner = ScTuner | CscTuner;

export interface SaveTunerOptions {
  baseModel: BaseModelRef;
  name?: string;
  training?: unknown;
  /** Words the tuner answers to in a prompt (the library shows and offers them). */
  triggerWords?: readonly string[];
  dtype?: 'F32' | 'F16';
}

export function tunerKind(tuner: Tuner): 'sc' | 'csc' {
  return tuner instanceof CscTuner ? 'csc' : 'sc';
}

export async function saveTuner(path: string, tuner: Tuner, options: SaveTunerOptions): Promise<void> {
  const kind = tunerKind(tuner);
  const metadata: Record<string, string> = {
    format: TUNER_FORMAT,
    kind,
    base_model_id: options.baseModel.id,
    base_model_hash: options.baseModel.hash,
    config: JSON.stringify(tuner.config),
    parameter_count: String(tuner.params.count()),
  };
  if (tuner instanceof CscTuner) metadata.condition = tuner.config.condition;
  if (options.name) metadata.name = options.name;
  if (options.training !== undefined) metadata.training = JSON.stringify(options.training);
  if (options.triggerWords?.length) metadata.trigger_words = JSON.stringify(options.triggerWords);
  await saveParamFile(path, tuner.params.list(), {
    prefix: kind === 'csc' ? CSC_PREFIX : '',
    dtype: options.dtype ?? 'F32',
    metadata,
  });
}

function parseJson(path: string, key: string, text: string | undefined): unknown {
  if (text === undefined) throw new SafetensorsError(path, `not a tuner file: metadata "${key}" is missing`);
  try {
    return JSON.parse(text);
  } catch {
    throw new SafetensorsError(path, `metadata "${key}" is not valid JSON`);
  }
}

function infoFromMetadata(path: string, metadata: Record<string, string>): TunerInfo {
  const fail = (message: string): never => {
    throw new SafetensorsError(path, message);
  };
  if (metadata.format === BASELINE_FORMAT)
    fail(
      `a ${metadata.kind === 'lora' ? 'LoRA' : 'ControlNet'} baseline, not an SC/CSC-Tuner: the library and the tuner mix take SC- and CSC-Tuners; load baselines with loadBaseline (baseline-file.ts)`,
    );
  if (metadata.format !== TUNER_FORMAT) {
    fail(
      `not a tuner file of this studio (metadata format is ${JSON.stringify(metadata.format ?? null)}, expected "${TUNER_FORMAT}")`,
    );
  }
  const kind = metadata.kind;
  if (kind !== 'sc' && kind !== 'csc')
    return fail(`metadata "kind" is ${JSON.stringify(kind ?? null)}; expected "sc" or "csc"`);
  const rawConfig = parseJson(path, 'config', metadata.config);
  const parsed = (kind === 'sc' ? scConfigSchema : cscConfigSchema).safeParse(rawConfig);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(`metadata "config" is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  if (!metadata.base_model_id || !metadata.base_model_hash)
    fail('metadata names no base model (base_model_id, base_model_hash)');
  const config = parsed.data as ScTunerConfig | CscTunerConfig;
  const parameterCount = Number(metadata.parameter_count ?? Number.NaN);
  return {
    path,
    kind,
    condition: kind === 'csc' ? (config as CscTunerConfig).condition : null,
    baseModel: { id: metadata.base_model_id!, hash: metadata.base_model_hash! },
    config,
    parameterCount: Number.isFinite(parameterCount)
      ? parameterCount
      : buildTuner(kind, config, false).params.count(),
    training: metadata.training ? parseJson(path, 'training', metadata.training) : null,
    name: metadata.name ?? null,
    metadata,
  };
}

function buildTuner(kind: 'sc' | 'csc', config: ScTunerConfig | CscTunerConfig, allocate: boolean): Tuner {
  return kind === 'sc'
    ? new ScTuner(config as ScTunerConfig, { allocate })
    : new CscTuner(config as CscTunerConfig, { allocate });
}

/** Reads and checks a tuner file's description (no weights are loaded). */
export async function inspectTuner(path: string): Promise<TunerInfo> {
  const file = await openSafetensors(path);
  try {
    return infoFromMetadata(path, file.metadata);
  } finally {
    await file.close();
  }
}

export interface LoadTunerTarget {
  baseModel: BaseModelRef;
  layout: SkipLayout;
}

/** Loads a tuner for the given base model, or throws (naming file, tensor, shapes) and allocates nothing. */
export async function loadTuner(
  path: string,
  target: LoadTunerTarget,
): Promise<{ tuner: Tuner; info: TunerInfo }> {
  const file = await openSafetensors(path);
  try {
    const info = infoFromMetadata(path, file.metadata);
    if (info.baseModel.hash !== target.baseModel.hash) {
      throw new SafetensorsError(
        path,
        `this tuner was trained for base model "${info.baseModel.id}" (hash ${info.baseModel.hash}); the loaded model is "${target.baseModel.id}" (hash ${target.baseModel.hash})`,
      );
    }
    const want = layoutSignature(target.layout);
    const got = layoutSignature(info.config.layout);
    if (want !== got)
      throw new SafetensorsError(path, `tuner skip layout [${got}] does not match the model's [${want}]`);
    // Check names and shapes against a weightless build first, then allocate only when all is well.
    const description = buildTuner(info.kind, info.config, false);
    const prefix = info.kind === 'csc' ? CSC_PREFIX : '';
    const values = await readParamValues(file, description.params.list(), { prefix, strict: true });
    const tuner = buildTuner(info.kind, info.config, true);
    assignParamValues(new Map([...values].map(([p, data]) => [tuner.params.get(p.name)!, data])));
    return { tuner, info };
  } finally {
    await file.close();
  }
}
