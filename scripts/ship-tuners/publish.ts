// Copies the finished shipped-tuner runs (scripts/ship-tuners/run.sh) into assets/tuners and writes
// its manifest.json (names, tags, notes, preferred weight, sha256), atomically. Conditions without a finished run are
// left out. Usage: node --import tsx scripts/ship-tuners/publish.ts [work folder]
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomicSync } from '../../main/engine/io/atomic-write.ts';
import {
  SHIPPED_TUNERS_FORMAT,
  SHIPPED_TUNERS_MANIFEST,
  type ShippedTunerEntry,
  ShippedTunersManifest,
} from '../../main/library/shipped-tuners-manifest.ts';

const ASSETS = fileURLToPath(new URL('../../assets/tuners', import.meta.url));

/** The weight a new layer with a shipped tuner starts at: held-out edge F1, depth RMSE and pose PCK
 *  gain most from 1 to 2 and little beyond (scripts/ship-tuners/evaluate.ts --weights 1,2,2.5,3),
 *  while emoji start to smear past 2.5 (assets/tuners/README.md). */
const PREFERRED_WEIGHT = 2;

const SHIPPED: { condition: 'canny' | 'depth' | 'pose'; name: string; notes: string }[] = [
  {
    condition: 'canny',
    name: 'Canny edges (embedded model)',
    notes:
      'Follows a canny edge map: draw outlines or extract them from a photo. Trained on figure scenes and emoji. Starts at weight 2, where it follows the map far more closely than at 1; lower it to give the prompt more say.',
  },
  {
    condition: 'depth',
    name: 'Depth (embedded model)',
    notes:
      'Follows a depth map (near = bright): lay out a scene by depth. Trained on figure scenes. Starts at weight 2, where it follows the map far more closely than at 1; lower it to give the prompt more say.',
  },
  {
    condition: 'pose',
    name: 'Pose (embedded model)',
    notes:
      'Follows an OpenPose skeleton: draw a pose, get a figure in that pose. Trained on figure scenes. Starts at weight 2, where it follows the map far more closely than at 1; lower it to give the prompt more say.',
  },
];

function main(): void {
  const work = process.argv[2] ?? '.cache/ship-tuners';
  mkdirSync(ASSETS, { recursive: true });
  const tuners: ShippedTunerEntry[] = [];
  for (const s of SHIPPED) {
    const trained = join(work, 'runs', s.condition, `${s.condition}.safetensors`);
    if (!existsSync(trained)) {
      console.log(`${s.condition}: no finished run at ${trained}; left out`);
      continue;
    }
    const file = `${s.condition}.safetensors`;
    const target = join(ASSETS, file);
    copyFileSync(trained, `${target}.tmp`);
    renameSync(`${target}.tmp`, target);
    const sha256 = createHash('sha256').update(readFileSync(target)).digest('hex');
    tuners.push({
      file,
      name: s.name,
      kind: 'csc',
      condition: s.condition,
      tags: ['condition', s.condition, 'embedded'],
      notes: s.notes,
      weight: PREFERRED_WEIGHT,
      sha256,
    });
    console.log(`${s.condition}: ${target} (${sha256.slice(0, 12)})`);
  }
  const manifest = ShippedTunersManifest.parse({ format: SHIPPED_TUNERS_FORMAT, tuners });
  writeFileAtomicSync(join(ASSETS, SHIPPED_TUNERS_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

main();
