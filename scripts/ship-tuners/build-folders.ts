// The training folders of the shipped condition tuners (assets/tuners), made from the embedded
// model's built datasets (.cache/datasets, `scedit dataset build`): canny on figures and emoji
// together, depth and pose on figures with their exact rendered maps. Seeded: the same seed picks
// the same pictures. Usage: node --import tsx scripts/ship-tuners/build-folders.ts <out> [count]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pickSamples, readSplit, writeTrainingFolder } from '../../test/bench/control/datasets.ts';

const SEED = 11;

function main(): void {
  const [out, countText = '3000'] = process.argv.slice(2);
  if (!out) throw new Error('usage: build-folders.ts <out folder> [pictures per folder]');
  const count = Number(countText);
  mkdirSync(out, { recursive: true });
  const figures = readSplit('figures', 'train');
  const emoji = readSplit('emoji', 'train');

  // The two sources share file stems (000123.png): prefix them so one folder can hold both.
  const half = Math.floor(count / 2);
  const canny = [
    ...pickSamples(figures, half, SEED).map((s) => ({ ...s, prefix: 'figure-' })),
    ...pickSamples(emoji, count - half, SEED).map((s) => ({ ...s, prefix: 'emoji-' })),
  ];
  writeTrainingFolder(join(out, 'canny'), canny, null);
  writeTrainingFolder(join(out, 'depth'), pickSamples(figures, count, SEED, ['depth']), 'depth');
  writeTrainingFolder(join(out, 'pose'), pickSamples(figures, count, SEED, ['pose']), 'pose');
  console.log(`${out}: canny ${canny.length}, depth ${count}, pose ${count} pictures`);
}

main();
