// The composition experiment (issue 11 item 5): the depth and pose CSC-Tuners together on the same
// held-out figures, measured for each condition against the tuner alone, and with a style SC-Tuner.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type RgbaImage, writePng } from '../../../main/engine/io/image.ts';
import { rgbaToTensor } from '../../../main/engine/pipeline/images.ts';
import type { LatentDiffusionModel } from '../../../main/engine/pipeline/latent-diffusion-model.ts';
import type { CscTuner } from '../../../main/engine/tuners/csc-tuner.ts';
import type { ScTuner } from '../../../main/engine/tuners/sc-tuner.ts';
import { loadTuner } from '../../../main/engine/tuners/tuner-file.ts';
import { aggregateScores, type ImageScore } from './aggregate.ts';
import { drawContactSheet, SHEET_ROWS } from './contact-sheet.ts';
import type { BenchContext } from './context.ts';
import type { ExperimentResult } from './experiment-run.ts';
import { createJudge } from './fidelity.ts';
import { evalSeed } from './options.ts';

/** Depth + pose CSC-Tuners together on the same held-out figures, against each alone (+ a style SC-Tuner). */
export async function runComposition(
  ctx: BenchContext,
  depth: { result: ExperimentResult; csc: CscTuner },
  pose: { result: ExperimentResult; csc: CscTuner },
  style: ScTuner | null,
) {
  const { o, gen } = ctx;
  const size = depth.result.pictures[0]!.condition.map.width;
  const depthJudge = await createJudge('depth', size);
  const poseJudge = await createJudge('pose', size);
  const scores = {
    both: { depth: [] as ImageScore[], pose: [] as ImageScore[] },
    styled: { depth: [] as ImageScore[], pose: [] as ImageScore[] },
  };
  const rows: (RgbaImage | null)[][] = [];
  try {
    for (const [i, d] of depth.result.pictures.entries()) {
      const p = pose.result.pictures[i]!;
      if (p.condition.sample.file !== d.condition.sample.file)
        throw new Error('composition: the depth and pose experiments were given different held-out figures');
      const depthMap = rgbaToTensor(d.condition.map, '0,1');
      const poseMap = rgbaToTensor(p.condition.map, '0,1');
      try {
        const csc = [
          { tuner: depth.csc, condition: depthMap, weight: 1 },
          { tuner: pose.csc, condition: poseMap, weight: 1 },
        ];
        const seed = evalSeed(o.seed, i);
        const both = await gen.run(d.condition.sample.caption, seed, { sc: [], csc });
        scores.both.depth.push(await depthJudge.score(d.condition, both));
        scores.both.pose.push(await poseJudge.score(p.condition, both));
        let styled: RgbaImage | null = null;
        if (style) {
          styled = await gen.run(d.condition.sample.caption, seed, { sc: [{ tuner: style, scale: 1 }], csc });
          scores.styled.depth.push(await depthJudge.score(d.condition, styled));
          scores.styled.pose.push(await poseJudge.score(p.condition, styled));
        }
        if (rows.length < SHEET_ROWS)
          rows.push([
            d.condition.map,
            p.condition.map,
            d.images.none,
            d.images.csc,
            p.images.csc,
            both,
            ...(styled ? [styled] : []),
          ]);
      } finally {
        tf.dispose([depthMap, poseMap]);
      }
    }
  } finally {
    await depthJudge.dispose();
    await poseJudge.dispose();
  }
  const value = (metric: 'depthRmse' | 'posePck', s: ImageScore[]) => aggregateScores(metric, s).value;
  let sheet: string | null = null;
  if (!o.skip.has('sheets')) {
    sheet = join(ctx.outputDir, 'control-composition.png');
    await writePng(sheet, drawContactSheet(rows));
  }
  return {
    images: scores.both.depth.length,
    styleTuner: o.styleTuner,
    depthRmse: {
      none: depth.result.fidelity.none.value,
      alone: depth.result.fidelity.csc.value,
      withPose: value('depthRmse', scores.both.depth),
      withPoseAndStyle: style ? value('depthRmse', scores.styled.depth) : null,
    },
    posePck: {
      none: pose.result.fidelity.none.value,
      alone: pose.result.fidelity.csc.value,
      withDepth: value('posePck', scores.both.pose),
      withDepthAndStyle: style ? value('posePck', scores.styled.pose) : null,
    },
    sheet,
    sheetColumns: [
      'depth condition',
      'pose condition',
      'no control',
      'depth CSC alone',
      'pose CSC alone',
      'depth + pose CSC',
      ...(style ? ['style SC + depth + pose CSC'] : []),
    ],
  };
}

/** The style SC-Tuner of the composition experiment, for this base model. */
export async function loadStyleTuner(model: LatentDiffusionModel, path: string): Promise<ScTuner> {
  const { tuner, info } = await loadTuner(path, {
    baseModel: { id: model.id, hash: model.hash },
    layout: { skips: model.unet.skipInfo },
  });
  if (info.kind !== 'sc') {
    tuner.dispose();
    throw new Error(`--style-tuner ${path}: a CSC-Tuner (condition), not an SC-Tuner (style)`);
  }
  return tuner as ScTuner;
}
