// Measures the figure-world annotators on the held-out figure scenes with the control-fidelity
// metrics (main/engine/eval/control-metrics.ts), beside their baselines:
//   depth: RMSE in 0..255 map levels of 'figures', 'grayscale' and the held-out maps' own mean
//          level (the best any constant can do), as they are and after the per-picture
//          least-squares scale and shift;
//   pose:  PCK@0.1 (and @0.05) of 'figures' and MoveNet (the photo default) on the same pictures.
//
//   npx tsx scripts/annotators/eval-figure-annotators.ts [--data .cache/datasets/figures/heldout]
//        [--limit N] [--out results.json]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { annotate } from '../../main/annotators/annotate.ts';
import { releasePoseDetectors } from '../../main/annotators/pose/pose-annotator.ts';
import { initBackend } from '../../main/engine/backend.ts';
import { depthRmse, type PlaneMap, planeFromRgba, posePck } from '../../main/engine/eval/control-metrics.ts';
import { writeFileAtomic } from '../../main/engine/io/atomic-write.ts';
import { readImage } from '../../main/engine/io/image.ts';
import { parseOpenPoseJson } from '../../shared/pose/openpose-json.ts';

interface Row {
  file_name: string;
  conditions: { depth: string; pose: string };
}

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.cache/datasets/figures/heldout' },
    limit: { type: 'string' },
    out: { type: 'string' },
  },
});
const dir = values.data!;
let rows = readFileSync(join(dir, 'metadata.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Row);
if (values.limit) rows = rows.slice(0, Number(values.limit));
await initBackend();

const sq = { figures: 0, figuresFit: 0, grayscale: 0, grayscaleFit: 0, mean: 0 };
let pixels = 0;
const pose: Record<string, { found: number; visible: number; found05: number }> = {
  figures: { found: 0, visible: 0, found05: 0 },
  movenet: { found: 0, visible: 0, found05: 0 },
};
const truths: PlaneMap[] = [];
const t0 = performance.now();
for (const [i, row] of rows.entries()) {
  const picture = await readImage(join(dir, row.file_name));
  const truth = planeFromRgba(await readImage(join(dir, row.conditions.depth)));
  truths.push(truth);
  const n = truth.width * truth.height;
  pixels += n;
  for (const [name, estimator] of [
    ['figures', 'figures'],
    ['grayscale', 'grayscale'],
  ] as const) {
    const map = planeFromRgba((await annotate('depth', picture, { estimator })).map);
    sq[name] += depthRmse(truth, map, { fit: 'none' }).rmse ** 2 * n;
    sq[name === 'figures' ? 'figuresFit' : 'grayscaleFit'] += depthRmse(truth, map).rmse ** 2 * n;
  }
  const posePath = join(dir, row.conditions.pose);
  const { document: condition } = parseOpenPoseJson(readFileSync(posePath, 'utf8'), { name: posePath });
  for (const estimator of ['figures', 'movenet'] as const) {
    const detected = (await annotate('pose', picture, { estimator, maxPeople: 1 })).pose!;
    const s = posePck(condition, detected);
    pose[estimator]!.found += s.found;
    pose[estimator]!.visible += s.visible;
    pose[estimator]!.found05 += posePck(condition, detected, { alpha: 0.05 }).found;
  }
  if ((i + 1) % 200 === 0)
    console.log(`${i + 1}/${rows.length} ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
let meanLevel = 0;
for (const t of truths) for (let k = 0; k < t.values.length; k++) meanLevel += t.values[k]!;
meanLevel /= pixels;
for (const t of truths) {
  for (let k = 0; k < t.values.length; k++) sq.mean += (t.values[k]! - meanLevel) ** 2;
}
await releasePoseDetectors();

const rmse = (s: number) => Math.round(Math.sqrt(s / pixels) * 100) / 100;
const round = (x: number) => Math.round(x * 1000) / 1000;
const results = {
  heldout_pictures: rows.length,
  depth_rmse_levels: {
    figures: rmse(sq.figures),
    figures_affine_fit: rmse(sq.figuresFit),
    grayscale: rmse(sq.grayscale),
    grayscale_affine_fit: rmse(sq.grayscaleFit),
    constant_heldout_mean: rmse(sq.mean),
  },
  pose_pck_0_1: Object.fromEntries(Object.entries(pose).map(([k, v]) => [k, round(v.found / v.visible)])),
  pose_pck_0_05: Object.fromEntries(Object.entries(pose).map(([k, v]) => [k, round(v.found05 / v.visible)])),
  visible_keypoints: pose.figures!.visible,
  seconds: Math.round((performance.now() - t0) / 1000),
};
console.log(JSON.stringify(results, null, 2));
if (values.out) await writeFileAtomic(values.out, `${JSON.stringify(results, null, 2)}\n`);
