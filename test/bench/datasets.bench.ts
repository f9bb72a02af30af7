// `npm run bench -- datasets [--count 500] [--size 64]`: how fast the dataset builders are (one
// core: rendering is synchronous, PNG encoding and writes overlap on libuv's threads), and
// contact sheets of what they make, written to test/artifacts/ for people to look at.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { contactSheet } from '../../main/datasets/contact-sheet.ts';
import { buildEmoji } from '../../main/datasets/emoji/build-emoji.ts';
import { buildFigures } from '../../main/datasets/figures/build-figures.ts';
import { renderFigureSample } from '../../main/datasets/figures/figure-sample.ts';
import type { RgbaImage } from '../../main/engine/io/image.ts';
import { readImage, resizeImage, writePng } from '../../main/engine/io/image.ts';
import { median, table } from './stats.ts';

/** The picture with its visible keypoints marked (yellow dots). */
function withKeypoints(sample: ReturnType<typeof renderFigureSample>): RgbaImage {
  const { width, height } = sample.image;
  const data = new Uint8ClampedArray(sample.image.data);
  for (const k of sample.keypoints) {
    if (!k.visible) continue;
    const o = (Math.floor(k.y) * width + Math.floor(k.x)) * 4;
    data.set([255, 255, 0, 255], o);
  }
  return { width, height, data };
}

export default async function (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { count: { type: 'string', default: '500' }, size: { type: 'string', default: '64' } },
  });
  const count = Number(values.count);
  const size = Number(values.size);
  const artifacts = 'test/artifacts';
  mkdirSync(artifacts, { recursive: true });

  const renderMs: number[] = [];
  const sheet: RgbaImage[] = [];
  const depthSheet: RgbaImage[] = [];
  const keypointSheet: RgbaImage[] = [];
  for (let i = 0; i < 64; i++) {
    const t0 = performance.now();
    const sample = renderFigureSample(1, i, size);
    renderMs.push(performance.now() - t0);
    sheet.push(sample.image);
    depthSheet.push(sample.depth);
    keypointSheet.push(withKeypoints(sample));
  }
  const grid = contactSheet(sheet, 8);
  await writePng(
    join(artifacts, 'figures-contact-sheet.png'),
    await resizeImage(grid, grid.width * 2, grid.height * 2, 'fill'),
  );
  await writePng(join(artifacts, 'figures-depth-sheet.png'), contactSheet(depthSheet, 8));
  const kp = contactSheet(keypointSheet, 8);
  await writePng(
    join(artifacts, 'figures-keypoints-sheet.png'),
    await resizeImage(kp, kp.width * 2, kp.height * 2, 'fill'),
  );

  const root = mkdtempSync(join(tmpdir(), 'scedit-bench-datasets-'));
  try {
    const cpu0 = process.cpuUsage();
    const figures = await buildFigures({ out: join(root, 'figures'), count, seed: 1, size, heldout: 0.1 });
    const cpu = process.cpuUsage(cpu0);
    const figureCpuMs = (cpu.user + cpu.system) / 1000 / count;
    const emojiCount = Math.min(count, 3786);
    const emoji = await buildEmoji({
      out: join(root, 'emoji'),
      vendor: 'google',
      count: emojiCount,
      seed: 1,
      size,
      heldout: 0.1,
    });
    const emojiImages = await Promise.all(
      Array.from({ length: 64 }, (_, k) => String(k).padStart(6, '0')).map((stem) =>
        readImage(join(root, 'emoji', 'train', `${stem}.png`)).catch(() =>
          readImage(join(root, 'emoji', 'heldout', `${stem}.png`)),
        ),
      ),
    );
    const eg = contactSheet(emojiImages, 8);
    await writePng(
      join(artifacts, 'emoji-contact-sheet.png'),
      await resizeImage(eg, eg.width * 2, eg.height * 2, 'fill'),
    );
    console.log(
      table([
        { what: `render one figure scene (${size} px, 3x3 rays), median ms`, value: median(renderMs) },
        {
          what: `build figures: ${count} samples, images/s (render + 5 files each)`,
          value: count / figures.seconds,
        },
        {
          what: 'build figures: CPU ms per sample (all threads; robust to a busy machine)',
          value: figureCpuMs,
        },
        { what: `build emoji: ${emojiCount} samples, images/s`, value: emojiCount / emoji.seconds },
      ]),
    );
    console.log(`contact sheets in ${artifacts}/ (figures, depth, keypoints, emoji)`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
