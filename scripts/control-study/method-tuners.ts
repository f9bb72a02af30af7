// What the control-study scripts share: the engine, model and generator at the bench's settings,
// the held-out conditions in the bench's order, the two methods' tuner files for a condition, the
// mix that applies one at a weight, and the prompt judge (does a picture still show what its
// caption asks for, by the eval classifier).
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, initBackend } from '../../main/engine/backend.ts';
import type { RgbaImage } from '../../main/engine/io/image.ts';
import { EMBEDDED_MODEL_DIR, loadDefaultModel } from '../../main/engine/pipeline/default-model.ts';
import { rgbaToTensor } from '../../main/engine/pipeline/images.ts';
import type { LatentDiffusionModel } from '../../main/engine/pipeline/latent-diffusion-model.ts';
import { loadBaseline } from '../../main/engine/tuners/baseline-file.ts';
import type { TunerMix } from '../../main/engine/tuners/composition.ts';
import type { ControlNet } from '../../main/engine/tuners/controlnet.ts';
import type { CscTuner } from '../../main/engine/tuners/csc-tuner.ts';
import { loadTuner } from '../../main/engine/tuners/tuner-file.ts';
import {
  type DatasetSample,
  pairedMapsFor,
  pickSamples,
  readSplit,
} from '../../test/bench/control/datasets.ts';
import type { Experiment } from '../../test/bench/control/experiments.ts';
import { Generator } from '../../test/bench/control/generator.ts';
import { CONTROL_BENCH_DEFAULTS, type ControlBenchOptions } from '../../test/bench/control/options.ts';
import { loadEvalClassifier } from '../../test/bench/quality/classifier.ts';
import { labelFor, readHeldout } from '../../test/bench/quality/heldout.ts';

export type Method = 'csc' | 'controlnet';

export interface Study {
  log(line: string): void;
  model: LatentDiffusionModel;
  /** The bench's generation settings and seed. */
  o: ControlBenchOptions;
  gen: Generator;
  promptJudge: PromptJudge;
}

/** The backend (described in the log), the embedded model, its generator and the prompt judge. */
export async function openStudy(): Promise<Study> {
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  log(describeBackend(await initBackend()));
  const model = await loadDefaultModel(EMBEDDED_MODEL_DIR);
  const o = { ...CONTROL_BENCH_DEFAULTS } as unknown as ControlBenchOptions;
  return { log, model, o, gen: new Generator(model, o), promptJudge: await createPromptJudge() };
}

/** The experiment's first `count` held-out conditions in the bench's seeded order. */
export function heldoutConditions(experiment: Experiment, count: number, seed: number): DatasetSample[] {
  const { dataset } = experiment;
  return pickSamples(readSplit(dataset, 'heldout'), count, seed, pairedMapsFor(dataset));
}
export const METHOD_LABEL: Record<Method, string> = { csc: 'CSC', controlnet: 'ControlNet' };

export function parseMethods(list: string): Method[] {
  const methods = list.split(',');
  for (const m of methods)
    if (m !== 'csc' && m !== 'controlnet') throw new Error(`--methods: csc and/or controlnet, got ${m}`);
  return methods as Method[];
}

export interface MethodTuners {
  csc: CscTuner | null;
  controlnet: ControlNet | null;
  dispose(): void;
}

/** DIR's `<name>-csc.safetensors` and `<name>-controlnet.safetensors`, those of `methods` only. */
export async function loadMethodTuners(
  dir: string,
  name: string,
  methods: readonly Method[],
  model: LatentDiffusionModel,
): Promise<MethodTuners> {
  const baseModel = { id: model.id, hash: model.hash };
  const csc = methods.includes('csc')
    ? ((
        await loadTuner(join(dir, `${name}-csc.safetensors`), {
          baseModel,
          layout: { skips: model.unet.skipInfo },
        })
      ).tuner as CscTuner)
    : null;
  const controlnet = methods.includes('controlnet')
    ? ((
        await loadBaseline(join(dir, `${name}-controlnet.safetensors`), {
          baseModel,
          unet: model.unet,
          latentFactor: model.vaeFactor,
        })
      ).baseline.tuner as ControlNet)
    : null;
  return {
    csc,
    controlnet,
    dispose() {
      csc?.dispose();
      controlnet?.dispose();
    },
  };
}

/** The mix that applies `method`'s tuner with the condition `map` ([1, H, W, 3] in [0, 1]) at `weight`. */
export function mixFor(tuners: MethodTuners, method: Method, map: tf.Tensor4D, weight: number): TunerMix {
  if (method === 'csc') return { sc: [], csc: [{ tuner: tuners.csc!, condition: map, weight }] };
  return { sc: [], csc: [], controlNets: [{ tuner: tuners.controlnet!, condition: map, weight }] };
}

/** The classifier heads whose class a caption names, per dataset. */
const PROMPT_HEADS: Record<string, string[]> = {
  figures: ['figure_color', 'figure_object', 'figure_pose'],
  emoji: ['emoji_category'],
};

export interface PromptJudge {
  /** Per head the caption names, whether the picture's predicted class is the caption's. */
  hits(picture: RgbaImage, sample: DatasetSample, dataset: string): boolean[];
}

/** Fidelity alone rewards a weight that follows the map into a broken picture: this says what of
 *  the prompt a picture keeps (figure colour, object and pose; emoji category). */
export async function createPromptJudge(): Promise<PromptJudge> {
  const classifier = await loadEvalClassifier();
  const labelled = new Map(readHeldout().map((s) => [s.file, s]));
  const size = classifier.config.input.size;
  return {
    hits(picture, sample, dataset) {
      const heldout = labelled.get(sample.file);
      if (!heldout) throw new Error(`${sample.file}: not among the recipe's held-out pictures (no labels)`);
      return tf.tidy(() => {
        const input = rgbaToTensor(picture, '-1,1');
        const sized = input.shape[1] === size ? input : tf.image.resizeBilinear(input, [size, size], true);
        const { logits } = classifier.forward(sized);
        return (PROMPT_HEADS[dataset] ?? []).flatMap((name) => {
          const head = classifier.head(name);
          const label = labelFor(head, heldout);
          if (label === null) return [];
          return [head.classes[tf.argMax(logits[name]!, 1).dataSync()[0]!] === label];
        });
      });
    },
  };
}

/** The share of true judgements. */
export function share(hits: readonly boolean[]): { value: number; judgements: number } {
  return { value: hits.filter(Boolean).length / hits.length, judgements: hits.length };
}
