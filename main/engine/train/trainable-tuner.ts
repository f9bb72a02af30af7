// What a training run trains, behind one face: an SC-Tuner, a CSC-Tuner, or one of the baselines
// (LoRA, ControlNet). Each gives its parameters and objective to the trainer, its config to the
// run's fingerprint, what the tape will hold to the memory estimate, a tuner mix for previews, and
// writes its own file format (tuner files for SC/CSC, baseline files for LoRA/ControlNet).
import type * as tf from '@tensorflow/tfjs-core';
import type { Param } from '../nn/params.ts';
import type { LatentDiffusionModel } from '../pipeline/latent-diffusion-model.ts';
import { saveBaseline } from '../tuners/baseline-file.ts';
import type { TunerMix } from '../tuners/composition.ts';
import { ControlNet } from '../tuners/controlnet.ts';
import { cscParameterBudget } from '../tuners/csc-budget.ts';
import { CscTuner, type CscTunerConfig, defaultCscTunerConfig, preHintPlan } from '../tuners/csc-tuner.ts';
import { LoraTuner } from '../tuners/lora.ts';
import { ScTuner } from '../tuners/sc-tuner.ts';
import { type BaseModelRef, saveTuner } from '../tuners/tuner-file.ts';
import { controlNetObjective, loraObjective } from './baseline-objectives.ts';
import type { HintLayer, TrainingMethod } from './memory-estimate.ts';
import type { DiffusionBatch } from './sample-stream.ts';
import { skipTunerObjective } from './skip-tuner-objective.ts';
import type { TrainingObjective } from './trainer.ts';

export const TRAINABLE_KINDS = ['sc', 'csc', 'lora', 'controlnet'] as const;
export type TrainableKind = (typeof TRAINABLE_KINDS)[number];

/** Kinds that learn from a condition map (and need a condition kind). */
export function takesCondition(kind: TrainableKind): boolean {
  return kind === 'csc' || kind === 'controlnet';
}

export interface TrainableOptions {
  kind: TrainableKind;
  condition: string | null;
  /** SC/CSC adapter width ratio. */
  downRatio: number;
  /** LoRA rank (alpha = rank). */
  rank: number;
  seed: number;
}

export interface TrainableTuner {
  readonly kind: TrainableKind;
  readonly condition: string | null;
  readonly params: readonly Param[];
  readonly parameterCount: number;
  /** The tuner's settings as plain data (fingerprints, lineage). */
  readonly config: unknown;
  readonly memoryMethod: TrainingMethod;
  /** A CSC-Tuner's hint cascade (what its training keeps of the condition); null for the others. */
  readonly hintPlan: readonly HintLayer[] | null;
  objective(): TrainingObjective<DiffusionBatch>;
  /** The mix that generates with this tuner; `condition` [1, H, W, 3] for condition kinds. */
  previewMix(condition: tf.Tensor4D | null): TunerMix;
  save(
    path: string,
    options: { baseModel: BaseModelRef; name: string; training: unknown; triggerWords?: readonly string[] },
  ): Promise<void>;
  dispose(): void;
}

/** The CSC-Tuner a training run builds for this model: the studio's default for its U-Net, within budget. */
export function cscConfigFor(
  model: LatentDiffusionModel,
  condition: string,
  downRatio: number,
): CscTunerConfig {
  return defaultCscTunerConfig({ skips: model.unet.skipInfo }, condition, model.vaeFactor, {
    downRatio,
    maxParameters: cscParameterBudget(model.unet, model.vaeFactor),
  });
}

export function createTrainableTuner(model: LatentDiffusionModel, o: TrainableOptions): TrainableTuner {
  if (takesCondition(o.kind) && !o.condition)
    throw new Error(`a ${kindLabel(o.kind)} needs a condition kind`);
  if (!takesCondition(o.kind) && o.condition) throw new Error(`a ${kindLabel(o.kind)} takes no condition`);
  const needCondition = (c: tf.Tensor4D | null): tf.Tensor4D => {
    if (!c) throw new Error(`a ${kindLabel(o.kind)} preview needs a condition map`);
    return c;
  };
  switch (o.kind) {
    case 'sc':
    case 'csc': {
      const tuner =
        o.kind === 'sc'
          ? new ScTuner({ layout: { skips: model.unet.skipInfo }, downRatio: o.downRatio }, { seed: o.seed })
          : new CscTuner(cscConfigFor(model, o.condition!, o.downRatio), { seed: o.seed });
      return {
        kind: o.kind,
        condition: o.condition,
        params: tuner.params.list(),
        parameterCount: tuner.params.count(),
        config: tuner.config,
        memoryMethod: 'skip-tuner',
        hintPlan: tuner instanceof CscTuner ? preHintPlan(tuner.config) : null,
        objective: () => skipTunerObjective(model, tuner),
        previewMix: (c) =>
          tuner instanceof CscTuner
            ? { sc: [], csc: [{ tuner, condition: needCondition(c), weight: 1 }] }
            : { sc: [{ tuner, scale: 1 }], csc: [] },
        save: (path, options) => saveTuner(path, tuner, options),
        dispose: () => tuner.dispose(),
      };
    }
    case 'lora': {
      const tuner = new LoraTuner(model.unet, { rank: o.rank }, { seed: o.seed });
      return {
        kind: 'lora',
        condition: null,
        params: tuner.params.list(),
        parameterCount: tuner.params.count(),
        config: tuner.fileConfig(),
        memoryMethod: 'lora',
        hintPlan: null,
        objective: () => loraObjective(model, tuner),
        previewMix: () => ({ sc: [], csc: [], lora: [{ tuner, scale: 1 }] }),
        save: (path, options) => saveBaseline(path, { kind: 'lora', tuner }, options),
        dispose: () => tuner.dispose(),
      };
    }
    case 'controlnet': {
      const tuner = new ControlNet(
        model.unet,
        { latentFactor: model.vaeFactor, conditionChannels: 3 },
        { seed: o.seed },
      );
      const condition = o.condition!;
      return {
        kind: 'controlnet',
        condition,
        params: tuner.params(),
        parameterCount: tuner.parameterCount(),
        config: { ...tuner.config, condition },
        memoryMethod: 'controlnet',
        hintPlan: null,
        objective: () => controlNetObjective(model, tuner),
        previewMix: (c) => ({
          sc: [],
          csc: [],
          controlNets: [{ tuner, condition: needCondition(c), weight: 1 }],
        }),
        save: (path, options) => saveBaseline(path, { kind: 'controlnet', tuner, condition }, options),
        dispose: () => tuner.dispose(),
      };
    }
  }
}

export function kindLabel(kind: TrainableKind): string {
  return { sc: 'SC-Tuner', csc: 'CSC-Tuner', lora: 'LoRA', controlnet: 'ControlNet' }[kind];
}
