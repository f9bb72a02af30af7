// Files of the baselines SCEdit is measured against: a LoRA or a ControlNet, as .safetensors with
// `__metadata__` in the manner of tuner files (format, kind, base model id + hash, config, condition,
// training summary) but their own format name, so neither is ever taken for an SC/CSC-Tuner.
// Tensor names: LoRA `<LDM linear name>.lora_down|lora_up.weight`; ControlNet the reference's
// `control_model.` names (input_blocks…, input_hint_block.N, zero_convs.i.0, middle_block_out.0).
// Loading checks everything before any weight is used.
import { z } from 'zod';
import { assignParamValues, readParamValues, saveParamFile } from '../io/param-file.ts';
import { openSafetensors, SafetensorsError } from '../io/safetensors.ts';
import type { UNet } from '../models/unet/unet.ts';
import { ControlNet, type ControlNetConfig } from './controlnet.ts';
import { type LoraFileConfig, LoraTuner } from './lora.ts';
import type { BaseModelRef } from './tuner-file.ts';

export const BASELINE_FORMAT = 'scedit-studio.baseline/1';
export const CONTROLNET_PREFIX = 'control_model.';

export type BaselineKind = 'lora' | 'controlnet';

export type Baseline =
  | { kind: 'lora'; tuner: LoraTuner }
  | { kind: 'controlnet'; tuner: ControlNet; condition: string };

const loraConfigSchema = z.object({
  rank: z.number().int().positive(),
  alpha: z.number().positive(),
  targets: z.string().min(1),
});
const controlNetConfigSchema = z.object({
  latentFactor: z.number().int().positive(),
  conditionChannels: z.number().int().positive(),
});

export interface BaselineInfo {
  path: string;
  kind: BaselineKind;
  /** The condition kind of a ControlNet; null for a LoRA. */
  condition: string | null;
  baseModel: BaseModelRef;
  config: LoraFileConfig | ControlNetConfig;
  parameterCount: number;
  training: unknown;
  name: string | null;
  metadata: Record<string, string>;
}

export interface SaveBaselineOptions {
  baseModel: BaseModelRef;
  name?: string;
  training?: unknown;
  dtype?: 'F32' | 'F16';
}

function paramsOf(b: Baseline) {
  return b.kind === 'lora' ? b.tuner.params.list() : b.tuner.params();
}

export async function saveBaseline(
  path: string,
  baseline: Baseline,
  options: SaveBaselineOptions,
): Promise<void> {
  const params = paramsOf(baseline);
  const metadata: Record<string, string> = {
    format: BASELINE_FORMAT,
    kind: baseline.kind,
    base_model_id: options.baseModel.id,
    base_model_hash: options.baseModel.hash,
    config: JSON.stringify(baseline.kind === 'lora' ? baseline.tuner.fileConfig() : baseline.tuner.config),
    parameter_count: String(params.reduce((n, p) => n + p.size, 0)),
  };
  if (baseline.kind === 'controlnet') metadata.condition = baseline.condition;
  if (options.name) metadata.name = options.name;
  if (options.training !== undefined) metadata.training = JSON.stringify(options.training);
  await saveParamFile(path, params, {
    prefix: baseline.kind === 'controlnet' ? CONTROLNET_PREFIX : '',
    dtype: options.dtype ?? 'F32',
    metadata,
  });
}

function infoFromMetadata(path: string, metadata: Record<string, string>): BaselineInfo {
  const fail = (message: string): never => {
    throw new SafetensorsError(path, message);
  };
  if (metadata.format !== BASELINE_FORMAT)
    fail(
      `not a LoRA/ControlNet file of this studio (metadata format is ${JSON.stringify(metadata.format ?? null)}, expected "${BASELINE_FORMAT}")`,
    );
  const kind = metadata.kind;
  if (kind !== 'lora' && kind !== 'controlnet')
    return fail(`metadata "kind" is ${JSON.stringify(kind ?? null)}; expected "lora" or "controlnet"`);
  const json = (key: string, text: string | undefined): unknown => {
    if (text === undefined) return fail(`metadata "${key}" is missing`);
    try {
      return JSON.parse(text);
    } catch {
      return fail(`metadata "${key}" is not valid JSON`);
    }
  };
  const parsed = (kind === 'lora' ? loraConfigSchema : controlNetConfigSchema).safeParse(
    json('config', metadata.config),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(`metadata "config" is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  if (!metadata.base_model_id || !metadata.base_model_hash)
    fail('metadata names no base model (base_model_id, base_model_hash)');
  if (kind === 'controlnet' && !metadata.condition) fail('a ControlNet file must name its condition kind');
  return {
    path,
    kind,
    condition: kind === 'controlnet' ? metadata.condition! : null,
    baseModel: { id: metadata.base_model_id!, hash: metadata.base_model_hash! },
    config: parsed.data!,
    parameterCount: Number(metadata.parameter_count ?? Number.NaN),
    training: metadata.training ? json('training', metadata.training) : null,
    name: metadata.name ?? null,
    metadata,
  };
}

/** Reads and checks a LoRA/ControlNet file's description (no weights are loaded). */
export async function inspectBaseline(path: string): Promise<BaselineInfo> {
  const file = await openSafetensors(path);
  try {
    return infoFromMetadata(path, file.metadata);
  } finally {
    await file.close();
  }
}

export interface LoadBaselineTarget {
  baseModel: BaseModelRef;
  unet: UNet;
  /** Image pixels per latent pixel of the model (a ControlNet's hint block depends on it). */
  latentFactor: number;
}

/** Loads a LoRA or ControlNet for this base model, or throws (naming file, tensor, shapes) and keeps nothing. */
export async function loadBaseline(
  path: string,
  target: LoadBaselineTarget,
): Promise<{ baseline: Baseline; info: BaselineInfo }> {
  const file = await openSafetensors(path);
  try {
    const info = infoFromMetadata(path, file.metadata);
    if (info.baseModel.hash !== target.baseModel.hash)
      throw new SafetensorsError(
        path,
        `this ${info.kind === 'lora' ? 'LoRA' : 'ControlNet'} was trained for base model "${info.baseModel.id}" (hash ${info.baseModel.hash}); the loaded model is "${target.baseModel.id}" (hash ${target.baseModel.hash})`,
      );
    if (info.kind === 'lora') {
      const config = info.config as LoraFileConfig;
      const tuner = new LoraTuner(target.unet, config);
      try {
        assignParamValues(await readParamValues(file, tuner.params.list(), { strict: true }));
      } catch (err) {
        tuner.dispose();
        throw err;
      }
      return { baseline: { kind: 'lora', tuner }, info };
    }
    const config = info.config as ControlNetConfig;
    if (config.latentFactor !== target.latentFactor)
      throw new SafetensorsError(
        path,
        `this ControlNet expects latents ${config.latentFactor}x smaller than pictures; the model's factor is ${target.latentFactor}`,
      );
    // Names and shapes are checked against a weightless description before the copy is allocated.
    const values = await readParamValues(file, ControlNet.describeParams(target.unet, config), {
      prefix: CONTROLNET_PREFIX,
      strict: true,
    });
    const tuner = new ControlNet(target.unet, config);
    const byName = new Map(tuner.params().map((p) => [p.name, p]));
    assignParamValues(new Map([...values].map(([p, data]) => [byName.get(p.name)!, data])));
    return { baseline: { kind: 'controlnet', tuner, condition: info.condition! }, info };
  } finally {
    await file.close();
  }
}

export function disposeBaseline(b: Baseline): void {
  b.tuner.dispose();
}
