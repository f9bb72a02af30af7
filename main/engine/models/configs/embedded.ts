import type { LatentDiffusionConfigInput } from '../latent-diffusion-config.ts';

/**
 * The small model the studio ships: 64×64×3 images <-> 16×16×4 latents, a ~6.7 M-parameter
 * U-Net with attention at the 8×8 and 4×4 levels, and a 3-layer text transformer of width 192
 * over 24 tokens. Sized so a 20-step guided generation fits the 1.5 s budget on 2 CPU cores.
 * `text.vocabSize` is an upper bound: the learned tokenizer may use fewer rows.
 */
export const embedded: LatentDiffusionConfigInput = {
  unet: {
    inChannels: 4,
    outChannels: 4,
    // Measured on wasm (process CPU, batch 2, 16×16): 40 channels / 1 res block ≈ 74 ms per
    // forward against 116 ms for 32 channels / 2 res blocks: kernel count dominates at this size.
    modelChannels: 40,
    channelMult: [1, 2, 4],
    numResBlocks: 1,
    attentionLevels: [1, 2],
    headDim: 40,
    contextDim: 192,
    transformerDepth: 1,
    useLinearProjection: true,
    normGroups: 8,
  },
  vae: {
    inChannels: 3,
    outChannels: 3,
    baseChannels: 32,
    // The decoder runs once per generation at 64×64: [1, 2, 2] keeps its convolutions ~1.1 GFLOP.
    channelMult: [1, 2, 2],
    numResBlocks: 1,
    attentionLevels: [],
    latentChannels: 4,
    // Replaced by 1 / std of the trained VAE's latents when the embedded model is trained.
    scaleFactor: 1,
    normGroups: 16,
  },
  text: {
    vocabSize: 4096,
    width: 192,
    layers: 3,
    heads: 4,
    ffnDim: 768,
    contextLength: 24,
    activation: 'gelu',
    causal: true,
  },
};
