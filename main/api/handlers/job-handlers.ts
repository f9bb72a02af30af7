// Handlers for the compute jobs that need no library: annotation, the queue itself, the test hook.
import { StudioError } from '../../../shared/api/errors.ts';
import type { Handler } from '../context.ts';
import { runEngineJob } from './engine-job.ts';

export const annotate: Handler<'annotate'> = (params, studio, call) =>
  runEngineJob(studio, 'annotate', call, 'annotate', params);

export const cancel: Handler<'cancel'> = async ({ jobId }, studio) => ({
  cancelled: studio.jobs.cancel(jobId),
});

export const jobsList: Handler<'jobsList'> = async (_params, studio) => ({ jobs: studio.jobs.list() });

export const debugJob: Handler<'debugJob'> = (params, studio, call) => {
  if (!studio.testHooks)
    return Promise.reject(
      new StudioError('unavailable', 'debugJob is a test hook; start the studio with SCEDIT_TEST_HOOKS=1'),
    );
  return runEngineJob(studio, 'debugJob', call, 'debugJob', params);
};
