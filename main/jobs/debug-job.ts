// Test hook served by the engine worker (only with SCEDIT_TEST_HOOKS=1): timed steps that report
// progress, honour cancel, and can fail or kill the worker at a chosen step. It lets the tests
// exercise queueing, cancel and crash recovery without depending on how long real work takes.
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import type { MethodOutput, MethodParams } from '../../shared/api/methods.ts';
import type { JobContext } from './engine-host.ts';

/** Exit code of a worker that a debug job killed on purpose. */
export const DEBUG_CRASH_EXIT_CODE = 70;

export async function runDebugJob(
  req: MethodParams<'debugJob'>,
  ctx: JobContext,
): Promise<MethodOutput<'debugJob'>> {
  for (let step = 0; step < req.steps; step++) {
    ctx.signal.throwIfAborted();
    if (step === req.crashAtStep) process.exit(DEBUG_CRASH_EXIT_CODE);
    if (step === req.failAtStep) throw new Error(`debug job failed at step ${step} as asked`);
    await sleep(req.stepMs, undefined, { signal: ctx.signal });
    ctx.progress({ fraction: (step + 1) / req.steps, step: step + 1, totalSteps: req.steps });
  }
  return { steps: req.steps, workerThreadId: threadId };
}
