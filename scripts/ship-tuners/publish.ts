// Copies the finished shipped-tuner runs (scripts/ship-tuners/run.sh) into assets/tuners and writes
// its manifest.json (names, tags, notes, sha256), atomically. Conditions without a finished run are
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

const SHIPPED: { condition: 'canny' | 'depth' | 'pose'; name: string; notes: string }[] = [
  {
    condition: 'canny',
    name: 'Canny edges (embedded model)',
    notes:
      'Follows a canny edge map: draw outlines or extract them from a photo. Trained on figure scenes and emoji. Raise its weight toward 2 to follow the map more closely.',
  },
  {
    condition: 'depth',
    name: 'Depth (embedded model)',
    notes:
      'Follows a depth map (near = bright): lay out a scene by depth. Trained on figure scenes. Raise its weight toward 2 to follow the map more closely.',
  },
  {
    condition: 'pose',
    name: 'Pose (embedded model)',
    notes:
      'Follows an OpenPose skeleton: draw a pose, get a figure in that pose. Trained on figure scenes. Raise its weight toward 2 to follow the map more closely.',
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
      sha256,
    });
    console.log(`${s.condition}: ${target} (${sha256.slice(0, 12)})`);
  }
  const manifest = ShippedTunersManifest.parse({ format: SHIPPED_TUNERS_FORMAT, tuners });
  writeFileAtomicSync(join(ASSETS, SHIPPED_TUNERS_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

main();
