// The engine worker's generate task: load the base model (once) and the tuners the main process
// resolved, turn the canvas layers into condition tensors, run the pipeline once per image of the
// batch, and hand back PNG bytes. Storing them (and the recipe) is the main process's job.
import { randomInt } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { StudioError } from '../../shared/api/errors.ts';
import type { Sampler } from '../../shared/api/generation-schemas.ts';
import type { SamplerName } from '../engine/diffusion/samplers.ts';
import { encodePng, readImage, resizeImage } from '../engine/io/image.ts';
import { loadDefaultModel } from '../engine/pipeline/default-model.ts';
import { generate } from '../engine/pipeline/generate.ts';
import { rgbaToTensor } from '../engine/pipeline/images.ts';
import type { LatentDiffusionModel } from '../engine/pipeline/latent-diffusion-model.ts';
import type { CscTunerUse, ScTunerUse } from '../engine/tuners/composition.ts';
import type { CscTuner } from '../engine/tuners/csc-tuner.ts';
import type { ScTuner } from '../engine/tuners/sc-tuner.ts';
import { loadTuner, type Tuner } from '../engine/tuners/tuner-file.ts';
import type {
  EngineGenerateRequest,
  EngineGenerateResult,
  EngineModelInfo,
  JobContext,
} from './engine-host.ts';

const SAMPLERS: Record<Sampler, SamplerName> = {
  ddim: 'ddim',
  euler: 'euler',
  'euler-a': 'euler_a',
  'dpmpp-2m': 'dpmpp_2m',
};

let modelPromise: Promise<LatentDiffusionModel> | null = null;

/** The base model stays loaded in the worker between generations. */
export function workerModel(): Promise<LatentDiffusionModel> {
  modelPromise ??= loadDefaultModel().catch((err) => {
    modelPromise = null;
    throw err;
  });
  return modelPromise;
}

export async function runModelsTask(): Promise<EngineModelInfo[]> {
  const model = await workerModel();
  return [
    {
      id: model.id,
      name: model.manifest.name,
      resolution: model.manifest.imageSize,
      hash: model.hash,
      source: 'embedded',
      examplePrompts: model.manifest.examplePrompts ?? [],
    },
  ];
}

async function conditionTensor(
  base64: string,
  width: number,
  height: number,
  what: string,
): Promise<tf.Tensor4D> {
  const image = await readImage(Buffer.from(base64, 'base64'), { name: what });
  return rgbaToTensor(await resizeImage(image, width, height, 'fill'), '0,1');
}

export async function runGenerateTask(
  req: EngineGenerateRequest,
  ctx: JobContext,
): Promise<EngineGenerateResult> {
  const r = req.request;
  ctx.progress({ fraction: 0, message: 'loading the model' });
  const model = await workerModel();
  if (r.baseModel !== null && r.baseModel !== model.id)
    throw new StudioError(
      'not-found',
      `base model "${r.baseModel}" is not available here; this studio has "${model.id}"`,
    );
  const width = r.width ?? model.manifest.imageSize;
  const height = r.height ?? model.manifest.imageSize;
  const tuners = new Map<string, Tuner>();
  const tensors: tf.Tensor[] = [];
  try {
    for (const t of req.tuners) {
      try {
        const { tuner } = await loadTuner(t.path, {
          baseModel: { id: model.id, hash: model.hash },
          layout: { skips: model.unet.skipInfo },
        });
        tuners.set(t.id, tuner);
      } catch (err) {
        throw new StudioError('invalid-input', `tuner "${t.name}": ${(err as Error).message}`);
      }
    }
    const sc: ScTunerUse[] = r.styleTuners.map((u) => ({
      tuner: tuners.get(u.tunerId) as ScTuner,
      scale: u.scale,
    }));
    const csc: CscTunerUse[] = [];
    for (const [i, layer] of r.layers.entries()) {
      if (!layer.enabled) continue;
      const condition = await conditionTensor(layer.image, width, height, `layers.${i}.image`);
      tensors.push(condition);
      let mask: tf.Tensor4D | undefined;
      if (layer.mask) {
        const rgb = await conditionTensor(layer.mask, width, height, `layers.${i}.mask`);
        mask = tf.tidy(() => tf.mean(rgb, -1, true) as tf.Tensor4D);
        rgb.dispose();
        tensors.push(mask);
      }
      csc.push({
        tuner: tuners.get(layer.tunerId) as CscTuner,
        condition,
        weight: layer.weight,
        ...(mask ? { mask } : {}),
        steps: [layer.start, layer.end],
      });
    }
    const firstSeed = r.seed ?? randomInt(0, 2 ** 32 - 1);
    const images: EngineGenerateResult['images'] = [];
    for (let i = 0; i < r.batchCount; i++) {
      const seed = (firstSeed + i) % 2 ** 32;
      const result = await generate(
        model,
        {
          prompt: r.prompt,
          negativePrompt: r.negativePrompt,
          seed,
          steps: r.steps,
          guidance: r.guidance,
          sampler: SAMPLERS[r.sampler],
          width,
          height,
          ...(sc.length || csc.length ? { mix: { sc, csc } } : {}),
        },
        {
          signal: ctx.signal,
          previewEvery: r.previews ? req.previewEvery : 0,
          onProgress: async (p) => {
            ctx.progress({
              fraction: (i + p.fraction) / r.batchCount,
              step: p.step,
              totalSteps: p.steps,
              ...(r.batchCount > 1 ? { message: `image ${i + 1} of ${r.batchCount}` } : {}),
              ...(p.preview ? { preview: await encodePng(p.preview) } : {}),
            });
          },
        },
      );
      images.push({ png: await encodePng(result.image), seed, width, height });
    }
    return { images, baseModel: { id: model.id, name: model.manifest.name, hash: model.hash } };
  } finally {
    for (const t of tensors) t.dispose();
    for (const tuner of tuners.values()) tuner.dispose();
  }
}
