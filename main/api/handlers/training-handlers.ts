// Training: a run row in the library, the trainer as a queued job in the worker (checkpoints in
// the run's own folder), progress and losses recorded as it goes, and the finished tuner imported
// into the library with its lineage.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StudioError } from '../../../shared/api/errors.ts';
import type { MethodOutput, MethodParams } from '../../../shared/api/methods.ts';
import { TrainStartRequest } from '../../../shared/api/training-schemas.ts';
import type { EngineTrainRequest, EngineTrainResult } from '../../jobs/engine-host.ts';
import type { CallContext, Handler, StudioContext } from '../context.ts';
import { libraryId, trainingRunSummary } from '../library-mapping.ts';

/** Losses and the step reach the database at most this often (one short transaction each). */
const PROGRESS_WRITE_MS = 1000;

async function runTraining(
  studio: StudioContext,
  call: CallContext,
  method: 'trainStart' | 'trainResume',
  runId: number,
  request: MethodParams<'trainStart'>,
  resume: boolean,
  steps: number,
): Promise<MethodOutput<'trainStart'>> {
  const runs = studio.library.trainingRuns;
  const runDir = join(studio.dataDir, 'runs', String(runId));
  mkdirSync(runDir, { recursive: true });
  const input: EngineTrainRequest = { request, runDir, resume, steps };
  const losses: { step: number; loss: number }[] = [];
  let lastStep = 0;
  let lastWrite = 0;
  const flush = () => {
    runs.progress(runId, lastStep, losses.splice(0));
    lastWrite = performance.now();
  };
  let lastPreview: Uint8Array | undefined;
  const started = performance.now();
  const { jobId, result } = studio.jobs.enqueue(
    method,
    (job) => {
      runs.start(runId);
      return studio.engine.run<EngineTrainResult>('train', input, {
        signal: job.signal,
        onProgress: (update) => {
          job.progress(update);
          if (update.preview) lastPreview = update.preview;
          if (update.step === undefined) return;
          lastStep = update.step;
          if (update.loss !== undefined && Number.isFinite(update.loss))
            losses.push({ step: update.step, loss: update.loss });
          if (performance.now() - lastWrite >= PROGRESS_WRITE_MS) flush();
        },
      });
    },
    call.onProgress,
  );
  studio.trainingJobs.set(String(runId), jobId);
  try {
    const out = await result;
    flush();
    const imported = await studio.library.importTuner(out.tunerPath, {
      name: request.name,
      trainingRunId: runId,
    });
    // The run's last sample is what the tuner makes: the card shows it rather than "no preview".
    if (lastPreview && imported.tuner.previews.length === 0)
      await studio.library.addPreview(imported.tuner.id, lastPreview);
    runs.complete(runId);
    return {
      runId: String(runId),
      tunerId: String(imported.tuner.id),
      steps: out.steps,
      finalLoss: out.finalLoss,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    if (losses.length) flush();
    if (err instanceof StudioError && err.code === 'cancelled') runs.cancel(runId);
    else runs.fail(runId, err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    studio.trainingJobs.delete(String(runId));
  }
}

export const trainStart: Handler<'trainStart'> = async (params, studio, call) => {
  const runId = studio.library.trainingRuns.create({
    name: params.name,
    kind: params.kind,
    condition: params.condition,
    totalSteps: params.options.steps,
    config: params as unknown as Record<string, unknown>,
    dataset: { folder: params.dataFolder, imageCount: null, hash: null },
  });
  return runTraining(studio, call, 'trainStart', runId, params, false, params.options.steps);
};

export const trainResume: Handler<'trainResume'> = async ({ runId, steps }, studio, call) => {
  const id = libraryId(runId, 'training run');
  const run = studio.library.trainingRuns.get(id);
  if (!run) throw new StudioError('not-found', `training run "${runId}" does not exist`);
  if (run.status === 'completed' && steps === null)
    throw new StudioError(
      'invalid-input',
      `training run "${run.name}" is complete; give more steps to extend it`,
    );
  if (studio.trainingJobs.has(runId))
    throw new StudioError('invalid-input', `training run "${run.name}" is already queued or running`);
  const request = TrainStartRequest.safeParse(run.config);
  if (!request.success)
    throw new StudioError(
      'failed',
      `training run "${run.name}" has no usable settings stored; start it again`,
    );
  return runTraining(studio, call, 'trainResume', id, request.data, true, steps ?? run.totalSteps);
};

export const trainCancel: Handler<'trainCancel'> = async ({ runId }, studio) => {
  const jobId = studio.trainingJobs.get(runId);
  return { cancelled: jobId !== undefined && studio.jobs.cancel(jobId) };
};

export const trainRuns: Handler<'trainRuns'> = async (_params, studio) => ({
  runs: studio.library.trainingRuns.list(50).map((run) => trainingRunSummary(studio.library, run)),
});

export const trainScan: Handler<'trainScan'> = (params, studio) => studio.engine.run('trainScan', params);
