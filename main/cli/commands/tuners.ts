// `scedit tuners …`: the tuner library from the command line. Thin: parsing and printing only;
// everything else is main/library. Exit codes: 0 done, 1 failed (bad file, no such tuner), 2 usage.
import { parseArgs } from 'node:util';
import { Library } from '../../library/library.ts';
import { registerShippedTuners } from '../../library/shipped-tuners.ts';
import {
  isPreferredWeight,
  MAX_PREFERRED_WEIGHT,
  type TunerQuery,
  type TunerRecord,
  type TunerSort,
} from '../../library/tuner-repository.ts';
import { countFlag } from '../args.ts';
import { type CliCommand, UsageError } from '../command.ts';

const USAGE = [
  'scedit tuners <action> [--data-dir <dir>] [--json]',
  '  list    [--search <words>] [--kind sc|csc] [--condition <c>] [--tag <t>]',
  '          [--sort name|created|updated|rating|parameters|relevance] [--order asc|desc] [--limit N] [--offset N]',
  '  show    <tuner>',
  '  import  <file.safetensors>... [--name <n>] [--tag <t>]... [--notes <text>]',
  '  export  <tuner> <file-or-folder> [--overwrite]',
  '  rename  <tuner> <new name>',
  '  tag     <tuner> <tag>... [--remove]',
  '  set     <tuner> [--notes <text>] [--rating 1-5|none] [--weight <w>|none] [--trigger <words>]...',
  '          your notes, a rating, the weight its layers start at (none: 1), its trigger words',
  '          (each --trigger one phrase; --trigger "" clears them)',
  '  delete  <tuner>',
  '<tuner> is an id, a file hash (or its first 6+ digits), or an exact name.',
  'The library lives in --data-dir, else $SCEDIT_DATA_DIR, else ~/.scedit-studio.',
  'The tuners that come with the studio ($SCEDIT_TUNERS_DIR, else assets/tuners) join each library',
  'once, tagged "shipped"; one you delete is not added again.',
  'Exit codes: 0 done, 1 failed (bad file, no such tuner), 2 wrong usage.',
].join('\n');

const SORTS = ['name', 'created', 'updated', 'rating', 'parameters', 'relevance'] as const;

function findTuner(lib: Library, ref: string | undefined): TunerRecord {
  if (!ref) throw new UsageError('which tuner? give its id, hash or name');
  const t = lib.tuners.find(ref);
  if (!t) throw new Error(`no tuner matches "${ref}"`);
  return t;
}

/** A --rating or --weight value: undefined when not given, null for "none", else a checked number. */
function noneOr(
  flag: string,
  value: string | undefined,
  valid: (n: number) => boolean,
  range: string,
): number | null | undefined {
  if (value === undefined) return undefined;
  if (value.trim().toLowerCase() === 'none') return null;
  const n = Number(value);
  if (value.trim() === '' || !valid(n))
    throw new UsageError(`--${flag} must be ${range} or none, got "${value}"`);
  return n;
}

function bytes(n: number): string {
  return n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

function describe(t: TunerRecord): string {
  return [
    `${t.name}  (id ${t.id})`,
    `  kind:        ${t.kind}${t.condition ? ` (${t.condition})` : ''}`,
    `  base model:  ${t.baseModel.name} ${t.baseModel.hash.slice(0, 10)}`,
    `  file:        ${t.fileHash}  ${bytes(t.size)}, ${t.parameterCount.toLocaleString('en')} parameters`,
    `  tags:        ${t.tags.join(', ') || '-'}`,
    `  rating:      ${t.rating ?? '-'}`,
    `  weight:      ${t.preferredWeight ?? '1 (no preference)'}`,
    `  trigger:     ${t.triggerWords.join(', ') || '-'}`,
    `  notes:       ${t.notes || '-'}`,
    ...(t.dataset
      ? [
          `  dataset:     ${t.dataset.folder ?? '?'}, ${t.dataset.imageCount ?? '?'} images${t.dataset.hash ? `, ${t.dataset.hash.slice(0, 10)}` : ''}`,
        ]
      : []),
    ...(t.trainingRunId !== null ? [`  trained in:  run ${t.trainingRunId}`] : []),
    ...(t.parentTunerId !== null ? [`  continues:   tuner ${t.parentTunerId}`] : []),
    `  previews:    ${t.previews.length}`,
    `  created:     ${new Date(t.createdAt).toISOString()}`,
  ].join('\n');
}

export const tunersCommand: CliCommand = {
  name: 'tuners',
  summary: 'the tuner library: list, show, import, export, rename, tag, set, delete',
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
        kind: { type: 'string' },
        condition: { type: 'string' },
        tag: { type: 'string', multiple: true },
        sort: { type: 'string' },
        order: { type: 'string' },
        limit: { type: 'string' },
        offset: { type: 'string' },
        name: { type: 'string' },
        notes: { type: 'string' },
        overwrite: { type: 'boolean', default: false },
        remove: { type: 'boolean', default: false },
        rating: { type: 'string' },
        weight: { type: 'string' },
        trigger: { type: 'string', multiple: true },
      },
    });
    const actions = ['list', 'show', 'import', 'export', 'rename', 'tag', 'set', 'delete'];
    if (!action || !actions.includes(action))
      throw new UsageError(
        action ? `unknown action "${action}" (expected ${actions.join(', ')})` : 'missing the action',
      );
    if (values.kind !== undefined && values.kind !== 'sc' && values.kind !== 'csc')
      throw new UsageError(`--kind must be sc or csc, got "${values.kind}"`);
    if (values.sort !== undefined && !(SORTS as readonly string[]).includes(values.sort))
      throw new UsageError(`--sort must be one of ${SORTS.join(', ')}, got "${values.sort}"`);
    if (values.order !== undefined && values.order !== 'asc' && values.order !== 'desc')
      throw new UsageError(`--order must be asc or desc, got "${values.order}"`);
    const out = (value: unknown, text: string) =>
      console.log(values.json ? JSON.stringify(value, null, 2) : text);

    const lib = Library.open({ dataDir: values['data-dir'], checkIntegrity: false });
    try {
      // The same library the studio shows: the shipped tuners are offered first (once per library).
      const shipped = await registerShippedTuners(lib);
      for (const warning of shipped.warnings) console.error(`scedit tuners: ${warning}`);
      switch (action) {
        case 'list': {
          const query: TunerQuery = {
            search: values.search,
            kind: values.kind as 'sc' | 'csc' | undefined,
            condition: values.condition,
            tag: values.tag?.[0],
            sort: values.sort as TunerSort | undefined,
            order: values.order as 'asc' | 'desc' | undefined,
            limit: countFlag('limit', values.limit, 50),
            offset: countFlag('offset', values.offset, 0),
          };
          const page = lib.tuners.list(query);
          const rows = page.items.map(
            (t) =>
              `${String(t.id).padStart(5)}  ${t.kind.padEnd(3)} ${(t.condition ?? '').padEnd(9)} ${t.fileHash.slice(0, 10)}  ${t.name}${t.tags.length ? `  [${t.tags.join(', ')}]` : ''}`,
          );
          const shown = page.items.length ? `${page.offset + 1}-${page.offset + page.items.length}` : '0';
          out(page, [...rows, `${shown} of ${page.total} tuner(s)`].join('\n'));
          return 0;
        }
        case 'show': {
          const t = findTuner(lib, positionals[0]);
          out(t, describe(t));
          return 0;
        }
        case 'import': {
          if (positionals.length === 0) throw new UsageError('give the .safetensors file(s) to import');
          if (values.name && positionals.length > 1)
            throw new UsageError('--name applies to one file at a time');
          let failed = 0;
          const results: unknown[] = [];
          for (const file of positionals) {
            try {
              const r = await lib.importTuner(file, {
                name: values.name,
                tags: values.tag ?? [],
                notes: values.notes,
              });
              results.push({ file, id: r.tuner.id, name: r.tuner.name, alreadyPresent: r.alreadyPresent });
              if (!values.json)
                console.log(
                  r.alreadyPresent
                    ? `${file}: already in the library as "${r.tuner.name}" (id ${r.tuner.id})`
                    : `${file}: imported as "${r.tuner.name}" (id ${r.tuner.id}, ${r.tuner.kind})`,
                );
            } catch (err) {
              failed++;
              results.push({ file, error: (err as Error).message });
              console.error(`scedit tuners import: ${(err as Error).message}`);
            }
          }
          if (values.json) console.log(JSON.stringify(results, null, 2));
          return failed > 0 ? 1 : 0;
        }
        case 'export': {
          const t = findTuner(lib, positionals[0]);
          if (!positionals[1]) throw new UsageError('give the file or folder to export to');
          const path = await lib.exportTuner(t.id, positionals[1], { overwrite: values.overwrite });
          out({ id: t.id, path }, `exported "${t.name}" to ${path}`);
          return 0;
        }
        case 'rename': {
          const t = findTuner(lib, positionals[0]);
          const name = positionals.slice(1).join(' ');
          if (!name) throw new UsageError('give the new name');
          lib.tuners.rename(t.id, name);
          out(lib.tuners.require(t.id), `renamed "${t.name}" to "${lib.tuners.require(t.id).name}"`);
          return 0;
        }
        case 'tag': {
          const t = findTuner(lib, positionals[0]);
          const tags = [...positionals.slice(1), ...(values.tag ?? [])];
          if (tags.length === 0) throw new UsageError('give the tag(s)');
          if (values.remove) lib.tuners.removeTags(t.id, tags);
          else lib.tuners.addTags(t.id, tags);
          const after = lib.tuners.require(t.id);
          out(after, `${after.name}: ${after.tags.join(', ') || '(no tags)'}`);
          return 0;
        }
        case 'set': {
          const t = findTuner(lib, positionals[0]);
          if (positionals.length > 1)
            throw new UsageError(
              `unexpected "${positionals[1]}": quote the notes and give them with --notes`,
            );
          const rating = noneOr(
            'rating',
            values.rating,
            (n) => Number.isInteger(n) && n >= 1 && n <= 5,
            '1 to 5',
          );
          const weight = noneOr(
            'weight',
            values.weight,
            isPreferredWeight,
            `above 0, at most ${MAX_PREFERRED_WEIGHT}`,
          );
          const trigger = values.trigger?.filter((w) => w.trim() !== '');
          if (values.notes === undefined && rating === undefined && weight === undefined && !trigger)
            throw new UsageError('nothing to set: give --notes, --rating, --weight or --trigger');
          lib.tuners.update(t.id, {
            notes: values.notes,
            rating,
            preferredWeight: weight,
            triggerWords: trigger,
          });
          const after = lib.tuners.require(t.id);
          out(after, describe(after));
          return 0;
        }
        case 'delete': {
          const t = findTuner(lib, positionals[0]);
          const { removedFiles } = lib.deleteTuner(t.id);
          out(
            { id: t.id, removedFiles },
            `deleted "${t.name}" (id ${t.id}); ${removedFiles.length} file(s) removed from the store`,
          );
          return 0;
        }
      }
      return 2;
    } finally {
      lib.close();
    }
  },
};
