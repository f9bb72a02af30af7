// Small but real tuner files for library tests, written by the engine's own tuner writer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../../main/engine/backend.ts';
import type { TensorToWrite } from '../../../main/engine/io/safetensors.ts';
import { openSafetensors, writeSafetensors } from '../../../main/engine/io/safetensors.ts';
import { CscTuner } from '../../../main/engine/tuners/csc-tuner.ts';
import { ScTuner } from '../../../main/engine/tuners/sc-tuner.ts';
import { saveTuner } from '../../../main/engine/tuners/tuner-file.ts';

export const BASE_HASH = 'b'.repeat(64);
export const DATASET_HASH = 'c'.repeat(64);

export interface FixtureOptions {
  kind?: 'sc' | 'csc';
  /** Different seeds give different weights, hence different files. */
  seed?: number;
  /** Skip widths in encoder order (downscale doubles at each width change). */
  channels?: number[];
  name?: string;
  baseModel?: { id: string; hash: string };
}

function layout(channels: number[]) {
  let downscale = 1;
  return {
    skips: channels.map((c, i) => {
      if (i > 0 && c !== channels[i - 1]) downscale *= 2;
      return { channels: c, downscale };
    }),
  };
}

export async function writeTunerFile(path: string, o: FixtureOptions = {}): Promise<string> {
  await initBackend();
  const skips = layout(o.channels ?? [4, 8]);
  const seed = o.seed ?? 1;
  const tuner =
    (o.kind ?? 'sc') === 'sc'
      ? new ScTuner({ layout: skips, downRatio: 1 }, { seed })
      : new CscTuner(
          {
            layout: skips,
            condition: 'canny',
            latentFactor: 2,
            conditionChannels: 3,
            hintChannels: 8,
            preHintRatio: 0.25,
            denseHintKernel: 1,
            downRatio: 1,
          },
          { seed },
        );
  try {
    await saveTuner(path, tuner, {
      baseModel: o.baseModel ?? { id: 'tiny-sd', hash: BASE_HASH },
      ...(o.name ? { name: o.name } : {}),
      training: { steps: 100, dataset: { folder: '/data/cats', imageCount: 12, hash: DATASET_HASH } },
    });
  } finally {
    tuner.dispose();
  }
  return path;
}

/** Copies a tuner file with its tensors or metadata changed (for files that must be refused). */
export async function rewriteTunerFile(
  source: string,
  target: string,
  change: (tensors: TensorToWrite[], metadata: Record<string, string>) => TensorToWrite[],
): Promise<string> {
  const file = await openSafetensors(source);
  const tensors: TensorToWrite[] = [];
  for (const name of file.keys())
    tensors.push({ name, dtype: 'F32', shape: file.info(name).shape, data: await file.read(name) });
  const metadata = { ...file.metadata };
  await file.close();
  await writeSafetensors(target, change(tensors, metadata), metadata);
  return target;
}

/** A fresh temporary folder and a function that removes it. */
export function tempDir(prefix = 'scedit-library-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
