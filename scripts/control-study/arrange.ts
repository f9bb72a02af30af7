// Lays out what a device run brought back (device_run.sh -> collect.py: ControlNet files,
// csc-and-logs.tar, controlnets-N.tar, summary.json) as one bench tuners folder per step count, named as the control
// bench looks for them (<experiment>-csc.safetensors, <experiment>-controlnet.safetensors, no .json
// record beside them, so the bench takes them as they are), after loading every file with the
// engine's own loaders (tuner-file.ts, baseline-file.ts) against the model.
//
//   npx tsx scripts/control-study/arrange.ts --from <files_at> --to .cache/control-study
//   npm run bench -- control --conditions depth,pose --tuners .cache/control-study/steps-4000 ...
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../main/engine/backend.ts';
import { EMBEDDED_MODEL_DIR, loadDefaultModel } from '../../main/engine/pipeline/default-model.ts';
import { loadBaseline } from '../../main/engine/tuners/baseline-file.ts';
import { loadTuner } from '../../main/engine/tuners/tuner-file.ts';

const NAME = /^(.+)-(csc|controlnet)-(\d+)(?:-stopped-at-(\d+))?\.safetensors$/;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { from: { type: 'string' }, to: { type: 'string', default: '.cache/control-study' } },
  });
  if (!values.from) throw new Error('--from: the folder the device run brought back');
  const from = values.from;
  const to = values.to!;
  const unpacked = join(to, 'unpacked');
  mkdirSync(unpacked, { recursive: true });
  // csc-and-logs.tar, and controlnets-N.tar where a longer run sent more ControlNet files than fit singly.
  for (const f of readdirSync(from))
    if (f.endsWith('.tar')) execFileSync('tar', ['-xf', join(from, f), '-C', unpacked]);
  for (const f of readdirSync(from))
    if (f.endsWith('.safetensors')) copyFileSync(join(from, f), join(unpacked, f));
  await initBackend();
  const model = await loadDefaultModel(EMBEDDED_MODEL_DIR);
  const baseModel = { id: model.id, hash: model.hash };
  for (const f of readdirSync(unpacked).sort()) {
    const m = NAME.exec(f);
    if (!m) continue;
    const [, experiment, kind, , stoppedAt] = m;
    // A run stopped by the deadline is named by the step it reached.
    const steps = stoppedAt ?? m[3]!;
    const path = join(unpacked, f);
    if (kind === 'csc') {
      const { tuner, info } = await loadTuner(path, { baseModel, layout: { skips: model.unet.skipInfo } });
      console.log(`${f}: CSC-Tuner (${info.condition}), ${tuner.params.count()} parameters`);
      tuner.dispose();
    } else {
      const { baseline, info } = await loadBaseline(path, {
        baseModel,
        unet: model.unet,
        latentFactor: model.vaeFactor,
      });
      console.log(`${f}: ControlNet (${info.condition}), ${info.parameterCount} parameters`);
      baseline.tuner.dispose();
    }
    const dir = join(to, `steps-${steps}`);
    mkdirSync(dir, { recursive: true });
    const target = join(dir, `${experiment}-${kind}.safetensors`);
    copyFileSync(path, `${target}.tmp`);
    renameSync(`${target}.tmp`, target);
  }
  model.dispose();
  for (const d of readdirSync(to).filter((d) => d.startsWith('steps-')))
    console.log(`${join(to, d)}: ${readdirSync(join(to, d)).join(', ')}`);
}

await main();
