// From a scanned folder to what each training step reads: the VAE latent of every picture (and of
// its mirror image when flipping), the text embedding of every caption, and the condition map.
// All of it goes through the feature cache, so a second run on the same folder encodes nothing.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { type RgbaImage, readImage, resizeImage } from '../io/image.ts';
import { rgbaToTensor } from '../pipeline/images.ts';
import type { LatentDiffusionModel } from '../pipeline/latent-diffusion-model.ts';
import { type ConditionExtractor, conditionExtractor, readPairedCondition } from './condition-maps.ts';
import type { TrainingImage, TrainingScan } from './dataset-scan.ts';
import type { FeatureCache } from './feature-cache.ts';

export interface DataSettings {
  /** Training size in pixels: squares of this side, or buckets of about this area. */
  resolution: number;
  /** Aspect-ratio buckets (about resolution² pixels each) instead of square centre crops. */
  buckets?: boolean;
  /** Also prepare mirror images; each sample is flipped with probability 1/2. */
  flip: boolean;
  /** Condition kind for CSC-Tuners, else null. */
  condition: string | null;
  /** Makes the maps that are not paired (default: the kind's built-in annotator, if any). */
  extractor?: ConditionExtractor | null;
  /** Also prepare the empty prompt's embedding, for training with caption dropout. */
  emptyPrompt?: boolean;
}

export interface TrainingExample {
  file: string;
  /** Pixel size [width, height] the picture was cropped to (its bucket, or the square). */
  size: [number, number];
  latentShape: [number, number, number];
  repeats: number;
  caption: string;
  /** Diffusion latents (scaled) [h, w, c], and of the mirrored picture when flipping. */
  latent: Float32Array;
  latentFlipped: Float32Array | null;
  /** Index into PreparedData.contexts. */
  contextIndex: number;
  /** Condition map [H, W, 3] in [0, 1], and mirrored. */
  condition: Float32Array | null;
  conditionFlipped: Float32Array | null;
}

export interface PreparedData {
  examples: TrainingExample[];
  /** One text embedding [T, D] per distinct caption. */
  contexts: Float32Array[];
  /** The empty prompt's embedding [T, D] (when asked for): what a sample trains with when its caption is dropped. */
  emptyContext: Float32Array | null;
  contextShape: [number, number];
  /** Identifies the data and settings: a checkpoint only resumes on the same fingerprint. */
  fingerprint: string;
}

export interface PrepareProgress {
  done: number;
  total: number;
}

/**
 * Bucket sizes of about resolution² pixels, sides multiples of `multiple`, aspect from 1:2 to 2:1
 * (the popular trainers' buckets, scaled to the model).
 */
export function bucketSizes(resolution: number, multiple: number): [number, number][] {
  const area = resolution * resolution;
  const out = new Map<string, [number, number]>();
  for (let w = multiple; w <= resolution * 2; w += multiple) {
    const h = Math.max(multiple, Math.round(area / w / multiple) * multiple);
    const aspect = w / h;
    if (aspect < 0.5 || aspect > 2 || w * h > area * 1.15) continue;
    out.set(`${w}x${h}`, [w, h]);
    out.set(`${h}x${w}`, [h, w]);
  }
  out.set(`${resolution}x${resolution}`, [resolution, resolution]);
  return [...out.values()].sort((a, b) => a[0] / a[1] - b[0] / b[1]);
}

/** The bucket whose aspect ratio is nearest the picture's (in log ratio; ties to the larger). */
export function chooseBucket(
  width: number,
  height: number,
  sizes: readonly [number, number][],
): [number, number] {
  const target = Math.log(width / height);
  let best = sizes[0]!;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const s of sizes) {
    const score = Math.abs(Math.log(s[0] / s[1]) - target) - s[0] * s[1] * 1e-12;
    if (score < bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

export function mirror(image: RgbaImage): RgbaImage {
  const { width, height, data } = image;
  const out = new Uint8ClampedArray(data.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 4;
      const d = (y * width + (width - 1 - x)) * 4;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
      out[d + 3] = data[s + 3]!;
    }
  return { width, height, data: out };
}

async function rgbPixels(image: RgbaImage): Promise<Float32Array> {
  const t = rgbaToTensor(image, '0,1');
  const data = (await t.data()) as Float32Array;
  t.dispose();
  return data;
}

export async function prepareTrainingData(
  model: LatentDiffusionModel,
  scan: TrainingScan,
  settings: DataSettings,
  cache: FeatureCache,
  onProgress?: (p: PrepareProgress) => void,
  signal?: AbortSignal,
): Promise<PreparedData> {
  const { condition } = settings;
  const ownExtractor =
    condition && settings.extractor === undefined ? await conditionExtractor(condition) : null;
  const extractor = settings.extractor ?? ownExtractor;
  try {
    return await prepare(model, scan, settings, extractor, cache, onProgress, signal);
  } finally {
    ownExtractor?.dispose();
  }
}

async function prepare(
  model: LatentDiffusionModel,
  scan: TrainingScan,
  settings: DataSettings,
  extractor: ConditionExtractor | null,
  cache: FeatureCache,
  onProgress?: (p: PrepareProgress) => void,
  signal?: AbortSignal,
): Promise<PreparedData> {
  const { resolution, flip, condition } = settings;
  const factor = model.vaeFactor;
  const multiple = factor * model.unet.downscale;
  if (resolution % multiple !== 0)
    throw new Error(`resolution ${resolution} must be a multiple of ${multiple} for this model`);
  const sizes = settings.buckets
    ? bucketSizes(resolution, multiple)
    : [[resolution, resolution] as [number, number]];
  const modelKey = { model: model.id, hash: model.hash };
  const examples: TrainingExample[] = [];
  const captionIndex = new Map<string, number>();
  const contexts: Float32Array[] = [];
  let contextShape: [number, number] = [model.text.contextLength, model.text.contextDim];

  const encodeLatent = async (image: RgbaImage): Promise<Float32Array> => {
    const x = rgbaToTensor(image, '-1,1');
    const z = tf.tidy(() => model.vae.sampleDiffusionLatents(model.vae.encode(x)));
    const data = (await z.data()) as Float32Array;
    tf.dispose([x, z]);
    return data;
  };

  const total = scan.images.length;
  for (const [n, item] of scan.images.entries()) {
    signal?.throwIfAborted();
    const [width, height] = chooseBucket(item.width, item.height, sizes);
    const latentShape: [number, number, number] = [
      height / factor,
      width / factor,
      model.unet.config.inChannels,
    ];
    let cropped: RgbaImage | null = null;
    const picture = async (): Promise<RgbaImage> => {
      cropped ??= await resizeImage(await readImage(item.path), width, height, 'cover');
      return cropped;
    };
    const latentKey = { ...modelKey, content: item.contentHash, size: [width, height], crop: 'centre' };
    const latent = await cache.get('latent', { ...latentKey, flipped: false }, async () => ({
      shape: latentShape,
      data: await encodeLatent(await picture()),
    }));
    const latentFlipped = flip
      ? await cache.get('latent', { ...latentKey, flipped: true }, async () => ({
          shape: latentShape,
          data: await encodeLatent(mirror(await picture())),
        }))
      : null;
    let contextIndex = captionIndex.get(item.caption);
    if (contextIndex === undefined) {
      const embedding = await cache.get('text', { ...modelKey, caption: item.caption }, async () => {
        const c = model.text.encode([item.caption]);
        const data = (await c.data()) as Float32Array;
        const shape = c.shape.slice(1);
        c.dispose();
        return { shape, data };
      });
      contextShape = [embedding.shape[0]!, embedding.shape[1]!];
      contextIndex = contexts.length;
      contexts.push(embedding.data);
      captionIndex.set(item.caption, contextIndex);
    }
    let conditionMap: Float32Array | null = null;
    let conditionFlipped: Float32Array | null = null;
    if (condition) {
      const map = await conditionFor(item, condition, extractor, [width, height], flip, picture, cache);
      conditionMap = map.plain;
      conditionFlipped = map.flipped;
    }
    examples.push({
      file: item.file,
      size: [width, height],
      latentShape,
      repeats: item.repeats,
      caption: item.caption,
      latent: latent.data,
      latentFlipped: latentFlipped?.data ?? null,
      contextIndex,
      condition: conditionMap,
      conditionFlipped,
    });
    onProgress?.({ done: n + 1, total });
  }
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify({
        modelKey,
        // The empty prompt is prepared for caption dropout, which the run's own fingerprint names.
        settings: { ...settings, extractor: extractor?.settings, emptyPrompt: undefined },
        images: scan.images.map((i) => [i.file, i.contentHash, i.caption, i.repeats, i.conditions]),
      }),
    )
    .digest('hex')
    .slice(0, 32);
  const emptyContext = settings.emptyPrompt
    ? (
        await cache.get('text', { ...modelKey, caption: '' }, async () => {
          const c = model.text.emptyContext(1);
          const data = (await c.data()) as Float32Array;
          const shape = c.shape.slice(1);
          c.dispose();
          return { shape, data };
        })
      ).data
    : null;
  return {
    examples,
    contexts,
    emptyContext,
    contextShape,
    fingerprint,
  };
}

async function conditionFor(
  item: TrainingImage,
  kind: string,
  extractor: ConditionExtractor | null,
  [width, height]: [number, number],
  flip: boolean,
  picture: () => Promise<RgbaImage>,
  cache: FeatureCache,
): Promise<{ plain: Float32Array; flipped: Float32Array | null }> {
  const paired = item.conditions[kind];
  const source = paired
    ? {
        paired: createHash('sha256')
          .update(await readFile(paired))
          .digest('hex'),
      }
    : { extracted: item.contentHash, settings: extractor?.settings ?? null };
  const key = { kind, size: [width, height], crop: 'centre', ...source };
  let map: RgbaImage | null = null;
  const load = async (): Promise<RgbaImage> => {
    if (map) return map;
    if (paired) {
      const full = await readPairedCondition(paired, item.width, item.height);
      map = await resizeImage(full, width, height, 'cover');
    } else if (extractor) map = await extractor.extract(await picture());
    else throw new Error(`${item.file}: no paired ${kind} map and no way to extract one`);
    return map;
  };
  const shape = [height, width, 3];
  const plain = await cache.get('condition', { ...key, flipped: false }, async () => ({
    shape,
    data: await rgbPixels(await load()),
  }));
  const flipped = flip
    ? await cache.get('condition', { ...key, flipped: true }, async () => ({
        shape,
        data: await rgbPixels(mirror(await load())),
      }))
    : null;
  return { plain: plain.data, flipped: flipped?.data ?? null };
}
