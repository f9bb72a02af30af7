import type { LatentDiffusionConfigInput } from '../latent-diffusion-config.ts';

/** Stable Diffusion 1.5's exact shapes (U-Net 859,520,964 parameters; VAE 83,653,863; CLIP ViT-L/14 text 123,060,480). */
export const sd15: LatentDiffusionConfigInput = {
  unet: {
    inChannels: 4,
    outChannels: 4,
    modelChannels: 320,
    channelMult: [1, 2, 4, 4],
    numResBlocks: 2,
    // LDM attention_resolutions [4, 2, 1]
    attentionLevels: [0, 1, 2],
    numHeads: 8,
    contextDim: 768,
    transformerDepth: 1,
    useLinearProjection: false,
    normGroups: 32,
  },
  vae: {
    inChannels: 3,
    outChannels: 3,
    baseChannels: 128,
    channelMult: [1, 2, 4, 4],
    numResBlocks: 2,
    attentionLevels: [],
    latentChannels: 4,
    scaleFactor: 0.18215,
    normGroups: 32,
  },
  text: {
    vocabSize: 49408,
    width: 768,
    layers: 12,
    heads: 12,
    ffnDim: 3072,
    contextLength: 77,
    activation: 'quick_gelu',
    causal: true,
  },
};
