// Queues one engine task as a job: the caller gets queue position, progress and the result.
import type { JobMethodName } from '../../../shared/api/methods.ts';
import type { EngineTaskName } from '../../jobs/engine-host.ts';
import type { CallContext, StudioContext } from '../context.ts';

export function runEngineJob<T>(
  studio: StudioContext,
  method: JobMethodName,
  call: CallContext,
  task: EngineTaskName,
  input: unknown,
): Promise<T> {
  const { result } = studio.jobs.enqueue(
    method,
    (job) => studio.engine.run<T>(task, input, { signal: job.signal, onProgress: job.progress }),
    call.onProgress,
  );
  return result;
}
