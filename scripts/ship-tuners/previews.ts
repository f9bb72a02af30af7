// Draws each shipped condition tuner's library preview: two held-out scenes of the embedded
// model's datasets (never trained on), each as its condition map beside the picture the tuner
// makes from it with the scene's caption, at the tuner's manifest weight and the studio's default
// settings (20 steps, guidance 7, Euler a). A 2x2 grid at the model's size, written next to the
// tuner (<condition>.preview.png), and named in the manifest's `preview`.
//   node --import tsx scripts/ship-tuners/previews.ts [--tuners DIR] [--seed 0]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../main/engine/backend.ts';
import { writeFileAtomicSync } from '../../main/engine/io/atomic-write.ts';
import { encodePng, type RgbaImage } from '../../main/engine/io/image.ts';
import { loadDefaultModel } from '../../main/engine/pipeline/default-model.ts';
import { generate } from '../../main/engine/pipeline/generate.ts';
import { rgbaToTensor } from '../../main/engine/pipeline/images.ts';
import type { CscTuner } from '../../main/engine/tuners/csc-tuner.ts';
import { loadTuner } from '../../main/engine/tuners/tuner-file.ts';
import {
  SHIPPED_TUNERS_MANIFEST,
  SOURCE_TREE_TUNERS_DIR,
} from '../../main/library/shipped-tuners-manifest.ts';
import type { ConditionKind } from '../../test/bench/control/aggregate.ts';
import { pickSamples, readSplit } from '../../test/bench/control/datasets.ts';
import { createJudge } from '../../test/bench/control/fidelity.ts';

/** Which datasets each condition's two preview scenes come from. */
const SCENES: Record<string, string[]> = {
  canny: ['figures', 'emoji'],
  depth: ['figures', 'figures'],
  pose: ['figures', 'figures'],
};

const { values } = parseArgs({
  options: {
    tuners: { type: 'string', default: SOURCE_TREE_TUNERS_DIR },
    seed: { type: 'string', default: '0' },
  },
});
const dir = values.tuners!;
const manifestPath = join(dir, SHIPPED_TUNERS_MANIFEST);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
  tuners: { file: string; kind: string; condition?: string; weight?: number; preview?: string }[];
};

/** Rows of equally sized pictures, side by side, as one picture. */
function grid(rows: RgbaImage[][]): RgbaImage {
  const side = rows[0]![0]!.width;
  const width = side * rows[0]!.length;
  const height = side * rows.length;
  const data = new Uint8ClampedArray(width * height * 4);
  rows.forEach((row, r) => {
    row.forEach((picture, c) => {
      for (let y = 0; y < side; y++) {
        const from = y * side * 4;
        const to = ((r * side + y) * width + c * side) * 4;
        data.set(picture.data.subarray(from, from + side * 4), to);
      }
    });
  });
  return { width, height, data };
}

await initBackend();
const model = await loadDefaultModel();
const size = model.manifest.imageSize;
for (const entry of manifest.tuners) {
  if (entry.kind !== 'csc' || !entry.condition) continue;
  const condition = entry.condition as ConditionKind;
  const { tuner } = await loadTuner(join(dir, entry.file), {
    baseModel: { id: model.id, hash: model.hash },
    layout: { skips: model.unet.skipInfo },
  });
  const judge = await createJudge(condition, size);
  const rows: RgbaImage[][] = [];
  const datasets = SCENES[condition] ?? ['figures', 'figures'];
  for (const [i, dataset] of datasets.entries()) {
    const needs = condition === 'canny' ? [] : [condition];
    // Distinct scenes when both come from one dataset: the i-th pick of the same seeded order.
    const sample = pickSamples(readSplit(dataset, 'heldout'), i + 1, Number(values.seed), needs)[i]!;
    const loaded = await judge.load(sample);
    const map = rgbaToTensor(loaded.map, '0,1');
    try {
      const { image } = await generate(model, {
        prompt: sample.caption,
        seed: 1000 + i,
        steps: 20,
        guidance: 7,
        sampler: 'euler_a',
        width: size,
        height: size,
        mix: { sc: [], csc: [{ tuner: tuner as CscTuner, condition: map, weight: entry.weight ?? 1 }] },
      });
      rows.push([loaded.map, image]);
      console.log(`${entry.file}: "${sample.caption}"`);
    } finally {
      map.dispose();
    }
  }
  tuner.dispose();
  await judge.dispose();
  const preview = entry.file.replace(/\.safetensors$/, '.preview.png');
  writeFileAtomicSync(join(dir, preview), await encodePng(grid(rows)));
  entry.preview = preview;
  console.log(`wrote ${join(dir, preview)}`);
}
writeFileAtomicSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`named the previews in ${manifestPath}`);
model.dispose();
