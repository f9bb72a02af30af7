// Turns the recipe's built datasets into what the PyTorch scripts read: the images of each split
// as one raw RGB uint8 file, an index with captions, labels and token ids, the tokenizer learned
// from the training captions, and the model config (the TS embedded config with the tokenizer's
// vocabulary size). Tokenising here, with the engine's own WordTokenizer, makes the ids the
// training saw exactly the ids the studio will feed the text encoder.
//
//   npx tsx scripts/train-embedded/prepare.ts [--recipe assets/models/embedded/recipe.json]
//                                              [--out .cache/embedded-training/data]
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../main/engine/io/atomic-write.ts';
import { readImage } from '../../main/engine/io/image.ts';
import { embedded } from '../../main/engine/models/configs/embedded.ts';
import { parseLatentDiffusionConfig } from '../../main/engine/models/latent-diffusion-config.ts';
import { WordTokenizer } from '../../main/engine/models/text/tokenizer.ts';

interface RecipeDataset {
  name: string;
  dir: string;
  command: string;
}

interface Sample {
  source: string;
  file: string;
  caption: string;
  labels: Record<string, unknown>;
}

const SPLITS = ['train', 'heldout'] as const;

function readMetadata(dataset: RecipeDataset, split: string): Sample[] {
  const path = join(dataset.dir, split, 'metadata.jsonl');
  if (!existsSync(path)) {
    throw new Error(`${path}: missing; build the dataset first: ${dataset.command}`);
  }
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const { file_name, text, ...labels } = JSON.parse(line) as Record<string, unknown>;
      if (typeof file_name !== 'string' || typeof text !== 'string') {
        throw new Error(`${path}:${i + 1}: needs string file_name and text`);
      }
      return { source: dataset.name, file: join(dataset.dir, split, file_name), caption: text, labels };
    });
}

async function packImages(samples: Sample[], size: number): Promise<Uint8Array> {
  const out = new Uint8Array(samples.length * size * size * 3);
  for (let i = 0; i < samples.length; i++) {
    const img = await readImage(samples[i]!.file);
    if (img.width !== size || img.height !== size) {
      throw new Error(
        `${samples[i]!.file}: ${img.width}x${img.height}, the recipe trains at ${size}x${size}`,
      );
    }
    const base = i * size * size * 3;
    for (let p = 0; p < size * size; p++) {
      out[base + p * 3] = img.data[p * 4]!;
      out[base + p * 3 + 1] = img.data[p * 4 + 1]!;
      out[base + p * 3 + 2] = img.data[p * 4 + 2]!;
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      recipe: { type: 'string', default: 'assets/models/embedded/recipe.json' },
      out: { type: 'string', default: '.cache/embedded-training/data' },
    },
  });
  const recipe = JSON.parse(readFileSync(values.recipe!, 'utf8'));
  const size: number = recipe.model.imageSize;
  const out = resolve(values.out!);
  await mkdir(out, { recursive: true });

  const splits = Object.fromEntries(
    SPLITS.map((split) => [
      split,
      (recipe.datasets as RecipeDataset[]).flatMap((d) => readMetadata(d, split)),
    ]),
  ) as Record<(typeof SPLITS)[number], Sample[]>;

  const config = parseLatentDiffusionConfig(embedded, 'embedded config');
  const tokenizer = WordTokenizer.learn(
    splits.train.map((s) => s.caption),
    {
      contextLength: config.text.contextLength,
      minCount: recipe.tokenizer.minCount,
      maxWords: Math.min(recipe.tokenizer.maxWords, config.text.vocabSize - 4),
    },
  );
  config.text.vocabSize = tokenizer.vocabSize;
  await writeFileAtomic(join(out, 'tokenizer.json'), tokenizer.serialize());
  await writeFileAtomic(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

  for (const split of SPLITS) {
    const samples = splits[split];
    console.log(`${split}: packing ${samples.length} images`);
    await writeFileAtomic(join(out, `${split}.u8`), await packImages(samples, size));
    const index = {
      size,
      count: samples.length,
      emptyIds: tokenizer.encode(''),
      items: samples.map((s) => ({ ...s, ids: tokenizer.encode(s.caption) })),
    };
    await writeFileAtomic(join(out, `${split}.json`), JSON.stringify(index));
  }
  console.log(`tokenizer: ${tokenizer.vocabSize} tokens; wrote ${out}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
