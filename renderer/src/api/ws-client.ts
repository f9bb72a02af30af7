// The StudioApi over the studio server's WebSocket (browser mode). Calls made before the socket is
// open wait for it; a dropped connection fails the calls in flight with a readable error and is
// re-opened on the next call. Written against a minimal socket shape so Node tests can drive it
// with the `ws` package.
import type { FileRef } from '../../../shared/api/common-schemas.ts';
import { deserializeError, StudioError } from '../../../shared/api/errors.ts';
import type { StudioMethodName } from '../../../shared/api/methods.ts';
import type { JobProgress } from '../../../shared/api/progress.ts';
import {
  API_SOCKET_PATH,
  FILES_HTTP_PREFIX,
  MAX_MESSAGE_BYTES,
  type ServerMessage,
} from '../../../shared/api/protocol.ts';
import {
  createStudioClient,
  encodeStorePath,
  type StudioClient,
  type StudioTransport,
} from '../../../shared/api/studio-client.ts';

/** The parts of a WebSocket this client uses (the browser's and the `ws` package's both fit). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: never) => void): void;
}

export interface WsClientOptions {
  /** The studio's address, e.g. "http://127.0.0.1:5317/"; default: the page's own origin. */
  baseUrl?: string;
  /** Access token (remote mode) when the cookie from the ?token= link is not available. */
  token?: string;
  /** Opens the socket; default: the browser's WebSocket. */
  openSocket?: (url: string) => SocketLike;
  maxMessageBytes?: number;
}

export interface WsStudioClient extends StudioClient {
  /** Closes the connection; calls in flight fail. */
  disconnect(): void;
}

const OPEN = 1;

interface Pending {
  method: StudioMethodName;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  onProgress?: (p: JobProgress) => void;
}

function defaultBaseUrl(): string {
  const loc = (globalThis as { location?: { origin: string } }).location;
  if (!loc) throw new Error('ws-client: no page location; pass baseUrl');
  return `${loc.origin}/`;
}

function browserSocket(url: string): SocketLike {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => SocketLike }).WebSocket;
  if (!Ctor) throw new Error('ws-client: this environment has no WebSocket; pass openSocket');
  return new Ctor(url);
}

export function socketUrl(baseUrl: string, token?: string): string {
  const url = new URL(API_SOCKET_PATH, baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token) url.searchParams.set('token', token);
  return url.toString();
}

export function createWsStudioClient(options: WsClientOptions = {}): WsStudioClient {
  const baseUrl = options.baseUrl ?? defaultBaseUrl();
  const openSocket = options.openSocket ?? browserSocket;
  const maxBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: SocketLike | null = null;
  let opened: Promise<SocketLike> | null = null;

  function failAll(error: StudioError): void {
    for (const [id, call] of pending) {
      pending.delete(id);
      call.reject(error);
    }
  }

  function onMessage(data: unknown): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(String(data)) as ServerMessage;
    } catch {
      return;
    }
    if (message.type === 'hello') return;
    if (message.id === null) return;
    const call = pending.get(message.id);
    if (!call) return;
    if (message.type === 'progress') call.onProgress?.(message.progress);
    else {
      pending.delete(message.id);
      if (message.type === 'result') call.resolve(message.output);
      else call.reject(deserializeError(message.error));
    }
  }

  function connect(): Promise<SocketLike> {
    if (socket && socket.readyState === OPEN) return Promise.resolve(socket);
    if (opened) return opened;
    opened = new Promise<SocketLike>((resolve, reject) => {
      const ws = openSocket(socketUrl(baseUrl, options.token));
      let isOpen = false;
      ws.addEventListener('open', () => {
        isOpen = true;
        socket = ws;
        resolve(ws);
      });
      ws.addEventListener('message', (event: { data: unknown }) => onMessage(event.data));
      ws.addEventListener('close', (event: { code: number; reason: string }) => {
        if (socket === ws) socket = null;
        opened = null;
        const why =
          event.code === 1009
            ? `a message was over the server's size limit`
            : event.reason || `code ${event.code}`;
        const error = new StudioError(
          event.code === 1009 ? 'too-large' : 'unavailable',
          isOpen
            ? `the connection to the studio closed (${why})`
            : `could not connect to the studio at ${baseUrl} (${why})`,
        );
        if (!isOpen) reject(error);
        failAll(error);
      });
      ws.addEventListener('error', () => {});
    });
    return opened;
  }

  const transport: StudioTransport = {
    async call(method, input, onProgress) {
      const id = nextId++;
      const text = JSON.stringify({ type: 'call', id, method, input });
      // Length in UTF-16 units is a lower bound of the UTF-8 size; good enough to refuse early.
      if (text.length > maxBytes)
        throw new StudioError(
          'too-large',
          `${method}: the request is over the ${Math.round(maxBytes / 2 ** 20)} MiB limit`,
        );
      const ws = await connect();
      return new Promise((resolve, reject) => {
        pending.set(id, { method, resolve, reject, onProgress });
        ws.send(text);
      });
    },
    fileUrl(file: FileRef) {
      return new URL(FILES_HTTP_PREFIX + encodeStorePath(file.storePath), baseUrl).toString();
    },
  };

  const client = createStudioClient(transport);
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'disconnect')
        return () => {
          socket?.close(1000, 'client closed');
          socket = null;
          opened = null;
        };
      return Reflect.get(target, prop, receiver);
    },
  }) as WsStudioClient;
}
