// Where the trainer's settings start for each kind of tuner: the settings measured to work on the
// embedded model, not one set for both. A condition tuner trained like a style tuner (lr 1e-4, every
// caption kept, a few hundred steps) learns the captions' domain and barely moves toward its map
// (~2 of 255 levels after 200 steps, assets/tuners/README.md); the shipped ones trained at lr 2e-3
// with half the captions dropped, batch 8, 1,600-2,400 steps. The style measurement (issue 11
// item 4, `npm run bench -- style`) trained SC-Tuners at lr 1e-4, batch 8, 400 steps.
import type { TunerKind } from './common-schemas.ts';

export interface TrainingPreset {
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Share of steps trained with the empty caption, so a condition tuner learns from its map. */
  captionDropout: number;
}

export const TRAINING_PRESETS: Record<TunerKind, TrainingPreset> = {
  sc: { steps: 400, batchSize: 8, learningRate: 1e-4, captionDropout: 0 },
  csc: { steps: 1600, batchSize: 8, learningRate: 2e-3, captionDropout: 0.5 },
};
