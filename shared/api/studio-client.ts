// The StudioApi as the UI sees it, whatever carries it (Electron's bridge or a WebSocket): one
// async function per method in the table. Transports only move calls; cancel-on-abort and the
// file URLs live here, once.
import type { FileRef } from './common-schemas.ts';
import { type SerializedStudioError, StudioError } from './errors.ts';
import type { MethodInput, MethodOutput, StudioMethodName } from './methods.ts';
import type { JobProgress } from './progress.ts';

export interface CallOptions {
  /** Progress of a job method: the first event (state "queued") carries the job id. */
  onProgress?: (progress: JobProgress) => void;
  /** Aborting cancels the job on the server (or, for plain calls, stops waiting for the answer). */
  signal?: AbortSignal;
}

export type StudioApi = {
  [M in StudioMethodName]: (input: MethodInput<M>, options?: CallOptions) => Promise<MethodOutput<M>>;
};

export interface StudioClient extends StudioApi {
  /** A URL the page can load a library file from (an <img> src). */
  fileUrl(file: FileRef): string;
}

/** What a transport provides: move one call and its progress events. */
export interface StudioTransport {
  call(
    method: StudioMethodName,
    input: unknown,
    onProgress?: (progress: JobProgress) => void,
  ): Promise<unknown>;
  fileUrl(file: FileRef): string;
}

/** A bridge call's answer: errors come back as data, since the context bridge drops an Error's code. */
export type BridgeOutcome<T> = { ok: true; output: T } | { ok: false; error: SerializedStudioError };

/**
 * What the Electron preload exposes as `window.studio`: exactly the StudioApi methods, each taking
 * its input and an optional progress callback (AbortSignals cannot cross the context bridge).
 */
export type StudioBridge = {
  [M in StudioMethodName]: (
    input: MethodInput<M>,
    onProgress?: (progress: JobProgress) => void,
  ) => Promise<BridgeOutcome<MethodOutput<M>>>;
} & { fileUrl(file: FileRef): string };

function abortError(signal: AbortSignal): StudioError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'the caller aborted';
  return new StudioError('cancelled', `cancelled: ${reason}`);
}

async function callWithOptions(
  transport: StudioTransport,
  method: StudioMethodName,
  input: unknown,
  options: CallOptions = {},
): Promise<unknown> {
  const { signal, onProgress } = options;
  if (signal?.aborted) throw abortError(signal);
  let jobId: string | null = null;
  let cancelRequested = false;
  const requestCancel = () => {
    if (cancelRequested || jobId === null) return;
    cancelRequested = true;
    transport.call('cancel', { jobId }).catch(() => {});
  };
  const progress = (p: JobProgress) => {
    jobId ??= p.jobId;
    if (signal?.aborted) requestCancel();
    onProgress?.(p);
  };
  const pending = transport.call(method, input, progress);
  if (!signal) return pending;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      requestCancel();
      // Plain calls cannot be stopped server-side; jobs reject when the server confirms.
      if (jobId === null) reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Builds the StudioClient over a transport; every method name resolves to a call. */
export function createStudioClient(transport: StudioTransport): StudioClient {
  const cache = new Map<string, unknown>();
  return new Proxy({} as StudioClient, {
    get(_target, prop) {
      if (prop === 'fileUrl') return (file: FileRef) => transport.fileUrl(file);
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      let fn = cache.get(prop);
      if (!fn) {
        fn = (input: unknown, options?: CallOptions) =>
          callWithOptions(transport, prop as StudioMethodName, input ?? {}, options);
        cache.set(prop, fn);
      }
      return fn;
    },
  });
}

/** A library file's URL path segment, percent-encoded per path component. */
export function encodeStorePath(storePath: string): string {
  return storePath.split('/').map(encodeURIComponent).join('/');
}
