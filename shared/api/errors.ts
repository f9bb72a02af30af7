// Errors as they cross a boundary (worker -> main -> IPC/WebSocket -> UI): a code the UI can act on
// and a message a person understands. Pure TypeScript: no Node, no DOM.

export const STUDIO_ERROR_CODES = [
  /** The request did not match the method's schema; `issues` says where. */
  'invalid-input',
  /** No such method in the StudioApi table. */
  'unknown-method',
  /** A tuner, generation, job or file that does not exist. */
  'not-found',
  /** The job was cancelled by a user. */
  'cancelled',
  /** The engine worker died during the job; it has been restarted. */
  'worker-crashed',
  /** Missing or wrong access token. */
  'unauthorized',
  /** A message or request over the size limit. */
  'too-large',
  /** A message that is not a StudioApi call at all (bad JSON, wrong shape). */
  'malformed',
  /** A capability this build or machine does not offer (yet). */
  'unavailable',
  /** Anything else that went wrong while doing the work. */
  'failed',
] as const;
export type StudioErrorCode = (typeof STUDIO_ERROR_CODES)[number];

export interface StudioErrorIssue {
  /** Where in the input, e.g. "layers.0.weight". */
  path: string;
  message: string;
}

/** The plain-object form that travels over postMessage, IPC and JSON. */
export interface SerializedStudioError {
  code: StudioErrorCode;
  message: string;
  issues?: StudioErrorIssue[];
}

export class StudioError extends Error {
  override readonly name = 'StudioError';
  constructor(
    readonly code: StudioErrorCode,
    message: string,
    readonly issues?: StudioErrorIssue[],
  ) {
    super(message);
  }

  toJSON(): SerializedStudioError {
    return this.issues
      ? { code: this.code, message: this.message, issues: this.issues }
      : { code: this.code, message: this.message };
  }
}

export function isStudioErrorCode(value: unknown): value is StudioErrorCode {
  return typeof value === 'string' && (STUDIO_ERROR_CODES as readonly string[]).includes(value);
}

/** Any thrown value -> the serialised form; unknown errors keep their message under code "failed". */
export function serializeError(err: unknown): SerializedStudioError {
  if (err instanceof StudioError) return err.toJSON();
  if (err instanceof Error) return { code: 'failed', message: err.message || err.name };
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') {
    const code = 'code' in err && isStudioErrorCode(err.code) ? err.code : 'failed';
    return { code, message: err.message };
  }
  return { code: 'failed', message: String(err) };
}

export function deserializeError(value: unknown): StudioError {
  if (typeof value === 'object' && value !== null) {
    const v = value as Partial<SerializedStudioError>;
    const code = isStudioErrorCode(v.code) ? v.code : 'failed';
    const message = typeof v.message === 'string' ? v.message : 'unknown error';
    const issues = Array.isArray(v.issues) ? v.issues : undefined;
    return new StudioError(code, message, issues);
  }
  return new StudioError('failed', String(value));
}
