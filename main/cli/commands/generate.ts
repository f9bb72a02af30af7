// `scedit generate`: text to image from the command line, through the same StudioApi handlers
// as the studio (so the picture lands in the library's history with its recipe, too).
import { copyFile, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { GenerateRequest, GenerateResult } from '../../../shared/api/generation-schemas.ts';
import { SAMPLERS } from '../../../shared/api/generation-schemas.ts';
import { openStudio } from '../../api/studio.ts';
import { fileStoreRoot } from '../../library/data-dir.ts';
import { resolveInside } from '../../library/file-store.ts';
import { numberFlag, sizeFlag } from '../args.ts';
import { type CliCommand, UsageError } from '../command.ts';
import { drawProgress, endProgress, formatEta, progressLine } from '../progress-bar.ts';

const USAGE = [
  'scedit generate --prompt <text> --out <file.png> [options]',
  '  --negative <text>          negative prompt',
  '  --seed <n>                 default: random (printed)',
  '  --steps <n> (20)  --guidance <x> (7)  --sampler ' + SAMPLERS.join('|') + ' (euler-a)',
  "  --size <N|WxH>             default: the model's native size",
  '  --batch <n>                images, seeds seed, seed+1, …; files name-1.png, name-2.png, …',
  '  --style <tuner>[@scale]    an SC style tuner from the library (repeatable)',
  '  --control <tuner>=<map.png>[@weight]   a CSC condition tuner with its condition map (repeatable)',
  '  --data-dir <dir>           the library (default $SCEDIT_DATA_DIR, else ~/.scedit-studio)',
  '<tuner> is an id, a file hash prefix, or an exact name (see scedit tuners list).',
  'Without @scale or @weight a tuner works at its preferred weight (shown by scedit tuners show), else 1.',
].join('\n');

function splitWeight(spec: string, flag: string): [string, number | undefined] {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return [spec, undefined];
  return [spec.slice(0, at), numberFlag(spec.slice(at + 1), flag)];
}

function outputPath(out: string, index: number, count: number): string {
  if (count === 1) return out;
  const dot = out.toLowerCase().endsWith('.png') ? out.length - 4 : out.length;
  return `${out.slice(0, dot)}-${index + 1}${out.slice(dot)}`;
}

export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'generate pictures from a prompt (with style and condition tuners)',
  usage: USAGE,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        prompt: { type: 'string' },
        negative: { type: 'string' },
        out: { type: 'string' },
        seed: { type: 'string' },
        steps: { type: 'string' },
        guidance: { type: 'string' },
        sampler: { type: 'string' },
        size: { type: 'string' },
        batch: { type: 'string' },
        style: { type: 'string', multiple: true },
        control: { type: 'string', multiple: true },
        'data-dir': { type: 'string' },
      },
    });
    if (values.prompt === undefined) throw new UsageError('--prompt is required');
    if (!values.out) throw new UsageError('--out <file.png> is required');
    const sampler = values.sampler ?? 'euler-a';
    if (!(SAMPLERS as readonly string[]).includes(sampler))
      throw new UsageError(`--sampler must be one of ${SAMPLERS.join(', ')}, got "${sampler}"`);
    const studio = openStudio({ mode: 'cli', dataDir: values['data-dir'] });
    try {
      // A shipped tuner can be named on the first run, before the studio was ever opened.
      await studio.shippedTuners;
      const tunerId = (ref: string) => {
        const found = studio.context.library.tuners.find(ref);
        if (!found) throw new Error(`no tuner in the library matches "${ref}" (see scedit tuners list)`);
        return String(found.id);
      };
      const preferred = (ref: string) => studio.context.library.tuners.find(ref)?.preferredWeight ?? 1;
      const styleTuners = (values.style ?? []).map((spec) => {
        const [ref, scale] = splitWeight(spec, '--style');
        return { tunerId: tunerId(ref), scale: scale ?? preferred(ref) };
      });
      const layers = [];
      for (const [i, spec] of (values.control ?? []).entries()) {
        const eq = spec.indexOf('=');
        if (eq <= 0) throw new UsageError(`--control must be <tuner>=<map.png>[@weight], got "${spec}"`);
        const [mapPath, weight] = splitWeight(spec.slice(eq + 1), '--control');
        const id = tunerId(spec.slice(0, eq));
        const tuner = studio.context.library.tuners.find(spec.slice(0, eq))!;
        if (tuner.kind !== 'csc' || !tuner.condition)
          throw new Error(`tuner "${tuner.name}" is a style tuner; --control needs a condition (CSC) tuner`);
        const image = await readFile(mapPath).catch((err: NodeJS.ErrnoException) => {
          throw new Error(`${mapPath}: cannot be read (${err.code ?? err.message})`);
        });
        layers.push({
          id: `cli-${i}`,
          kind: tuner.condition,
          tunerId: id,
          weight: weight ?? tuner.preferredWeight ?? 1,
          image: image.toString('base64'),
        });
      }
      const request: Partial<GenerateRequest> & { prompt: string } = {
        prompt: values.prompt,
        negativePrompt: values.negative ?? '',
        seed: numberFlag(values.seed, '--seed') ?? null,
        steps: numberFlag(values.steps, '--steps'),
        guidance: numberFlag(values.guidance, '--guidance'),
        sampler: sampler as GenerateRequest['sampler'],
        ...(sizeFlag(values.size) ?? { width: null, height: null }),
        batchCount: numberFlag(values.batch, '--batch'),
        styleTuners,
        layers: layers as GenerateRequest['layers'],
        previews: false,
      };
      const result = (await studio.call('generate', request, (p) =>
        drawProgress(
          progressLine(p.fraction ?? 0, [p.message ?? '', formatEta(p.etaMs)].filter(Boolean).join(' ')),
        ),
      )) as GenerateResult;
      endProgress();
      const store = fileStoreRoot(studio.context.dataDir);
      for (const [i, image] of result.images.entries()) {
        const target = outputPath(values.out, i, result.images.length);
        await copyFile(resolveInside(store, image.image.storePath, 'file store'), target);
        console.log(
          `${target}  seed ${image.seed}, ${image.width}x${image.height}, generation ${image.generationId}`,
        );
      }
      console.log(`done in ${(result.durationMs / 1000).toFixed(1)} s`);
      return 0;
    } finally {
      await studio.close();
    }
  },
};
