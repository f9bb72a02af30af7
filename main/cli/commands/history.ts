// `scedit history …`: generated pictures and their recipes. `show` also reads the recipe of any
// PNG file, ours or another tool's. Exit codes: 0 done, 1 failed, 2 usage.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Recipe, RecipeReading } from '../../engine/io/recipe.ts';
import { formatParameters, readRecipe } from '../../engine/io/recipe.ts';
import { Library } from '../../library/library.ts';
import { countFlag } from '../args.ts';
import { type CliCommand, UsageError } from '../command.ts';

const USAGE = [
  'scedit history <action> [--data-dir <dir>] [--json]',
  '  list  [--search <words in prompts>] [--tuner <tuner id|hash|name>] [--order asc|desc] [--limit N] [--offset N]',
  '  show  <generation id | picture.png>',
  'Exit codes: 0 done, 1 failed (no such generation, unreadable file), 2 wrong usage.',
].join('\n');

function recipeText(recipe: Recipe): string {
  const lines = [formatParameters(recipe)];
  for (const t of recipe.tuners) lines.push(`tuner ${t.kind} ${t.name} weight ${t.weight} ${t.hash}`);
  for (const c of recipe.conditions)
    lines.push(
      `condition ${c.kind} weight ${c.weight} steps ${c.start}-${c.end}${c.imageHash ? ` map ${c.imageHash}` : ''}`,
    );
  return lines.join('\n');
}

function readingText(path: string, r: RecipeReading): string {
  if (r.recipe) return `${path} (SCEdit Studio recipe)\n${recipeText(r.recipe)}`;
  const lines = [
    r.source === 'none'
      ? `${path}: no recipe in this picture`
      : `${path}: recipe written by another tool (${r.source === 'comfyui' ? 'ComfyUI' : '"parameters" text'})`,
  ];
  for (const [k, v] of Object.entries(r.partial)) lines.push(`  ${k}: ${String(v)}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

export const historyCommand: CliCommand = {
  name: 'history',
  summary: 'generated pictures and their recipes: list, show',
  usage: USAGE,
  async run(args) {
    const [action, ...rest] = args;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        'data-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
        search: { type: 'string' },
        tuner: { type: 'string' },
        order: { type: 'string' },
        limit: { type: 'string' },
        offset: { type: 'string' },
      },
    });
    if (action !== 'list' && action !== 'show')
      throw new UsageError(
        action ? `unknown action "${action}" (expected list or show)` : 'missing the action',
      );
    if (values.order !== undefined && values.order !== 'asc' && values.order !== 'desc')
      throw new UsageError(`--order must be asc or desc, got "${values.order}"`);
    const out = (value: unknown, text: string) =>
      console.log(values.json ? JSON.stringify(value, null, 2) : text);
    const target = positionals[0];
    if (action === 'show' && target && !/^\d+$/.test(target)) {
      if (!existsSync(target))
        throw new Error(`${target}: no such file (give a generation id or a PNG file)`);
      const reading = readRecipe(readFileSync(target), target);
      out(reading, readingText(target, reading));
      return 0;
    }
    const lib = Library.open({ dataDir: values['data-dir'], checkIntegrity: false });
    try {
      if (action === 'list') {
        let tunerHash: string | undefined;
        if (values.tuner) {
          const t = lib.tuners.find(values.tuner);
          // history outlives deleted tuners, so a full hash is accepted as is
          tunerHash = t?.fileHash ?? (/^[0-9a-f]{64}$/.test(values.tuner) ? values.tuner : undefined);
          if (!tunerHash) throw new Error(`no tuner matches "${values.tuner}"`);
        }
        const page = lib.generations.list({
          search: values.search,
          tunerHash,
          order: values.order as 'asc' | 'desc' | undefined,
          limit: countFlag('limit', values.limit, 50),
          offset: countFlag('offset', values.offset, 0),
        });
        const rows = page.items.map(
          (g) =>
            `${String(g.id).padStart(6)}  ${new Date(g.createdAt).toISOString().slice(0, 19)}  ${g.width}x${g.height} seed ${g.seed}  ${g.prompt.split('\n')[0]!.slice(0, 60)}`,
        );
        const shown = page.items.length ? `${page.offset + 1}-${page.offset + page.items.length}` : '0';
        out(page, [...rows, `${shown} of ${page.total} generation(s)`].join('\n'));
        return 0;
      }
      if (!target) throw new UsageError('give a generation id or a PNG file');
      const g = lib.generations.get(Number(target));
      if (!g) throw new Error(`no generation with id ${target}`);
      const image = lib.store.pathOf(g.imageHash);
      out(
        { ...g, imagePath: image },
        [
          `generation ${g.id}  ${new Date(g.createdAt).toISOString()}${g.durationMs !== null ? `  ${(g.durationMs / 1000).toFixed(1)} s` : ''}${g.backend ? ` on ${g.backend}` : ''}`,
          `image: ${image}`,
          recipeText(g.recipe),
        ].join('\n'),
      );
      return 0;
    } finally {
      lib.close();
    }
  },
};
