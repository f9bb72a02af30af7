// The tuners that come with the studio: a folder of .safetensors files and manifest.json, which
// names each file, what to call it in the library, and its sha256. The folder is assets/tuners in
// the source tree; SCEDIT_TUNERS_DIR (the packaged app's resources/tuners) wins when set, and an
// empty SCEDIT_TUNERS_DIR turns shipped tuners off. No folder or no manifest: no shipped tuners.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CONDITION_KINDS } from '../../shared/api/common-schemas.ts';
import { MAX_PREFERRED_WEIGHT } from './tuner-repository.ts';

export const SHIPPED_TUNERS_FORMAT = 'scedit-studio.shipped-tuners/1';
export const SHIPPED_TUNERS_ENV_VAR = 'SCEDIT_TUNERS_DIR';
export const SHIPPED_TUNERS_MANIFEST = 'manifest.json';
/** The source tree's folder, whatever the environment says (tests of the real shipped files). */
export const SOURCE_TREE_TUNERS_DIR = fileURLToPath(new URL('../../assets/tuners', import.meta.url));

const FileName = z
  .string()
  .min(1)
  .max(255)
  .refine((f) => !/[/\\]/.test(f) && f !== '.' && f !== '..', {
    message: 'must be a file name inside the tuners folder (no folders, no "..")',
  });

export const ShippedTunerEntry = z
  .object({
    file: FileName,
    name: z.string().trim().min(1).max(200),
    kind: z.enum(['sc', 'csc']),
    /** The condition a CSC-Tuner reads; absent for SC-Tuners. */
    condition: z.enum(CONDITION_KINDS).optional(),
    tags: z.array(z.string().trim().min(1).max(64)).max(32).default([]),
    notes: z.string().max(10_000).default(''),
    /** The weight it was measured to work best at: a new layer bound to it starts there. */
    weight: z.number().positive().max(MAX_PREFERRED_WEIGHT).optional(),
    /** A PNG in the same folder that shows what the tuner does: the library card's preview. */
    preview: FileName.refine((f) => f.toLowerCase().endsWith('.png'), {
      message: 'must be a .png file',
    }).optional(),
    /** sha256 of the file's bytes, lower-case hex. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.kind === 'csc' && !e.condition)
      ctx.addIssue({ code: 'custom', path: ['condition'], message: 'a csc tuner needs its condition' });
    if (e.kind === 'sc' && e.condition)
      ctx.addIssue({ code: 'custom', path: ['condition'], message: 'an sc tuner has no condition' });
  });
export type ShippedTunerEntry = z.infer<typeof ShippedTunerEntry>;

export const ShippedTunersManifest = z
  .object({
    format: z.literal(SHIPPED_TUNERS_FORMAT),
    tuners: z.array(ShippedTunerEntry),
  })
  .strict()
  .superRefine((m, ctx) => {
    const seen = new Map<string, number>();
    m.tuners.forEach((e, i) => {
      for (const key of [`file ${e.file}`, `sha256 ${e.sha256}`]) {
        const first = seen.get(key);
        if (first !== undefined)
          ctx.addIssue({ code: 'custom', path: ['tuners', i], message: `same ${key} as entry ${first}` });
        else seen.set(key, i);
      }
    });
  });
export type ShippedTunersManifest = z.infer<typeof ShippedTunersManifest>;

export class ShippedTunersManifestError extends Error {}

/** The shipped tuners' folder, or null when SCEDIT_TUNERS_DIR is set to the empty string. */
export function shippedTunersDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = env[SHIPPED_TUNERS_ENV_VAR];
  if (fromEnv === undefined) return SOURCE_TREE_TUNERS_DIR;
  return fromEnv.trim() === '' ? null : fromEnv;
}

/**
 * The folder's manifest, or null when the folder or its manifest does not exist. A manifest that
 * cannot be read, is not JSON or does not follow the format throws, naming the file and the fault.
 */
export async function loadShippedTunersManifest(dir: string): Promise<ShippedTunersManifest | null> {
  const path = join(dir, SHIPPED_TUNERS_MANIFEST);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new ShippedTunersManifestError(`${path}: cannot be read (${code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ShippedTunersManifestError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = ShippedTunersManifest.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new ShippedTunersManifestError(
      `${path}: not a shipped-tuners manifest (${SHIPPED_TUNERS_FORMAT}): ${issues.join('; ')}`,
    );
  }
  return parsed.data;
}
