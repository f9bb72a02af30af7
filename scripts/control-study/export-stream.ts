// Writes the engine's own sample stream (sample-stream.ts: example, timestep, caption dropout and
// noise seed of each sample, and the noise of the first samples) for a run of the control bench's
// shape, so rng.py's port can be checked against it:
//
//   npx tsx scripts/control-study/export-stream.ts --out .study/stream
//   /usr/bin/python3 scripts/control-study/rng.py --check .study/stream
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seededNoise } from '../../main/engine/diffusion/noise.ts';
import { SampleStream } from '../../main/engine/train/sample-stream.ts';
import type { PreparedData, TrainingExample } from '../../main/engine/train/training-data.ts';
import { writeNpy } from './npy.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '.study/stream' },
    count: { type: 'string', default: '512' },
    samples: { type: 'string', default: '6400' },
    noised: { type: 'string', default: '24' },
    seed: { type: 'string', default: '0' },
    dropout: { type: 'string', default: '0.5' },
  },
});
const count = Number(values.count);
const samples = Number(values.samples);
const noised = Number(values.noised);
const latentShape: [number, number, number] = [16, 16, 4];
const latentSize = latentShape.reduce((a, b) => a * b, 1);
// The stream reads only the examples' count, repeats and sizes to draw samples.
const examples: TrainingExample[] = Array.from({ length: count }, (_, i) => ({
  file: `${i}`,
  size: [64, 64],
  latentShape,
  repeats: 1,
  caption: '',
  latent: new Float32Array(latentSize),
  latentFlipped: null,
  contextIndex: 0,
  condition: null,
  conditionFlipped: null,
}));
const data: PreparedData = {
  examples,
  contexts: [new Float32Array(1)],
  emptyContext: new Float32Array(1),
  contextShape: [1, 1],
  fingerprint: '',
};
const stream = new SampleStream(data, Number(values.seed), 1000, false, 8, Number(values.dropout));
const example = new Int32Array(samples);
const timestep = new Int32Array(samples);
const dropped = new Uint8Array(samples);
const noiseSeed = new Float64Array(samples);
for (let i = 0; i < samples; i++) {
  const s = stream.sample(i);
  example[i] = s.example;
  timestep[i] = s.timestep;
  dropped[i] = s.captionDropped ? 1 : 0;
  noiseSeed[i] = s.noiseSeed;
}
const noise = new Float32Array(noised * latentSize);
for (let i = 0; i < noised; i++) noise.set(seededNoise(noiseSeed[i]!).normal(latentSize), i * latentSize);
mkdirSync(values.out!, { recursive: true });
writeNpy(join(values.out!, 'example.npy'), example, [samples]);
writeNpy(join(values.out!, 'timestep.npy'), timestep, [samples]);
writeNpy(join(values.out!, 'dropped.npy'), dropped, [samples]);
writeNpy(join(values.out!, 'noise_seed.npy'), noiseSeed, [samples]);
writeNpy(join(values.out!, 'noise.npy'), noise, [noised, ...latentShape]);
console.log(`wrote ${samples} samples (${noised} with noise) of the engine's stream to ${values.out}`);
