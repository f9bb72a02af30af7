// The held-out real pictures of the embedded model's datasets (the recipe's `datasets`, built by
// `scedit dataset build … --heldout`): captions, labels and pixels for the quality bench.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { readImage } from '../../../main/engine/io/image.ts';
import type { ClassifierHead } from './classifier.ts';

export const RECIPE_PATH = fileURLToPath(
  new URL('../../../assets/models/embedded/recipe.json', import.meta.url),
);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface HeldoutSample {
  source: string;
  file: string;
  caption: string;
  labels: Record<string, unknown>;
}

interface RecipeDataset {
  name: string;
  dir: string;
  command: string;
}

function recipeDatasets(recipePath: string): RecipeDataset[] {
  const recipe = JSON.parse(readFileSync(recipePath, 'utf8')) as { datasets?: RecipeDataset[] };
  if (!Array.isArray(recipe.datasets) || recipe.datasets.length === 0)
    throw new Error(`${recipePath}: datasets: expected a list of {name, dir, command}`);
  return recipe.datasets;
}

/** Every held-out sample of the recipe's datasets, in dataset then file order. */
export function readHeldout(recipePath = RECIPE_PATH, root = REPO): HeldoutSample[] {
  const datasets = recipeDatasets(recipePath);
  const missing = datasets.filter(
    (d) => !existsSync(join(resolve(root, d.dir), 'heldout', 'metadata.jsonl')),
  );
  if (missing.length > 0) {
    throw new Error(
      `held-out pictures missing (${missing.map((d) => join(d.dir, 'heldout/metadata.jsonl')).join(', ')}); build them first, from the repository root:\n${missing.map((d) => `  ${d.command}`).join('\n')}`,
    );
  }
  return datasets.flatMap((d) => {
    const dir = join(resolve(root, d.dir), 'heldout');
    const path = join(dir, 'metadata.jsonl');
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, i) => {
        const { file_name, text, ...labels } = JSON.parse(line) as Record<string, unknown>;
        if (typeof file_name !== 'string' || typeof text !== 'string')
          throw new Error(`${path}:${i + 1}: needs string file_name and text`);
        return { source: d.name, file: join(dir, file_name), caption: text, labels };
      });
  });
}

/** The pictures as one [B, size, size, 3] tensor in [-1, 1]. */
export async function loadPictures(samples: readonly HeldoutSample[], size: number): Promise<tf.Tensor4D> {
  const data = new Float32Array(samples.length * size * size * 3);
  for (let i = 0; i < samples.length; i++) {
    const img = await readImage(samples[i]!.file);
    if (img.width !== size || img.height !== size)
      throw new Error(`${samples[i]!.file}: ${img.width}x${img.height}, expected ${size}x${size}`);
    const base = i * size * size * 3;
    for (let p = 0; p < size * size; p++)
      for (let c = 0; c < 3; c++) data[base + p * 3 + c] = img.data[p * 4 + c]! / 127.5 - 1;
  }
  return tf.tensor4d(data, [samples.length, size, size, 3]);
}

/** A seeded permutation of 0..n-1 (mulberry32 + Fisher–Yates): the bench's subsets are reproducible. */
export function seededPermutation(n: number, seed: number): number[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** The class the sample's caption asks for under this head; null where the head does not apply. */
export function labelFor(head: ClassifierHead, sample: HeldoutSample): string | null {
  if (head.source === null) return sample.source;
  if (sample.source !== head.source || head.label === null) return null;
  const value = sample.labels[head.label];
  return value === null || value === undefined ? 'none' : String(value);
}
