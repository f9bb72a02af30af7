import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DatasetFolderError } from '../../datasets/dataset-writer.ts';
import { buildEmoji } from '../../datasets/emoji/build-emoji.ts';
import type { EmojiVendor } from '../../datasets/emoji/emoji-catalog.ts';
import { EMOJI_VENDORS } from '../../datasets/emoji/emoji-catalog.ts';
import { buildFigures } from '../../datasets/figures/build-figures.ts';
import { type CliCommand, UsageError } from '../command.ts';

const USAGE = [
  'scedit dataset build figures --out <dir> --count <N> --seed <S> [--size 64] [--heldout 0.1] [--supersample 3] [--force]',
  '       scedit dataset build emoji --out <dir> --seed <S> [--count <N>] [--vendor google|twitter] [--size 64] [--heldout 0.1] [--force]',
  '',
  'Builds a training folder: <dir>/train and <dir>/heldout, each with NNNNNN.png + NNNNNN.txt captions,',
  'metadata.jsonl (file_name, text, labels) and conditions/ (figures: depth/*.png, pose/*.json), plus',
  '<dir>/dataset.json recording how it was built. The same options give the same bytes.',
  '--force replaces a dataset built in <dir> before.',
].join('\n');

function integer(name: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined) throw new UsageError(`--${name} is required`);
  const value = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

function fraction(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value >= 1)
    throw new UsageError(`--${name} must be a fraction from 0 up to (not including) 1, got "${text}"`);
  return value;
}

export const datasetCommand: CliCommand = {
  name: 'dataset',
  summary: "build the embedded model's training data: rendered figure scenes or emoji",
  usage: USAGE,
  async run(args) {
    const [action, source, ...rest] = args;
    if (action !== 'build')
      throw new UsageError(action ? `unknown action "${action}" (expected "build")` : 'missing "build"');
    if (source !== 'figures' && source !== 'emoji')
      throw new UsageError(
        source
          ? `unknown source "${source}" (expected figures or emoji)`
          : 'missing the source: figures or emoji',
      );
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        count: { type: 'string' },
        seed: { type: 'string' },
        size: { type: 'string', default: '64' },
        heldout: { type: 'string', default: '0.1' },
        supersample: { type: 'string' },
        vendor: { type: 'string' },
        force: { type: 'boolean', default: false },
      },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (!values.out) throw new UsageError('--out <dir> is required');
    const out = resolve(values.out);
    const seed = integer('seed', values.seed, 0, 2 ** 32 - 1);
    const size = integer('size', values.size, 16, 1024);
    const heldout = fraction('heldout', values.heldout!);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const command = [
      'scedit',
      'dataset',
      ...args.map((a) => (/^[\w./:=-]+$/.test(a) ? a : JSON.stringify(a))),
    ].join(' ');
    try {
      if (source === 'figures') {
        if (values.vendor !== undefined) throw new UsageError('--vendor applies to emoji only');
        const count = integer('count', values.count, 1, 10_000_000);
        const supersample =
          values.supersample === undefined ? 3 : integer('supersample', values.supersample, 1, 8);
        const result = await buildFigures({
          out,
          count,
          seed,
          size,
          heldout,
          supersample,
          replace: values.force,
          log,
          command,
        });
        console.log(
          `figures: ${result.counts.train} train + ${result.counts.heldout} held out in ${out} (${result.seconds.toFixed(1)} s, ${(count / result.seconds).toFixed(1)} images/s)`,
        );
        return 0;
      }
      if (values.supersample !== undefined) throw new UsageError('--supersample applies to figures only');
      const vendor = (values.vendor ?? 'google') as EmojiVendor;
      if (!EMOJI_VENDORS.includes(vendor))
        throw new UsageError(`--vendor must be one of ${EMOJI_VENDORS.join(', ')}, got "${values.vendor}"`);
      const count = values.count === undefined ? undefined : integer('count', values.count, 1, 10_000_000);
      const result = await buildEmoji({
        out,
        vendor,
        count,
        seed,
        size,
        heldout,
        replace: values.force,
        log,
        command,
      });
      console.log(
        `emoji (${vendor}): ${result.counts.train} train + ${result.counts.heldout} held out in ${out}, ${result.skipped.length} skipped without an image (${result.seconds.toFixed(1)} s)`,
      );
      return 0;
    } catch (err) {
      if (err instanceof DatasetFolderError) throw new UsageError(err.message);
      throw err;
    }
  },
};
