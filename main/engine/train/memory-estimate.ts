// Memory a tuner training run will need, estimated before it starts, so a run that cannot fit is
// refused with advice instead of dying half-way. Counted: the frozen model's weights; per trained
// parameter its value, gradient, accumulated gradient and two AdamW moments (+ EMA); and the
// activations the gradient tape keeps: only the decoder path and the tuners (the encoder runs
// without the tape, so only its skips and one working feature map are held).
import { freemem, totalmem } from 'node:os';
import type { LatentDiffusionModel } from '../pipeline/latent-diffusion-model.ts';

export interface MemoryEstimateInput {
  model: LatentDiffusionModel;
  tunerParams: number;
  batchSize: number;
  resolution: number;
  /** Condition tuners also keep their hint cascade on the tape. */
  condition: boolean;
  ema: boolean;
}

export interface MemoryEstimate {
  bytes: number;
  parts: { weights: number; trainingState: number; activations: number };
}

const FLOAT = 4;
/** Tensors the tape keeps per decoder ResBlock, in units of its input (concat) + output feature maps. */
const RESBLOCK_KEPT = 4;
/** Per transformer block, in units of its feature map (norms, q/k/v, out, feed-forward ×8 wide). */
const TRANSFORMER_KEPT = 18;
/**
 * tfjs keeps every tensor made inside the taped function until the gradients are done, not only
 * what backprop needs; measured peaks (tiny and embedded U-Nets, batch 1 and 8) were 5–8.5× the
 * counts above, so they are scaled by this, which leaves room for the backward pass.
 */
const TAPE_OVERHEAD = 9;

export function estimateTrainingMemory(input: MemoryEstimateInput): MemoryEstimate {
  const { model, batchSize, resolution } = input;
  const unet = model.unet;
  const c = unet.config;
  const weights =
    (unet.params.count() + model.vae.params.count() + model.text.transformer.params.count()) * FLOAT;
  const trainingState = input.tunerParams * FLOAT * (5 + (input.ema ? 1 : 0));
  const side = resolution / model.vaeFactor;
  const contextLength = model.text.contextLength;
  let perSample = 0;
  // Decoder: output blocks mirror the skips (decoder order = encoder order reversed).
  const skips = [...unet.skipInfo].reverse();
  let ch = skips[0]!.channels;
  for (const [j, skip] of skips.entries()) {
    const hw = (side / skip.downscale) ** 2;
    const level = Math.round(Math.log2(skip.downscale));
    const out = c.modelChannels * c.channelMult[Math.min(level, c.channelMult.length - 1)]!;
    perSample += RESBLOCK_KEPT * (ch + skip.channels + out) * hw;
    if (c.attentionLevels.includes(level)) {
      const heads = c.numHeads ?? out / c.headDim!;
      perSample += c.transformerDepth * (TRANSFORMER_KEPT * out * hw + 2 * heads * hw * (hw + contextLength));
    }
    // The tuner on this skip: input, hidden (before and after GELU), output; CSC adds its hint.
    perSample += (3 * skip.channels + 2 * skip.channels) * hw * (input.condition ? 2 : 1);
    ch = out;
    void j;
  }
  // Encoder without tape: every skip is held, plus a few working maps of the widest level.
  const skipValues = unet.skipInfo.reduce((n, s) => n + s.channels * (side / s.downscale) ** 2, 0);
  perSample += skipValues + 4 * c.modelChannels * c.channelMult[0]! * side * side;
  if (input.condition) perSample += 64 * resolution * resolution;
  const activations = perSample * batchSize * FLOAT * TAPE_OVERHEAD;
  return { bytes: weights + trainingState + activations, parts: { weights, trainingState, activations } };
}

/** wasm addresses at most 4 GiB; other backends are bounded by the machine. */
export function availableTrainingMemory(backend: string): number {
  const machine = Math.max(freemem(), totalmem() * 0.5);
  return backend === 'wasm' ? Math.min(machine, 4 * 1024 ** 3) : machine;
}

export interface MemoryVerdict {
  estimate: MemoryEstimate;
  availableBytes: number;
  fits: boolean;
  /** What to lower when it does not fit ('' when it fits). */
  advice: string;
}

function gib(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(2)} GiB`
    : `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}

export function checkTrainingMemory(input: MemoryEstimateInput, availableBytes: number): MemoryVerdict {
  const estimate = estimateTrainingMemory(input);
  if (estimate.bytes <= availableBytes) return { estimate, availableBytes, fits: true, advice: '' };
  const tips: string[] = [];
  let batch = input.batchSize;
  while (batch > 1 && estimateTrainingMemory({ ...input, batchSize: batch }).bytes > availableBytes) batch--;
  if (
    batch < input.batchSize &&
    estimateTrainingMemory({ ...input, batchSize: batch }).bytes <= availableBytes
  )
    tips.push(
      `lower --batch to ${batch} (add --accum ${Math.ceil(input.batchSize / batch)} to keep the effective batch)`,
    );
  const multiple = input.model.vaeFactor * input.model.unet.downscale;
  let resolution = input.resolution;
  while (
    resolution > multiple &&
    estimateTrainingMemory({ ...input, batchSize: 1, resolution }).bytes > availableBytes
  )
    resolution -= multiple;
  if (resolution < input.resolution) tips.push(`lower --resolution (at batch 1, ${resolution} fits)`);
  if (input.ema) tips.push('turn EMA off');
  if (tips.length === 0)
    tips.push('lower --down-ratio, or use a machine with more memory: even batch 1 does not fit');
  const advice = `Training needs about ${gib(estimate.bytes)} (weights ${gib(estimate.parts.weights)}, optimizer ${gib(
    estimate.parts.trainingState,
  )}, activations ${gib(estimate.parts.activations)}) but ${gib(availableBytes)} is available: ${tips.join('; or ')}.`;
  return { estimate, availableBytes, fits: false, advice };
}
