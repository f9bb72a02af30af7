// A latent diffusion model on disk and in memory: a folder with `model.json` (config, schedule,
// id), `tokenizer.json` and `weights.safetensors` in the LDM single-file layout
// (`model.diffusion_model.*`, `first_stage_model.*`, `cond_stage_model.*`).
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { NoiseSchedule, ScheduleConfig } from '../diffusion/schedule.ts';
import { makeSchedule } from '../diffusion/schedule.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { sha256File, shortHash } from '../io/file-hash.ts';
import { assignParamValues, paramsToTensors, readParamValues } from '../io/param-file.ts';
import { openSafetensors, writeSafetensors } from '../io/safetensors.ts';
import { type LatentDiffusionConfig, parseLatentDiffusionConfig } from '../models/latent-diffusion-config.ts';
import { EmbeddedTextEncoder } from '../models/text/text-encoder.ts';
import { WordTokenizer } from '../models/text/tokenizer.ts';
import { UNet } from '../models/unet/unet.ts';
import { AutoencoderKL } from '../models/vae/vae.ts';
import type { Param } from '../nn/params.ts';

export const MODEL_FORMAT = 'scedit-studio.model/1';
export const UNET_PREFIX = 'model.diffusion_model.';
export const VAE_PREFIX = 'first_stage_model.';
export const TEXT_PREFIX = 'cond_stage_model.';

const scheduleSchema = z
  .object({
    betaSchedule: z.enum(['linear', 'scaled_linear', 'squaredcos_cap_v2']),
    betaStart: z.number().positive().optional(),
    betaEnd: z.number().positive().optional(),
    trainTimesteps: z.number().int().positive().optional(),
    prediction: z.enum(['epsilon', 'v_prediction']).optional(),
    rescaleZeroTerminalSnr: z.boolean().optional(),
    stepsOffset: z.number().int().nonnegative().optional(),
  })
  .strict();

const manifestSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  id: z.string().min(1),
  name: z.string().min(1),
  /** The image size the model was trained at (square). */
  imageSize: z.number().int().positive(),
  config: z.unknown(),
  schedule: scheduleSchema,
  /** Prompts in the model's own vocabulary that it draws well: the studio offers them to newcomers. */
  examplePrompts: z.array(z.string().min(1).max(500)).max(20).optional(),
});

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  id: string;
  name: string;
  imageSize: number;
  config: LatentDiffusionConfig;
  schedule: ScheduleConfig;
  examplePrompts?: string[];
}

export class LatentDiffusionModel {
  readonly schedule: NoiseSchedule;

  constructor(
    readonly manifest: ModelManifest,
    readonly unet: UNet,
    readonly vae: AutoencoderKL,
    readonly text: EmbeddedTextEncoder,
    /** sha256 of the weights file (hex): what tuner files, recipes and the library refer to. */
    readonly hash: string,
  ) {
    this.schedule = makeSchedule(manifest.schedule);
  }

  get id(): string {
    return this.manifest.id;
  }

  /** The first 10 hex digits, as web UIs show a "Model hash". */
  get shortHash(): string {
    return shortHash(this.hash);
  }

  /** Image pixels per latent pixel. */
  get vaeFactor(): number {
    return this.vae.downscale;
  }

  /** Every parameter with its file name (LDM single-file layout). */
  namedParams(): { prefix: string; params: Param[] }[] {
    return [
      { prefix: UNET_PREFIX, params: this.unet.params.list() },
      { prefix: VAE_PREFIX, params: this.vae.params.list() },
      { prefix: TEXT_PREFIX, params: this.text.transformer.params.list() },
    ];
  }

  dispose(): void {
    this.unet.params.dispose();
    this.vae.dispose();
    this.text.dispose();
  }
}

export function parseManifest(value: unknown, source: string): ModelManifest {
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return {
    ...parsed.data,
    config: parseLatentDiffusionConfig(parsed.data.config, `${source} config`),
  } as ModelManifest;
}

/** A model with freshly initialised weights (for training from scratch and for tests). */
export function createModel(
  manifest: ModelManifest,
  tokenizer: WordTokenizer,
  seed = 0,
): LatentDiffusionModel {
  const c = manifest.config;
  const unet = new UNet(c.unet, { seed });
  const vae = new AutoencoderKL(c.vae, { seed: seed + 1 });
  const text = new EmbeddedTextEncoder(tokenizer, c.text, { seed: seed + 2 });
  // No weights file yet: identify the model by what determines its initial weights.
  const hash = createHash('sha256')
    .update(`untrained:${manifest.id}:${seed}:${JSON.stringify(manifest.config)}`)
    .digest('hex');
  return new LatentDiffusionModel(manifest, unet, vae, text, hash);
}

export async function readManifest(dir: string): Promise<ModelManifest> {
  const path = join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(
      `${path}: cannot read the model manifest (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path}: not valid JSON`);
  }
  return parseManifest(json, path);
}

/** Loads a model folder; a missing, extra or mis-shaped weight fails the load with its name. */
export async function loadModel(dir: string): Promise<LatentDiffusionModel> {
  const manifest = await readManifest(dir);
  const tokenizerPath = join(dir, 'tokenizer.json');
  const tokenizer = WordTokenizer.parse(
    await readFile(tokenizerPath, 'utf8').catch(() => {
      throw new Error(
        `${tokenizerPath}: missing (a model folder needs model.json, tokenizer.json, weights.safetensors)`,
      );
    }),
    tokenizerPath,
  );
  const weightsPath = join(dir, 'weights.safetensors');
  const file = await openSafetensors(weightsPath);
  try {
    const model = createModel(manifest, tokenizer);
    try {
      for (const part of model.namedParams()) {
        assignParamValues(await readParamValues(file, part.params, { prefix: part.prefix, strict: true }));
      }
    } catch (err) {
      model.dispose();
      throw err;
    }
    return new LatentDiffusionModel(
      manifest,
      model.unet,
      model.vae,
      model.text,
      await sha256File(weightsPath),
    );
  } finally {
    await file.close();
  }
}

/** Writes model.json, tokenizer.json and weights.safetensors (each atomically). */
export async function saveModel(
  dir: string,
  model: LatentDiffusionModel,
  dtype: 'F32' | 'F16' = 'F32',
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors = [];
  for (const part of model.namedParams())
    tensors.push(...(await paramsToTensors(part.params, { prefix: part.prefix, dtype })));
  await writeSafetensors(join(dir, 'weights.safetensors'), tensors, { format: MODEL_FORMAT, id: model.id });
  await writeFileAtomic(join(dir, 'tokenizer.json'), model.text.tokenizer.serialize());
  await writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(model.manifest, null, 2)}\n`);
}
