// Packs the figure-scene dataset into flat arrays the PyTorch annotator trainers read: per split,
// the pictures (N×H×W×3 uint8), the renderer's exact depth maps (N×H×W uint8, 0..255 levels,
// near = bright) and the 18 OpenPose keypoints (N×18×3 float32: x, y in pixels, visibility 0/1),
// with an index.json that names the files, sizes and counts.
//
//   npx tsx scripts/annotators/pack-figures.ts [--data .cache/datasets/figures]
//                                              [--out .cache/annotators/figures]
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../main/engine/io/atomic-write.ts';
import { readImage } from '../../main/engine/io/image.ts';
import { parseOpenPoseJson } from '../../shared/pose/openpose-json.ts';

const SPLITS = ['train', 'heldout'] as const;
const KEYPOINTS = 18;

interface Row {
  file_name: string;
  conditions: { depth: string; pose: string };
}

function readRows(dir: string): Row[] {
  const path = join(dir, 'metadata.jsonl');
  if (!existsSync(path))
    throw new Error(
      `${path}: missing; build the dataset first: npx scedit dataset build figures --out .cache/datasets/figures --count 12000 --seed 1 --size 64 --heldout 0.1`,
    );
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const row = JSON.parse(l) as Row;
      if (typeof row.file_name !== 'string' || !row.conditions?.depth || !row.conditions?.pose)
        throw new Error(`${path}:${i + 1}: needs file_name, conditions.depth and conditions.pose`);
      return row;
    });
}

async function packSplit(dir: string, out: string, split: string): Promise<{ count: number; size: number }> {
  const rows = readRows(dir);
  let size = 0;
  let images = new Uint8Array(0);
  let depth = new Uint8Array(0);
  const keypoints = new Float32Array(rows.length * KEYPOINTS * 3);
  for (const [i, row] of rows.entries()) {
    const picture = await readImage(join(dir, row.file_name));
    const map = await readImage(join(dir, row.conditions.depth));
    if (i === 0) {
      size = picture.width;
      images = new Uint8Array(rows.length * size * size * 3);
      depth = new Uint8Array(rows.length * size * size);
    }
    for (const [name, img] of [
      [row.file_name, picture],
      [row.conditions.depth, map],
    ] as const)
      if (img.width !== size || img.height !== size)
        throw new Error(
          `${join(dir, name)}: ${img.width}x${img.height}, expected ${size}x${size} like the first`,
        );
    const px = size * size;
    for (let p = 0; p < px; p++) {
      images[(i * px + p) * 3] = picture.data[p * 4]!;
      images[(i * px + p) * 3 + 1] = picture.data[p * 4 + 1]!;
      images[(i * px + p) * 3 + 2] = picture.data[p * 4 + 2]!;
      depth[i * px + p] = map.data[p * 4]!;
    }
    const posePath = join(dir, row.conditions.pose);
    const { document } = parseOpenPoseJson(readFileSync(posePath, 'utf8'), { name: posePath });
    const body = document.people[0]?.body ?? [];
    for (let k = 0; k < KEYPOINTS; k++) {
      const p = body[k];
      const at = (i * KEYPOINTS + k) * 3;
      keypoints[at] = p ? p.x : -1;
      keypoints[at + 1] = p ? p.y : -1;
      keypoints[at + 2] = p ? 1 : 0;
    }
  }
  await writeFileAtomic(join(out, `${split}-images.u8`), images);
  await writeFileAtomic(join(out, `${split}-depth.u8`), depth);
  await writeFileAtomic(join(out, `${split}-keypoints.f32`), new Uint8Array(keypoints.buffer));
  return { count: rows.length, size };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: '.cache/datasets/figures' },
      out: { type: 'string', default: '.cache/annotators/figures' },
    },
  });
  const data = resolve(values.data!);
  const out = resolve(values.out!);
  await mkdir(out, { recursive: true });
  const index: Record<string, unknown> = { source: data, keypoints: KEYPOINTS, splits: {} };
  for (const split of SPLITS) {
    const t0 = performance.now();
    const { count, size } = await packSplit(join(data, split), out, split);
    (index.splits as Record<string, unknown>)[split] = { count, size };
    console.log(
      `${split}: ${count} pictures ${size}x${size} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  await writeFileAtomic(join(out, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
}

await main();
