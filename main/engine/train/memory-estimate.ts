// Memory a tuner training run will need, estimated before it starts, so a run that cannot fit is
// refused with advice instead of dying half-way. Counted: the frozen model's weights; per trained
// parameter its value, gradient, accumulated gradient and two AdamW moments (+ EMA); and the
// activations the gradient tape keeps: for SC/CSC-Tuners only the decoder path and the tuners (the
// encoder runs without the tape, so only its skips and one working feature map are held); for a
// LoRA the whole U-Net plus the LoRA branches; for a ControlNet its encoder copy, the hint block,
// the zero convolutions and the frozen decoder (the frozen encoder again runs without the tape).
import { freemem, totalmem } from 'node:os';
import type { LatentDiffusionModel } from '../pipeline/latent-diffusion-model.ts';

export interface MemoryEstimateInput {
  model: LatentDiffusionModel;
  tunerParams: number;
  batchSize: number;
  resolution: number;
  /** Condition tuners also keep their hint cascade on the tape. */
  condition: boolean;
  /**
   * The condition's hint cascade, layer by layer (a CSC-Tuner's preHintPlan): sizes what it keeps.
   * Without it the cascade is taken as ControlNet's, 64 channels at full resolution.
   */
  hintPlan?: readonly HintLayer[];
  ema: boolean;
  /** What trains, which decides what the tape holds (default: an SC/CSC-Tuner on the skips). */
  method?: TrainingMethod;
}

export type TrainingMethod = 'skip-tuner' | 'lora' | 'controlnet';

export interface HintLayer {
  width: number;
  stride: number;
}

/** Floats per sample a hint cascade keeps: each layer's convolution output and its activation. */
function hintActivations(resolution: number, plan: readonly HintLayer[] | undefined): number {
  if (!plan) return 64 * resolution * resolution;
  let side = resolution;
  let total = 0;
  for (const layer of plan) {
    side /= layer.stride;
    total += 2 * layer.width * side * side;
  }
  return total;
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
 * what backprop needs; whole-step peaks (tf.profile, forward and backward, tiny and embedded U-Nets,
 * batch 1 and 4, all four methods) are covered when the counts above are scaled by this (1.35-1.6x
 * over them since the wasm Identity/Cast kernels share memory instead of copying; 10 before).
 */
const TAPE_OVERHEAD = 9;
/**
 * Per transformer block with LoRA on q/k/v/out and the feed-forward, in units of its feature map:
 * each adapted layer adds its down/up products, the scaled update and the sum.
 */
const LORA_KEPT = 30;
/**
 * Backprop through a layer makes temporaries the size of its weights (transposed filters, weight
 * gradients of frozen layers before they are dropped): measured peaks hold about 0.7 of the U-Net's
 * weights again when only the decoder is differentiated, the whole of them when the encoder is too.
 */
const TAPE_WEIGHT_COPIES: Record<TrainingMethod, number> = { 'skip-tuner': 0.7, lora: 1, controlnet: 1 };
/** A ControlNet's encoder copy keeps more than the frozen encoder would (the hint sum, zero convs). */
const CONTROLNET_ENCODER_FACTOR = 1.6;

export function estimateTrainingMemory(input: MemoryEstimateInput): MemoryEstimate {
  const { model, batchSize, resolution } = input;
  const method = input.method ?? 'skip-tuner';
  const unet = model.unet;
  const c = unet.config;
  const weights =
    (unet.params.count() + model.vae.params.count() + model.text.transformer.params.count()) * FLOAT;
  const trainingState = input.tunerParams * FLOAT * (5 + (input.ema ? 1 : 0));
  const side = resolution / model.vaeFactor;
  const contextLength = model.text.contextLength;
  const transformer = (ch: number, hw: number, level: number | null): number => {
    if (level !== null && !c.attentionLevels.includes(level)) return 0;
    const heads = c.numHeads ?? ch / c.headDim!;
    const kept = TRANSFORMER_KEPT + (method === 'lora' ? LORA_KEPT : 0);
    return c.transformerDepth * (kept * ch * hw + 2 * heads * hw * (hw + contextLength));
  };
  let perSample = 0;
  // Decoder: output blocks mirror the skips (decoder order = encoder order reversed).
  const skips = [...unet.skipInfo].reverse();
  let ch = skips[0]!.channels;
  for (const skip of skips) {
    const hw = (side / skip.downscale) ** 2;
    const level = Math.round(Math.log2(skip.downscale));
    const out = c.modelChannels * c.channelMult[Math.min(level, c.channelMult.length - 1)]!;
    perSample += RESBLOCK_KEPT * (ch + skip.channels + out) * hw + transformer(out, hw, level);
    // The tuner on this skip: input, hidden (before and after GELU), output; CSC adds its hint.
    if (method === 'skip-tuner')
      perSample += (3 * skip.channels + 2 * skip.channels) * hw * (input.condition ? 2 : 1);
    ch = out;
  }
  // Encoder without tape: every skip is held, plus a few working maps of the widest level.
  const skipValues = unet.skipInfo.reduce((n, s) => n + s.channels * (side / s.downscale) ** 2, 0);
  perSample += skipValues + 4 * c.modelChannels * c.channelMult[0]! * side * side;
  // A LoRA's U-Net encoder, or a ControlNet's copy of it (plus its zero convolutions), on the tape.
  if (method !== 'skip-tuner')
    perSample +=
      encoderOnTape(input, transformer) * (method === 'controlnet' ? CONTROLNET_ENCODER_FACTOR : 1);
  if (method === 'controlnet') perSample += skipValues;
  if (input.condition) perSample += hintActivations(resolution, input.hintPlan);
  const activations =
    perSample * batchSize * FLOAT * TAPE_OVERHEAD + TAPE_WEIGHT_COPIES[method] * unet.params.count() * FLOAT;
  return { bytes: weights + trainingState + activations, parts: { weights, trainingState, activations } };
}

/** Activations the tape keeps for the input blocks and the middle block, per sample (floats). */
function encoderOnTape(
  input: MemoryEstimateInput,
  /** Kept by a transformer block at that level (null: always one, as in the middle block). */
  transformer: (ch: number, hw: number, level: number | null) => number,
): number {
  const { model, resolution } = input;
  const unet = model.unet;
  const side = resolution / model.vaeFactor;
  let total = 0;
  let previous = unet.skipInfo[0]!;
  // Block 0 is the input convolution; a block whose scale grows is a downsampling convolution.
  total += previous.channels * side * side;
  for (const skip of unet.skipInfo.slice(1)) {
    const hw = (side / skip.downscale) ** 2;
    const level = Math.round(Math.log2(skip.downscale));
    if (skip.downscale > previous.downscale) total += skip.channels * hw;
    else
      total +=
        RESBLOCK_KEPT * (previous.channels + skip.channels) * hw + transformer(skip.channels, hw, level);
    previous = skip;
  }
  // Middle block: two ResBlocks around a transformer at the lowest level.
  const last = unet.skipInfo.at(-1)!;
  const hw = (side / last.downscale) ** 2;
  total += 2 * RESBLOCK_KEPT * 2 * last.channels * hw + transformer(last.channels, hw, null);
  return total;
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
  if (tips.length === 0) {
    const knob =
      input.method === 'lora'
        ? 'lower --rank, '
        : input.method === 'controlnet'
          ? ''
          : 'lower --down-ratio, ';
    tips.push(`${knob}${knob ? 'or ' : ''}use a machine with more memory: even batch 1 does not fit`);
  }
  const advice = `Training needs about ${gib(estimate.bytes)} (weights ${gib(estimate.parts.weights)}, optimizer ${gib(
    estimate.parts.trainingState,
  )}, activations ${gib(estimate.parts.activations)}) but ${gib(availableBytes)} is available: ${tips.join('; or ')}.`;
  return { estimate, availableBytes, fits: false, advice };
}
