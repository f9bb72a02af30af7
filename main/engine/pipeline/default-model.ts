// Where the studio finds its base model without configuration: the embedded model shipped in
// assets/models/embedded. Until its trained weights are in the repository, an untrained model of
// the same architecture stands in, and says so in its id and name.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { embedded } from '../models/configs/embedded.ts';
import { parseLatentDiffusionConfig } from '../models/latent-diffusion-config.ts';
import { WordTokenizer } from '../models/text/tokenizer.ts';
import { createModel, type LatentDiffusionModel, loadModel, MODEL_FORMAT } from './latent-diffusion-model.ts';

/** SCEDIT_MODEL_DIR wins (the packaged app points it into its resources); else the source tree's assets. */
export const EMBEDDED_MODEL_DIR =
  process.env.SCEDIT_MODEL_DIR ?? fileURLToPath(new URL('../../../assets/models/embedded', import.meta.url));
export const UNTRAINED_MODEL_ID = 'embedded-untrained';

export function embeddedModelAvailable(dir = EMBEDDED_MODEL_DIR): boolean {
  return existsSync(`${dir}/model.json`) && existsSync(`${dir}/weights.safetensors`);
}

/** The shipped embedded model, or (before its weights exist) the untrained stand-in. */
export async function loadDefaultModel(dir = EMBEDDED_MODEL_DIR): Promise<LatentDiffusionModel> {
  if (embeddedModelAvailable(dir)) return loadModel(dir);
  return createUntrainedEmbeddedModel();
}

export function createUntrainedEmbeddedModel(seed = 0): LatentDiffusionModel {
  const config = parseLatentDiffusionConfig(embedded, 'embedded config');
  const tokenizer = WordTokenizer.learn([], { contextLength: config.text.contextLength });
  return createModel(
    {
      format: MODEL_FORMAT,
      id: UNTRAINED_MODEL_ID,
      name: 'Embedded model (untrained: weights not shipped yet)',
      imageSize: 64,
      config,
      schedule: { betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012, trainTimesteps: 1000 },
    },
    tokenizer,
    seed,
  );
}
