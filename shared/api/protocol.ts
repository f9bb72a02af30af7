// The StudioApi over a message channel (the WebSocket server; the same shape serves HTTP POST).
// A client tags each call with an id; the server answers with progress events and one result or
// error under that id. Errors travel serialised (code + message), never as stack traces.
import { z } from 'zod';
import type { SerializedStudioError } from './errors.ts';
import type { JobProgress } from './progress.ts';

/** Largest message either side accepts (condition layers travel as base64 PNGs). */
export const MAX_MESSAGE_BYTES = 64 * 2 ** 20;

export const CallMessage = z.object({
  type: z.literal('call'),
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  method: z.string().min(1).max(100),
  input: z.unknown().optional(),
});
export type CallMessage = z.infer<typeof CallMessage>;

export type ServerMessage =
  | { type: 'hello'; version: string; methods: string[] }
  | { type: 'result'; id: number; output: unknown }
  | { type: 'progress'; id: number; progress: JobProgress }
  /** id is null when the message it answers had no readable id. */
  | { type: 'error'; id: number | null; error: SerializedStudioError };

/** URL path where the WebSocket endpoint listens; HTTP POST /api/<method> answers single calls. */
export const API_SOCKET_PATH = '/api/ws';
export const API_HTTP_PREFIX = '/api/';
/** URL path prefix of library files over HTTP. */
export const FILES_HTTP_PREFIX = '/files/';
/** The custom protocol the Electron window loads library files through. */
export const FILE_PROTOCOL = 'studio-file';
