import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TRAINING_PRESETS } from '../../../shared/api/training-presets.ts';
import { initBackend } from '../../engine/backend.ts';
import { loadDefaultModel } from '../../engine/pipeline/default-model.ts';
import { loadModel } from '../../engine/pipeline/latent-diffusion-model.ts';
import { TrainingDataError } from '../../engine/train/dataset-scan.ts';
import { parseSamplePrompts } from '../../engine/train/sample-prompts.ts';
import {
  type TrainingEvent,
  TrainingMemoryError,
  TUNER_TRAINING_DEFAULTS,
  type TunerTrainingOptions,
  type TunerTrainingResult,
  trainTuner,
} from '../../engine/train/train-tuner.ts';
import { TRAINABLE_KINDS, type TrainableKind, takesCondition } from '../../engine/train/trainable-tuner.ts';
import type { TrainProgress } from '../../engine/train/trainer.ts';
import { resolveDataDir } from '../../library/data-dir.ts';
import { Library } from '../../library/library.ts';
import { type CliCommand, UsageError } from '../command.ts';

const CONDITIONS = ['canny', 'depth', 'pose', 'scribble'];

const USAGE = [
  'scedit train --kind sc|csc|lora|controlnet [--condition canny|depth|pose|scribble] --data <folder> --name <tuner name>',
  '             [--steps N | --epochs N] [--batch B] [--accum 1] [--lr R] [--schedule constant|cosine]',
  '             [--warmup 0] [--down-ratio 1] [--rank 4] [--resolution <px>] [--buckets] [--flip] [--seed 0]',
  '             [--caption-dropout P]',
  '             [--ema <decay>] [--checkpoint-every 100] [--sample-every 0] [--sample-prompts <file>] [--resume]',
  '             [--depth-model <folder>|<estimator>] [--out <dir>] [--cache <dir>] [--model <model folder>]',
  '             [--data-dir <library folder> | --no-library] [--json]',
  '',
  'Trains an SC-Tuner (style/subject) or a CSC-Tuner (condition control) on a folder of pictures:',
  'flat, or kohya-style <repeats>_<words>/ sub-folders; captions from <name>.txt/.caption,',
  'metadata.jsonl, the folder words or the file name; CSC maps from conditions/<kind>/ or the annotator',
  '(depth maps: paired, or extracted by --depth-model: a model folder, or a built-in estimator such as figures).',
  'The baselines SCEdit is measured against train the same way: --kind lora (rank --rank, on attention',
  'and feed-forward layers) and --kind controlnet (a trainable encoder copy; needs --condition).',
  'Pictures are scaled and centre-cropped to --resolution squares, or with --buckets to aspect-ratio',
  'buckets of about the same area (1:2 to 2:1). --caption-dropout p trains that share of samples with the',
  'empty prompt, so a condition tuner learns to follow its map rather than the caption (ControlNet: 0.5).',
  'Defaults per kind, as measured on the embedded model: sc batch 8, lr 1e-4, caption dropout 0; csc',
  'batch 8, lr 2e-3, caption dropout 0.5 (lora and controlnet: batch 1, lr 1e-4, caption dropout 0).',
  'Writes <out>/checkpoint.safetensors every --checkpoint-every steps (--resume continues it; a larger',
  '--steps extends a finished run), previews to <out>/previews/, and the tuner to <out>/<name>.safetensors.',
  '--out defaults to ./scedit-runs/<name>; the cache of latents/embeddings/maps to <data>/.scedit-cache.',
  'A finished SC/CSC-Tuner is added to the studio library (--data-dir, else $SCEDIT_DATA_DIR, else',
  '~/.scedit-studio) with its lineage, unless --no-library; LoRA and ControlNet files stay where they are.',
  'The last line printed on stdout is the tuner file.',
  '--json prints one JSON line per event instead of the progress bar.',
].join('\n');

function num(
  name: string,
  text: string | undefined,
  opts: { int?: boolean; min?: number; max?: number } = {},
) {
  if (text === undefined) return undefined;
  const v = Number(text);
  const { int = true, min = 0, max = Number.MAX_SAFE_INTEGER } = opts;
  if (text.trim() === '' || !Number.isFinite(v) || (int && !Number.isInteger(v)) || v < min || v > max)
    throw new UsageError(
      `--${name} must be ${int ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${text}"`,
    );
  return v;
}

function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

export function progressLine(p: TrainProgress, width = 24): string {
  const filled = Math.round((p.step / p.totalSteps) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)} (avg ${p.smoothedLoss.toFixed(4)}) ${p.itPerSec.toFixed(2)} it/s ETA ${duration(p.etaMs)}`;
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary:
    'train an SC-/CSC-Tuner (or a LoRA/ControlNet baseline) on a folder of pictures (checkpoints, resume, previews)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        kind: { type: 'string' },
        condition: { type: 'string' },
        data: { type: 'string' },
        name: { type: 'string' },
        steps: { type: 'string' },
        epochs: { type: 'string' },
        batch: { type: 'string' },
        accum: { type: 'string' },
        lr: { type: 'string' },
        schedule: { type: 'string' },
        warmup: { type: 'string' },
        'down-ratio': { type: 'string' },
        rank: { type: 'string' },
        'depth-model': { type: 'string' },
        'data-dir': { type: 'string' },
        'no-library': { type: 'boolean', default: false },
        resolution: { type: 'string' },
        flip: { type: 'boolean', default: false },
        'caption-dropout': { type: 'string' },
        buckets: { type: 'boolean', default: false },
        seed: { type: 'string' },
        ema: { type: 'string' },
        'checkpoint-every': { type: 'string' },
        'sample-every': { type: 'string' },
        'sample-prompts': { type: 'string' },
        resume: { type: 'boolean', default: false },
        out: { type: 'string' },
        cache: { type: 'string' },
        model: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const kind = values.kind as TrainableKind;
    if (!(TRAINABLE_KINDS as readonly string[]).includes(kind ?? ''))
      throw new UsageError(`--kind must be ${TRAINABLE_KINDS.join(', ').replace(/, (\w+)$/, ' or $1')}`);
    const condition = values.condition ?? null;
    if (takesCondition(kind) && !condition)
      throw new UsageError(`--kind ${kind} needs --condition (${CONDITIONS.join(', ')})`);
    if (!takesCondition(kind) && condition)
      throw new UsageError('--condition applies to --kind csc and controlnet only');
    if (condition && !CONDITIONS.includes(condition))
      throw new UsageError(`--condition must be one of ${CONDITIONS.join(', ')}, got "${condition}"`);
    if (values['depth-model'] !== undefined && condition !== 'depth')
      throw new UsageError('--depth-model applies to --condition depth only');
    if (values.rank !== undefined && kind !== 'lora')
      throw new UsageError('--rank applies to --kind lora only');
    if (values['no-library'] && values['data-dir'] !== undefined)
      throw new UsageError('give --data-dir or --no-library, not both');
    if (!values.data) throw new UsageError('--data <folder> is required');
    if (!values.name?.trim()) throw new UsageError('--name <tuner name> is required');
    if (values.steps !== undefined && values.epochs !== undefined)
      throw new UsageError('give --steps or --epochs, not both');
    const schedule = values.schedule ?? 'constant';
    if (schedule !== 'constant' && schedule !== 'cosine')
      throw new UsageError(`--schedule must be constant or cosine, got "${schedule}"`);
    const data = resolve(values.data);
    const name = values.name.trim();
    const outDir = resolve(values.out ?? join('scedit-runs', name));
    const previewPrompts = values['sample-prompts']
      ? parseSamplePrompts(
          await readFile(resolve(values['sample-prompts']), 'utf8').catch((err: NodeJS.ErrnoException) => {
            throw new UsageError(
              `--sample-prompts ${values['sample-prompts']}: cannot read (${err.code ?? err.message})`,
            );
          }),
          values['sample-prompts'],
        )
      : [];
    const steps = num('steps', values.steps, { min: 1 }) ?? null;
    // The studio's starting settings for the kind (training-presets.ts); the baselines keep the plain ones.
    const preset = kind === 'sc' || kind === 'csc' ? TRAINING_PRESETS[kind] : null;
    const epochs = num('epochs', values.epochs, { min: 1 }) ?? null;
    const options: TunerTrainingOptions = {
      ...TUNER_TRAINING_DEFAULTS,
      kind,
      condition,
      // A path when one exists, else the name of a registered depth estimator (e.g. figures).
      depthModel:
        values['depth-model'] === undefined
          ? null
          : existsSync(values['depth-model'])
            ? resolve(values['depth-model'])
            : values['depth-model'],
      dataFolder: data,
      name,
      outDir,
      cacheDir: resolve(values.cache ?? join(data, '.scedit-cache')),
      steps: steps ?? (epochs === null ? 1000 : null),
      epochs,
      batchSize:
        num('batch', values.batch, { min: 1, max: 256 }) ??
        preset?.batchSize ??
        TUNER_TRAINING_DEFAULTS.batchSize,
      gradientAccumulation: num('accum', values.accum, { min: 1, max: 256 }) ?? 1,
      lr:
        num('lr', values.lr, { int: false, min: 1e-12, max: 1 }) ??
        preset?.learningRate ??
        TUNER_TRAINING_DEFAULTS.lr,
      schedule: schedule as 'constant' | 'cosine',
      warmupSteps: num('warmup', values.warmup) ?? 0,
      downRatio: num('down-ratio', values['down-ratio'], { int: false, min: 1e-3, max: 16 }) ?? 1,
      rank: num('rank', values.rank, { min: 1, max: 1024 }) ?? TUNER_TRAINING_DEFAULTS.rank,
      resolution: num('resolution', values.resolution, { min: 8, max: 4096 }) ?? null,
      flip: values.flip,
      captionDropout:
        num('caption-dropout', values['caption-dropout'], { int: false, min: 0, max: 1 }) ??
        preset?.captionDropout ??
        0,
      buckets: values.buckets,
      seed: num('seed', values.seed, { max: 2 ** 32 - 1 }) ?? 0,
      emaDecay: num('ema', values.ema, { int: false, min: 1e-6, max: 0.999999 }) ?? null,
      checkpointEvery: num('checkpoint-every', values['checkpoint-every']) ?? 100,
      previewEvery: num('sample-every', values['sample-every']) ?? 0,
      previewPrompts,
      resume: values.resume,
    };

    // The library folder is checked now, so a bad one fails before hours of training, but opened
    // (and created when new) only once there is a tuner to add.
    const libraryDir =
      values['no-library'] || !(kind === 'sc' || kind === 'csc') ? null : resolveDataDir(values['data-dir']);
    if (libraryDir && existsSync(libraryDir) && !statSync(libraryDir).isDirectory())
      throw new UsageError(`--data-dir ${libraryDir}: is a file, not a folder`);

    await initBackend();
    const model = values.model ? await loadModel(resolve(values.model)) : await loadDefaultModel();
    const tty = process.stderr.isTTY && !values.json;
    const controller = new AbortController();
    const onSignal = () => {
      process.stderr.write('\nstopping after this step (the last checkpoint is kept; --resume continues)\n');
      controller.abort();
    };
    process.once('SIGINT', onSignal);
    let lastPrinted = 0;
    let lastPreview: string | undefined;
    const onEvent = (e: TrainingEvent) => {
      if (values.json) {
        const { type } = e;
        const payload =
          e.type === 'scan'
            ? { type, summary: e.scan.summary, skipped: e.scan.skipped, notes: e.scan.notes }
            : e.type === 'memory'
              ? {
                  type,
                  bytes: e.verdict.estimate.bytes,
                  available: e.verdict.availableBytes,
                  fits: e.verdict.fits,
                }
              : e;
        process.stdout.write(`${JSON.stringify(payload)}\n`);
        return;
      }
      if (e.type === 'scan') {
        for (const line of e.scan.summary) process.stderr.write(`${line}\n`);
        for (const s of e.scan.skipped) process.stderr.write(`  skipped ${s.file}: ${s.reason}\n`);
        for (const n of e.scan.notes) process.stderr.write(`  note: ${n}\n`);
      } else if (e.type === 'memory') {
        process.stderr.write(
          `memory: about ${(e.verdict.estimate.bytes / 1024 ** 2).toFixed(0)} MiB of ${(e.verdict.availableBytes / 1024 ** 2).toFixed(0)} MiB available\n`,
        );
      } else if (e.type === 'cache') {
        if (tty) process.stderr.write(`\rcaching latents and embeddings ${e.done}/${e.total}`);
        if (e.done === e.total) process.stderr.write(tty ? '\n' : `cached ${e.total} image(s)\n`);
      } else if (e.type === 'step') {
        const now = Date.now();
        if (tty) process.stderr.write(`\r${progressLine(e.progress)}`);
        else if (now - lastPrinted > 5000 || e.progress.step === e.progress.totalSteps) {
          process.stderr.write(`${progressLine(e.progress)}\n`);
          lastPrinted = now;
        }
      } else if (e.type === 'preview') {
        lastPreview = e.files[0] ?? lastPreview;
        if (tty) process.stderr.write('\n');
        process.stderr.write(`previews at step ${e.step}: ${e.files.join(', ')}\n`);
      }
    };
    try {
      const result = await trainTuner(model, options, { onEvent, signal: controller.signal });
      if (tty) process.stderr.write('\n');
      const c = result.cache;
      process.stderr.write(
        `cache: latents ${c.latent.hits} reused/${c.latent.misses} computed, text ${c.text.hits}/${c.text.misses}, maps ${c.condition.hits}/${c.condition.misses}\n`,
      );
      if (result.status === 'cancelled') {
        process.stderr.write(`cancelled at step ${result.step}; checkpoint: ${result.checkpointPath}\n`);
        return 130;
      }
      process.stderr.write(`tuner file: ${result.tunerPath}\n`);
      if (libraryDir) {
        const library = Library.open({ dataDir: libraryDir, checkIntegrity: false });
        try {
          const id = await registerTrainedTuner(
            library,
            options,
            result,
            { id: model.id, hash: model.hash },
            lastPreview,
          ).catch((err: Error) => {
            throw new Error(
              `${err.message}\nthe tuner file is kept at ${result.tunerPath}; add it with: scedit tuners import ${result.tunerPath}`,
            );
          });
          if (values.json)
            process.stdout.write(
              `${JSON.stringify({ type: 'library', tunerId: id, dataDir: library.dataDir })}\n`,
            );
          process.stderr.write(`library: tuner ${id} "${name}" in ${library.dataDir}\n`);
        } finally {
          library.close();
        }
      } else if (!values['no-library'])
        process.stderr.write(
          `library: not added (the library holds SC- and CSC-Tuners; a ${kind === 'lora' ? 'LoRA' : 'ControlNet'} file is used from where it is)\n`,
        );
      console.log(result.tunerPath);
      return 0;
    } catch (err) {
      if (err instanceof TrainingDataError || err instanceof TrainingMemoryError)
        throw new Error(err.message);
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      model.dispose();
    }
  },
};

/**
 * Records the finished run and imports its tuner with its lineage, the way the studio's training
 * handler does: a completed training run (options, dataset, losses) and the tuner row pointing to it.
 */
export async function registerTrainedTuner(
  library: Library,
  options: TunerTrainingOptions,
  result: TunerTrainingResult,
  baseModel: { id: string; hash: string },
  /** The run's last sample picture (a PNG file), which becomes the tuner's preview. */
  lastPreview?: string,
): Promise<number> {
  if (!result.tunerPath) throw new Error('the run has no finished tuner to register');
  if (options.kind !== 'sc' && options.kind !== 'csc')
    throw new Error(`the library holds SC- and CSC-Tuners, not ${options.kind}`);
  const runs = library.trainingRuns;
  // The very same file (same data, settings and seed) is in the library already: no second run row.
  const fileHash = createHash('sha256')
    .update(await readFile(result.tunerPath))
    .digest('hex');
  const existing = library.tuners.byFileHash(fileHash);
  if (existing) return existing.id;
  const baseModelId = library.baseModels.ensure({ modelId: baseModel.id, hash: baseModel.hash });
  const { previewPrompts, availableMemory: _, ...settings } = options;
  const runId = runs.create({
    name: options.name,
    kind: options.kind,
    condition: options.condition,
    baseModelId,
    totalSteps: result.totalSteps,
    config: {
      source: 'cli',
      ...settings,
      previewPrompts: previewPrompts.map((p) => p.prompt),
      parameterCount: result.parameterCount,
    },
    dataset: result.dataset,
  });
  runs.start(runId);
  runs.progress(runId, result.step, result.lossHistory);
  runs.complete(runId);
  const imported = await library.importTuner(result.tunerPath, { name: options.name, trainingRunId: runId });
  if (lastPreview && imported.tuner.previews.length === 0)
    await library.addPreview(imported.tuner.id, await readFile(lastPreview));
  return imported.tuner.id;
}
