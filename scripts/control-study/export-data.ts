// Exports what the control bench's trainer reads, made by the engine itself, for the PyTorch port
// (train.py): per experiment, the VAE latents exactly as prepareTrainingData makes them (through the
// bench's feature cache, so the very latents the CPU bench trained on), the condition maps as the
// trainer feeds them (paired maps resized 'cover', canny extracted by the engine's annotator with the
// trainer's thresholds; stored as bytes, the trainer's floats are byte / 255), the token ids of each
// caption and of the empty prompt (the text encoder runs in PyTorch), and a few contexts to check that.
//
//   npx tsx scripts/control-study/export-data.ts --out .study/data [--experiments depth,pose]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../main/engine/backend.ts';
import type { EmbeddedTextEncoder } from '../../main/engine/models/text/text-encoder.ts';
import { EMBEDDED_MODEL_DIR, loadDefaultModel } from '../../main/engine/pipeline/default-model.ts';
import { canExtractCondition, conditionExtractor } from '../../main/engine/train/condition-maps.ts';
import { scanTrainingFolder } from '../../main/engine/train/dataset-scan.ts';
import { FeatureCache } from '../../main/engine/train/feature-cache.ts';
import { prepareTrainingData } from '../../main/engine/train/training-data.ts';
import { EXPERIMENTS } from '../../test/bench/control/experiments.ts';
import { EXPERIMENT_NAMES, type ExperimentName } from '../../test/bench/control/options.ts';
import { writeNpy } from './npy.ts';

const BENCH = join(import.meta.dirname, '..', '..', 'test', 'bench', 'output', 'control');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: '.study/data' },
      experiments: { type: 'string', default: 'depth,pose,canny-figures,canny-emoji' },
      data: { type: 'string', default: join(BENCH, 'data') },
      cache: { type: 'string', default: join(BENCH, 'features') },
    },
  });
  const names = values.experiments!.split(',').filter(Boolean) as ExperimentName[];
  for (const n of names) if (!EXPERIMENT_NAMES.includes(n)) throw new Error(`unknown experiment ${n}`);
  await initBackend();
  const model = await loadDefaultModel(EMBEDDED_MODEL_DIR);
  const text = model.text as EmbeddedTextEncoder;
  const resolution = model.manifest.imageSize;
  for (const name of names) {
    const condition = EXPERIMENTS[name].condition;
    const folder = join(values.data!, name);
    const t0 = performance.now();
    // As trainTuner scans and prepares (train-tuner.ts), with the bench's settings: no flip, the
    // model's size, square crops, the condition's own extractor, the empty prompt for dropout.
    const scan = await scanTrainingFolder(folder, {
      minSide: Math.max(8, Math.floor(resolution / 4)),
      condition,
      canExtractCondition: canExtractCondition(condition, { depthModel: null }),
    });
    const extractor = await conditionExtractor(condition, { depthModel: null });
    try {
      const data = await prepareTrainingData(
        model,
        scan,
        { resolution, flip: false, condition, buckets: false, extractor, emptyPrompt: true },
        new FeatureCache(values.cache!),
      );
      const n = data.examples.length;
      const first = data.examples[0]!;
      const [lh, lw, lc] = first.latentShape;
      const [w, h] = first.size;
      const latents = new Float32Array(n * lh * lw * lc);
      const maps = new Uint8Array(n * h * w * 3);
      const ids = new Int32Array(n * text.contextLength);
      let worst = 0;
      data.examples.forEach((e, i) => {
        if (e.repeats !== 1) throw new Error(`${e.file}: repeats ${e.repeats}; the port assumes 1`);
        latents.set(e.latent, i * e.latent.length);
        const c = e.condition!;
        for (let k = 0; k < c.length; k++) {
          const b = Math.round(c[k]! * 255);
          worst = Math.max(worst, Math.abs(Math.fround(b * (1 / 255)) - c[k]!));
          maps[i * c.length + k] = b;
        }
        ids.set(text.tokenizer.encode(e.caption), i * text.contextLength);
      });
      if (worst !== 0) throw new Error(`${name}: condition maps are not bytes / 255 (off by ${worst})`);
      const out = join(values.out!, name);
      mkdirSync(out, { recursive: true });
      writeNpy(join(out, 'latents.npy'), latents, [n, lh, lw, lc]);
      writeNpy(join(out, 'conditions.npy'), maps, [n, h, w, 3]);
      writeNpy(join(out, 'ids.npy'), ids, [n, text.contextLength]);
      writeNpy(join(out, 'empty_ids.npy'), Int32Array.from(text.tokenizer.encode('')), [text.contextLength]);
      // Contexts of the first captions and of the empty prompt, to check the PyTorch text encoder.
      const check = Math.min(4, n);
      const [ct, cd] = data.contextShape;
      const contexts = new Float32Array((check + 1) * ct * cd);
      for (let i = 0; i < check; i++)
        contexts.set(data.contexts[data.examples[i]!.contextIndex]!, i * ct * cd);
      contexts.set(data.emptyContext!, check * ct * cd);
      writeNpy(join(out, 'check_contexts.npy'), contexts, [check + 1, ct, cd]);
      writeFileSync(
        join(out, 'meta.json'),
        `${JSON.stringify(
          {
            experiment: name,
            condition,
            count: n,
            imageSize: [w, h],
            latentShape: [lh, lw, lc],
            baseModel: { id: model.id, hash: model.hash },
            vaeFactor: model.vaeFactor,
            files: data.examples.map((e) => e.file),
            captions: data.examples.map((e) => e.caption),
          },
          null,
          1,
        )}\n`,
      );
      console.log(
        `${name}: ${n} examples, latents ${lh}x${lw}x${lc}, maps ${w}x${h} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
    } finally {
      extractor?.dispose();
    }
  }
  model.dispose();
}

await main();
