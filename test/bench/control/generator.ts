// Generation for the control benchmark: one picture per call with generate(), the same prompt and
// seed for every method of a held-out condition.
import type { RgbaImage } from '../../../main/engine/io/image.ts';
import { generate } from '../../../main/engine/pipeline/generate.ts';
import type { LatentDiffusionModel } from '../../../main/engine/pipeline/latent-diffusion-model.ts';
import type { TunerMix } from '../../../main/engine/tuners/composition.ts';
import type { ControlBenchOptions } from './options.ts';

/** Generates one picture; every method of a held-out condition gets the same prompt and seed. */
export class Generator {
  private readonly plain = new Map<string, RgbaImage>();
  constructor(
    private readonly model: LatentDiffusionModel,
    private readonly o: ControlBenchOptions,
  ) {}

  async run(prompt: string, seed: number, mix?: TunerMix): Promise<RgbaImage> {
    const size = this.model.manifest.imageSize;
    const { image } = await generate(this.model, {
      prompt,
      seed,
      steps: this.o.genSteps,
      guidance: this.o.guidance,
      sampler: this.o.sampler,
      width: size,
      height: size,
      mix,
    });
    return image;
  }

  /** No control: the same prompt and seed give the same picture, so it is made once per sample. */
  async uncontrolled(prompt: string, seed: number): Promise<RgbaImage> {
    const key = `${seed}\u0000${prompt}`;
    let image = this.plain.get(key);
    if (!image) {
      image = await this.run(prompt, seed);
      this.plain.set(key, image);
    }
    return image;
  }
}
