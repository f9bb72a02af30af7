// A shipped-tuners folder as the studio ships it, in miniature: two small real tuner files (an SC
// style tuner and a CSC canny tuner) and a manifest naming them with their sha256.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ShippedTunerEntry } from '../../../main/library/shipped-tuners-manifest.ts';
import { SHIPPED_TUNERS_FORMAT } from '../../../main/library/shipped-tuners-manifest.ts';
import { writeTunerFile } from './tuner-fixture.ts';

export const sha256Of = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

export function writeManifest(dir: string, tuners: unknown[], format = SHIPPED_TUNERS_FORMAT): string {
  const path = join(dir, 'manifest.json');
  writeFileSync(path, `${JSON.stringify({ format, tuners }, null, 2)}\n`);
  return path;
}

export interface ShippedFixture {
  dir: string;
  style: ShippedTunerEntry;
  canny: ShippedTunerEntry;
}

/** Writes the folder (created if needed) with the style and canny tuners and their manifest. */
export async function writeShippedTuners(dir: string): Promise<ShippedFixture> {
  mkdirSync(dir, { recursive: true });
  await writeTunerFile(join(dir, 'ink-style.safetensors'), { seed: 21 });
  await writeTunerFile(join(dir, 'canny.safetensors'), { kind: 'csc', seed: 22 });
  const style: ShippedTunerEntry = {
    file: 'ink-style.safetensors',
    name: 'Ink style',
    kind: 'sc',
    tags: ['style'],
    notes: 'Black ink on paper.',
    sha256: sha256Of(join(dir, 'ink-style.safetensors')),
  };
  const canny: ShippedTunerEntry = {
    file: 'canny.safetensors',
    name: 'Canny edges (embedded model)',
    kind: 'csc',
    condition: 'canny',
    tags: ['condition', 'canny'],
    notes: 'Follows the edges of a canny map.',
    sha256: sha256Of(join(dir, 'canny.safetensors')),
  };
  writeManifest(dir, [style, canny]);
  return { dir, style, canny };
}
