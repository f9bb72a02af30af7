// What every part of the control benchmark shares: the model, the options, the generator, where
// output goes and how progress is logged.
import type { LatentDiffusionModel } from '../../../main/engine/pipeline/latent-diffusion-model.ts';
import type { Generator } from './generator.ts';
import type { ControlBenchOptions } from './options.ts';

export interface BenchContext {
  model: LatentDiffusionModel;
  o: ControlBenchOptions;
  gen: Generator;
  /** Contact sheets are written here. */
  outputDir: string;
  log: (line: string) => void;
}
