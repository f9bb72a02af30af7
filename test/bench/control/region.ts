// Regional control (issue 11 item 5): the canny CSC-Tuner applied through a mask on the left half
// of the picture, with edge F1 inside and outside the mask for no control, control everywhere and
// control in the mask only.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { PlaneMap } from '../../../main/engine/eval/control-metrics.ts';
import { type RgbaImage, writePng } from '../../../main/engine/io/image.ts';
import { rgbaToTensor } from '../../../main/engine/pipeline/images.ts';
import type { CscTuner } from '../../../main/engine/tuners/csc-tuner.ts';
import { meanInsideOutside } from './aggregate.ts';
import { drawContactSheet, SHEET_ROWS, shadeOutsideMask } from './contact-sheet.ts';
import type { BenchContext } from './context.ts';
import type { ExperimentResult } from './experiment-run.ts';
import { edgeF1ByRegion } from './fidelity.ts';
import { evalSeed } from './options.ts';

/** The left half of a picture: the region the masked canny control applies to. */
export function leftHalfMask(width: number, height: number): PlaneMap {
  const values = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width / 2; x++) values[y * width + x] = 255;
  return { width, height, values };
}

/** Canny control on a region only: edge F1 inside vs outside the mask for none / whole / masked. */
export async function runRegion(ctx: BenchContext, canny: { result: ExperimentResult; csc: CscTuner }) {
  const { o, gen } = ctx;
  const first = canny.result.pictures[0]!.condition.map;
  const mask = leftHalfMask(first.width, first.height);
  const maskTensor = tf.tensor4d(
    Float32Array.from(mask.values, (v) => v / 255),
    [1, mask.height, mask.width, 1],
  );
  const f1: Record<'none' | 'whole' | 'masked', { inside: number; outside: number }[]> = {
    none: [],
    whole: [],
    masked: [],
  };
  const rows: (RgbaImage | null)[][] = [];
  try {
    for (const [i, p] of canny.result.pictures.entries()) {
      const map = rgbaToTensor(p.condition.map, '0,1');
      try {
        const masked = await gen.run(p.condition.sample.caption, evalSeed(o.seed, i), {
          sc: [],
          csc: [{ tuner: canny.csc, condition: map, weight: 1, mask: maskTensor }],
        });
        f1.none.push(await edgeF1ByRegion(p.condition, p.images.none, mask));
        f1.whole.push(await edgeF1ByRegion(p.condition, p.images.csc, mask));
        f1.masked.push(await edgeF1ByRegion(p.condition, masked, mask));
        if (rows.length < SHEET_ROWS)
          rows.push([shadeOutsideMask(p.condition.map, mask), p.images.none, p.images.csc, masked]);
      } finally {
        map.dispose();
      }
    }
  } finally {
    maskTensor.dispose();
  }
  let sheet: string | null = null;
  if (!o.skip.has('sheets')) {
    sheet = join(ctx.outputDir, 'control-region.png');
    await writePng(sheet, drawContactSheet(rows));
  }
  return {
    experiment: canny.result.experiment.name,
    mask: 'left half of the picture',
    images: f1.none.length,
    edgeF1: {
      noControl: meanInsideOutside(f1.none),
      cscWhole: meanInsideOutside(f1.whole),
      cscMasked: meanInsideOutside(f1.masked),
    },
    sheet,
    sheetColumns: [
      'condition (outside the mask darkened)',
      'no control',
      'CSC everywhere',
      'CSC in the mask only',
    ],
  };
}
