import { parseLatentDiffusionConfig } from '../../../../main/engine/models/latent-diffusion-config.ts';
import { WordTokenizer } from '../../../../main/engine/models/text/tokenizer.ts';
import {
  createModel,
  MODEL_FORMAT,
  type ModelManifest,
} from '../../../../main/engine/pipeline/latent-diffusion-model.ts';

/** A small untrained model: 32x32 images, 8x8x4 latents. */
export function tinyManifest(): ModelManifest {
  return {
    format: MODEL_FORMAT,
    id: 'tiny-test',
    name: 'Tiny test model',
    imageSize: 32,
    schedule: { betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012, trainTimesteps: 1000 },
    config: parseLatentDiffusionConfig({
      unet: {
        inChannels: 4,
        outChannels: 4,
        modelChannels: 16,
        channelMult: [1, 2],
        numResBlocks: 1,
        attentionLevels: [1],
        headDim: 8,
        contextDim: 32,
        normGroups: 8,
      },
      vae: {
        inChannels: 3,
        outChannels: 3,
        baseChannels: 16,
        channelMult: [1, 2, 2],
        numResBlocks: 1,
        attentionLevels: [],
        latentChannels: 4,
        scaleFactor: 1,
        normGroups: 8,
      },
      text: {
        vocabSize: 64,
        width: 32,
        layers: 1,
        heads: 2,
        ffnDim: 64,
        contextLength: 8,
        activation: 'gelu',
        causal: true,
      },
    }),
  };
}

export function tinyTokenizer(): WordTokenizer {
  return WordTokenizer.learn(
    ['a red apple', 'a blue figure raising both arms', 'green ground, evening sky'],
    {
      contextLength: 8,
      maxWords: 40,
    },
  );
}

export function tinyModel(seed = 0) {
  return createModel(tinyManifest(), tinyTokenizer(), seed);
}
