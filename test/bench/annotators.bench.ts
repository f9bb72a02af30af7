// `npm run bench -- annotators [--runs N] [--size 512]`: median milliseconds per annotator on a
// size×size picture (the astronaut photo when python3-skimage is installed, else drawn shapes).
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { annotate } from '../../main/annotators/annotate.ts';
import { cannyEdges } from '../../main/annotators/canny.ts';
import { poseDetector } from '../../main/annotators/pose/pose-annotator.ts';
import { renderSkeletonMap } from '../../main/annotators/pose/skeleton-map.ts';
import { scribbleStrokes } from '../../main/annotators/scribble.ts';
import { initBackend } from '../../main/engine/backend.ts';
import type { RgbaImage } from '../../main/engine/io/image.ts';
import { readImage, resizeImage } from '../../main/engine/io/image.ts';
import { shapesImage, strokesImage } from '../unit/annotators/synthetic-images.ts';
import { median, table, timeRuns } from './stats.ts';

const PHOTO = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';

export default async function (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { runs: { type: 'string', default: '15' }, size: { type: 'string', default: '512' } },
  });
  const runs = Number(values.runs);
  const size = Number(values.size);
  const backend = await initBackend();
  const photo: RgbaImage = existsSync(PHOTO)
    ? await resizeImage(await readImage(PHOTO), size, size, 'cover')
    : shapesImage(size, 1);
  const sketch = strokesImage(size, 2);
  const detector = await poseDetector();
  const rows: Record<string, string | number>[] = [];
  // Wall time and this process's CPU time per run: on a shared machine the CPU time is the
  // steadier number (it leaves out time spent waiting for a core).
  const add = async (name: string, fn: () => Promise<unknown> | unknown) => {
    const cpu: number[] = [];
    const times = await timeRuns(
      async () => {
        const c0 = process.cpuUsage();
        await fn();
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
      },
      runs,
      2,
    );
    rows.push({
      annotator: name,
      'median ms': median(times),
      'min ms': Math.min(...times),
      'median cpu ms': median(cpu.slice(2)),
    });
  };
  await add('canny (cannyEdges, colour)', () => cannyEdges(photo));
  await add('canny (cannyEdges, luminance)', () => cannyEdges(photo, { color: false }));
  await add('canny (annotate, 100/200)', () => annotate('canny', photo));
  await add('scribble from a sketch', () => scribbleStrokes(sketch));
  await add('scribble from a photo', () => scribbleStrokes(photo));
  await add('depth (grayscale)', () => annotate('depth', photo));
  await add(`pose: MoveNet ${detector.variant} detect`, () => detector.detect(photo));
  const { pose } = await annotate('pose', photo);
  await add('pose: skeleton map render', () => renderSkeletonMap(pose!));
  await add('pose (annotate, all)', () => annotate('pose', photo));
  console.log(`annotators at ${photo.width}x${photo.height}, ${runs} runs, backend ${backend.chosen}`);
  console.log(table(rows));
}
